"""Scoring detections against known truth (simulated videos, annotated recordings).

Matching is one-to-one and greedy by temporal overlap: a detection matches a truth item when their spans
overlap once widened by ``tolerance_s`` on each side (largest overlaps first). F1 counts matches regardless of
side; laterality is the share of matched pairs whose sides agree.

:func:`score_video` scores one video's events and episodes; :func:`metrics` pools any set of scored videos
into the numbers every bar of the benchmark is stated in (:data:`BARS`), and :func:`worst_group` finds the
weakest face (or frame rate) beside the pooled number, so no average hides a face the detector fails on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

INCOMPLETE_BLINK_DEPTH = 0.85  # truth blinks closing less than this (Event.peak) are incomplete
TOLERANCE_S = {"episode": 0.25, "blink": 0.1, "tremor": 0.5}


class Span(Protocol):
    start_s: float
    end_s: float
    side: str


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    side_agreements: int = 0
    frequency_errors_hz: list[float] = field(default_factory=list)

    def add(self, other: Score) -> Score:
        return Score(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.side_agreements + other.side_agreements,
            self.frequency_errors_hz + other.frequency_errors_hz,
        )

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def laterality(self) -> float:
        return self.side_agreements / self.true_positives if self.true_positives else 1.0

    @property
    def max_frequency_error_hz(self) -> float:
        return max(self.frequency_errors_hz, default=0.0)


def _overlap(a: Span, b: Span, tolerance_s: float) -> float:
    return min(a.end_s, b.end_s) + tolerance_s - max(a.start_s, b.start_s)


def pairs(truth: Sequence[Span], found: Sequence[Span], tolerance_s: float = 0.25) -> list[tuple[int, int]]:
    """One-to-one (truth index, found index) pairs, greedy by overlap (largest first)."""
    candidates = sorted(
        ((_overlap(t, f, tolerance_s), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_t: set[int] = set()
    used_f: set[int] = set()
    out = []
    for overlap, i, j in candidates:
        if overlap <= 0:
            break
        if i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        out.append((i, j))
    return sorted(out)


def match(truth: Sequence[Span], found: Sequence[Span], tolerance_s: float = 0.25) -> Score:
    """Greedy one-to-one matching by overlap (largest overlaps first), as a :class:`Score`."""
    score = Score()
    matched = pairs(truth, found, tolerance_s)
    for i, j in matched:
        score.true_positives += 1
        score.side_agreements += truth[i].side == found[j].side
        f_true, f_found = getattr(truth[i], "frequency_hz", None), getattr(found[j], "frequency_hz", None)
        if f_true is not None and f_found is not None:
            score.frequency_errors_hz.append(abs(f_true - f_found))
    score.false_positives = len(found) - len(matched)
    score.false_negatives = len(truth) - len(matched)
    return score


@dataclass
class VideoScore:
    """Everything the bars need from one video. Times in seconds."""

    name: str
    face: str = ""
    fps: float = 0.0
    minutes: float = 0.0  # analysed duration (min): the time the reported rates are per
    truth_minutes: float = 0.0  # the whole recording (min): the time the truth's blinks happened in
    control: bool = False  # no spasm, blepharospasm or tremor in the truth
    episodes: Score = field(default_factory=Score)
    blinks: Score = field(default_factory=Score)
    tremor: Score = field(default_factory=Score)
    pattern_agreements: int = 0
    onset_errors_s: list[float] = field(default_factory=list)
    end_errors_s: list[float] = field(default_factory=list)
    contraction_errors: list[int] = field(default_factory=list)  # found - truth, per matched episode
    regions: Score = field(default_factory=Score)  # region labels of matched episodes (micro-averaged)
    spasm_time_truth_s: float = 0.0
    spasm_time_found_s: float = 0.0
    incomplete_truth: int = 0
    incomplete_found: int = 0
    blinks_truth: int = 0
    blinks_found: int = 0
    false_episodes: int = 0  # episodes on a control video
    false_tremors: int = 0  # tremor detections matching no truth tremor

    @property
    def blink_rate_error(self) -> float | None:
        """Relative error of the blink rate a clinician reads (blinks per analysed minute) against the true rate
        (truth blinks per minute of the whole recording); None without truth blinks. Where part of a recording
        has no usable face (a turn past the usable yaw), the blinks in it are missed (blink F1 counts them) but
        the rate is over the time that was seen. Without both durations, the counts are compared."""
        if not self.blinks_truth:
            return None
        if self.minutes > 0 and self.truth_minutes > 0:
            truth_rate = self.blinks_truth / self.truth_minutes
            return abs(self.blinks_found / self.minutes - truth_rate) / truth_rate
        return abs(self.blinks_found - self.blinks_truth) / self.blinks_truth


def score_video(
    truth_events: Sequence,
    truth_episodes: Sequence,
    found_events: Sequence,
    found_episodes: Sequence,
    *,
    name: str = "",
    face: str = "",
    fps: float = 0.0,
    minutes: float = 0.0,
    truth_minutes: float = 0.0,
) -> VideoScore:
    """Score one video's detections (records with ``kind``/``start_s``/``end_s``/``side``/...) against truth.
    ``minutes``: the analysed duration (``Summary.analysed_duration_s``); ``truth_minutes``: the recording's."""

    def kind(items, k):
        return [e for e in items if e.kind == k]

    t_bl, f_bl = kind(truth_events, "blink"), kind(found_events, "blink")
    t_tr, f_tr = kind(truth_events, "tremor"), kind(found_events, "tremor")
    control = not truth_episodes and not t_tr
    v = VideoScore(name, face, fps, minutes, truth_minutes, control)
    v.episodes = match(truth_episodes, found_episodes, TOLERANCE_S["episode"])
    v.blinks = match(t_bl, f_bl, TOLERANCE_S["blink"])
    v.tremor = match(t_tr, f_tr, TOLERANCE_S["tremor"])
    v.false_tremors = v.tremor.false_positives
    for i, j in pairs(truth_episodes, found_episodes, TOLERANCE_S["episode"]):
        t, f = truth_episodes[i], found_episodes[j]
        v.pattern_agreements += t.pattern == f.pattern
        v.onset_errors_s.append(abs(f.start_s - t.start_s))
        v.end_errors_s.append(abs(f.end_s - t.end_s))
        v.contraction_errors.append(int(f.contractions) - int(t.contractions))
        tr, fr = set(t.regions), set(f.regions)
        v.regions = v.regions.add(Score(len(tr & fr), len(fr - tr), len(tr - fr)))
    v.spasm_time_truth_s = _covered(truth_episodes)
    v.spasm_time_found_s = _covered(found_episodes)
    incomplete = [i for i, e in enumerate(t_bl) if e.peak < INCOMPLETE_BLINK_DEPTH]
    matched_truth = {i for i, _ in pairs(t_bl, f_bl, TOLERANCE_S["blink"])}
    v.incomplete_truth = len(incomplete)
    v.incomplete_found = len(set(incomplete) & matched_truth)
    v.blinks_truth, v.blinks_found = len(t_bl), len(f_bl)
    v.false_episodes = len(found_episodes) if control else 0
    return v


