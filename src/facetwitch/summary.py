"""Whole-video metrics and suggested clinical grades (labelled as suggestions: the clinician confirms).

Scale anchors are those of the published scales (sources in docs/clinical-sources.md):

* Jankovic Rating Scale (JRS), Jankovic & Orman 1987 [SC-1]: severity 0-4, frequency 0-4.
* Samsung Medical Center (SMC) grade of hemifacial spasm, Lee et al. 2012 [SC-2]: I periocular only;
  II spread to other ipsilateral muscles; III interference with vision from frequent tonic spasms;
  IV disfiguring asymmetry.

The mapping from video measurements to an anchor is ours (it is a rule, not a validated instrument) and each
suggestion carries the rule text that fired. Normal resting blink rate: about 17/min, 26/min in conversation
(Bentivoglio et al. 1997 [SC-3]); above ``INCREASED_BLINK_RATE`` we call blinking increased.

The clinical unit is the **episode** (a burst of contractions of one side, see :mod:`facetwitch.episodes`):
time in spasm, spasms per minute and the JRS "spasm lasting more than 1 s" rule are all measured on episodes,
not on the individual twitches within them (a 1.8 s clonic burst of 0.25 s twitches is a spasm of 1.8 s). An
episode's duration is read between the feet at 10 % of its height, where a spasm of 1 s from the start of its
movement to its end reads about 0.85-0.95 s; the JRS rule compares it with ``episodes.SUSTAINED_S``, the same cut
that makes a contraction tonic.
"""

from __future__ import annotations

import numpy as np

from facetwitch.episodes import SUSTAINED_S
from facetwitch.records import (
    Episode,
    Event,
    ScaleSuggestion,
    SideSummary,
    SuggestedScales,
    Summary,
    TremorSummary,
    canonical_regions,
)
from facetwitch.signals import Signals, frame_interval

INCREASED_BLINK_RATE = 27.0  # per minute, above the conversational mean of healthy adults [SC-3]
EYE_CLOSED = 0.5  # closure above this counts as "eye closed" for closure fractions
PERIOCULAR = {"eye", "brow"}
AT_FEET = "read between its feet at 10 % of its height"


def analysed_duration(sig: Signals) -> float:
    """Seconds of video with a usable face (sum of the intervals that start at a usable frame)."""
    if sig.t_s.size < 2:
        return 0.0
    dt = np.diff(sig.t_s, append=sig.t_s[-1] + frame_interval(sig.t_s))
    return float(np.sum(dt[sig.usable]))


def _closed_fraction(sig: Signals, side: str) -> float:
    usable = sig.usable
    if not usable.any():
        return 0.0
    with np.errstate(invalid="ignore"):
        if side == "both":
            closed = (sig.closure_left > EYE_CLOSED) & (sig.closure_right > EYE_CLOSED)
        else:
            closed = sig.side("closure", side) > EYE_CLOSED
    return float(np.sum(closed & usable) / np.sum(usable))


def summarise(sig: Signals, events: list[Event], episodes: list[Episode]) -> Summary:
    duration = analysed_duration(sig)
    minutes = duration / 60.0 if duration > 0 else float("nan")

    def side_summary(side: str) -> SideSummary:
        eps = [e for e in episodes if e.side == side]
        spasm_time = covered_s([(e.start_s, e.end_s) for e in eps])
        regions = {r for e in eps for r in e.regions}
        return SideSummary(
            episodes=len(eps),
            episodes_per_min=_rate(len(eps), minutes),
            spasm_time_fraction=min(1.0, spasm_time / duration) if duration > 0 else 0.0,
            eye_closure_fraction=_closed_fraction(sig, side),
            regions=canonical_regions(regions),
            spread_beyond_eye=bool(regions - PERIOCULAR),
        )

    sides = {s: side_summary(s) for s in ("left", "right", "both")}
    left_t, right_t = sides["left"].spasm_time_fraction, sides["right"].spasm_time_fraction
    laterality = (right_t - left_t) / (right_t + left_t) if right_t + left_t > 0 else None
    blinks = [e for e in events if e.kind == "blink"]
    incomplete = sum(e.complete is False for e in blinks)
    return Summary(
        analysed_duration_s=duration,
        blink_count=len(blinks),
        blink_rate_per_min=_rate(len(blinks), minutes),
        episodes_total=len(episodes),
        left=sides["left"],
        right=sides["right"],
        both=sides["both"],
        laterality_index=laterality,
        affected_side=_affected_side(sides, laterality),
        longest_episode_s=max((e.duration_s for e in episodes), default=0.0),
        tremor=_tremor_summary(events, duration),
        incomplete_blink_count=incomplete,
        incomplete_blink_fraction=incomplete / len(blinks) if blinks else None,
    )


