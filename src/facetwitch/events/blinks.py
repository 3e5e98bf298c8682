"""Blinks: found by their shape in time (a brief dip of both eyes' closure), or confirmed by both eyes' pictures
where the mesh reads them faintly; and the tails that are a blink's, not a held closure or a twitch."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from scipy import signal as sps

from facetwitch.events.eyes import one_sided_eye
from facetwitch.events.frames import exceeds, fill_short_gaps, runs
from facetwitch.events.params import DetectionParams
from facetwitch.lid_picture import both_eyes_blink
from facetwitch.records import Event
from facetwitch.signals import Signals, frame_interval, robust_noise


def drifts_open(t_s: np.ndarray, closure: np.ndarray, start: int, stop: int, p: DetectionParams) -> bool:
    """The held stretch ``[start, stop)`` of a bilateral closure is a blink's tail drifting open, not a squeeze.

    In a small, heavily compressed face the lids can hang half-closed after a blink and reopen over a second or
    two (the encoder refreshes the lid slowly); a blepharospasm squeeze holds its depth. The closure's least-
    squares slope over the stretch, as a share of the stretch's deepest closure per second, below
    ``-hold_drift_per_s`` is a drift (tuning: squeezes -0.07..+0.03 /s, a hanging blink -0.41 /s)."""
    t, x = t_s[start:stop], closure[start:stop]
    ok = np.isfinite(x)
    if ok.sum() < 3:
        return False
    slope_per_s = float(np.polyfit(t[ok], x[ok], 1)[0])
    return slope_per_s < -p.hold_drift_per_s * float(np.max(x[ok]))


def blink_dips(
    sig: Signals, p: DetectionParams, one_sided: dict[str, np.ndarray] | None = None
) -> list[tuple[Event, bool]]:
    """Blinks found by their shape in time (a brief dip of both eyes' closure), each with whether the lids were
    seen over all of it. One whose closing or reopening falls where the face was not usable cannot be told from a
    longer closure and is not counted, but its span is still no twitch.

    The bilateral closure (the less-closed eye, frame by frame, so both eyes must dip together) is searched
    for peaks (:func:`scipy.signal.find_peaks`) that rise at least ``blink_prominence`` above their
    surroundings (``blink_window_s``) and at least ``noise_k`` robust noise SDs, whatever their absolute
    depth: shallow, incomplete blinks count. A peak whose half-height width exceeds ``blink_max_s`` is a
    sustained closure, not a blink, unless both lids hang and drift open after it (:func:`_tail_drifts_open`);
    one narrower than ``blink_min_s`` the mesh jolted by a head jerk; one where one eye is clearly more closed
    (``one_sided``) is a one-sided contraction. Each blink's ``peak`` is its depth (closure of the more closed
    eye at the deepest frame, 0..1 of this person's full blink: the weaker eye's scale is the less certain) and
    ``complete`` says whether it reached ``blink_complete``. The span runs between the crossings of 10 % of the
    prominence on either side.
    """
    t = sig.t_s
    if t.size < 3:
        return []
    one_sided = one_sided if one_sided is not None else one_sided_eye(sig, p)
    left, right = _lid(sig, "left", p), _lid(sig, "right", p)
    both, unseen = _blink_signal(sig, p)
    prominence = max(p.blink_prominence, p.noise_k * robust_noise(both))
    peaks, props = _dips(both, prominence / 2, frame_interval(t), p)
    # A blink closes from rest; the next blink may follow before the lids have fully reopened, which lowers
    # the prominence (measured from the higher of the two bases). A peak that rises ``prominence`` from the
    # rest before it and falls at least half that after it is a blink too.
    # Only a bilateral dip qualifies so: the less-closed eye at least ``blink_balance`` as closed as the other
    # (the last twitch of a one-sided burst, the other eye dragged along a little, rises from rest too).
    rise = both[peaks] - both[props["left_bases"]]
    less, more = np.fmin(left, right)[peaks], np.fmax(left, right)[peaks]
    bilateral = np.nan_to_num(less - p.blink_balance * more, nan=-1.0) >= 0
    keep = (props["prominences"] >= prominence) | ((rise >= prominence) & bilateral)
    peaks, props, bilateral = peaks[keep], {k: v[keep] for k, v in props.items()}, bilateral[keep]
    out: list[tuple[Event, bool]] = []
    for k, (width_s, lo, hi, reach) in enumerate(_dip_extents(both, peaks, props, t)):
        pk = peaks[k]
        if width_s < p.blink_min_s:
            continue
        # Wider, it is a blink only if both lids hang and drift open (a one-sided spasm drags the other lid too).
        if width_s > p.blink_max_s and not (bilateral[k] and _tail_drifts_open(t, both, pk, p)):
            continue
        if one_sided["left"][pk] or one_sided["right"][pk]:
            continue
        out.append((_blink(sig, pk, lo, hi, p), not unseen[reach].any()))
    return out


def _blink_signal(sig: Signals, p: DetectionParams) -> tuple[np.ndarray, np.ndarray]:
    """Both eyes' closure for finding blinks (0..1 of a full blink, per frame) and the frames where the lids
    were not seen (bool).

    Both eyes must dip, but a weak-signal eye dips less: the less-closed eye (:func:`_lid`) weighs 3/4, the other
    1/4. A few frames without a usable face inside a blink are interpolated, as inside a contraction; the lids were
    not seen over a longer gap (0 there), and a dip whose closing or reopening falls in one is not counted."""
    left, right = _lid(sig, "left", p), _lid(sig, "right", p)
    both = fill_short_gaps(0.75 * np.fmin(left, right) + 0.25 * np.fmax(left, right), sig.t_s, p.gap_bridge_s)
    return np.nan_to_num(both, nan=0.0), ~np.isfinite(both)


def _dips(both: np.ndarray, prominence: float, dt: float, p: DetectionParams) -> tuple[np.ndarray, dict]:
    """The peaks of ``both`` (:func:`_blink_signal`) at least ``prominence`` above their surroundings
    (``blink_window_s``): :func:`scipy.signal.find_peaks`' indices and properties."""
    wlen = max(3, round(p.blink_window_s / dt) | 1)
    with warnings.catch_warnings():  # a plateau wider than the window: prominence 0, filtered out anyway
        warnings.filterwarnings("ignore", message="some peaks have a (prominence|width) of 0")
        return sps.find_peaks(both, prominence=prominence, wlen=wlen)


