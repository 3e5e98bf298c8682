"""Clonic trains of faint one-sided twitches, on the mesh and on the eyes' pictures, and the faint twitches that
belong to a burst of clear ones."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from scipy import signal as sps

from facetwitch.episodes import MERGE_GAP_S
from facetwitch.events.eyes import blendshapes_one_sided
from facetwitch.events.frames import exceeds, fill_short_gaps, rise_during, runs
from facetwitch.events.params import DetectionParams
from facetwitch.events.tremor import spectral_rate, tremor_rate
from facetwitch.signals import OTHER_SIDE, Signals, frame_interval, robust_noise, widen

# A clonic rhythm (:func:`rhythmic`): at least RHYTHM_MIN_TWITCHES faint twitches RHYTHM_INTERVAL_S apart, the
# longest interval at most RHYTHM_REGULARITY times the shortest.
RHYTHM_MIN_TWITCHES = 3
RHYTHM_INTERVAL_S = (0.35, 1.0)  # a faster rhythm (from 2.9 Hz) is tremor (3-12 Hz)
RHYTHM_REGULARITY = 1.5
RHYTHM_RISE_S = 0.4  # each twitch rises over this long before its deepest frame


def burst_twitches(sig: Signals, side: str, p: DetectionParams, strong: np.ndarray) -> np.ndarray:
    """Frames of faint one-sided lid twitches that belong to a burst of clear ones.

    During a head turn, or on a small compressed face, some twitches of a clonic burst read shallower than
    ``unilateral_close``. A faint dip (at most ``blink_max_s`` long) counts when ``side``'s eye is at least
    ``confirmed_close`` closed and clearly more than the other (``asymmetry``), rises from rest by ``asymmetry``
    while the other eye rises less than ``eye_ratio`` as much (the mesh drags it along a little; a blink closes
    both alike), and lies within the episode merge gap of a clear one-sided contraction of the same side
    (or of a faint one that does). Alone, a faint dip is never a contraction: no episode starts from one.
    Mid-turn the mesh may read a twitch for only a frame or two, barely more closed than the other eye: where
    the eyeBlink blendshapes see it one-sided (as in :func:`one_sided_eye`) it is a faint dip too, and its width
    is read on whichever of the two readings shows it wider."""
    other = OTHER_SIDE[side]
    mine, theirs = sig.side("closure", side), sig.side("closure", other)
    one_sided = exceeds(mine - theirs, p.asymmetry)
    width = mine
    if sig.has_blink_blendshapes:
        one_sided |= exceeds(mine - theirs, 0.0) & blendshapes_one_sided(sig, side, p)
        width = np.fmax(mine, sig.side("blink", side))
    # From confirmed_close, under close_low: late in a burst the mesh may read a twitch 0.18 closed, the other eye
    # at 0.02; lost, it leaves the next one beyond the merge gap. The rise tests below keep flicker and drift out.
    faint = exceeds(mine, p.confirmed_close) & one_sided & ~strong
    dt = frame_interval(sig.t_s)
    reach = max(1, round(MERGE_GAP_S / dt))
    accepted = strong.copy()
    # A twitch is brief and rises from rest: a long faint asymmetry (a lid the mesh reads low, drift) or flicker
    # around a raised level is no twitch. Rises, not levels, are compared: the other eye may sit a little closed.
    before = max(2, round(0.3 / dt))
    pending = [
        (a, b)
        for a, b in runs(faint)
        if (b - a) * dt <= p.blink_max_s
        and (rise := rise_during(mine, a, b, before)) > p.asymmetry
        and rise_during(theirs, a, b, before) < p.eye_ratio * rise
        # a faint stretch touching a clear contraction is its onset or offset: the ramp rule bounds those
        and not strong[max(0, a - 1) : b + 1].any()
    ]
    while pending:
        near = widen(accepted, reach)
        joined = [(a, b) for a, b in pending if near[a:b].any()]
        if not joined:
            break
        for a, b in joined:
            accepted[slice(*_twitch_span(width, a, b, before, p.blink_max_s / dt))] = True
        pending = [r for r in pending if r not in joined]
    return accepted & ~strong


def rhythmic(
    sig: Signals, side: str, p: DetectionParams, blink_spans: list[tuple[float, float]]
) -> tuple[list[int], np.ndarray]:
    """Faint one-sided lid twitches that come in a clonic rhythm: their deepest frames, and their frames.

    On a lid the mesh reads poorly (hooded lids, a small compressed face) a clonic burst's twitches close the eye
    by only 0.1-0.3 of a blink, the other eye is dragged along part of the way, and many reach none of the
    levels the other rules need. A twitch here is a dip of ``side``'s closure at least ``rhythm_prominence``
    (and ``noise_k`` robust noise SDs) above its surroundings (:func:`scipy.signal.find_peaks`), ``blink_min_s``
    to ``blink_max_s`` wide at half height and away from blinks, that rises over the RHYTHM_RISE_S before it
    while the other eye rises less than ``blink_balance`` as much (a blink closes both alike), and ends
    ``asymmetry`` / 2 more closed than the other, on the mesh or on the eyeBlink blendshapes (where the model gave
    them: after a burst's first twitch the mesh of a weak lid can hold the other eye half-closed, so that a twitch
    rising 0.1-0.17 ends only 0.06 above it there). Alone such a dip is noise; RHYTHM_MIN_TWITCHES of them
    RHYTHM_INTERVAL_S apart at a steady rate (RHYTHM_REGULARITY) are a burst: blinks come at irregular
    intervals, and drift and a lid hanging half-closed have no rhythm; a train whose dominant frequency lies in
    the tremor band is a faster oscillation read at every other peak (:func:`tremor_rate`). A twitch's frames
    are where its eye stays above half its rise (:func:`_twitch_span`)."""
    t = sig.t_s
    dt = frame_interval(t)
    mine = fill_short_gaps(sig.side("closure", side), t, p.gap_bridge_s)
    theirs = fill_short_gaps(sig.side("closure", OTHER_SIDE[side]), t, p.gap_bridge_s)
    x = np.nan_to_num(mine, nan=0.0)
    before = max(2, round(RHYTHM_RISE_S / dt))
    peaks = _twitch_peaks(x, max(p.rhythm_prominence, p.noise_k * robust_noise(mine)), dt, p)
    blend = (
        (sig.side("blink", side) - sig.side("blink", OTHER_SIDE[side])) if sig.has_blink_blendshapes else None
    )
    twitches = []
    for k in peaks:
        rises = _rises_to(mine, theirs, k, before)
        twitch = (
            rises is not None
            and rises[1] < p.blink_balance * rises[0]
            and (mine[k] - theirs[k] > p.asymmetry / 2 or (blend is not None and blend[k] > p.asymmetry / 2))
            and not near_blinks(blink_spans, float(t[k]), float(t[k]), p)
        )
        twitches.append((int(k), twitch))
    rhythm = _in_rhythm(t, x, twitches, p)
    return rhythm, _twitch_frames(x, rhythm, before, p.blink_max_s / dt)


def _rises_to(mine: np.ndarray, theirs: np.ndarray, k: int, before: int) -> tuple[float, float] | None:
    """How far each of two per-frame series rises to frame ``k`` from its lowest over the ``before`` frames before
    it; None where a frame of that stretch is unmeasured (NaN)."""
    lo = max(0, k - before)
    a, b = mine[lo : k + 1], theirs[lo : k + 1]
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None
    return float(a[-1] - a.min()), float(b[-1] - b.min())


def _twitch_peaks(x: np.ndarray, prominence: float, dt: float, p: DetectionParams) -> np.ndarray:
    """Candidate faint twitches of a rhythm: peaks of ``x`` at least ``prominence`` above their surroundings
    (``blink_window_s``), ``blink_min_s`` to ``blink_max_s`` wide at half height, at most one per shortest clonic
    interval (:data:`RHYTHM_INTERVAL_S`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="some peaks have a (prominence|width) of 0")
        peaks, _ = sps.find_peaks(
            x,
            prominence=prominence,
            width=(p.blink_min_s / dt, p.blink_max_s / dt),
            distance=max(1, round(RHYTHM_INTERVAL_S[0] / dt)),
            wlen=max(3, round(p.blink_window_s / dt)),
        )
    return peaks


