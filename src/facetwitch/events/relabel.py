"""One side's twitches that the face mesh read as blinks (it coupled the lid into the other eye), read again as
contractions of that side."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from facetwitch.episodes import MERGE_GAP_S
from facetwitch.events.frames import frames_of, pull_threshold, rise_during
from facetwitch.events.params import DetectionParams
from facetwitch.lid_picture import LEVEL_BEFORE_S, one_eyed_side, picture_changes
from facetwitch.records import Event, canonical_regions
from facetwitch.signals import OTHER_SIDE, SIDES, Signals, frame_interval


def one_eyed_blinks(
    events: list[Event], sig: Signals, scaled: dict[str, np.ndarray], p: DetectionParams
) -> list[Event]:
    """A "blink" that only one eye's picture shows (:func:`facetwitch.lid_picture.one_eyed_side`: the other eye's
    picture changed less than ``picture_blink_balance`` as much) is a twitch of that eye the face mesh coupled into
    the other (a head roll or turn couples them most): read as a blink, a clonic burst loses its twitches and the
    blink rate gains them. Merged with a contraction of that side it overlaps (:func:`one_per_movement`).

    Where the head rolls or turns, each eye's change is also read from its level just before the "blink": that
    moves the far eye's picture from its rest picture on its own. So read, one eye alone changing makes a twitch
    of that eye only with more to go on (otherwise a weak lid's mesh drifting half-closed, and the far eye of a
    turned head changing less in the picture, would turn blinks into twitches; fresh draw 2's weak-lid control):

    - next to a burst of that side's eye twitches (``BURST_TWITCHES`` or more, each within the merge gap of the
      next, the nearest within the merge gap before or after the "blink"): the burst's last twitch, hidden from
      the first reading (``tilt-warp-hfs-roll``);
    - or where every other reading puts it on that side too (:func:`_every_reading_on`): a clonic burst on a face
      rolled or turned far, whose other eye the mesh and the blendshapes drag to 0.6-0.9 of the twitching one, so
      that no reading alone clears its own bar (``eye_ratio``, ``blink_balance``, the first picture reading) and
      every twitch comes out as a blink (fresh draw 6's tilt-depth-hfs-roll-luispedro). Over the tuning suite
      and fresh draws 1-6 no blink has all four readings on one side."""
    twitches = _eye_twitches(events)
    out = []
    for e in events:
        side, regions = None, ("eye",)
        if e.kind == "blink":
            side = one_eyed_side(sig.t_s, scaled, e, p.picture_blink_balance)
            if side and not _rose_most(e, sig, scaled, side):
                side = None
            near = (
                None if side else one_eyed_side(sig.t_s, scaled, e, p.picture_blink_balance, from_level=True)
            )
            if near and max(_burst_beside(e, twitches[near])) >= BURST_TWITCHES:
                side = near
            elif near and _every_reading_on(e, sig, near, p):
                side, regions = near, ("eye", "mouth")
        out.append(e if side is None else _as_twitch(e, sig, side, regions))
    return sorted(one_per_movement(out), key=lambda e: (e.start_s, e.kind))


def _rose_most(blink: Event, sig: Signals, scaled: dict[str, np.ndarray], side: str) -> bool:
    """Whether ``side``'s eye picture rose over ``blink`` more than the other's from their levels just before
    (:func:`facetwitch.lid_picture.picture_changes`). An eye whose picture stands apart from its rest picture
    from before (the far eye of a face turned 25-30 degrees) while both lids close a little is not twitching
    (fresh draw 8's tilt-depth-control-lean-luispedro: 0.00 against the other's 0.08; its twitches 0.12 or more
    above the other's)."""
    rise = picture_changes(sig.t_s, scaled, blink, from_level=True)
    return rise[side] > rise[OTHER_SIDE[side]]


def _every_reading_on(blink: Event, sig: Signals, side: str, p: DetectionParams) -> bool:
    """Whether the mesh, the eyeBlink blendshapes and the mouth corners put ``blink`` on ``side`` too: at its
    deepest frame that eye is the more closed by ``asymmetry`` / 2 in the mesh and in the blendshapes, and that
    side's mouth corner rose from just before by half the pull threshold more than the other's (a blink pulls no
    mouth corner). False without the blendshapes."""
    k = _deepest(blink, sig)
    if k is None or not sig.has_blink_blendshapes:
        return False
    other = OTHER_SIDE[side]
    for signal in ("closure", "blink"):
        if not sig.side(signal, side)[k] - sig.side(signal, other)[k] > p.asymmetry / 2:
            return False
    frames = frames_of(blink, sig)
    before = round(LEVEL_BEFORE_S / frame_interval(sig.t_s))
    rose = [rise_during(sig.side("mouth", s), frames.start, frames.stop, before) for s in (side, other)]
    return rose[0] - rose[1] > pull_threshold(sig, side, "mouth", p) / 2


def _eye_twitches(events: list[Event]) -> dict[str, list[Event]]:
    """Each side's one-sided contractions of the eye."""
    return {
        s: [e for e in events if e.kind == "contraction" and e.side == s and "eye" in e.regions]
        for s in SIDES
    }


# Twitches that make a burst for one_eyed_blinks' second reading.
BURST_TWITCHES = 2


def _burst_beside(blink: Event, twitches: list[Event]) -> tuple[int, int]:
    """How many ``twitches`` chain (each within the merge gap of the next) from ``blink`` backwards, the nearest
    ending within the merge gap before it, and forwards, the nearest starting within the merge gap after it (0.1 s
    of overlap allowed): 0, 0 where none is that near; more than 0 where ``blink`` sits in or at the end of their
    burst."""
    before, edge = 0, blink.start_s
    for c in sorted(twitches, key=lambda c: -c.end_s):
        if edge - MERGE_GAP_S <= c.end_s <= edge + 0.1:
            before, edge = before + 1, min(edge, c.start_s)
    after, edge = 0, blink.end_s
    for c in sorted(twitches, key=lambda c: c.start_s):
        if edge - 0.1 <= c.start_s <= edge + MERGE_GAP_S:
            after, edge = after + 1, max(edge, c.end_s)
    return before, after


def twitches_read_as_blinks(events: list[Event], sig: Signals, p: DetectionParams) -> list[Event]:
    """A "blink" inside a clonic burst of one side (that side's eye contractions within the episode merge gap
    both before and after it) with that side's eye clearly the more closed at its deepest frame is one of the
    burst's twitches that the face mesh coupled into the other eye; read as a blink, it would cut the episode
    in two. A symmetric blink between two bursts stays a blink. At a burst's first or last twitch (contractions
    on one side of it only) the other eye must also be less than ``blink_balance`` as closed: a full twitch
    drags the other eye's mesh to about half its depth, but both eyes close alike in a blink."""
    twitches = _eye_twitches(events)
    out: list[Event] = []
    for e in events:
        side = None
        if e.kind == "blink":
            side = next((s for s in SIDES if _in_burst(e, twitches[s], sig, s, p)), None)
        out.append(e if side is None else _as_twitch(e, sig, side, ("eye",)))
    return out


def _as_twitch(blink: Event, sig: Signals, side: str, regions: tuple[str, ...]) -> Event:
    """``blink`` read again as a contraction of ``side`` over the same span, peaking at that eye's deepest closure."""
    peak = float(np.nanmax(sig.side("closure", side)[frames_of(blink, sig)]))
    return Event("contraction", blink.start_s, blink.end_s, side, regions, peak)


def one_per_movement(events: list[Event]) -> list[Event]:
    """Contractions of one side that overlap by half the shorter one or more are one movement, with the union of
    their spans and regions.

    The one-sided detector's runs do not overlap (a burst split into twitches gives runs that touch), but a
    "blink" read again as a twitch (``pulls_read_as_blinks``, ``twitches_read_as_blinks``) can overlap a run
    of the same side: a lid twitch whose mouth corner stays pulled after the lid reopens gives the eye's twitch
    and a mouth-only pull after it, and the twitch would count twice."""
    out = [e for e in events if e.kind != "contraction"]
    for side in (*SIDES, "both"):
        merged: list[Event] = []
        for e in sorted(
            (e for e in events if e.kind == "contraction" and e.side == side), key=lambda e: e.start_s
        ):
            m = merged[-1] if merged else None
            if m is not None and min(m.end_s, e.end_s) - e.start_s >= min(m.duration_s, e.duration_s) / 2:
                regions = canonical_regions((*m.regions, *e.regions))
                merged[-1] = replace(
                    m, end_s=max(m.end_s, e.end_s), regions=regions, peak=max(m.peak, e.peak)
                )
            else:
                merged.append(e)
        out += merged
    return sorted(out, key=lambda e: (e.start_s, e.kind))


def pulls_read_as_blinks(
    events: list[Event], sig: Signals, p: DetectionParams, pulls: dict[str, dict[str, np.ndarray]]
) -> list[Event]:
    """A "blink" during which one side's mouth corner or cheek is pulled, the other side's not (the lower-face
    test, ``pulls[side][region]``: bool per frame), with that side's eye clearly the more closed at its deepest
    frame (by ``asymmetry``) is that side's twitch: the face mesh coupled the lid's closure into the other eye,
    but a blink pulls no mouth corner. Over the tuning suite (tilt material included) and the fresh draws, such
    "blinks" were 6 twitches, their eye 0.11-0.28 more closed than the other (4 over ``asymmetry``), and 5 blinks,
    their pulled side's eye 0.20 less to 0.09 more closed (none over it)."""
    out: list[Event] = []
    for e in events:
        if e.kind != "blink":
            out.append(e)
            continue
        frames = frames_of(e, sig)
        pulled = {s: [r for r, mask in pulls[s].items() if mask[frames].any()] for s in SIDES}
        side = next((s for s in SIDES if pulled[s] and not pulled[OTHER_SIDE[s]]), None)
        if side is not None and np.subtract(*_at_deepest(e, sig, side)) > p.asymmetry:
            out.append(
                _as_twitch(e, sig, side, ("eye", *(r for r in ("cheek", "mouth") if r in pulled[side])))
            )
        else:
            out.append(e)
    return out


def _in_burst(blink: Event, twitches: list[Event], sig: Signals, side: str, p: DetectionParams) -> bool:
    """``blink`` is one of the burst of ``side``'s eye ``twitches`` (see :func:`twitches_read_as_blinks`)."""
    before, after = (chain > 0 for chain in _burst_beside(blink, twitches))
    if not (before or after):
        return False
    mine, theirs = _at_deepest(blink, sig, side)
    if not mine - theirs > p.asymmetry:
        return False
    return (before and after) or bool(theirs < p.blink_balance * mine)


def _at_deepest(blink: Event, sig: Signals, side: str) -> tuple[float, float]:
    """``side``'s eye closure and the other eye's at ``blink``'s deepest frame (both NaN without one)."""
    k = _deepest(blink, sig)
    if k is None:
        return np.nan, np.nan
    return float(sig.side("closure", side)[k]), float(sig.side("closure", OTHER_SIDE[side])[k])


def _deepest(blink: Event, sig: Signals) -> int | None:
    """The frame of ``blink`` where both eyes together are the most closed (None where no frame has both)."""
    frames = frames_of(blink, sig)
    both = np.nan_to_num(sig.closure_left[frames] + sig.closure_right[frames], nan=-np.inf)
    k = int(np.argmax(both))
    return frames.start + k if np.isfinite(both[k]) else None