def _dip_extents(
    both: np.ndarray, peaks: np.ndarray, props: dict, t_s: np.ndarray
) -> list[tuple[float, float, float, slice]]:
    """Per peak of :func:`_dips`: its width at half height (s), its span (fractional frame indices where it
    crosses 10 % of its prominence on either side) and the frames between those crossings. Where the lids reopen
    only partly between two blinks, the deeper one's 10 % line can lie below the valley between them and its span
    would take in the other blink: on that side the span runs to where it crosses 10 % of its rise from the
    valley's lowest frame instead. The frames keep the 10 % crossings: whether the lids were seen from rest to
    rest (a dip that rises out of a gap cannot be told from the gap's edge)."""
    if peaks.size == 0:
        return []
    half = sps.peak_widths(both, peaks, rel_height=0.5, prominence_data=_prom(props))
    base = sps.peak_widths(both, peaks, rel_height=0.9, prominence_data=_prom(props))
    lows, highs = base[2].copy(), base[3].copy()
    for k, (a, b) in enumerate(itertools.pairwise(peaks)):
        valley = a + int(np.argmin(both[a:b]))
        if highs[k] > valley:  # the earlier dip's span reaches past the valley: from the valley back to it
            above = both[a : valley + 1] >= both[valley] + 0.1 * (both[a] - both[valley])
            highs[k] = a + int(np.flatnonzero(above)[-1])
        if lows[k + 1] < valley:  # the later dip's span reaches back past the valley: from the valley on
            above = both[valley : b + 1] >= both[valley] + 0.1 * (both[b] - both[valley])
            lows[k + 1] = valley + int(np.flatnonzero(above)[0])
    dt = frame_interval(t_s)
    return [
        (w * dt, lo, hi, slice(int(a), int(np.ceil(b)) + 1))
        for w, lo, hi, a, b in zip(half[0], lows, highs, base[2], base[3], strict=True)
    ]