def _in_rhythm(t: np.ndarray, x: np.ndarray, peaks: list[tuple[int, bool]], p: DetectionParams) -> list[int]:
    """Of the ``peaks`` of ``x`` (frame, whether it is a faint twitch; in time order), the twitches in runs of at
    least RHYTHM_MIN_TWITCHES at a steady clonic rate (RHYTHM_INTERVAL_S, RHYTHM_REGULARITY, slower than tremor;
    a peak that is no twitch ends a run)."""
    dt = frame_interval(t)
    rhythm: list[int] = []
    train: list[int] = []
    for k, twitch in [*peaks, (None, False)]:
        if twitch and train:
            gaps = np.diff(t[[*train, k]])
            if (
                RHYTHM_INTERVAL_S[0] <= gaps[-1] <= RHYTHM_INTERVAL_S[1]
                and gaps.max() <= RHYTHM_REGULARITY * gaps.min()
            ):
                train.append(k)
                continue
        if len(train) >= RHYTHM_MIN_TWITCHES and not tremor_rate(t, x, train, spectral_rate(1.0 / dt), p):
            rhythm += train
        train = [k] if twitch else []
    return rhythm


def _twitch_frames(x: np.ndarray, peaks: list[int], before: int, max_frames: float) -> np.ndarray:
    """The frames of the faint twitches peaking at ``peaks`` of ``x`` (:func:`_twitch_span`)."""
    frames = np.zeros(x.size, dtype=bool)
    for k in peaks:
        frames[slice(*_twitch_span(x, k, k + 1, before, max_frames))] = True
    return frames


