"""Frame and mask helpers the rules share: runs, hysteresis, bridging of short gaps, and small readings of a
signal around a contraction's onset."""

from __future__ import annotations

import itertools

import numpy as np

from facetwitch.events.params import TIME_TOLERANCE_S, DetectionParams
from facetwitch.records import Event
from facetwitch.signals import OTHER_SIDE, Signals, frame_interval, robust_noise


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges [start, stop) of consecutive True values."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def bridge(mask: np.ndarray, t_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Fill False gaps no longer than ``max_gap_s`` between True runs."""
    out = mask.copy()
    dt = frame_interval(t_s)
    for (_, stop), (start, _) in itertools.pairwise(runs(mask)):
        if t_s[start] - t_s[stop - 1] <= max_gap_s + TIME_TOLERANCE_S + dt:
            out[stop:start] = True
    return out


def extend(core: np.ndarray, low: np.ndarray, max_frames: int | None = None) -> np.ndarray:
    """Hysteresis: grow each core run while ``low`` stays True (cores within one run of ``low`` joined), by at
    most ``max_frames`` before the first and after the last core of the run (unbounded when None)."""
    out = core.copy()
    for start, stop in runs(low):
        if not core[start:stop].any():
            continue
        if max_frames is None:
            out[start:stop] = True
            continue
        inside = np.flatnonzero(core[start:stop]) + start
        out[max(start, inside[0] - max_frames) : min(stop, inside[-1] + 1 + max_frames)] = True
    return out


def span(t_s: np.ndarray, start: int, stop: int, dt: float) -> tuple[float, float]:
    """Time span of frames [start, stop): from the first frame to one frame interval after the last."""
    return float(t_s[start]), float(t_s[stop - 1] + dt)


def exceeds(x: np.ndarray, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(x, nan=-np.inf) > threshold


def pull_threshold(sig: Signals, side: str, region: str, p: DetectionParams) -> float:
    """How far ``side``'s cheek or mouth corner (``region``) must be pulled, and more than the other side's, to count
    as one-sided: ``lower_face_min``, or ``noise_k`` robust noise SDs of the two sides' difference if larger."""
    return max(
        p.lower_face_min,
        p.noise_k * robust_noise(sig.side(region, side) - sig.side(region, OTHER_SIDE[side])),
    )


def frames_of(event: Event, sig: Signals) -> slice:
    """The frames of ``event`` in ``sig``: from its start up to its end, at least one."""
    i0, i1 = np.searchsorted(sig.t_s, [event.start_s, event.end_s])
    return slice(int(i0), int(max(i1, i0 + 1)))


def rise_during(x: np.ndarray, start: int, stop: int, before: int, onset: int | None = None) -> float:
    """How far ``x`` rises during frames [start, stop) above its median over the ``before`` frames before
    ``onset`` (default: ``start``)."""
    onset = start if onset is None else onset
    pre = x[max(0, onset - before) : onset + 1]
    during = x[start:stop]
    if not np.isfinite(pre).any() or not np.isfinite(during).any():
        return 0.0
    return float(np.nanmax(during) - np.nanmedian(pre))


def before_onset(sig: Signals) -> int:
    """Frames (0.3 s, at least 2) over which a region's level just before a contraction is read."""
    return max(2, round(0.3 * sig.fps))


def short_gaps(missing: np.ndarray, t_s: np.ndarray, max_gap_s: float) -> list[tuple[int, int]]:
    """Runs ``[start, stop)`` of ``missing`` frames that lie between two present frames at most ``max_gap_s``
    seconds (plus one frame interval) apart: the gaps short enough to be bridged."""
    n = missing.size
    limit = max_gap_s + frame_interval(t_s)
    return [
        (start, stop)
        for start, stop in runs(missing)
        if start > 0 and stop < n and t_s[stop] - t_s[start - 1] <= limit
    ]


def bridge_gaps(mask: np.ndarray, usable: np.ndarray, t_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Fill runs of unusable frames (no face, head turned away) of at most ``max_gap_s`` seconds that lie
    between True frames of ``mask``: a few frames lost inside a contraction do not split it in two. A gap
    alone never becomes an event (both its neighbours must be True)."""
    out = mask.copy()
    for start, stop in short_gaps(~usable, t_s, max_gap_s):
        if mask[start - 1] and mask[stop]:
            out[start:stop] = True
    return out


def fill_short_gaps(x: np.ndarray, t_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """``x`` with each run of missing samples (NaN) of at most ``max_gap_s`` seconds between two finite samples
    filled by linear interpolation in time (:func:`short_gaps`); longer gaps, and gaps at either end, stay NaN."""
    out = np.array(x, dtype=np.float64)
    for start, stop in short_gaps(~np.isfinite(out), t_s, max_gap_s):
        out[start:stop] = np.interp(t_s[start:stop], t_s[[start - 1, stop]], out[[start - 1, stop]])
    return out
