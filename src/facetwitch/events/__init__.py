"""Events from normalised signals: blinks, contractions (unilateral or bilateral) and tremor.

Rules (all thresholds in :class:`DetectionParams`, times in seconds):

* A frame is a **unilateral eye contraction** of side S when S's eye is closing (``unilateral_close``), clearly
  more than the other eye (``asymmetry``), and the other eye stays less than ``eye_ratio`` as closed.
* A frame is a **unilateral lower-face contraction** of side S when S's mouth corner or cheek is pulled, more
  than the other side's by a margin above the noise, while the other side moves little (``unilateral_ratio``).
  Smiles and speech move both sides alike and so do not count. This is read on the one-sidedness two pose models
  agree on (:func:`facetwitch.signals.agreed_sides`); which parts took part in a contraction that stands, on each
  side's own pose fit (``Signals.read_alone``). Without the eye, the pull must have risen from its lowest level just
  before its run of one-sided activity (:func:`_rose`): a level the corner already had, left by a smile relaxing
  unevenly, is none; nor with an eye that only goes on reopening from a blink (:func:`_still_reopening`). Nor is a
  pull of the lower face alone that a straight line in the head's yaw explains (:func:`_follows_the_turn`): what
  the pose models left of a turn MediaPipe reads as smaller than it is.
* **Blinks** are found by their shape in time (:func:`_blink_dips`): a brief dip of both eyes' closure
  (lid geometry averaged with MediaPipe's eyeBlink blendshapes) that stands out from its surroundings by
  ``blink_prominence``, however deep; each is labelled complete or incomplete by its depth (``blink_complete``).
  Bilateral closures held longer than ``blink_max_s`` are **contractions of side "both"** (blepharospasm).
  Brief one-sided blips at a blink's edges, and one lid reopening more slowly than the other, are the blink's
  (also of a blink not counted because the face was lost before the lids reopened: :func:`_blink_dips`).
  A "blink" with one side's mouth corner or cheek pulled (the lower-face test) and that side's eye clearly the
  more closed is that side's twitch, coupled into the other eye by the face mesh; so is one inside that side's
  clonic burst.
* Head jerks (angular speed above ``max_head_speed_deg_s``) never start a one-sided contraction; lower-face
  pulls during the other side's squeeze are mesh crosstalk.
* A run of one-sided activity is split into one contraction per peak (``split_prominence``), so every twitch of
  a clonic burst counts; up to ``gap_bridge_s`` without a usable face inside a contraction does not split it.
* Faint one-sided lid dips (``rhythm_prominence``) that reach none of those levels are noise alone, but three or
  more at a steady rate slower than tremor are a clonic burst, one contraction per dip (:func:`_rhythmic`); so
  are such trains that only one eye's picture shows (``picture_rhythm_prominence``, :func:`_pictured_rhythm`), where
  the mesh reads no contraction of that side.
* A one-sided contraction of the eye alone (or eye and brow) whose eye picture changed no more than the other
  eye's (``lid_picture_veto`` of a blink's change, :mod:`facetwitch.lid_picture`) is a blink or head motion the
  mesh read as one-sided, and is dropped, unless a one-sided contraction of its side that stands lies within
  ``MERGE_GAP_S`` (a burst's twitch: it can only lengthen an episode, never make one). Conversely, a "blink" that
  only one eye's picture shows (the other eye's changed less than ``picture_blink_balance`` as much) is that eye's
  twitch, coupled into the other eye by the mesh. And a bilateral dip too faint for a blink in the mesh
  (``picture_blink_prominence`` up to ``blink_prominence``) is one where both eyes' pictures show it and the head
  is still (:func:`_pictured_blinks`): a weak lid's incomplete blink.
* **Tremor**: a sliding spectral window (after a 1.5 Hz high-pass) finds a dominant 3–12 Hz rhythm in the jaw or
  in one lid, steady in amplitude and rate, that holds for at least ``tremor_min_s`` (its rate kept in the
  windows around it, :func:`_holds_rate`); its frequency is re-estimated on the whole stretch. A lid rhythm at a
  concurrent jaw tremor's rate is the jaw's, carried through the mesh.

Event spans use hysteresis: a core above the threshold, extended while the signal stays above a lower one.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, replace

import numpy as np
from scipy import signal as sps

from facetwitch.cheek_picture import CHEEK_SIDES, rise_from
from facetwitch.episodes import MERGE_GAP_S
from facetwitch.lid_picture import (
    LEVEL_BEFORE_S,
    both_eyes_blink,
    level_before,
    one_eyed_side,
    picture_changes,
    scaled_pictures,
    veto_two_sided_pictures,
    veto_unseen_bilateral_holds,
)
from facetwitch.records import Event, canonical_regions
from facetwitch.signals import OTHER_SIDE, SIDES, QualityLimits, Signals, frame_interval, robust_noise, widen


@dataclass(frozen=True)
class DetectionParams:
    close: float = 0.45  # eye closure counted as "closed" (bilateral sustained closures: blepharospasm)
    close_low: float = 0.2  # hysteresis: the event continues while closure stays above this
    unilateral_close: float = 0.3  # one eye at least this closed ...
    asymmetry: float = 0.15  # ... and more closed than the other eye by this much
    eye_ratio: float = 0.38  # ... and the other eye less than 0.38 times as closed (plateau 0.3-0.5, tuning)
    # ... or only this closed where MediaPipe's eyeBlink blendshapes agree (``close_low``, ``eye_ratio``)
    confirmed_close: float = 0.15
    lower_face_min: float = 0.06  # minimum pull, and side-to-side difference (inner-canthal distances)
    noise_k: float = 6.0  # ... or this many robust noise SDs of the difference, whichever is larger
    unilateral_ratio: float = 0.3  # ... and the other side moves less than this share of it
    cheek_min: float = (
        0.008  # cheek rise from just before a contraction's onset that marks the cheek involved
    )
    brow_min: float = 0.04  # brow movement beyond what the lid closure itself drags along
    # The skin below the eye moved up this far in the picture (nose lengths, facetwitch.cheek_picture; what the
    # same eye's blinks drag along taken off): the cheek took part in the contraction.
    cheek_picture_min: float = 0.02
    blink_max_s: float = 0.5  # bilateral closures longer than this are spasms (blepharospasm)
    # ... unless they drift open by more than this share of their depth a second (a blink's tail)
    hold_drift_per_s: float = 0.2
    # A dip of both eyes narrower than this at half height is no blink: a frame or two of the mesh jolted by a
    # head jerk (tuning: every true blink found is 0.11 s wide or more; such jolts 0.044-0.046 s).
    blink_min_s: float = 0.07
    blink_prominence: float = 0.18  # a blink dips both eyes' closure at least this far below its surroundings
    blink_complete: float = 0.85  # ... and is complete when its depth reaches this (else incomplete)
    blink_blendshape_weight: float = 0.25  # share of the eyeBlink blendshape in the lid signal for blinks
    # A blink that the next one interrupts: the less-closed eye at least this share as closed as the other.
    blink_balance: float = 0.6
    blink_window_s: float = 1.5  # the surroundings a blink's prominence is measured against
    split_prominence: float = 0.3  # a contraction's peak rising this share of the run's maximum: a new twitch
    gap_bridge_s: float = 0.5  # frames without a usable face inside a contraction, up to this long, bridged
    max_head_speed_deg_s: float = 25.0  # faster head motion (a jerk) is not read as a one-sided contraction
    min_contraction_s: float = 0.1
    held_ratio: float = (
        0.3  # a sustained shallow one-sided closure: the other eye less than this share as closed
    )
    held_min_s: float = 0.5  # ... for at least this long
    max_ramp_s: float = (
        0.4  # a one-sided eye contraction's onset/offset ramp below the core, at most this long
    )
    rhythm_prominence: float = 0.08  # a faint one-sided lid dip this prominent counts in a clonic rhythm
    # A one-sided contraction of the eye (or eye and brow) stands only if its eye's picture changed more than the
    # other eye's by this share of a blink's picture change (facetwitch.lid_picture); 0 turns the veto off.
    lid_picture_veto: float = 0.1
    # A faint twitch of a clonic train read from the pictures: (own eye - other eye) this far above its surroundings,
    # in units of a blink's picture change (facetwitch.lid_picture); 0 turns it off.
    picture_rhythm_prominence: float = 0.15
    # A "blink" whose other eye's picture changed less than this share of the one eye's is that eye's twitch
    # (facetwitch.lid_picture.one_eyed_side; tuning: blinks 0.64 or more); 0 turns it off.
    picture_blink_balance: float = 0.45
    # A bilateral dip this prominent (under ``blink_prominence``) is a blink where both eyes' pictures changed at
    # least half a blink's and the head held still (:func:`_pictured_blinks`; tuning: the blinks a weak lid's mesh
    # misses dip 0.075 or more); 0 turns it off.
    picture_blink_prominence: float = 0.06
    # A contraction starts and ends where its signal is this share of its height above rest (and onset_noise_k
    # noise SDs): the feet of its ramps, not the threshold crossings.
    extent_share: float = 0.1
    onset_noise_k: float = 3.0
    bridge_s: float = 0.07  # gaps this short inside a contraction are bridged (tracking jitter)
    blink_shadow_s: float = 0.15  # brief one-eye closures this close to a blink belong to the blink
    blink_shadow_max_s: float = 0.3
    tremor_band_hz: tuple[float, float] = (3.0, 12.0)
    tremor_window_s: float = 2.0
    tremor_step_s: float = 0.25
    tremor_min_s: float = 2.0
    tremor_concentration: float = 0.85  # share of the 2-15 Hz power within +-0.75 Hz of the peak
    tremor_max_envelope_cv: float = 0.25  # tremor keeps its amplitude; speech syllables do not
    # ... and its rate for tremor_min_s: the windows around it whose peak holds this share of the power stay at it
    # (a chance run of regular syllables passes the tests in a window or two, then its rate drifts)
    tremor_hold_concentration: float = 0.5
    tremor_min_rms_jaw: float = 0.0015  # RMS of the jaw oscillation (fraction of the chin-nose distance)
    tremor_min_rms_eye: float = 0.004  # RMS of the lid oscillation (closure units)
    tremor_noise_k: float = 4.0


SETTLE_S = 0.3
RISE_LOOKBACK_S = 1.0
# Frame times are sums of 1/fps: spans compared with a duration allow for floating-point rounding (three frames at
# 30 fps add up to a hair under 0.1 s).
TIME_TOLERANCE_S = 1e-9

# The thresholds that decide what is an event, and which parts of the face took part (the benchmark's sensitivity
# table moves each by +-30 %); the defaults sit in the middle of a plateau: blinks, contractions and their regions
# are found alike from 0.7x to 1.3x.
MAIN_THRESHOLDS: tuple[str, ...] = (
    "blink_prominence",
    "blink_max_s",
    "unilateral_close",
    "asymmetry",
    "eye_ratio",
    "confirmed_close",
    "lower_face_min",
    "split_prominence",
    "blink_balance",
    "blink_min_s",
    "rhythm_prominence",
    "lid_picture_veto",
    "picture_rhythm_prominence",
    "picture_blink_balance",
    "picture_blink_prominence",
    "cheek_picture_min",
)
# A clonic rhythm (:func:`_rhythmic`): at least RHYTHM_MIN_TWITCHES faint twitches RHYTHM_INTERVAL_S apart, the
# longest interval at most RHYTHM_REGULARITY times the shortest.
RHYTHM_MIN_TWITCHES = 3
RHYTHM_INTERVAL_S = (0.35, 1.0)  # a faster rhythm (from 2.9 Hz) is tremor (3-12 Hz)
RHYTHM_REGULARITY = 1.5
RHYTHM_RISE_S = 0.4  # each twitch rises over this long before its deepest frame


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


def _gt(x: np.ndarray, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(x, nan=-np.inf) > threshold


def detect_events(sig: Signals, params: DetectionParams = DetectionParams()) -> list[Event]:
    """All events of a recording, sorted by start time."""
    events = sorted(
        _closures_and_contractions(sig, params) + detect_tremor(sig, params),
        key=lambda e: (e.start_s, e.kind),
    )
    scaled = scaled_pictures(sig, [e for e in events if e.kind == "blink"])
    if scaled is not None and params.picture_blink_balance > 0:
        events = _one_eyed_blinks(events, sig, scaled, params)
    if params.lid_picture_veto > 0:
        events = veto_two_sided_pictures(sig.t_s, scaled, events, params.lid_picture_veto, MERGE_GAP_S)
    events = veto_unseen_bilateral_holds(sig.t_s, scaled, events)
    if scaled is not None and params.picture_blink_prominence > 0:
        events = sorted(
            events + _pictured_blinks(sig, scaled, events, params), key=lambda e: (e.start_s, e.kind)
        )
    # Last, once every contraction is decided: which of them the cheek took part in, where the picture shows it.
    events = _cheek_from_picture(
        events, sig, params, [(e.start_s, e.end_s) for e in events if e.kind == "blink"]
    )
    if params.lid_picture_veto > 0:
        # A closure the mesh's cheek landmark made a cheek contraction, whose cheek the picture did not see, is
        # lid-only after all: both eyes' pictures judge it like the others (fresh draw 7's
        # depth-weak-lid-luispedro-00: a weak lid's mesh reading it 0.44 closed for 0.7 s before a blink while
        # neither eye's picture nor blendshape moved).
        events = veto_two_sided_pictures(sig.t_s, scaled, events, params.lid_picture_veto, MERGE_GAP_S)
    return events


def _one_eyed_blinks(
    events: list[Event], sig: Signals, scaled: dict[str, np.ndarray], p: DetectionParams
) -> list[Event]:
    """A "blink" that only one eye's picture shows (:func:`facetwitch.lid_picture.one_eyed_side`: the other eye's
    picture changed less than ``picture_blink_balance`` as much) is a twitch of that eye the face mesh coupled into
    the other (a head roll or turn couples them most): read as a blink, a clonic burst loses its twitches and the
    blink rate gains them. Merged with a contraction of that side it overlaps (:func:`_one_per_movement`).

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
    return sorted(_one_per_movement(out), key=lambda e: (e.start_s, e.kind))


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
    frames = _frames_of(blink, sig)
    before = round(LEVEL_BEFORE_S / frame_interval(sig.t_s))
    rose = [_rise(sig.side("mouth", s), frames.start, frames.stop, before) for s in (side, other)]
    return rose[0] - rose[1] > _pull_threshold(sig, side, "mouth", p) / 2


