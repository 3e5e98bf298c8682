"""One-sided contractions and bilateral held closures (blepharospasm) from the eye closures and lower-face pulls,
split into one contraction per twitch and extended from rest to rest."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from scipy import signal as sps

from facetwitch.events.blinks import blink_dips, blink_tail, drifts_open, picture_only_blinks
from facetwitch.events.eyes import closing, coupled_but_pictured, held_one_sided, one_sided_eye
from facetwitch.events.frames import (
    before_onset,
    bridge,
    bridge_gaps,
    exceeds,
    extend,
    pull_threshold,
    rise_during,
    runs,
    span,
)
from facetwitch.events.params import SETTLE_S, TIME_TOLERANCE_S, DetectionParams
from facetwitch.events.regions import (
    bilateral_region,
    brow_own_movement,
    cheek_over_episodes,
    cheek_own,
    contraction_peak,
)
from facetwitch.events.relabel import one_per_movement, pulls_read_as_blinks, twitches_read_as_blinks
from facetwitch.events.rhythm import (
    RHYTHM_INTERVAL_S,
    burst_twitches,
    cut_between,
    near_blinks,
    pictured_rhythm,
    rhythmic,
)
from facetwitch.lid_picture import scaled_pictures
from facetwitch.records import Event
from facetwitch.signals import OTHER_SIDE, SIDES, Signals, frame_interval, robust_noise, widen


def closures_and_contractions(sig: Signals, p: DetectionParams) -> list[Event]:
    t = sig.t_s
    dt = frame_interval(t)
    cl, cr = sig.closure_left, sig.closure_right
    closed = {s: exceeds(sig.side("closure", s), p.close) for s in SIDES}
    eye_uni = one_sided_eye(sig, p)
    bilateral_core = closed["left"] & closed["right"] & ~eye_uni["left"] & ~eye_uni["right"]
    bilateral = extend(bilateral_core, exceeds(np.fmin(cl, cr), p.close_low))
    bilateral = bridge(bilateral, t, p.bridge_s)

    # Blepharospasm holds both eyes closed without a break (brief wavers of up to ``blink_shadow_s`` aside);
    # two blinks in quick succession whose lids reopen slowly in between are two closures, not one held one.
    held_core = bridge(bilateral_core, t, p.blink_shadow_s)

    events: list[Event] = []
    sustained: list[tuple[float, float]] = []
    both_closed = np.fmin(cl, cr)
    for start, stop in runs(bilateral):
        # ... and holds them near the deepest closure: a blink whose lids then hang half-closed and drift open
        # over a second (a small, heavily compressed face) falls from its peak at once and is no held closure.
        deepest = (
            float(np.nanmax(both_closed[start:stop])) if np.isfinite(both_closed[start:stop]).any() else 0.0
        )
        near_peak = held_core[start:stop] & exceeds(
            both_closed[start:stop], (1 - p.split_prominence) * deepest
        )
        hold = max(runs(near_peak), key=lambda r: r[1] - r[0], default=(0, 0))
        closed_s = (hold[1] - hold[0]) * dt
        if closed_s > p.blink_max_s and not drifts_open(t, both_closed, start + hold[0], start + hold[1], p):
            t0, t1 = span(t, start, stop, dt)
            regions = ["eye"] + [r for r in ("brow", "cheek") if bilateral_region(sig, r, start, stop, p)]
            events.append(Event("contraction", t0, t1, "both", tuple(regions), deepest))
            sustained.append((t0, t1))
    dips = [
        (b, seen)
        for b, seen in blink_dips(sig, p, eye_uni)
        if not any(b.start_s < e1 and b.end_s > e0 for e0, e1 in sustained)
    ]
    blinks = [b for b, seen in dips if seen]
    if not dips:
        dips = [(b, True) for b in picture_only_blinks(sig, p, sustained)]
        blinks = [b for b, _ in dips]
    events += blinks
    # A blink half hidden by a gap is not counted, but the one-sided closures inside it are its, not twitches.
    blink_spans = [(b.start_s, b.end_s) for b, _ in dips]
    pictures = scaled_pictures(sig, blinks) if p.picture_rhythm_prominence > 0 else None
    # Whether a contraction stands is read on the lower face both pose models agree on; which parts took part in
    # one that stands, on each side's own pose fit (Signals.read_alone).
    labels = sig.read_alone()
    cheek = {s: cheek_own(labels, s, blink_spans) for s in SIDES}
    brow_own = {s: brow_own_movement(labels, s) for s in SIDES}

    usable = sig.usable
    steady = ~_fast_head(sig, p)
    # The tracker settles over the first frames of a video: a one-sided "contraction" already under way when the
    # face is first seen has no onset to measure from.
    settled_from = float(t[np.argmax(usable)]) + SETTLE_S if usable.any() else 0.0
    low_level = min(p.close_low, p.confirmed_close) if sig.has_blink_blendshapes else p.close_low
    before = before_onset(sig)
    pulls: dict[str, dict[str, np.ndarray]] = {}
    for s in SIDES:
        threshold = {region: pull_threshold(sig, s, region, p) for region in ("cheek", "mouth")}
        lower = {region: _pulled(sig, s, region, threshold[region], p) & steady for region in threshold}
        involved = {
            region: _pulled(labels, s, region, pull_threshold(labels, s, region, p), p) & steady
            for region in threshold
        }
        pulls[s] = lower
        brow_diff = brow_own[s] - brow_own[OTHER_SIDE[s]]
        brow_floor = max(p.brow_min, p.noise_k * robust_noise(brow_diff))
        brow = exceeds(np.abs(np.nan_to_num(brow_diff)), brow_floor)
        # A one-sided closure lasts while its eye stays above the lowest level a core is admitted at.
        eye_low = exceeds(sig.side("closure", s), low_level) & exceeds(
            sig.side("closure", s) - sig.side("closure", OTHER_SIDE[s]), p.asymmetry / 2
        )
        # A one-sided closure grows from its core only by the ramps of a contraction: a long stretch of slight
        # asymmetry (the tracker settling at the start of a video, a lid the mesh reads low) is not its onset.
        core = (eye_uni[s] | held_one_sided(sig, s, p)) & steady
        if pictures is not None:
            core |= coupled_but_pictured(sig, s, p, pictures, blink_spans) & steady
        core |= burst_twitches(sig, s, p, core) & steady
        eye = closing(extend(core, eye_low, max(1, round(p.max_ramp_s / dt))), sig.side("closure", s), dt, p)
        rhythm, rhythm_frames = rhythmic(sig, s, p, blink_spans)
        trains: list[tuple[list[int], np.ndarray]] = []
        if pictures is not None:
            # The picture adds the twitches the mesh misses; one the mesh reads (the lid closing, or this side's
            # cheek or mouth corner pulled) is counted from the mesh, once.
            seen = eye | rhythm_frames | lower["cheek"] | lower["mouth"]
            pictured, pictured_frames, (inside, diff) = pictured_rhythm(
                sig, s, p, blink_spans, pictures, seen
            )
            # A train the pictures show inside what the mesh reads as one long closure cuts it into its twitches,
            # where the picture falls back between them (a weak lid's mesh can ramp up and hold over a burst). A
            # picture peak beside a twitch of the mesh's own rhythm is that twitch, a few frames off: no cut.
            near = max(1, round(RHYTHM_INTERVAL_S[0] / 2 / dt))
            trains.append(([k for k in inside if not any(abs(k - m) <= near for m in rhythm)], diff))
            rhythm = sorted({*rhythm, *pictured})
            rhythm_frames |= pictured_frames
        eye |= rhythm_frames & steady
        active = bridge(eye | lower["cheek"] | lower["mouth"], t, p.bridge_s)
        active = bridge_gaps(active, usable, t, p.gap_bridge_s)
        drive = _drive(sig, s, eye, lower)
        for run_start, run_stop in runs(active):
            for start, stop in cut_between(
                split_contractions(drive, run_start, run_stop, p.split_prominence), [(rhythm, drive), *trains]
            ):
                t0, t1 = span(t, start, stop, dt)
                if t1 - t0 < p.min_contraction_s - TIME_TOLERANCE_S or t0 < settled_from:
                    continue
                has_eye = bool(eye[start:stop].any())
                if not any(
                    _rose(sig.side(r, s), run_start, stop, before, threshold[r]) for r in threshold
                ) and (
                    not has_eye
                    or _still_reopening(sig.side("closure", s), t, start, stop, before, blink_spans)
                ):
                    # A lower-face contraction is a movement: a pull that has not risen from just before its run of
                    # activity is a level it already had (a smile relaxing unevenly as the head rolls), not a twitch;
                    # nor is it one beside an eye that only goes on reopening from a blink.
                    continue
                if not has_eye and _follows_the_turn(sig, s, start, stop, min(threshold.values())):
                    # A pull of the lower face alone that the head's yaw explains: what the pose models left of a
                    # turn (a flat photograph warped), not a contraction.
                    continue
                if t1 - t0 <= p.blink_shadow_max_s and near_blinks(blink_spans, t0, t1, p):
                    # One eye closing a frame early or late in an ordinary blink, or the face mesh around the
                    # mouth wobbling while the lids close: part of the blink, not a twitch.
                    continue
                if blink_tail(drive, t, start, stop, blink_spans, p):
                    continue
                # The brow, like the cheek and mouth corner, takes part when it moves with the contraction from
                # its level just before: a one-sided brow level a head turn leaves behind is not involvement.
                regions = [
                    name
                    for name, mask in (
                        ("brow", brow),
                        ("eye", eye),
                        ("cheek", involved["cheek"]),
                        ("mouth", involved["mouth"]),
                    )
                    if (
                        mask[start:stop].any()
                        and (name != "brow" or _moves(brow_diff, start, stop, before, brow_floor))
                    )
                    or (name in ("cheek", "mouth") and _rises(labels, name, s, start, stop, p, cheek))
                ]
                if regions in (["brow"], []):
                    continue
                peak = contraction_peak(sig, s, start, stop, has_eye)
                events.append(Event("contraction", t0, t1, s, tuple(regions), peak))
    events = one_per_movement(twitches_read_as_blinks(pulls_read_as_blinks(events, sig, p, pulls), sig, p))
    events = cheek_over_episodes(events, labels, p, cheek)
    return _without_crosstalk(_from_rest_to_rest(events, sig, p))


# How long after a blink one eye may still be reopening in the face mesh (:func:`_still_reopening`).
REOPENING_S = 0.3


def _still_reopening(
    closure: np.ndarray, t: np.ndarray, start: int, stop: int, before: int, spans: list[tuple[float, float]]
) -> bool:
    """Whether an eye (``closure``, per frame) is only reopening from a blink over frames [start, stop): they begin
    within ``REOPENING_S`` after a blink (``spans``, s) and never close it beyond its lowest level over the
    ``before`` frames before them. One lid reopening more slowly than the other in the mesh reads as a one-sided
    closure for a few frames, and a contraction cut there from the blink's own tail (by a mouth corner that a
    smile left behind, as the head leans) is no new movement of the eye."""
    t0 = float(t[start])
    return any(0.0 <= t0 - b1 <= REOPENING_S for _, b1 in spans) and not _rose(
        closure, start, stop, before, 0.0
    )


# A one-sided lower-face pull that the head's yaw explains (:func:`_follows_the_turn`): fitted to the yaw over the
# contraction and FOLLOW_WINDOW_S either side, the fit explains FOLLOW_R2 of the pull's variance there, the pull
# stands less than FOLLOW_RESIDUAL of the pull threshold above the fit anywhere in the contraction, and the yaw
# moves FOLLOW_MIN_DEG or more. Tuning and fresh draws 1-9: the warped turns' residues stand 0.34-0.59 of the
# threshold above the line, a wrong-side pull during a turn 0.76; from 0.56 to 1.2 no true contraction is lost
# (every true one-sided pull that the line explains 0.8 of is other-side or already under it at 0.5).
FOLLOW_WINDOW_S = 1.0
FOLLOW_R2 = 0.8
FOLLOW_RESIDUAL = 0.8
FOLLOW_MIN_DEG = 1.0


def _follows_the_turn(sig: Signals, side: str, start: int, stop: int, floor: float) -> bool:
    """Whether ``side``'s one-sided pull (mouth corner or cheek less the other side's, the larger) over frames
    [start, stop) is the head's yaw (``sig.yaw_deg``) and nothing more: a straight line in the yaw fitted over the
    contraction and ``FOLLOW_WINDOW_S`` either side explains ``FOLLOW_R2`` of it, leaves less than
    ``FOLLOW_RESIDUAL`` of ``floor`` (the pull threshold, :func:`pull_threshold`) above the line inside the
    contraction, and the yaw moves ``FOLLOW_MIN_DEG`` or more. Where MediaPipe reads a turn as smaller than it is
    (a flat photograph turned by a perspective warp), the pose models explain only part of the far side's
    foreshortening, and the rest stays as a pull that rises and falls with the turn. A contraction during a turn
    rises and falls on its own time: the line leaves it standing above."""
    if sig.yaw_deg is None:
        return False
    t = sig.t_s
    lo = int(np.searchsorted(t, t[start] - FOLLOW_WINDOW_S, side="left"))
    hi = int(np.searchsorted(t, t[stop - 1] + FOLLOW_WINDOW_S, side="right"))
    window = slice(lo, hi)
    other = OTHER_SIDE[side]
    pull = np.fmax(
        sig.side("mouth", side)[window] - sig.side("mouth", other)[window],
        sig.side("cheek", side)[window] - sig.side("cheek", other)[window],
    )
    yaw = sig.yaw_deg[window]
    ok = np.isfinite(pull) & np.isfinite(yaw)
    inside = ok & (np.arange(lo, hi) >= start) & (np.arange(lo, hi) < stop)
    if ok.sum() < 5 or not inside.any() or np.ptp(yaw[ok]) < FOLLOW_MIN_DEG:
        return False
    slope, offset = np.polyfit(yaw[ok], pull[ok], 1)
    line = slope * yaw + offset
    spread = float(np.sum((pull[ok] - pull[ok].mean()) ** 2))
    explained = 1.0 - float(np.sum((pull[ok] - line[ok]) ** 2)) / spread if spread > 0 else 0.0
    return explained >= FOLLOW_R2 and float(np.max(pull[inside] - line[inside])) < FOLLOW_RESIDUAL * floor


def _pulled(sig: Signals, side: str, region: str, threshold: float, p: DetectionParams) -> np.ndarray:
    """Frames (bool, N) where ``side``'s cheek or mouth corner (``region``) is pulled one-sidedly: by ``threshold``
    (:func:`pull_threshold`) and as much more than the other side's, which moves less than ``unilateral_ratio``
    as far (a smile or speech moves both sides alike)."""
    mine, theirs = sig.side(region, side), sig.side(region, OTHER_SIDE[side])
    return (
        exceeds(mine - theirs, threshold)
        & exceeds(mine, threshold)
        & exceeds(mine * p.unilateral_ratio - theirs, 0.0)
    )


def _rose(mine: np.ndarray, start: int, stop: int, before: int, threshold: float) -> bool:
    """A cheek or mouth corner (``mine``, per frame) rose into frames [start, stop) by ``threshold``
    (:func:`pull_threshold`) above its lowest level over the ``before`` frames before ``start``: a movement, not a
    level it already had. True where there is nothing to judge it by."""
    pre, during = mine[max(0, start - before) : start + 1], mine[start:stop]
    if not np.isfinite(pre).any() or not np.isfinite(during).any():
        return True
    return bool(np.nanmax(during) - np.nanmin(pre) > threshold)


def _extent_signal(sig: Signals, e: Event) -> np.ndarray:
    """The signal a contraction's extent is read on: the less-closed eye for a bilateral closure, the side's
    eye closure for an eye contraction, its larger lower-face pull otherwise."""
    if e.side == "both":
        return np.fmin(sig.closure_left, sig.closure_right)
    if "eye" in e.regions:
        return sig.side("closure", e.side)
    return np.fmax(sig.side("mouth", e.side), sig.side("cheek", e.side))


def _from_rest_to_rest(events: list[Event], sig: Signals, p: DetectionParams) -> list[Event]:
    """Each contraction from the frame its signal leaves rest to the frame it is back, not only while it is
    above the detection threshold.

    The thresholds find a contraction; its onset and end are where the movement begins and ends: walking
    back from the first frame above threshold (forward from the last) while the signal keeps falling and
    stays above the level just before the onset by more than ``extent_share`` of the contraction's height
    (as a blink's span runs between the crossings of 10 % of its prominence) and ``onset_noise_k`` of this
    recording's noise SDs, for at most ``max_ramp_s``. A contraction ramps up over 0.1-0.3 s, and without this
    an episode would start late and end early by about a frame or three, and time in spasm, a clinical figure,
    would read short. Falling signals only: the walk stops at a valley between twitches, so twitches are not
    merged, and never crosses the neighbouring contraction of the same side."""
    t = sig.t_s
    dt = frame_interval(t)
    before = max(2, round(0.3 / dt))
    reach = max(1, round(p.max_ramp_s / dt))
    # The extent signal and its noise depend only on the side and whether the eye takes part.
    extent: dict[tuple[str, bool], tuple[np.ndarray, float]] = {}
    out = list(events)
    for side in (*SIDES, "both"):
        ids = sorted(
            (i for i, e in enumerate(out) if e.kind == "contraction" and e.side == side),
            key=lambda i: out[i].start_s,
        )
        for n, i in enumerate(ids):
            e = out[i]
            key = (side, "eye" in e.regions)
            if key not in extent:
                x = _extent_signal(sig, e)
                extent[key] = x, robust_noise(x)
            x, noise = extent[key]
            start, stop = (int(k) for k in np.searchsorted(t, [e.start_s, e.end_s - dt / 2]))
            stop = max(stop, start + 1)
            lo = int(np.searchsorted(t, out[ids[n - 1]].end_s - dt / 2)) if n else 0
            hi = int(np.searchsorted(t, out[ids[n + 1]].start_s)) if n + 1 < len(ids) else t.size
            pre = x[max(0, start - before) : start]
            if not np.isfinite(pre).any():
                continue
            rest = float(np.nanmedian(pre))
            top = float(np.nanmax(x[start:stop])) if np.isfinite(x[start:stop]).any() else rest
            level = rest + max(p.onset_noise_k * noise, p.extent_share * (top - rest))
            a = start
            while a - 1 >= max(lo, start - reach) and _falls_to(x[a - 1], x[a], level):
                a -= 1
            b = stop - 1
            while b + 1 < min(hi, stop - 1 + reach + 1) and _falls_to(x[b + 1], x[b], level):
                b += 1
            t0, t1 = span(t, a, b + 1, dt)
            # Where the walk met rest, the foot lies between two frames: interpolated, as a blink's span is.
            if a > 0 and _crosses(x[a - 1], x[a], level):
                t0 = float(np.interp(level, [x[a - 1], x[a]], [t[a - 1], t[a]]))
            if b + 1 < t.size and b > stop - 1 and _crosses(x[b + 1], x[b], level):
                t1 = float(np.interp(level, [x[b + 1], x[b]], [t[b + 1], t[b]]))
            if t0 < e.start_s or t1 > e.end_s:
                out[i] = replace(e, start_s=min(t0, e.start_s), end_s=max(t1, e.end_s))
    return sorted(out, key=lambda e: (e.start_s, e.kind))


def _crosses(x_rest: float, x_in: float, level: float) -> bool:
    """Between these two frames the signal passes ``level`` on its way from rest into the contraction."""
    return bool(np.isfinite(x_rest) and np.isfinite(x_in) and x_rest <= level < x_in)


def _falls_to(x_next: float, x_from: float, level: float) -> bool:
    """Walking away from a contraction, the next frame is still part of it: lower (the movement is still
    fading) but above ``level`` (not yet at rest). Missing frames end the walk."""
    return bool(np.isfinite(x_next) and np.isfinite(x_from) and x_next < x_from and x_next > level)


def _fast_head(sig: Signals, p: DetectionParams) -> np.ndarray:
    """Frames of fast head motion (a jerk), widened by 0.1 s on both sides: the face mesh lags a fast turn
    unevenly, which looks like one side moving."""
    if sig.head_speed_deg_s is None:
        return np.zeros(sig.t_s.size, dtype=bool)
    fast = exceeds(sig.head_speed_deg_s, p.max_head_speed_deg_s)
    return widen(fast, max(1, round(0.1 * sig.fps)))


def _moves(x: np.ndarray, start: int, stop: int, before: int, floor: float) -> bool:
    """``x`` moves (either way) during frames [start, stop) by more than ``floor`` from its median over the
    ``before`` frames before: a level it already had (a head turn's residue) is not the contraction's."""
    return max(rise_during(x, start, stop, before), rise_during(-x, start, stop, before)) > floor


def _rises(
    sig: Signals,
    region: str,
    side: str,
    start: int,
    stop: int,
    p: DetectionParams,
    cheek: dict[str, np.ndarray],
) -> bool:
    """The cheek or mouth corner takes part in a contraction: it rises, measured from just before the onset
    (so slow drift and head motion do not count), by its threshold (``cheek_min``, ``lower_face_min``) and
    clearly more than the other side's (by ``cheek_min``; the mesh drags the other side along a little).
    ``cheek``: each side's cheek signal to read (:func:`cheek_own`)."""
    before = before_onset(sig)
    other = OTHER_SIDE[side]
    x = cheek if region == "cheek" else {s: sig.side(region, s) for s in SIDES}
    mine = rise_during(x[side], start, stop, before)
    theirs = rise_during(x[other], start, stop, before)
    noise = p.noise_k * robust_noise(x[side] - x[other])
    floor = max(p.cheek_min if region == "cheek" else p.lower_face_min, noise)
    return mine > floor and mine - theirs > max(p.cheek_min, noise)


def _drive(sig: Signals, side: str, eye: np.ndarray, lower: dict[str, np.ndarray]) -> np.ndarray:
    """The signal whose peaks are one side's contractions: eye closure, or the lower-face pull scaled to it."""
    closure = sig.side("closure", side)
    pull = np.fmax(sig.side("mouth", side), sig.side("cheek", side))
    return np.where(np.isfinite(closure) & eye, closure, np.fmax(closure, pull / 0.15))


def split_contractions(x: np.ndarray, start: int, stop: int, rel_prominence: float) -> list[tuple[int, int]]:
    """Split the active run [start, stop) of drive signal ``x`` into one range per contraction.

    Clonic twitches follow each other so closely that the signal need not return to rest in between. Each
    peak of ``x`` that rises ``rel_prominence`` of its own height (and half that share of the run's maximum)
    above the valleys around it is one contraction; the run is cut at the lowest point between neighbouring
    peaks. Missing samples (gaps) are interpolated, so a gap is never read as a valley.
    """
    seg = x[start:stop].astype(np.float64)
    ok = np.isfinite(seg)
    if ok.sum() < 3:
        return [(start, stop)]
    if not ok.all():
        idx = np.arange(seg.size)
        seg = np.interp(idx, idx[ok], seg[ok])
    top = float(seg.max())
    if top <= 0:
        return [(start, stop)]
    padded = np.concatenate([[0.0], seg, [0.0]])
    # A twitch must rise ``rel_prominence`` of its OWN height above the valleys around it (and at least half
    # that share of the run's maximum, so that noise on a low ramp is no twitch): in a clonic burst the lid
    # need not relax between twitches, and a smaller twitch before a larger one is still a twitch.
    peaks, props = sps.find_peaks(padded, prominence=0.5 * rel_prominence * top)
    peaks = peaks[props["prominences"] >= rel_prominence * padded[peaks]] - 1
    if peaks.size <= 1:
        return [(start, stop)]
    cuts = (
        [start] + [start + a + int(np.argmin(seg[a : b + 1])) for a, b in itertools.pairwise(peaks)] + [stop]
    )
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _without_crosstalk(events: list[Event]) -> list[Event]:
    """Drop one-sided lower-face pulls that happen during an eye-closing contraction of the OTHER side: the face
    mesh drags the other mouth corner along with a strong squeeze, and hemifacial spasm is one-sided. Read on
    the contractions' full extents (:func:`_from_rest_to_rest`): the drag lasts while the lids reopen."""
    squeezes = [e for e in events if e.kind == "contraction" and e.side in SIDES and "eye" in e.regions]
    return [
        e
        for e in events
        if not (
            e.kind == "contraction"
            and e.side in SIDES
            and "eye" not in e.regions
            and any(q.side != e.side and q.start_s < e.end_s and e.start_s < q.end_s for q in squeezes)
        )
    ]