def _covered(spans: Sequence[Span]) -> float:
    """Total time (s) covered by the union of the spans."""
    total, end = 0.0, -np.inf
    for s in sorted(spans, key=lambda s: s.start_s):
        if s.end_s > end:
            total += s.end_s - max(s.start_s, end)
            end = s.end_s
    return total


# name -> (comparison, bar) of issue 9's bars on the held-out suite
BARS: dict[str, tuple[str, float]] = {
    "episode_f1": (">=", 0.97),
    "laterality": (">=", 1.0),
    "pattern_agreement": (">=", 0.9),
    "onset_error_median_s": ("<=", 0.2),
    "end_error_median_s": ("<=", 0.2),
    "contractions_within_1": (">=", 1.0),
    "regions_f1": (">=", 0.9),
    "spasm_time_rel_error": ("<=", 0.15),
    "blink_f1": (">=", 0.97),
    "blink_f1_worst_face": (">=", 0.93),
    "incomplete_blink_recall": (">=", 0.9),
    "blink_rate_rel_error_max": ("<=", 0.10),
    "false_episodes_per_min_controls": ("<=", 0.1),
    "false_tremors": ("<=", 0),
    "tremor_max_error_hz": ("<=", 0.3),
}


def passes(name: str, value: float | None) -> bool | None:
    """Whether ``value`` meets the bar called ``name`` (None: no bar, or nothing to measure)."""
    if name not in BARS or value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    op, bar = BARS[name]
    return value >= bar - 1e-12 if op == ">=" else value <= bar + 1e-12