def _eye_twitches(events: list[Event]) -> dict[str, list[Event]]:
    """Each side's one-sided contractions of the eye."""
    return {
        s: [e for e in events if e.kind == "contraction" and e.side == s and "eye" in e.regions]
        for s in SIDES
    }


# Twitches that make a burst for _one_eyed_blinks' second reading.
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


def _closures_and_contractions(sig: Signals, p: DetectionParams) -> list[Event]:
    t = sig.t_s
    dt = frame_interval(t)
    cl, cr = sig.closure_left, sig.closure_right
    closed = {s: _gt(sig.side("closure", s), p.close) for s in SIDES}
    eye_uni = _one_sided_eye(sig, p)
    bilateral_core = closed["left"] & closed["right"] & ~eye_uni["left"] & ~eye_uni["right"]
    bilateral = extend(bilateral_core, _gt(np.fmin(cl, cr), p.close_low))
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
        near_peak = held_core[start:stop] & _gt(both_closed[start:stop], (1 - p.split_prominence) * deepest)
        hold = max(runs(near_peak), key=lambda r: r[1] - r[0], default=(0, 0))
        closed_s = (hold[1] - hold[0]) * dt
        if closed_s > p.blink_max_s and not _drifts_open(t, both_closed, start + hold[0], start + hold[1], p):
            t0, t1 = span(t, start, stop, dt)
            regions = ["eye"] + [r for r in ("brow", "cheek") if _bilateral_region(sig, r, start, stop, p)]
            events.append(Event("contraction", t0, t1, "both", tuple(regions), deepest))
            sustained.append((t0, t1))
    dips = [
        (b, seen)
        for b, seen in _blink_dips(sig, p, eye_uni)
        if not any(b.start_s < e1 and b.end_s > e0 for e0, e1 in sustained)
    ]
    blinks = [b for b, seen in dips if seen]
    events += blinks
    # A blink half hidden by a gap is not counted, but the one-sided closures inside it are its, not twitches.
    blink_spans = [(b.start_s, b.end_s) for b, _ in dips]
    pictures = scaled_pictures(sig, blinks) if p.picture_rhythm_prominence > 0 else None
    # Whether a contraction stands is read on the lower face both pose models agree on; which parts took part in
    # one that stands, on each side's own pose fit (Signals.read_alone).
    labels = sig.read_alone()
    cheek = {s: _cheek_own(labels, s, blink_spans) for s in SIDES}
    brow_own = {s: _brow_own(labels, s) for s in SIDES}

    usable = sig.usable
    steady = ~_fast_head(sig, p)
    # The tracker settles over the first frames of a video: a one-sided "contraction" already under way when the
    # face is first seen has no onset to measure from.
    settled_from = float(t[np.argmax(usable)]) + SETTLE_S if usable.any() else 0.0
    low_level = min(p.close_low, p.confirmed_close) if sig.has_blink_blendshapes else p.close_low
    before = _before_onset(sig)
    pulls: dict[str, dict[str, np.ndarray]] = {}
    for s in SIDES:
        threshold = {region: _pull_threshold(sig, s, region, p) for region in ("cheek", "mouth")}
        lower = {region: _pulled(sig, s, region, threshold[region], p) & steady for region in threshold}
        involved = {
            region: _pulled(labels, s, region, _pull_threshold(labels, s, region, p), p) & steady
            for region in threshold
        }
        pulls[s] = lower
        brow_diff = brow_own[s] - brow_own[OTHER_SIDE[s]]
        brow_floor = max(p.brow_min, p.noise_k * robust_noise(brow_diff))
        brow = _gt(np.abs(np.nan_to_num(brow_diff)), brow_floor)
        # A one-sided closure lasts while its eye stays above the lowest level a core is admitted at.
        eye_low = _gt(sig.side("closure", s), low_level) & _gt(
            sig.side("closure", s) - sig.side("closure", OTHER_SIDE[s]), p.asymmetry / 2
        )
        # A one-sided closure grows from its core only by the ramps of a contraction: a long stretch of slight
        # asymmetry (the tracker settling at the start of a video, a lid the mesh reads low) is not its onset.
        core = (eye_uni[s] | _held_one_sided(sig, s, p)) & steady
        if pictures is not None:
            core |= _coupled_but_pictured(sig, s, p, pictures, blink_spans) & steady
        core |= _burst_twitches(sig, s, p, core) & steady
        eye = _closing(extend(core, eye_low, max(1, round(p.max_ramp_s / dt))), sig.side("closure", s), dt, p)
        rhythm, rhythm_frames = _rhythmic(sig, s, p, blink_spans)
        trains: list[tuple[list[int], np.ndarray]] = []
        if pictures is not None:
            # The picture adds the twitches the mesh misses; one the mesh reads (the lid closing, or this side's
            # cheek or mouth corner pulled) is counted from the mesh, once.
            seen = eye | rhythm_frames | lower["cheek"] | lower["mouth"]
            pictured, pictured_frames, (inside, diff) = _pictured_rhythm(
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
            for start, stop in _cut_between(
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
                if t1 - t0 <= p.blink_shadow_max_s and _near(blink_spans, t0, t1, p):
                    # One eye closing a frame early or late in an ordinary blink, or the face mesh around the
                    # mouth wobbling while the lids close: part of the blink, not a twitch.
                    continue
                if _blink_tail(drive, t, start, stop, blink_spans, p):
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
                peak = _peak(sig, s, start, stop, has_eye)
                events.append(Event("contraction", t0, t1, s, tuple(regions), peak))
    events = _one_per_movement(_twitches_read_as_blinks(_pulls_read_as_blinks(events, sig, p, pulls), sig, p))
    events = _cheek_over_episodes(events, labels, p, cheek)
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
    ``FOLLOW_RESIDUAL`` of ``floor`` (the pull threshold, :func:`_pull_threshold`) above the line inside the
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


def _pull_threshold(sig: Signals, side: str, region: str, p: DetectionParams) -> float:
    """How far ``side``'s cheek or mouth corner (``region``) must be pulled, and more than the other side's, to count
    as one-sided: ``lower_face_min``, or ``noise_k`` robust noise SDs of the two sides' difference if larger."""
    return max(
        p.lower_face_min,
        p.noise_k * robust_noise(sig.side(region, side) - sig.side(region, OTHER_SIDE[side])),
    )


def _pulled(sig: Signals, side: str, region: str, threshold: float, p: DetectionParams) -> np.ndarray:
    """Frames (bool, N) where ``side``'s cheek or mouth corner (``region``) is pulled one-sidedly: by ``threshold``
    (:func:`_pull_threshold`) and as much more than the other side's, which moves less than ``unilateral_ratio``
    as far (a smile or speech moves both sides alike)."""
    mine, theirs = sig.side(region, side), sig.side(region, OTHER_SIDE[side])
    return _gt(mine - theirs, threshold) & _gt(mine, threshold) & _gt(mine * p.unilateral_ratio - theirs, 0.0)


def _rose(mine: np.ndarray, start: int, stop: int, before: int, threshold: float) -> bool:
    """A cheek or mouth corner (``mine``, per frame) rose into frames [start, stop) by ``threshold``
    (:func:`_pull_threshold`) above its lowest level over the ``before`` frames before ``start``: a movement, not a
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


def _twitches_read_as_blinks(events: list[Event], sig: Signals, p: DetectionParams) -> list[Event]:
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


def _frames_of(event: Event, sig: Signals) -> slice:
    """The frames of ``event`` in ``sig``: from its start up to its end, at least one."""
    i0, i1 = np.searchsorted(sig.t_s, [event.start_s, event.end_s])
    return slice(int(i0), int(max(i1, i0 + 1)))


def _as_twitch(blink: Event, sig: Signals, side: str, regions: tuple[str, ...]) -> Event:
    """``blink`` read again as a contraction of ``side`` over the same span, peaking at that eye's deepest closure."""
    peak = float(np.nanmax(sig.side("closure", side)[_frames_of(blink, sig)]))
    return Event("contraction", blink.start_s, blink.end_s, side, regions, peak)


def _one_per_movement(events: list[Event]) -> list[Event]:
    """Contractions of one side that overlap by half the shorter one or more are one movement, with the union of
    their spans and regions.

    The one-sided detector's runs do not overlap (a burst split into twitches gives runs that touch), but a
    "blink" read again as a twitch (``_pulls_read_as_blinks``, ``_twitches_read_as_blinks``) can overlap a run
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


def _pulls_read_as_blinks(
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
        frames = _frames_of(e, sig)
        pulled = {s: [r for r, mask in pulls[s].items() if mask[frames].any()] for s in SIDES}
        side = next((s for s in SIDES if pulled[s] and not pulled[OTHER_SIDE[s]]), None)
        if side is not None and np.subtract(*_at_deepest(e, sig, side)) > p.asymmetry:
            out.append(
                _as_twitch(e, sig, side, ("eye", *(r for r in ("cheek", "mouth") if r in pulled[side])))
            )
        else:
            out.append(e)
    return out


def _drifts_open(t_s: np.ndarray, closure: np.ndarray, start: int, stop: int, p: DetectionParams) -> bool:
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


def _cheek_over_episodes(
    events: list[Event], sig: Signals, p: DetectionParams, cheek: dict[str, np.ndarray]
) -> list[Event]:
    """Cheek involvement measured against the level before the whole burst, not only before each twitch.

    In a clonic burst the cheek has not come back to rest between twitches, so each twitch's own rise
    (:func:`_rises`) undercounts it. For each one-sided group of contractions (the episodes to be), the cheek's
    rise above its level just before the first contraction is measured per contraction; the contraction where
    it rises most, by ``cheek_min`` (or the noise floor) and by half that more than the other side's, involves
    the cheek. ``cheek``: each side's cheek signal to read (:func:`_cheek_own`)."""
    before = _before_onset(sig)
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
                frames = _frames_of(out[i], sig)
                mine = _rise(cheek[side], frames.start, frames.stop, before, onset)
                theirs = _rise(cheek[other], frames.start, frames.stop, before, onset)
                if mine > floor and mine - theirs > floor / 2 and mine > best_rise:
                    best, best_rise = i, mine
            if best is not None:
                e = out[best]
                regions = canonical_regions((*e.regions, "cheek"))
                out[best] = replace(e, regions=regions)
    return out


def _cheek_from_picture(
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
    before = _before_onset(sig)
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
        frames = _frames_of(e, sig)
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


def _in_burst(blink: Event, twitches: list[Event], sig: Signals, side: str, p: DetectionParams) -> bool:
    """``blink`` is one of the burst of ``side``'s eye ``twitches`` (see :func:`_twitches_read_as_blinks`)."""
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
    frames = _frames_of(blink, sig)
    both = np.nan_to_num(sig.closure_left[frames] + sig.closure_right[frames], nan=-np.inf)
    k = int(np.argmax(both))
    return frames.start + k if np.isfinite(both[k]) else None


def _fast_head(sig: Signals, p: DetectionParams) -> np.ndarray:
    """Frames of fast head motion (a jerk), widened by 0.1 s on both sides: the face mesh lags a fast turn
    unevenly, which looks like one side moving."""
    if sig.head_speed_deg_s is None:
        return np.zeros(sig.t_s.size, dtype=bool)
    fast = _gt(sig.head_speed_deg_s, p.max_head_speed_deg_s)
    return widen(fast, max(1, round(0.1 * sig.fps)))


def _rise(x: np.ndarray, start: int, stop: int, before: int, onset: int | None = None) -> float:
    """How far ``x`` rises during frames [start, stop) above its median over the ``before`` frames before
    ``onset`` (default: ``start``)."""
    onset = start if onset is None else onset
    pre = x[max(0, onset - before) : onset + 1]
    during = x[start:stop]
    if not np.isfinite(pre).any() or not np.isfinite(during).any():
        return 0.0
    return float(np.nanmax(during) - np.nanmedian(pre))


def _before_onset(sig: Signals) -> int:
    """Frames (0.3 s, at least 2) over which a region's level just before a contraction is read."""
    return max(2, round(0.3 * sig.fps))


def _moves(x: np.ndarray, start: int, stop: int, before: int, floor: float) -> bool:
    """``x`` moves (either way) during frames [start, stop) by more than ``floor`` from its median over the
    ``before`` frames before: a level it already had (a head turn's residue) is not the contraction's."""
    return max(_rise(x, start, stop, before), _rise(-x, start, stop, before)) > floor


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
    ``cheek``: each side's cheek signal to read (:func:`_cheek_own`)."""
    before = _before_onset(sig)
    other = OTHER_SIDE[side]
    x = cheek if region == "cheek" else {s: sig.side(region, s) for s in SIDES}
    mine = _rise(x[side], start, stop, before)
    theirs = _rise(x[other], start, stop, before)
    noise = p.noise_k * robust_noise(x[side] - x[other])
    floor = max(p.cheek_min if region == "cheek" else p.lower_face_min, noise)
    return mine > floor and mine - theirs > max(p.cheek_min, noise)


MIN_DRAG_BLINKS = 2  # blinks needed to measure how far a lid closure drags the cheek landmark down


def _cheek_own(sig: Signals, side: str, blinks: list[tuple[float, float]]) -> np.ndarray:
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


def _brow_own(sig: Signals, side: str) -> np.ndarray:
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


def _one_sided_eye(sig: Signals, p: DetectionParams) -> dict[str, np.ndarray]:
    """Frames where one eye closes while the other stays mostly open.

    The face mesh couples the two eyes (the open eye's aperture dips when the other closes), so "mostly open"
    is relative to the closing eye: the other eye must be less than ``eye_ratio`` as closed, and clearly less
    (``asymmetry``). Closure is already scaled per eye to its own blink depth, so a weak-signal eye (one the
    mesh reads poorly) blinks as deeply as the other and does not look one-sided.

    A shallower one-sided closure (``confirmed_close``; a twitch during a head turn, a small face) counts where
    the eyeBlink blendshapes, read by a separate model head from the eyes' appearance, agree: that eye's at least
    ``close_low`` and the other's less than ``eye_ratio`` as high. The two readings err differently (the mesh
    drags the other eye along, the blendshape hardly), so a dip both call one-sided is one.
    """
    out = {}
    for s in SIDES:
        mine, theirs = sig.side("closure", s), sig.side("closure", OTHER_SIDE[s])
        one_sided = _gt(mine - theirs, p.asymmetry) & _gt(mine * p.eye_ratio - theirs, 0.0)
        out[s] = one_sided & _gt(mine, p.unilateral_close)
        if sig.has_blink_blendshapes:
            out[s] |= one_sided & _gt(mine, p.confirmed_close) & _blendshapes_one_sided(sig, s, p)
    return out


def _coupled_but_pictured(
    sig: Signals,
    side: str,
    p: DetectionParams,
    pictures: dict[str, np.ndarray],
    blinks: list[tuple[float, float]],
) -> np.ndarray:
    """Frames of a one-sided closure that the face mesh couples into the other eye beyond ``eye_ratio`` (the other
    eye up to ``HELD_COUPLED`` as closed) where the two other readings put it on ``side`` alone: the eyeBlink
    blendshapes (:func:`_blendshapes_one_sided`), and the eyes' pictures (``pictures``:
    :func:`facetwitch.lid_picture.scaled_pictures`), this eye's risen from its lowest level over the
    ``LEVEL_BEFORE_S`` before by ``picture_rhythm_prominence`` of a blink's change more than the other's, frame by
    frame. Outside ``blinks`` (spans, s), and only where both lids' blinks move the mesh (:func:`_lids_travel`): the
    mesh can read a weak lid hanging half-closed after a blink or between a burst's twitches.

    On a face rolled or turned the mesh drags the open eye to 0.4-0.6 of a twitch's closure: a clonic burst of two
    twitches (too few for a rhythm) was lost (``tilt-warp-hfs-roll-astronaut``: 0.32 against 0.14 in the mesh,
    0.30 against 0.11 in the blendshapes, the left picture up 0.39 of a blink, the right 0.03), and so were tonic
    squeezes during a turn (fresh draws 3 and 7's ``tvar-turn-episodes-astronaut-0``)."""
    other = OTHER_SIDE[side]
    mine, theirs = sig.side("closure", side), sig.side("closure", other)
    out = np.zeros(mine.size, dtype=bool)
    if not (sig.has_blink_blendshapes and _lids_travel(sig)):
        return out
    coupled = (
        _gt(mine - theirs, p.asymmetry)
        & _gt(mine, p.confirmed_close)
        & _gt(mine * HELD_COUPLED - np.nan_to_num(theirs, nan=np.inf), 0.0)
        & _blendshapes_one_sided(sig, side, p)
    )
    for start, stop in runs(coupled):
        t0, t1 = sig.t_s[start], sig.t_s[stop - 1]
        if any(b0 <= t1 and b1 >= t0 for b0, b1 in blinks):
            continue
        gain = np.zeros(stop - start)
        for s, sign in ((side, 1.0), (other, -1.0)):
            gain += sign * (pictures[s][start:stop] - level_before(sig.t_s, pictures[s], t0))
        out[start:stop] = _gt(gain, p.picture_rhythm_prominence)
    return out


def _blendshapes_one_sided(sig: Signals, side: str, p: DetectionParams) -> np.ndarray:
    """Frames where the eyeBlink blendshapes see ``side``'s lid closing alone: at least ``close_low``, the other
    eye's less than ``eye_ratio`` as high. Needs ``sig.has_blink_blendshapes``."""
    other = OTHER_SIDE[side]
    blend = sig.side("blink", side)
    return _gt(blend, p.close_low) & _gt(blend * p.eye_ratio - sig.side("blink", other), 0.0)


def _closing(eye: np.ndarray, closure: np.ndarray, dt: float, p: DetectionParams) -> np.ndarray:
    """``eye`` without the one-sided closures that the eye never closed into (:func:`_closes_into`). A lid the
    mesh reads half-closed for seconds after a blink, while the other eye's reading opens up further, makes the
    eyes differ like a shallow one-sided closure without any closing movement."""
    out = eye.copy()
    for start, stop in runs(eye):
        if not _closes_into(closure, start, stop, dt, p):
            out[start:stop] = False
    return out


def _closes_into(closure: np.ndarray, start: int, stop: int, dt: float, p: DetectionParams) -> bool:
    """The eye closes into frames [start, stop): its closure there rises ``asymmetry`` above the lowest level of
    the ``RISE_LOOKBACK_S`` before (the open eye between a burst's twitches, or before a squeeze). True where
    those frames are missing (a gap, the recording's start): an onset not seen is not ruled out."""
    pre = closure[max(0, start - max(2, round(RISE_LOOKBACK_S / dt))) : start + 1]
    during = closure[start:stop]
    if not (np.isfinite(pre).any() and np.isfinite(during).any()):
        return True
    return bool(np.nanmax(during) - np.nanmin(pre) > p.asymmetry)


# A deep one-sided hold whose other eye the mesh drags along (:func:`_held_one_sided`): the other eye less than
# this share as closed. Fresh draws 1-4 read alike from 0.6 to 0.9 but for one squeeze (its other eye at 0.62 of
# it on the mesh and on the blendshapes, the picture showing it open), found from 0.8.
HELD_COUPLED = 0.8


def _held_one_sided(sig: Signals, side: str, p: DetectionParams) -> np.ndarray:
    """Frames of a sustained one-sided lid closure that the brief-closure rule (:func:`_one_sided_eye`) does not
    take, held at least ``held_min_s``:

    - too shallow for ``unilateral_close``: ``side``'s eye held at least ``close_low`` closed, clearly more than
      the other (``asymmetry``), while the other eye stays near rest (under ``held_ratio`` as closed). A
      weak-signal lid or a small, compressed face reads a tonic squeeze at a fraction of its depth.
    - deep, with the other eye dragged along: ``side``'s eye at least ``close`` closed, clearly more than the
      other (``asymmetry``, on the eyeBlink blendshapes too where the model gave them), the other eye less than
      ``HELD_COUPLED`` as closed and never ``close`` over the hold. On a face turned or rolled the mesh, and the
      blendshapes with it, drag the open eye along by up to 0.6 of the squeezed one's closure (fresh draws 1 and
      3's tvar-turn-episodes-astronaut: a tonic squeeze during the turn lost, or read on the other side; draw 2's
      tilt-depth-hfs-roll-luispedro: 0.62, while the picture shows that eye open). Only where both lids' blinks
      move the mesh by ``QualityLimits.min_lid_travel`` or more: a weak lid reads its own blinks at a fraction
      of the other's depth.

    No blink holds one eye alone closed that long."""
    other = OTHER_SIDE[side]
    mine, theirs = sig.side("closure", side), sig.side("closure", other)
    theirs_or_inf = np.nan_to_num(theirs, nan=np.inf)
    asymmetric = _gt(mine - theirs, p.asymmetry)
    shallow = _gt(mine, p.close_low) & asymmetric & _gt(mine * p.held_ratio - theirs_or_inf, 0.0)
    deep = _gt(mine, p.close) & asymmetric & _gt(mine * HELD_COUPLED - theirs_or_inf, 0.0)
    if sig.has_blink_blendshapes:
        deep &= _gt(sig.side("blink", side) - sig.side("blink", other), p.asymmetry)
    if not _lids_travel(sig):
        deep[:] = False
    dt = frame_interval(sig.t_s)
    min_frames = max(2, round(p.held_min_s / dt))
    out = np.zeros_like(shallow)
    for held, bilateral_bar in ((shallow, np.inf), (deep, p.close)):
        for start, stop in runs(held):
            # A squeeze closes the eye into the hold; an asymmetry that appears because the OTHER eye's reading
            # opens up (a lid the mesh reads low for seconds after a blink) does not.
            if (
                stop - start >= min_frames
                and _closes_into(mine, start, stop, dt, p)
                and not np.nanmax(theirs[start:stop], initial=-np.inf) >= bilateral_bar
            ):
                out[start:stop] = True
    return out


def _lids_travel(sig: Signals) -> bool:
    """Whether both lids' blinks move the face mesh by ``QualityLimits.min_lid_travel`` or more: a weak lid's
    mesh reads its blinks at a fraction of the other's depth and can hang half-closed between a burst's twitches,
    so the mesh's asymmetry alone says less there."""
    travel = (sig.lid_travel_left, sig.lid_travel_right)
    return all(v is not None and v >= QualityLimits().min_lid_travel for v in travel)


def _burst_twitches(sig: Signals, side: str, p: DetectionParams, strong: np.ndarray) -> np.ndarray:
    """Frames of faint one-sided lid twitches that belong to a burst of clear ones.

    During a head turn, or on a small compressed face, some twitches of a clonic burst read shallower than
    ``unilateral_close``. A faint dip (at most ``blink_max_s`` long) counts when ``side``'s eye is at least
    ``confirmed_close`` closed and clearly more than the other (``asymmetry``), rises from rest by ``asymmetry``
    while the other eye rises less than ``eye_ratio`` as much (the mesh drags it along a little; a blink closes
    both alike), and lies within the episode merge gap of a clear one-sided contraction of the same side
    (or of a faint one that does). Alone, a faint dip is never a contraction: no episode starts from one.
    Mid-turn the mesh may read a twitch for only a frame or two, barely more closed than the other eye: where
    the eyeBlink blendshapes see it one-sided (as in :func:`_one_sided_eye`) it is a faint dip too, and its width
    is read on whichever of the two readings shows it wider."""
    other = OTHER_SIDE[side]
    mine, theirs = sig.side("closure", side), sig.side("closure", other)
    one_sided = _gt(mine - theirs, p.asymmetry)
    width = mine
    if sig.has_blink_blendshapes:
        one_sided |= _gt(mine - theirs, 0.0) & _blendshapes_one_sided(sig, side, p)
        width = np.fmax(mine, sig.side("blink", side))
    # From confirmed_close, under close_low: late in a burst the mesh may read a twitch 0.18 closed, the other eye
    # at 0.02; lost, it leaves the next one beyond the merge gap. The rise tests below keep flicker and drift out.
    faint = _gt(mine, p.confirmed_close) & one_sided & ~strong
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
        and (rise := _rise(mine, a, b, before)) > p.asymmetry
        and _rise(theirs, a, b, before) < p.eye_ratio * rise
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


def _rhythmic(
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
    the tremor band is a faster oscillation read at every other peak (:func:`_tremor_rate`). A twitch's frames
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
            and not _near(blink_spans, float(t[k]), float(t[k]), p)
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
        if len(train) >= RHYTHM_MIN_TWITCHES and not _tremor_rate(t, x, train, _spectral_rate(1.0 / dt), p):
            rhythm += train
        train = [k] if twitch else []
    return rhythm


def _twitch_frames(x: np.ndarray, peaks: list[int], before: int, max_frames: float) -> np.ndarray:
    """The frames of the faint twitches peaking at ``peaks`` of ``x`` (:func:`_twitch_span`)."""
    frames = np.zeros(x.size, dtype=bool)
    for k in peaks:
        frames[slice(*_twitch_span(x, k, k + 1, before, max_frames))] = True
    return frames


def _pictured_rhythm(
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
    long closure into its twitches, :func:`_cut_between`)."""
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
            and not _near(blink_spans, float(t[k]), float(t[k]), p)
        )
        twitches.append((int(k), twitch))
    train = _in_rhythm(t, x, twitches, p)
    missed = [k for k in train if not seen[k]]
    return missed, _twitch_frames(x, missed, before, p.blink_max_s / dt), ([k for k in train if seen[k]], x)


def _tremor_rate(t: np.ndarray, x: np.ndarray, train: list[int], fs: float, p: DetectionParams) -> bool:
    """Whether the dominant rhythm of ``x`` over a train of dips (half an interval beyond its first and last) is
    in the tremor band: the dips were every other peak of a faster oscillation, not twitches of their own.
    ``fs``: the rate the tremor spectra are computed at (:func:`_spectral_rate`, Hz)."""
    half = 0.5 * float(np.min(np.diff(t[train])))
    inside = (t >= t[train[0]] - half) & (t <= t[train[-1]] + half)
    _, y = _uniform(t[inside], x[inside], fs)
    if y.size < 8 or not np.isfinite(y).all():
        return False
    return _in_band(_dominant(y, fs, p.tremor_band_hz)[0], p.tremor_band_hz, fs)


def _cut_between(
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


def _blink_dips(
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
    one_sided = one_sided if one_sided is not None else _one_sided_eye(sig, p)
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
    else:  # interpolated over a short gap, or a half-seen dip (:func:`_blink_dips`)
        at_peak = np.nanmax(deeper) if np.isfinite(deeper).any() else 0.0
    depth = float(np.clip(at_peak, 0.0, 1.0))
    index = np.arange(t.size)
    t0 = float(np.interp(lo, index, t))
    t1 = float(np.interp(hi, index, t)) if last > first else t0 + frame_interval(t)
    return Event("blink", t0, t1, "both", ("eye",), depth, complete=depth >= p.blink_complete)


# A blink that only the pictures confirm (:func:`_pictured_blinks`) happens with the head this still (degrees/s):
# head motion changes both eyes' pictures alike too (tuning: such dips 6.2 degrees/s and faster, the blinks up to
# 3.4).
STILL_HEAD_DEG_S = 5.0


def _pictured_blinks(
    sig: Signals, scaled: dict[str, np.ndarray], events: list[Event], p: DetectionParams
) -> list[Event]:
    """Blinks the face mesh reads too faintly (a weak lid: hooded, small, blurred): a bilateral dip at least
    ``picture_blink_prominence`` prominent (and ``noise_k`` noise SDs), as narrow as a blink, neither eye clearly
    the more closed, that both eyes' pictures show (:func:`facetwitch.lid_picture.both_eyes_blink`: each changed
    at least half as much as in the recording's blinks, ``scaled``, and fell back after it), with the head still
    (``STILL_HEAD_DEG_S``) and no other event over its span."""
    if sig.head_speed_deg_s is None:
        return []
    t = sig.t_s
    both, unseen = _blink_signal(sig, p)
    prominence = max(p.picture_blink_prominence, p.noise_k * robust_noise(both))
    peaks, props = _dips(both, prominence, frame_interval(t), p)
    one_sided = _one_sided_eye(sig, p)
    out = []
    for pk, (width_s, lo, hi, frames) in zip(peaks, _dip_extents(both, peaks, props, t), strict=True):
        if not p.blink_min_s <= width_s <= p.blink_max_s or unseen[frames].any():
            continue
        if (
            one_sided["left"][pk]
            or one_sided["right"][pk]
            or _gt(sig.head_speed_deg_s[frames], STILL_HEAD_DEG_S).any()
        ):
            continue
        blink = _blink(sig, pk, lo, hi, p)
        if any(e.start_s < blink.end_s and e.end_s > blink.start_s for e in events):
            continue
        if both_eyes_blink(t, scaled, blink):
            out.append(blink)
    return out


def _tail_drifts_open(t_s: np.ndarray, x: np.ndarray, peak: int, p: DetectionParams) -> bool:
    """Whether a dip of ``x`` wider than ``blink_max_s`` at half height is a blink whose lids hang and drift open
    (:func:`_drifts_open` over the frames around ``peak`` within ``split_prominence`` of its depth), the rule
    that keeps such a closure from being read as a held one: what is no held closure is a blink."""
    near = _gt(x, (1 - p.split_prominence) * x[peak])
    start, stop = next((a, b) for a, b in runs(near) if a <= peak < b)
    return _drifts_open(t_s, x, start, stop, p)


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


def _blink_tail(
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


def _near(spans: list[tuple[float, float]], t0: float, t1: float, p: DetectionParams) -> bool:
    return any(t0 <= b1 + p.blink_shadow_s and t1 >= b0 - p.blink_shadow_s for b0, b1 in spans)


def _bilateral_region(sig: Signals, region: str, start: int, stop: int, p: DetectionParams) -> bool:
    if region == "cheek":
        before = _before_onset(sig)
        rises = [_rise(sig.side("cheek", s), start, stop, before) for s in SIDES]
        return min(rises) > p.cheek_min
    both = np.fmin(
        np.abs(sig.side(region, "left")[start:stop]), np.abs(sig.side(region, "right")[start:stop])
    )
    return bool(_gt(both, p.lower_face_min).any())


def _peak(sig: Signals, side: str, start: int, stop: int, has_eye: bool) -> float:
    if has_eye:
        return float(np.nanmax(sig.side("closure", side)[start:stop]))
    return float(
        max(np.nanmax(sig.side("mouth", side)[start:stop]), np.nanmax(sig.side("cheek", side)[start:stop]))
    )


# ---------------------------------------------------------------------------------------------- tremor


def _uniform(sig_t: np.ndarray, x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Resample a gappy, possibly variable-rate series onto a uniform grid (NaN inside gaps > 0.2 s)."""
    ok = np.isfinite(x)
    if ok.sum() < 4:
        return np.array([]), np.array([])
    grid = np.arange(sig_t[ok][0], sig_t[ok][-1], 1.0 / fs)
    y = np.interp(grid, sig_t[ok], x[ok])
    # Blank grid points far from any real sample: interpolation across gaps would invent a signal.
    nearest = np.searchsorted(sig_t[ok], grid)
    nearest = np.clip(nearest, 1, ok.sum() - 1)
    gap = np.minimum(np.abs(sig_t[ok][nearest] - grid), np.abs(sig_t[ok][nearest - 1] - grid))
    y[gap > 0.2] = np.nan
    return grid, y


HIGHPASS_HZ = 1.5  # below the tremor band: removes drift, breathing, head sway and lighting flicker
SAME_TREMOR_HZ = 0.3  # two oscillations at the same time whose rates differ by this much or less are one
# A window's rate estimate wobbles by about this much (Hz): a tremor at the edge of the band (3.00 Hz read as
# 2.999 Hz) must not drop out of it window by window.
RATE_WOBBLE_HZ = 0.05
QUIET_MIN_S = 2.0  # the least of a recording outside rhythmic windows that its noise is read from


def _highpass(y: np.ndarray, fs: float) -> np.ndarray:
    """Zero-phase 2 Hz high-pass; gaps (NaN) stay gaps."""
    missing = ~np.isfinite(y)
    sos = sps.butter(2, HIGHPASS_HZ, btype="highpass", fs=fs, output="sos")
    out = sps.sosfiltfilt(sos, np.where(missing, np.nanmean(y), y))
    out[missing] = np.nan
    return out


def _dominant(y: np.ndarray, fs: float, band: tuple[float, float]) -> tuple[float, float, float]:
    """(peak frequency Hz, power concentration around it, RMS amplitude) of a detrended window."""
    y = sps.detrend(y)
    n = len(y)
    nfft = max(1024, 1 << int(np.ceil(np.log2(n * 8))))
    spec = np.abs(np.fft.rfft(y * np.hanning(n), nfft)) ** 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    broad = (freqs >= HIGHPASS_HZ) & (freqs <= min(15.0, 0.49 * fs))
    if not broad.any() or spec[broad].sum() <= 0:
        return 0.0, 0.0, 0.0
    k = np.flatnonzero(broad)[np.argmax(spec[broad])]
    f_peak = _parabolic(freqs, spec, k)
    if not _in_band(f_peak, band, fs):
        return f_peak, 0.0, float(np.std(y))
    near = broad & (np.abs(freqs - f_peak) <= 0.75)
    return f_peak, float(spec[near].sum() / spec[broad].sum()), float(np.std(y))


def _in_band(f: float, band: tuple[float, float], fs: float) -> bool:
    """Whether a rate ``f`` (Hz) lies in ``band`` (Hz), allowing the estimate's wobble at its edges, and well
    below the Nyquist rate of ``fs`` (Hz)."""
    return band[0] - RATE_WOBBLE_HZ <= f <= min(band[1] + RATE_WOBBLE_HZ, 0.45 * fs)


def _parabolic(freqs: np.ndarray, spec: np.ndarray, k: int) -> float:
    if 0 < k < len(spec) - 1:
        a, b, c = spec[k - 1], spec[k], spec[k + 1]
        denom = a - 2 * b + c
        if denom != 0:
            return float(freqs[k] + 0.5 * (a - c) / denom * (freqs[1] - freqs[0]))
    return float(freqs[k])


def _spectral_rate(fps: float) -> float:
    """The uniform rate (Hz) a recording of ``fps`` frames/s is resampled to for tremor spectra: the frame rate,
    kept within 20-120 Hz."""
    return max(20.0, min(fps, 120.0))


def detect_tremor(sig: Signals, params: DetectionParams = DetectionParams()) -> list[Event]:
    """Rhythmic oscillation of the jaw (side "both") or of one eyelid (its side; "both" if both lids)."""
    p = params
    fs = _spectral_rate(sig.fps)
    candidates = [("jaw", "both", sig.jaw)] + [("eye", s, sig.side("closure", s)) for s in SIDES]
    found: list[Event] = []
    for region, side, x in candidates:
        grid, y = _uniform(sig.t_s, x, fs)
        if grid.size < p.tremor_window_s * fs:
            continue
        y = _highpass(y, fs)
        min_rms = p.tremor_min_rms_jaw if region == "jaw" else p.tremor_min_rms_eye
        win, step = round(p.tremor_window_s * fs), max(1, round(p.tremor_step_s * fs))
        starts = range(0, grid.size - win + 1, step)
        centre_s = grid[np.array(starts, dtype=int) + win // 2]
        # Each window's (rate, concentration, RMS); None where it has a gap.
        spectra = [
            _dominant(y[i : i + win], fs, p.tremor_band_hz) if np.isfinite(y[i : i + win]).all() else None
            for i in starts
        ]
        clear_freq = np.full(len(starts), np.nan)  # each window's rate where its peak is clear
        rhythm = np.zeros(grid.size, dtype=bool)
        for k, i in enumerate(starts):
            if spectra[k] is not None and spectra[k][1] >= p.tremor_hold_concentration:
                clear_freq[k] = spectra[k][0]
                rhythm[i : i + win] = True
        noise = _noise_outside(sig.t_s, x, grid, rhythm)
        hits = np.zeros(grid.size, dtype=bool)
        for i, window in zip(starts, spectra, strict=True):
            if window is None:
                continue
            f, conc, rms = window
            rhythmic = conc >= p.tremor_concentration and rms >= max(min_rms, p.tremor_noise_k * noise)
            if rhythmic and _envelope_cv(y[i : i + win], fs, f) <= p.tremor_max_envelope_cv:
                hits[i + win // 4 : i + win - win // 4] = True  # the window's centre half
        hits = bridge(hits, grid, p.tremor_step_s * 2)
        # Each stretch: its frames grown back to whole windows, its envelope-bounded frames, rate (Hz) and RMS.
        stretches: list[tuple[int, int, int, int, float, float]] = []
        for start, stop in runs(hits):
            # Each hit marked only its window's centre half: grow back by a quarter window on both sides.
            grown = max(0, start - win // 4), min(grid.size, stop + win // 4)
            f, _, rms = _dominant(y[slice(*grown)], fs, p.tremor_band_hz)
            start, stop = _envelope_bounds(y, fs, f, *grown)
            # A window or two in the middle of a tremor that fail the tests split it into two stretches that
            # overlap once grown back: at the same rate they are one tremor.
            if stretches and start <= stretches[-1][3] and abs(stretches[-1][4] - f) <= SAME_TREMOR_HZ:
                previous = stretches.pop()
                grown, start = (previous[0], grown[1]), previous[2]
                f, _, rms = _dominant(y[slice(*grown)], fs, p.tremor_band_hz)
            stretches.append((*grown, start, stop, f, rms))
        for _, _, start, stop, f, rms in stretches:
            t0, t1 = float(grid[start]), float(grid[stop - 1])
            if t1 - t0 < p.tremor_min_s - p.tremor_step_s or not _holds_rate(
                centre_s, clear_freq, f, t0, t1, p
            ):
                continue
            found.append(
                Event("tremor", t0, t1, side, (region,), float(2 * np.sqrt(2) * rms), frequency_hz=f)
            )
    return _merge_lid_tremor(found)


def _noise_outside(t_s: np.ndarray, x: np.ndarray, grid: np.ndarray, rhythm: np.ndarray) -> float:
    """The noise of ``x`` (:func:`robust_noise`, its units) over the frames outside ``rhythm`` (windows with a
    clear rhythm in the band, on the uniform ``grid``, s). A tremor changes a lot from frame to frame: where it
    fills much of a recording, the noise read over all frames rises with it and raises the gate the tremor must
    pass. With less than ``QUIET_MIN_S`` of frames outside, all frames are used."""
    quiet = (np.interp(t_s, grid, rhythm.astype(float)) <= 0.5) & np.isfinite(x)
    if quiet.sum() * frame_interval(t_s) < QUIET_MIN_S:
        return robust_noise(x)
    return robust_noise(np.where(quiet, x, np.nan))


def _holds_rate(
    centre_s: np.ndarray, clear_freq: np.ndarray, f: float, t0: float, t1: float, p: DetectionParams
) -> bool:
    """Whether windows with a clear peak at the rate ``f`` (Hz, within ``SAME_TREMOR_HZ``), one after another,
    cover the stretch ``t0``-``t1`` (s) for ``tremor_min_s``.

    ``centre_s``: the windows' centres (s); ``clear_freq``: each window's rate (Hz), NaN where its peak holds less
    than ``tremor_hold_concentration`` of the power. A window whose centre lies within a tremor has at least half
    its length in it, and in the other half no rhythm to outweigh it: a tremor of ``tremor_min_s`` puts its rate
    in windows whose centres span about ``tremor_min_s`` (1.9-2.4 s for a 2-s tremor, 1.9 s or more for every
    true tremor of the stored sets). A quarter window is left for noise at its ends. Speech whose syllable rate
    steadies for a moment between speeding up and slowing down holds a rate over 0.7-1.3 s of centres.
    """
    need = p.tremor_min_s - p.tremor_window_s / 4
    same = np.abs(clear_freq - f) <= SAME_TREMOR_HZ  # NaN compares False
    return any(
        centre_s[a] <= t1 and centre_s[b - 1] >= t0 and centre_s[b - 1] - centre_s[a] >= need
        for a, b in runs(same)
    )


def _bandpass_envelope(y: np.ndarray, fs: float, f: float) -> np.ndarray:
    """Amplitude envelope of ``y`` band-passed to ``f`` +- 1 Hz."""
    low, high = max(0.5, f - 1.0), min(f + 1.0, 0.49 * fs)
    if high <= low:
        return np.abs(y - np.nanmean(y))
    sos = sps.butter(2, [low, high], btype="bandpass", fs=fs, output="sos")
    return np.abs(sps.hilbert(sps.sosfiltfilt(sos, np.nan_to_num(y - np.nanmean(y)))))


def _envelope_cv(w: np.ndarray, fs: float, f: float) -> float:
    """Variation of the oscillation's amplitude within a window (edges trimmed: filter transients)."""
    envelope = _bandpass_envelope(w, fs, f)
    core = envelope[len(w) // 8 : len(w) - len(w) // 8]
    return float(core.std() / core.mean()) if core.size and core.mean() > 0 else np.inf


def _envelope_bounds(y: np.ndarray, fs: float, f: float, start: int, stop: int) -> tuple[int, int]:
    """Tighten a tremor stretch to where the band-passed amplitude envelope exceeds half its median."""
    envelope = _bandpass_envelope(y, fs, f)
    level = 0.5 * np.median(envelope[start:stop])
    inside = [r for r in runs(envelope > level) if r[0] < stop and r[1] > start]
    if not inside:
        return start, stop
    return max(inside[0][0], start), min(inside[-1][1], stop)


def _one_oscillation(a: Event, b: Event) -> bool:
    """Whether two tremors overlap in time at rates at most ``SAME_TREMOR_HZ`` apart: one oscillation."""
    overlap = a.start_s < b.end_s and b.start_s < a.end_s
    return overlap and abs((a.frequency_hz or 0) - (b.frequency_hz or 0)) <= SAME_TREMOR_HZ


def _merge_lid_tremor(events: list[Event]) -> list[Event]:
    """Both lids trembling together at the same rate is one bilateral lid tremor. A lid "tremor" at the rate
    of a jaw tremor going on at the same time is the jaw's movement carried through the face mesh."""
    others = [e for e in events if e.regions != ("eye",)]
    jaws = [e for e in others if e.regions == ("jaw",)]
    lids = [e for e in events if e.regions == ("eye",) and not any(_one_oscillation(j, e) for j in jaws)]
    merged: list[Event] = []
    used: set[int] = set()
    for i, a in enumerate(lids):
        if i in used:
            continue
        for j in range(i + 1, len(lids)):
            b = lids[j]
            if j not in used and a.side != b.side and _one_oscillation(a, b):
                used.add(j)
                a = Event(
                    "tremor", min(a.start_s, b.start_s), max(a.end_s, b.end_s), "both", ("eye",),
                    max(a.peak, b.peak), frequency_hz=(a.frequency_hz + b.frequency_hz) / 2,
                )  # fmt: skip
        merged.append(a)
    return others + merged
