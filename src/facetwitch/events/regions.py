"""Which parts of the face took part in a contraction: the cheek (on the mesh and on the picture below the eye),
the brow, and the parts of a bilateral closure."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from facetwitch.cheek_picture import CHEEK_SIDES, rise_from
from facetwitch.episodes import MERGE_GAP_S
from facetwitch.events.frames import before_onset, exceeds, frames_of, rise_during
from facetwitch.events.params import DetectionParams
from facetwitch.records import Event, canonical_regions
from facetwitch.signals import OTHER_SIDE, SIDES, Signals, robust_noise


def cheek_over_episodes(
    events: list[Event], sig: Signals, p: DetectionParams, cheek: dict[str, np.ndarray]
) -> list[Event]:
    """Cheek involvement measured against the level before the whole burst, not only before each twitch.

    In a clonic burst the cheek has not come back to rest between twitches, so each twitch's own rise
    (:func:`facetwitch.events.contractions._rises`) undercounts it. For each one-sided group of contractions
    (the episodes to be), the cheek's rise above its level just before the first contraction is measured per
    contraction; the contraction where it rises most, by ``cheek_min`` (or the noise floor) and by half that
    more than the other side's, involves the cheek. ``cheek``: each side's cheek signal to read
    (:func:`cheek_own`)."""
    before = before_onset(sig)
    out = list(events)
    for side in SIDES:
        other = OTHER_SIDE[side]
        group_ids = sorted(
            (i for i, e in enumerate(out) if e.kind == "contraction" and e.side == side),
            key=lambda i: out[i].start_s,
        )
        groups: list[list[int]] = []
        for i in group_ids:
            if groups and out[i].start_s - max(out[j].end_s for j in groups[-1]) <= MERGE_GAP_S:
                groups[-1].append(i)
            else:
                groups.append([i])
        for group in groups:
            if any("cheek" in out[i].regions for i in group):
                continue
            onset = int(np.searchsorted(sig.t_s, out[group[0]].start_s))
            floor = max(p.cheek_min, p.noise_k * robust_noise(cheek[side] - cheek[other]))
            best, best_rise = None, -np.inf
            for i in group:
                frames = frames_of(out[i], sig)
                mine = rise_during(cheek[side], frames.start, frames.stop, before, onset)
                theirs = rise_during(cheek[other], frames.start, frames.stop, before, onset)
                if mine > floor and mine - theirs > floor / 2 and mine > best_rise:
                    best, best_rise = i, mine
            if best is not None:
                e = out[best]
                regions = canonical_regions((*e.regions, "cheek"))
                out[best] = replace(e, regions=regions)
    return out


def cheek_from_picture(
    events: list[Event], sig: Signals, p: DetectionParams, blinks: list[tuple[float, float]]
) -> list[Event]:
    """Which contractions the cheek took part in, read from the picture below the eyes (``cheek_patches``).

    The cheek takes part where the skin below the eye rose during the contraction above where it lay just before
    it, or just before the first contraction of its burst (in a clonic burst the cheek need not come back to rest
    between twitches): each frame's patch registered against the mean patch of those moments
    (:func:`facetwitch.cheek_picture.rise_from`; a head turned since the recording's start changes the patch, a
    turn over a second or two barely). The rise must reach ``cheek_picture_min``, or ``noise_k`` noise SDs of the
    two sides' difference, whichever is larger: on the contraction's side, or for a bilateral closure on both
    sides. What the same eye's closure moves the patch on this
    person's own blinks (lid skin) is taken off first (:func:`_blink_drag`). Where the picture has no reading, or
    a contraction found only on the face mesh's cheek would be left with no part of the face, the mesh's label
    stands."""
    patches = sig.cheek_patches
    if patches is None:  # normalise sets the patches and their rise (cheek_picture_*) together
        return events
    drag = {s: _blink_drag(sig, s, blinks) for s in SIDES}
    global_rise = {s: sig.side("cheek_picture", s) - drag[s] for s in SIDES}
    floor = max(p.cheek_picture_min, p.noise_k * robust_noise(global_rise["right"] - global_rise["left"]))
    before = before_onset(sig)
    usable = sig.usable
    out = list(events)
    burst_onset = {s: -np.inf for s in (*SIDES, "both")}
    last_end = dict(burst_onset)
    for i in sorted(range(len(out)), key=lambda i: out[i].start_s):
        e = out[i]
        if e.kind != "contraction":
            continue
        if e.start_s - last_end[e.side] > MERGE_GAP_S:
            burst_onset[e.side] = e.start_s
        last_end[e.side] = max(last_end[e.side], e.end_s)
        frames = frames_of(e, sig)
        during = np.where(usable[frames, None], patches[frames], np.nan)
        ups = {s: -np.inf for s in SIDES}
        for onset in {frames.start, int(np.searchsorted(sig.t_s, burst_onset[e.side]))}:
            pre = slice(max(0, onset - before), onset)
            rise = rise_from(np.where(usable[pre, None], patches[pre], np.nan), during)
            for k, s in enumerate(CHEEK_SIDES):
                moved = rise[:, k] - drag[s][frames]
                if np.isfinite(moved).any():
                    ups[s] = max(ups[s], float(np.nanmax(moved)))
        if not all(np.isfinite(v) for v in ups.values()):
            continue
        # Only the contraction's own side: during a head turn the other side's patch changes shape as it turns
        # (tuning: rises of 0.03-0.13 there while the own cheek rose 0.03-0.04), and a one-sided contraction is
        # found on the lids and mouth corners already.
        took_part = (min(ups.values()) if e.side == "both" else ups[e.side]) > floor
        regions = tuple(r for r in e.regions if r != "cheek")
        if took_part:
            regions = canonical_regions((*regions, "cheek"))
        if regions:
            out[i] = replace(e, regions=regions)
    return out


def _blink_drag(sig: Signals, side: str, blinks: list[tuple[float, float]]) -> np.ndarray:
    """How far ``side``'s eye closure moves its cheek picture (:func:`facetwitch.cheek_picture.cheek_rise`) per
    frame, as measured on this person's own blinks (a blink closes the lids without raising the cheek): the
    least-squares slope through rest of the picture against the eye's closure over the blinks' frames, times the
    closure. Zero with fewer than ``MIN_DRAG_BLINKS`` blinks. Units: nose lengths."""
    rise, closure = sig.side("cheek_picture", side), sig.side("closure", side)
    if len(blinks) < MIN_DRAG_BLINKS:
        return np.zeros(sig.t_s.size)
    return _drag_slope(rise, closure, _blink_frames(sig.t_s, blinks)) * np.nan_to_num(closure, nan=0.0)


def _blink_frames(t_s: np.ndarray, blinks: list[tuple[float, float]]) -> np.ndarray:
    """Frames (bool, N) inside any of the ``blinks`` (start, end in seconds), ends included."""
    inside = np.zeros(t_s.size, dtype=bool)
    for b0, b1 in blinks:
        inside[np.searchsorted(t_s, b0) : np.searchsorted(t_s, b1, side="right")] = True
    return inside


MIN_DRAG_BLINKS = 2  # blinks needed to measure how far a lid closure drags the cheek landmark down


def cheek_own(sig: Signals, side: str, blinks: list[tuple[float, float]]) -> np.ndarray:
    """The cheek's movement with the part the same side's lid closure drags along taken off.

    In the face mesh the cheek landmark sits under the lower lid: every closure pulls it DOWN, so a squeeze
    that raises the cheek (orbicularis oculi's orbital part, zygomaticus) reads as little or no rise while
    the eye is closed, most of all in a tonic spasm. The drag is measured on this person's own blinks (a
    blink closes the lids without raising the cheek): the slope of the cheek against that eye's closure over
    the blinks' frames, fitted through rest, never upwards. With fewer than ``MIN_DRAG_BLINKS`` blinks the
    cheek is read as it is. Units: those of ``Signals.cheek_*``."""
    cheek, closure = sig.side("cheek", side), sig.side("closure", side)
    if len(blinks) < MIN_DRAG_BLINKS:
        return cheek
    slope = min(0.0, _drag_slope(cheek, closure, _blink_frames(sig.t_s, blinks)))
    return cheek - slope * np.nan_to_num(closure, nan=0.0)


def brow_own_movement(sig: Signals, side: str) -> np.ndarray:
    """The brow's movement minus the part the same side's lid closure drags along with it.

    In the face mesh the brow follows the upper lid down in every blink and lid twitch; only movement
    beyond that (fitted per side, through the origin, over the whole recording) is the brow's own.
    """
    brow, closure = sig.side("brow", side), sig.side("closure", side)
    return brow - _drag_slope(brow, closure, np.ones(closure.size, dtype=bool)) * closure


def _drag_slope(x: np.ndarray, closure: np.ndarray, frames: np.ndarray) -> float:
    """Least-squares slope through the origin of ``x`` against the same side's lid closure over ``frames``
    (finite values only): how far the lid drags a landmark per unit of closure; 0 without closure."""
    ok = frames & np.isfinite(x) & np.isfinite(closure)
    denom = float(np.sum(closure[ok] ** 2))
    return float(np.sum(x[ok] * closure[ok]) / denom) if denom > 0 else 0.0


def bilateral_region(sig: Signals, region: str, start: int, stop: int, p: DetectionParams) -> bool:
    if region == "cheek":
        before = before_onset(sig)
        rises = [rise_during(sig.side("cheek", s), start, stop, before) for s in SIDES]
        return min(rises) > p.cheek_min
    both = np.fmin(
        np.abs(sig.side(region, "left")[start:stop]), np.abs(sig.side(region, "right")[start:stop])
    )
    return bool(exceeds(both, p.lower_face_min).any())


def contraction_peak(sig: Signals, side: str, start: int, stop: int, has_eye: bool) -> float:
    if has_eye:
        return float(np.nanmax(sig.side("closure", side)[start:stop]))
    return float(
        max(np.nanmax(sig.side("mouth", side)[start:stop]), np.nanmax(sig.side("cheek", side)[start:stop]))
    )