def covered_s(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of (start, end) spans (overlaps counted once)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _rate(count: int, minutes: float) -> float:
    return float(count / minutes) if minutes and np.isfinite(minutes) and minutes > 0 else 0.0


def _affected_side(sides: dict[str, SideSummary], laterality: float | None) -> str | None:
    unilateral = sides["left"].episodes + sides["right"].episodes
    if unilateral == 0:
        return "both" if sides["both"].episodes else None
    if laterality is not None and abs(laterality) >= 0.5:
        return "right" if laterality > 0 else "left"
    return "both"


def _tremor_summary(events: list[Event], duration: float) -> TremorSummary:
    tremors = [e for e in events if e.kind == "tremor"]
    if not tremors:
        return TremorSummary(present=False)
    weights = np.array([e.duration_s for e in tremors])
    freqs = np.array([e.frequency_hz or 0.0 for e in tremors])
    regions = {r for e in tremors for r in e.regions}
    return TremorSummary(
        present=True,
        frequency_hz=float(np.sum(weights * freqs) / np.sum(weights)),
        time_fraction=min(1.0, float(weights.sum()) / duration) if duration > 0 else 0.0,
        regions=canonical_regions(regions),
    )


def suggest_scales(summary: Summary, episodes: list[Episode], events: list[Event]) -> SuggestedScales:
    """Suggested JRS severity/frequency and SMC grade, each with the rule that produced it."""
    contractions = [e for e in events if e.kind == "contraction"]
    eye_peak = max((e.peak for e in contractions if "eye" in e.regions), default=0.0)
    # A spasm, clinically, is the whole burst (an episode), not one twitch within it.
    longest = max((e.duration_s for e in episodes), default=0.0)
    spasm_fraction = max(summary.left.spasm_time_fraction, summary.right.spasm_time_fraction,
                         summary.both.spasm_time_fraction)  # fmt: skip
    closure = max(summary.left.eye_closure_fraction, summary.right.eye_closure_fraction)
    spread = any(getattr(summary, s).spread_beyond_eye for s in ("left", "right", "both"))
    increased_blinking = summary.blink_rate_per_min > INCREASED_BLINK_RATE

    # JRS severity [SC-1]
    if not episodes:
        severity = ScaleSuggestion(
            1 if increased_blinking else 0,
            f"no spasm; blink rate {summary.blink_rate_per_min:.0f}/min "
            + ("above" if increased_blinking else "within")
            + f" {INCREASED_BLINK_RATE:.0f}/min -> {'1 (increased blinking)' if increased_blinking else '0 (none)'}",
        )
    elif spasm_fraction >= 0.25 or (spread and closure >= 0.1):
        severity = ScaleSuggestion(
            4, f"spasm {spasm_fraction:.0%} of the time or spread beyond the eye with the eye closed "
               f"{closure:.0%} of the time -> 4 (severe)",
        )  # fmt: skip
    elif eye_peak >= 0.7:
        severity = ScaleSuggestion(
            3, f"eyelid spasm closing the eye (peak closure {eye_peak:.2f}) -> 3 (moderate)"
        )
    else:
        severity = ScaleSuggestion(
            2, f"spasms without full lid closure (peak closure {eye_peak:.2f}) -> 2 (mild)"
        )

    # JRS frequency [SC-1]
    if not episodes:
        frequency = ScaleSuggestion(1 if increased_blinking else 0, severity.rule)
    elif closure > 0.5:
        frequency = ScaleSuggestion(4, f"an eye closed {closure:.0%} of the time (> 50%) -> 4")
    elif longest >= SUSTAINED_S:
        frequency = ScaleSuggestion(
            3,
            f"a spasm episode of 1 s or more (longest {longest:.2f} s {AT_FEET}), eyes open > 50% of the time -> 3",
        )
    else:
        frequency = ScaleSuggestion(
            2, f"all spasm episodes shorter than 1 s (longest {longest:.2f} s {AT_FEET}) -> 2"
        )

    # SMC grade [SC-2] for unilateral (hemifacial) spasm only.
    side = summary.affected_side if summary.affected_side in ("left", "right") else None
    if side is None:
        smc = ScaleSuggestion(None, "no unilateral spasm: SMC grade does not apply")
    else:
        s = getattr(summary, side)
        tonic = [e for e in episodes if e.side == side and e.pattern in ("tonic", "mixed")]
        if s.spasm_time_fraction >= 0.3:
            smc = ScaleSuggestion(4, f"{side} side in spasm {s.spasm_time_fraction:.0%} of the time (>= 30%): "
                                     "persistent disfiguring asymmetry -> IV")  # fmt: skip
        elif tonic and s.eye_closure_fraction >= 0.05:
            smc = ScaleSuggestion(3, f"{len(tonic)} tonic episode(s) closing the {side} eye "
                                     f"{s.eye_closure_fraction:.0%} of the time -> III")  # fmt: skip
        elif s.spread_beyond_eye:
            regions = ", ".join(r for r in s.regions if r not in PERIOCULAR)
            smc = ScaleSuggestion(2, f"spasm spreads beyond the eye ({regions}) -> II")
        else:
            smc = ScaleSuggestion(1, "spasm confined to the periocular muscles -> I")
    return SuggestedScales(jankovic_severity=severity, jankovic_frequency=frequency, smc_grade=smc)