def _blink(sig: Signals, peak: int, lo: float, hi: float, p: DetectionParams) -> Event:
    """The blink whose deepest frame is ``peak`` and whose span runs over fractional frames ``lo`` .. ``hi``; its
    depth is the more closed eye's closure there (the deepest frame seen where ``peak`` fell in a short gap: a
    lower bound), complete from ``blink_complete``."""
    t = sig.t_s
    first, last = int(np.floor(lo)), int(np.ceil(hi))
    deeper = np.fmax(sig.closure_left[first : last + 1], sig.closure_right[first : last + 1])
    if np.isfinite(deeper[peak - first]):
        at_peak = deeper[peak - first]
    else:  # interpolated over a short gap, or a half-seen dip (:func:`blink_dips`)
        at_peak = np.nanmax(deeper) if np.isfinite(deeper).any() else 0.0
    depth = float(np.clip(at_peak, 0.0, 1.0))
    index = np.arange(t.size)
    t0 = float(np.interp(lo, index, t))
    t1 = float(np.interp(hi, index, t)) if last > first else t0 + frame_interval(t)
    return Event("blink", t0, t1, "both", ("eye",), depth, complete=depth >= p.blink_complete)


# A blink that only the pictures confirm (:func:`pictured_blinks`) happens with the head this still (degrees/s):
# head motion changes both eyes' pictures alike too (tuning: such dips 6.2 degrees/s and faster, the blinks up to
# 3.4). The lid-picture veto (facetwitch.lid_picture) compares the two eyes' rises only as still as this: in a
# turn one eye's picture changes with the turn alone.
STILL_HEAD_DEG_S = 5.0


def pictured_blinks(
    sig: Signals, scaled: dict[str, np.ndarray], events: list[Event], p: DetectionParams
) -> list[Event]:
    """Blinks the face mesh reads too faintly (a weak lid: hooded, small, blurred): a bilateral dip at least
    ``picture_blink_prominence`` prominent (and ``noise_k`` noise SDs), as narrow as a blink, neither eye clearly
    the more closed, that both eyes' pictures show (:func:`facetwitch.lid_picture.both_eyes_blink`: each changed
    at least half as much as in the recording's blinks, ``scaled``, and fell back after it), with the head still
    (``STILL_HEAD_DEG_S``) and no other event over its span."""
    if sig.head_speed_deg_s is None:
        return []
    both, unseen = _blink_signal(sig, p)
    prominence = max(p.picture_blink_prominence, p.noise_k * robust_noise(both))
    one_sided = one_sided_eye(sig, p)
    spans = [(e.start_s, e.end_s) for e in events]
    return [
        blink
        for pk, blink in _still_blinks(sig, both, unseen, prominence, p)
        if not (one_sided["left"][pk] or one_sided["right"][pk])
        and not _overlaps(blink, spans)
        and both_eyes_blink(sig.t_s, scaled, blink)
    ]


# Where the mesh reads no blink at all (a lid it cannot follow), both eyes' pictures alone find them: a peak of the
# less-changed eye's picture change at least this many times its median above its surroundings (tuning: the same
# events from 0.7 to 2.5).
PICTURE_ONLY_RISE = 1.5


def picture_only_blinks(
    sig: Signals, p: DetectionParams, sustained: list[tuple[float, float]]
) -> list[Event]:
    """Blinks of a recording whose mesh read none (:func:`blink_dips` found no blink): a peak of both eyes' picture
    change (the less-changed eye, frame by frame: both must change) rising ``PICTURE_ONLY_RISE`` times its median
    above its surroundings (``blink_window_s``), as narrow as a blink (``blink_min_s`` .. ``blink_max_s`` at half
    height), seen throughout, with the head still (``STILL_HEAD_DEG_S``) and outside the ``sustained`` closures
    (s). Their depth is the mesh's reading, as it is for every blink (where the lids are unmeasured, a lower
    bound the analysis warns about)."""
    if sig.lid_picture_left is None or sig.lid_picture_right is None or sig.head_speed_deg_s is None:
        return []
    t = sig.t_s
    x = fill_short_gaps(np.fmin(sig.lid_picture_left, sig.lid_picture_right), t, p.gap_bridge_s)
    if not np.isfinite(x).any():
        return []
    level = float(np.nanmedian(x))
    unseen = ~np.isfinite(x)
    candidates = _still_blinks(sig, np.nan_to_num(x, nan=level), unseen, PICTURE_ONLY_RISE * level, p)
    return [blink for _, blink in candidates if not _overlaps(blink, sustained)]