def pictured_rhythm(
    sig: Signals,
    side: str,
    p: DetectionParams,
    blink_spans: list[tuple[float, float]],
    pictures: dict[str, np.ndarray],
    seen: np.ndarray,
) -> tuple[list[int], np.ndarray, tuple[list[int], np.ndarray]]:
    """Faint one-sided lid twitches in a clonic rhythm that the eyes' pictures show and the mesh does not
    (``seen``: the frames where the mesh already reads one of this side's contractions).

    On weak lids many twitches of a burst move the mesh by less than its noise, while the twitching eye's
    picture changes by a fifth to a third of a blink's and the other eye's hardly at all (docs/validation.md,
    twenty-fourth and twenty-fifth rounds). A twitch here is a peak of (this eye's picture change - the other
    eye's), both in units of a blink's (``pictures``, :func:`facetwitch.lid_picture.scaled_pictures`), at least
    ``picture_rhythm_prominence`` (and ``noise_k`` robust noise SDs) above its surroundings, ``blink_min_s`` to
    ``blink_max_s`` wide, away from blinks, its own eye's picture rising at least as far while the other eye's
    rises less than ``blink_balance`` as much. Only a steady train of them counts (:func:`_in_rhythm`): a turning
    head changes the two pictures unequally, but not in a clonic rhythm. Of the train, the twitches that peak
    outside ``seen`` are returned, with their frames, and the deepest frames of those inside it with the series
    they peak in (this eye's picture change less the other's, in blinks; they may cut what the mesh reads as one
    long closure into its twitches, :func:`cut_between`)."""
    t = sig.t_s
    dt = frame_interval(t)
    own, other = pictures[side], pictures[OTHER_SIDE[side]]
    diff = fill_short_gaps(own - other, t, p.gap_bridge_s)
    x = np.nan_to_num(diff, nan=0.0)
    before = max(2, round(RHYTHM_RISE_S / dt))
    prominence = max(p.picture_rhythm_prominence, p.noise_k * robust_noise(diff))
    peaks = _twitch_peaks(x, prominence, dt, p)
    twitches = []
    for k in peaks:
        rises = _rises_to(own, other, k, before)
        twitch = (
            rises is not None
            and rises[0] >= prominence
            and rises[1] < p.blink_balance * rises[0]
            and not near_blinks(blink_spans, float(t[k]), float(t[k]), p)
        )
        twitches.append((int(k), twitch))
    train = _in_rhythm(t, x, twitches, p)
    missed = [k for k in train if not seen[k]]
    return missed, _twitch_frames(x, missed, before, p.blink_max_s / dt), ([k for k in train if seen[k]], x)


def cut_between(
    ranges: list[tuple[int, int]], trains: list[tuple[list[int], np.ndarray]]
) -> list[tuple[int, int]]:
    """``ranges`` cut, for each train of twitches (its deepest frames, and the per-frame series they peak in), at
    that series' lowest frame between each two of its twitches that fall in the same range: the twitches of a
    clonic rhythm are one contraction each, also where the lid does not relax in between."""
    out = []
    for start, stop in ranges:
        cuts = set()
        for peaks, x in trains:
            inside = [k for k in peaks if start <= k < stop]
            cuts |= {
                a + int(np.argmin(np.nan_to_num(x[a : b + 1], nan=np.inf)))
                for a, b in itertools.pairwise(inside)
            }
        out += [(a, b) for a, b in itertools.pairwise([start, *sorted(cuts), stop]) if b > a]
    return out


def _twitch_span(x: np.ndarray, start: int, stop: int, before: int, max_frames: float) -> tuple[int, int]:
    """Frames of a faint twitch: where ``x`` stays above half its rise from the rest level before it. A twitch
    that reads just over ``close_low`` crosses it for a frame or two (shorter than ``min_contraction_s``);
    its own width at half its rise is the contraction (at most ``max_frames`` long)."""
    rest = float(np.nanmedian(x[max(0, start - before) : start + 1])) if start else 0.0
    k = start + int(np.nanargmax(x[start:stop]))
    half = rest + 0.5 * (x[k] - rest)
    a, b = k, k + 1
    while a > 0 and x[a - 1] > half and k - a + 1 < max_frames / 2:
        a -= 1
    while b < x.size and x[b] > half and b - k < max_frames / 2:
        b += 1
    return min(a, start), max(b, stop)


def near_blinks(spans: list[tuple[float, float]], t0: float, t1: float, p: DetectionParams) -> bool:
    return any(t0 <= b1 + p.blink_shadow_s and t1 >= b0 - p.blink_shadow_s for b0, b1 in spans)