def _median(xs: Sequence[float]) -> float | None:
    return float(np.median(xs)) if len(xs) else None


def metrics(videos: Sequence[VideoScore]) -> dict[str, float | int | None]:
    """Pooled metrics of scored videos, one per bar (None where the videos hold nothing to measure)."""
    ep, bl, tr, reg = Score(), Score(), Score(), Score()
    for v in videos:
        ep, bl, tr, reg = ep.add(v.episodes), bl.add(v.blinks), tr.add(v.tremor), reg.add(v.regions)
    contraction_errors = [e for v in videos for e in v.contraction_errors]
    truth_time = sum(v.spasm_time_truth_s for v in videos)
    found_time = sum(v.spasm_time_found_s for v in videos if v.spasm_time_truth_s > 0)
    control_min = sum(v.minutes for v in videos if v.control)
    rate_errors = [v.blink_rate_error for v in videos if v.blink_rate_error is not None]
    incomplete = sum(v.incomplete_truth for v in videos)
    worst_face = worst_group(videos, lambda v: v.face, lambda vs: metrics_blink_f1(vs))
    has_eps = ep.true_positives + ep.false_negatives > 0
    return {
        "episode_f1": ep.f1 if has_eps or ep.false_positives else None,
        "episode_precision": ep.precision if has_eps else None,
        "episode_recall": ep.recall if has_eps else None,
        "laterality": ep.laterality if ep.true_positives else None,
        "pattern_agreement": sum(v.pattern_agreements for v in videos) / ep.true_positives
        if ep.true_positives
        else None,
        "onset_error_median_s": _median([e for v in videos for e in v.onset_errors_s]),
        "end_error_median_s": _median([e for v in videos for e in v.end_errors_s]),
        "contractions_within_1": float(np.mean([abs(e) <= 1 for e in contraction_errors]))
        if contraction_errors
        else None,
        "contractions_error_median": _median([abs(e) for e in contraction_errors]),
        "regions_f1": reg.f1 if reg.true_positives + reg.false_negatives else None,
        "spasm_time_rel_error": abs(found_time - truth_time) / truth_time if truth_time else None,
        "blink_f1": bl.f1 if bl.true_positives + bl.false_negatives else None,
        "blink_precision": bl.precision if bl.true_positives + bl.false_negatives else None,
        "blink_recall": bl.recall if bl.true_positives + bl.false_negatives else None,
        "blink_f1_worst_face": worst_face[1] if worst_face else None,
        "worst_face": worst_face[0] if worst_face else None,
        "incomplete_blink_recall": sum(v.incomplete_found for v in videos) / incomplete
        if incomplete
        else None,
        "blink_rate_rel_error_median": _median(rate_errors),
        "blink_rate_rel_error_max": max(rate_errors) if rate_errors else None,
        "false_episodes_per_min_controls": sum(v.false_episodes for v in videos) / control_min
        if control_min
        else None,
        "false_tremors": sum(v.false_tremors for v in videos),
        "tremor_recall": tr.recall if tr.true_positives + tr.false_negatives else None,
        "tremor_max_error_hz": tr.max_frequency_error_hz if tr.true_positives else None,
        "videos": len(videos),
    }


def metrics_blink_f1(videos: Sequence[VideoScore]) -> float | None:
    bl = Score()
    for v in videos:
        bl = bl.add(v.blinks)
    return bl.f1 if bl.true_positives + bl.false_negatives else None


def worst_group(
    videos: Sequence[VideoScore],
    key: Callable[[VideoScore], object],
    value: Callable[[Sequence[VideoScore]], float | None],
) -> tuple[object, float] | None:
    """The group (by ``key``) with the lowest ``value``, and that value; None when no group has one."""
    groups: dict[object, list[VideoScore]] = {}
    for v in videos:
        groups.setdefault(key(v), []).append(v)
    scored = [(k, x) for k, vs in groups.items() if (x := value(vs)) is not None]
    return min(scored, key=lambda kv: kv[1]) if scored else None


def grouped(videos: Sequence[VideoScore], key: Callable[[VideoScore], object]) -> dict[object, dict]:
    """:func:`metrics` per group (per face, per frame rate, ...)."""
    groups: dict[object, list[VideoScore]] = {}
    for v in videos:
        groups.setdefault(key(v), []).append(v)
    return {k: metrics(vs) for k, vs in sorted(groups.items(), key=lambda kv: str(kv[0]))}