def _still_blinks(
    sig: Signals, x: np.ndarray, unseen: np.ndarray, prominence: float, p: DetectionParams
) -> list[tuple[int, Event]]:
    """The peaks of ``x`` (per frame) at least ``prominence`` above their surroundings (:func:`_dips`) that are as
    narrow as a blink (``blink_min_s`` .. ``blink_max_s`` at half height), seen throughout (``unseen``: bool per
    frame) and made with the head still (``STILL_HEAD_DEG_S``), each as (deepest frame, its blink)."""
    t = sig.t_s
    peaks, props = _dips(x, prominence, frame_interval(t), p)
    out = []
    for pk, (width_s, lo, hi, frames) in zip(peaks, _dip_extents(x, peaks, props, t), strict=True):
        if not p.blink_min_s <= width_s <= p.blink_max_s or unseen[frames].any():
            continue
        if exceeds(sig.head_speed_deg_s[frames], STILL_HEAD_DEG_S).any():
            continue
        out.append((int(pk), _blink(sig, pk, lo, hi, p)))
    return out


def _overlaps(blink: Event, spans: list[tuple[float, float]]) -> bool:
    """Whether ``blink`` overlaps any of ``spans`` (start, end in seconds)."""
    return any(blink.start_s < end and blink.end_s > start for start, end in spans)


def _tail_drifts_open(t_s: np.ndarray, x: np.ndarray, peak: int, p: DetectionParams) -> bool:
    """Whether a dip of ``x`` wider than ``blink_max_s`` at half height is a blink whose lids hang and drift open
    (:func:`drifts_open` over the frames around ``peak`` within ``split_prominence`` of its depth), the rule
    that keeps such a closure from being read as a held one: what is no held closure is a blink."""
    near = exceeds(x, (1 - p.split_prominence) * x[peak])
    start, stop = next((a, b) for a, b in runs(near) if a <= peak < b)
    return drifts_open(t_s, x, start, stop, p)


def _lid(sig: Signals, side: str, p: DetectionParams) -> np.ndarray:
    """One eye's closure for finding blinks: the mesh's lid geometry averaged with MediaPipe's eyeBlink
    blendshape (both on the scale of this eye's full blink) when the recording has it, so that a lid the mesh
    reads poorly is still seen closing; geometry alone otherwise."""
    geometry = sig.side("closure", side)
    blend = getattr(sig, f"blink_{side}")
    if blend is None or p.blink_blendshape_weight <= 0:
        return geometry
    w = p.blink_blendshape_weight
    return np.where(np.isfinite(blend), (1 - w) * geometry + w * blend, geometry)


def _prom(props: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return props["prominences"], props["left_bases"], props["right_bases"]


def blink_tail(
    drive: np.ndarray,
    t: np.ndarray,
    start: int,
    stop: int,
    spans: list[tuple[float, float]],
    p: DetectionParams,
) -> bool:
    """A one-sided "contraction" that begins inside a blink and only fades after it: one lid reopening more
    slowly than the other in the face mesh (heavy compression, a poorly read lid), not a twitch. A real twitch
    that coincides with a blink keeps the eye closed when the blink is over, or rises again after it."""
    for b0, b1 in spans:
        if b0 - p.blink_shadow_s <= t[start] <= b1:
            after = int(np.searchsorted(t, b1))
            if after >= stop:
                return True
            # The next blink closing both eyes again is no rise of this eye's own.
            tail = drive[after:stop].copy()
            for c0, c1 in spans:
                if c0 > b0:
                    tail[(t[after:stop] >= c0 - p.blink_shadow_s) & (t[after:stop] <= c1)] = np.nan
            if not np.isfinite(tail).any():
                return True
            level = drive[after] if np.isfinite(drive[after]) else np.nanmax(tail)
            # Still closed when the blink is over, near its deepest: a twitch that began with the blink. A lid
            # that hangs half-closed after the blink and only drifts open (compression, a lid the mesh reads
            # poorly) has already fallen by more than ``split_prominence`` of its depth: the blink's.
            # The depth is the blink's own, from its start: a "contraction" may begin late in the blink.
            during = drive[min(start, int(np.searchsorted(t, b0))) : after]
            deepest = np.nanmax(during) if np.isfinite(during).any() else level
            if level >= p.close and level >= (1 - p.split_prominence) * deepest:
                return False
            return bool(np.nanmax(tail) <= level + p.split_prominence * max(level, p.unilateral_close))
    return False
