"""The eyelids read from the picture beside the face mesh: a grey patch of each eye, and how far it changes.

On weak lids (hooded, small, blurred or heavily compressed) the face mesh reads some blinks as one-sided closures:
the two eyes' pictures then change alike, while a true one-sided lid twitch changes its own eye's picture and not
the other's (docs/validation.md, twenty-fourth and twenty-fifth rounds). Per frame and eye, :func:`eye_patches`
samples a small grey patch on the eye-corner line (rotation and scale follow the face); :func:`picture_change` is
its RMS difference from the recording's rest picture (the median patch); :func:`one_sided_index` compares a
one-sided contraction's change with the other eye's, in units of the recording's own blinks (:func:`blink_scale`).
Pure functions on arrays; grey levels 0..255, times in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np

from facetwitch.cheek_picture import median_patch, patch_blocks
from facetwitch.records import Event
from facetwitch.signals import EYE, OTHER_SIDE, frame_interval

if TYPE_CHECKING:
    from facetwitch.signals import Signals

# Each eye's corners (the patient's sides, signals.EYE), image-left corner first, so the patch's rows run down the
# face.
EYE_CORNERS = {
    "right": (EYE["right"]["outer"], EYE["right"]["inner"]),
    "left": (EYE["left"]["inner"], EYE["left"]["outer"]),
}
PATCH_SIDES = ("right", "left")  # order of the eyes in eye_patches' output
# Where the patch lies, in eye widths (corner to corner) from the middle of the corner line: 1.2 widths along it,
# from 0.45 above it to 0.35 below (brow skin and upper lid to lower lid). Sampled at 24 x 16 points, then averaged
# 2 x 2: what is kept per frame is 12 x 8 values an eye.
_ALONG = np.linspace(-0.6, 0.6, 24, dtype=np.float32)
_ACROSS = np.linspace(-0.45, 0.35, 16, dtype=np.float32)
PATCH_SHAPE = (8, 12)
PATCH_VALUES = 2 * PATCH_SHAPE[0] * PATCH_SHAPE[1]  # both eyes, one row of a frame's patches
# A contraction's baseline: the one-sided change from 0.15 s to 1 s before its start and after its end.
CONTEXT_S = (0.15, 1.0)


_CORNER_INDICES = np.array([EYE_CORNERS[side] for side in PATCH_SIDES])  # (2 eyes, 2 corners)


def eye_grid(points: np.ndarray) -> np.ndarray:
    """(32, 24, 2) float32 sampling positions (x, y pixels) of both eyes' patches, the right eye's 16 rows first.

    ``points``: a face's (478, >=2) landmarks in pixels."""
    corners = points[_CORNER_INDICES, :2].astype(np.float32)  # (eye, corner, xy)
    first, span = corners[:, 0], corners[:, 1] - corners[:, 0]
    # The width turned a quarter: down the face in the image.
    across = np.stack([-span[:, 1], span[:, 0]], axis=1)
    centre = first + span / 2
    grid = (
        centre[:, None, None]
        + _ALONG[None, None, :, None] * span[:, None, None]
        + _ACROSS[None, :, None, None] * across[:, None, None]
    )
    return grid.reshape(32, 24, 2)


def patch_region(*grids: np.ndarray) -> tuple[int, int, int, int]:
    """The pixel rectangle [x0, x1) x [y0, y1) the patches of ``grids`` (:func:`eye_grid`,
    :func:`facetwitch.cheek_picture.cheek_grid`) sample from."""
    # Each patch is a parallelogram: its first and last columns hold its corners.
    corners = np.concatenate([grid[:, (0, -1)].reshape(-1, 2) for grid in grids])
    (x0, y0), (x1, y1) = np.floor(corners.min(axis=0)), np.ceil(corners.max(axis=0)) + 2
    return int(x0), int(y0), int(x1), int(y1)


def eye_patches(grey: np.ndarray, x0: int, y0: int, grid: np.ndarray) -> np.ndarray:
    """Both eyes' grey patches, (2, 8, 12) float32 (right eye first; rows run down the face).

    Parameters: ``grey`` (H, W) uint8 or float32 grey levels of a part of the frame whose top-left pixel is at
    (``x0``, ``y0``) in the frame (:func:`patch_region`); ``grid``: :func:`eye_grid` of the face. Bilinear
    samples; positions outside ``grey`` repeat its edge."""
    shifted = grid - np.array([x0, y0], dtype=np.float32)
    sampled = cv2.remap(
        grey, shifted[..., 0], shifted[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    averaged = cv2.resize(sampled.astype(np.float32), (12, 16), interpolation=cv2.INTER_AREA)  # 2 x 2 means
    return averaged.reshape(2, *PATCH_SHAPE)


def picture_change(patches: np.ndarray, present: np.ndarray) -> np.ndarray:
    """(N, 2) RMS grey-level difference of each eye's patch from its rest picture, the median patch over the frames
    ``present`` (bool, N); NaN elsewhere. ``patches``: (N, 2 * 8 * 12) rows as the pipeline keeps them (right eye's
    values first)."""
    change = np.full((len(present), 2), np.nan)
    if not present.any():
        return change
    rest = median_patch(patches, present).reshape(2, -1)
    for at, block in patch_blocks(patches, present):
        change[at] = np.sqrt(np.mean((block.reshape(-1, *rest.shape) - rest) ** 2, axis=2))
    return change


def _during(t_s: np.ndarray, event: Event) -> np.ndarray:
    """The frames (bool per frame of ``t_s``, s) within ``event``'s span, both ends included."""
    return (t_s >= event.start_s) & (t_s <= event.end_s)


def span_peak(t_s: np.ndarray, values: np.ndarray, event: Event) -> float:
    """The largest of ``values`` (per frame) over ``event``'s span; NaN where the span has no measured frame."""
    span = values[_during(t_s, event)]
    return float(np.nanmax(span)) if np.isfinite(span).any() else float("nan")


def blink_scale(t_s: np.ndarray, change: np.ndarray, blinks: Sequence[Event]) -> float:
    """The median peak change of one eye (``change``, per frame) over the ``blinks``' spans: the one-sided index's
    unit. NaN without a blink that has a measured frame."""
    peaks = [peak for b in blinks if np.isfinite(peak := span_peak(t_s, change, b))]
    return float(np.median(peaks)) if peaks else float("nan")


def one_sided_index(
    t_s: np.ndarray, own: np.ndarray, other: np.ndarray, start_s: float, end_s: float
) -> float:
    """How much more one eye's picture changed than the other's over [start_s, end_s] (both per frame, scaled to a
    blink): the peak of (own - other) there, less its median over :data:`CONTEXT_S` either side. NaN where the span
    or its context has no measured frame."""
    diff = own - other
    inside = diff[(t_s >= start_s) & (t_s <= end_s)]
    near, far = CONTEXT_S
    around = ((t_s >= start_s - far) & (t_s < start_s - near)) | ((t_s > end_s + near) & (t_s <= end_s + far))
    context = diff[around]
    if not np.isfinite(inside).any() or not np.isfinite(context).any():
        return float("nan")
    return float(np.nanmax(inside) - np.nanmedian(context))


def is_lid_only(event: Event) -> bool:
    """A one-sided contraction whose evidence is the eye alone (its regions eye, or eye and brow): what the
    picture can confirm or refute."""
    return (
        event.kind == "contraction"
        and event.side in EYE_CORNERS
        and "eye" in event.regions
        and set(event.regions) <= {"eye", "brow"}
    )


def scaled_to_blinks(
    t_s: np.ndarray, change: dict[str, np.ndarray], blinks: Sequence[Event]
) -> dict[str, np.ndarray] | None:
    """Each eye's picture change (``change``: per side, :func:`picture_change`'s column) in units of that eye's
    blinks' (:func:`blink_scale`); None without a blink that changed both eyes' pictures."""
    scales = {side: blink_scale(t_s, values, blinks) for side, values in change.items()}
    if not all(np.isfinite(s) and s > 0 for s in scales.values()):
        return None
    return {side: values / scales[side] for side, values in change.items()}


def scaled_pictures(sig: Signals, blinks: Sequence[Event]) -> dict[str, np.ndarray] | None:
    """:func:`scaled_to_blinks` of a recording's ``sig.lid_picture_*``; None without them."""
    if sig.lid_picture_left is None or sig.lid_picture_right is None:
        return None
    return scaled_to_blinks(sig.t_s, {"left": sig.lid_picture_left, "right": sig.lid_picture_right}, blinks)


def one_sided_indices(t_s: np.ndarray, scaled: dict[str, np.ndarray], events: Sequence[Event]) -> list[float]:
    """Each event's one-sided index (:func:`one_sided_index` on ``scaled``, :func:`scaled_to_blinks`), NaN where
    it does not apply: not a lid-only contraction."""
    out = []
    for e in events:
        if not is_lid_only(e):
            out.append(float("nan"))
            continue
        out.append(one_sided_index(t_s, scaled[e.side], scaled[OTHER_SIDE[e.side]], e.start_s, e.end_s))
    return out


# A "blink" read as one eye's twitch needs that eye's picture to have changed at least this share of a blink's:
# a blink the pictures hardly see (a small, blurred face) has a ratio of noise.
ONE_EYED_SEEN = 0.5


# How long before an event an eye's picture is read for its level there (one_eyed_side's ``from_level``).
LEVEL_BEFORE_S = 0.25


def picture_changes(
    t_s: np.ndarray, scaled: dict[str, np.ndarray], event: Event, from_level: bool = False
) -> dict[str, float]:
    """Each eye's picture change over ``event``'s span (``scaled``: :func:`scaled_to_blinks`): its peak there, from
    the eye's rest picture, or with ``from_level`` from its lowest level over the ``LEVEL_BEFORE_S`` before the
    event (where that has a measured frame): where the head turns or rolls, one eye's picture drifts away from its
    rest picture on its own (the lowest: an eye whose picture dipped just before must not seem to have moved less
    than it did). NaN where the span has no measured frame."""
    peaks = {side: span_peak(t_s, values, event) for side, values in scaled.items()}
    if from_level:
        for side, values in scaled.items():
            if np.isfinite(level := level_before(t_s, values, event.start_s)):
                peaks[side] -= level
    return peaks


def level_before(t_s: np.ndarray, values: np.ndarray, start_s: float) -> float:
    """An eye's picture level just before ``start_s`` (s): the lowest of ``values`` (per frame) over the
    ``LEVEL_BEFORE_S`` of frames before it (at least one frame), and not under rest (0); NaN without a measured
    frame there."""
    stop = int(np.searchsorted(t_s, start_s, side="left"))
    before = values[max(0, stop - max(1, round(LEVEL_BEFORE_S / frame_interval(t_s)))) : stop]
    return max(float(np.nanmin(before)), 0.0) if np.isfinite(before).any() else float("nan")


def one_eyed_side(
    t_s: np.ndarray, scaled: dict[str, np.ndarray], event: Event, balance: float, from_level: bool = False
) -> str | None:
    """The side whose eye alone changed in the pictures over ``event``'s span (:func:`picture_changes`, from the
    rest picture or ``from_level``): that eye's picture changed at least ``ONE_EYED_SEEN`` of a blink's and the
    other eye's less than ``balance`` times as much; None where both changed alike (a blink: both eyes close,
    tuning 0.64 or more) or the span has no measured frame."""
    peaks = picture_changes(t_s, scaled, event, from_level)
    side = max(peaks, key=lambda s: np.nan_to_num(peaks[s], nan=-np.inf))
    own, other = peaks[side], peaks[OTHER_SIDE[side]]
    if not (own >= ONE_EYED_SEEN and np.isfinite(other)):
        return None
    return side if other < balance * own else None


# A blink's picture falls back as the lids reopen: within REOPEN_S after the span, by at least REOPEN_FALL of its
# peak (tuning and fresh draws: blinks 0.37 or more; a lid the mesh reads drifting half-closed for a second 0.14).
REOPEN_S = 0.5
REOPEN_FALL = 0.25


def both_eyes_blink(t_s: np.ndarray, scaled: dict[str, np.ndarray], event: Event) -> bool:
    """Whether both eyes' pictures (``scaled``: :func:`scaled_to_blinks`) show a blink over ``event``'s span: each
    changed at least ``ONE_EYED_SEEN`` of a blink's (tuning: the blinks a weak lid's mesh misses 0.55 or more,
    other faint dips with the head still 0.47 or less) and fell back by ``REOPEN_FALL`` of that within
    ``REOPEN_S`` after it. False where an eye's picture is not measured there."""
    after = (t_s > event.end_s) & (t_s <= event.end_s + REOPEN_S)
    for values in scaled.values():
        peak = span_peak(t_s, values, event)
        if not peak >= ONE_EYED_SEEN or not np.isfinite(values[after]).any():
            return False
        if np.nanmin(values[after]) > (1 - REOPEN_FALL) * peak:
            return False
    return True


# A lid-only contraction's own eye's picture must also have risen from its level just before (picture_changes'
# ``from_level``) by this share of a blink's change. Where the other eye's picture falls back while this one's
# stands still, the one-sided index reads a change this eye never made: a weak lid's mesh drifting half-closed
# for a second (fresh draws' weak-lid controls: 0.005 or less). Tuning and fresh draws 1-9: no true contraction
# lost from 0.015 to 0.08 (under 0.045 a redundant one over a true twitch stays; 0.08 drops two more false ones);
# the first true twitch is lost at 0.12.
# With the head still it must also have risen this much more than the other eye's picture did: where both rose
# alike, both lids closed (a blink the mesh read on one weak lid, the one-sided index taking a frame's lead of one
# picture over the other). Tuning and fresh draws 5-11 (thirty-ninth round): the false closures so removed have
# the other eye rising 0.05 less to 0.33 more than their own; the first true twitch is lost where the own eye
# must lead by 0.08.
OWN_RISE_MIN = 0.05


def _risen(t_s: np.ndarray, scaled: dict[str, np.ndarray], event: Event, still: bool) -> bool:
    """Whether ``event``'s own eye's picture rose ``OWN_RISE_MIN`` of a blink's change from its level just before,
    and, made with the head ``still``, that much more than the other eye's picture rose (True where the own eye's
    rise cannot be measured: the picture cannot judge). Where the head moves, one eye's picture changes with the
    turn alone."""
    rises = picture_changes(t_s, scaled, event, from_level=True)
    rise = rises[event.side]
    if still:
        rise -= max(float(np.nan_to_num(rises[OTHER_SIDE[event.side]], nan=0.0)), 0.0)
    return not rise < OWN_RISE_MIN


def veto_two_sided_pictures(
    t_s: np.ndarray,
    scaled: dict[str, np.ndarray] | None,
    events: list[Event],
    threshold: float,
    burst_gap_s: float = 0.0,
    moving: np.ndarray | None = None,
) -> list[Event]:
    """``events`` without the lid-only one-sided contractions whose one-sided index is under ``threshold`` (a
    share of a blink's picture change): both eyes' pictures changed alike, a blink or head motion the mesh read as
    one-sided; nor those whose own eye's picture did not rise from its level just before (``OWN_RISE_MIN``), or,
    with the head still (no frame of the span ``moving``, per frame), not that much more than the other's. Both
    are read outside the blinks among ``events``: a closure the mesh runs into a blink would otherwise take the
    blink's picture change, in which one eye's picture often leads the other's by a frame or two. Without a blink
    to scale by (``scaled`` None: :func:`scaled_to_blinks`), or where the index cannot be measured (a span inside
    a blink too), the contraction stays. So does one within ``burst_gap_s`` (s) of a one-sided contraction of its
    side that stands: a twitch of a burst (its first, during a nod, or a faint one whose other eye's picture moved
    too), which only lengthens an episode the others make already."""
    if scaled is None:
        return events
    in_blink = np.zeros(t_s.size, dtype=bool)
    for b in events:
        if b.kind == "blink":
            in_blink |= _during(t_s, b)
    scaled = {side: np.where(in_blink, np.nan, values) for side, values in scaled.items()}
    indices = one_sided_indices(t_s, scaled, events)

    def still(e: Event) -> bool:
        return moving is None or not moving[_during(t_s, e)].any()

    vetoed = [
        index < threshold or (np.isfinite(index) and not _risen(t_s, scaled, e, still(e)))
        for index, e in zip(indices, events, strict=True)
    ]
    standing = [
        e
        for e, out in zip(events, vetoed, strict=True)
        if e.kind == "contraction" and e.side in EYE_CORNERS and not out
    ]

    def in_burst(e: Event) -> bool:
        return any(
            k.side == e.side and k.start_s - e.end_s <= burst_gap_s and e.start_s - k.end_s <= burst_gap_s
            for k in standing
        )

    return [e for e, out in zip(events, vetoed, strict=True) if not out or in_burst(e)]


# A closure of both eyes held for seconds shows in the pictures: at least one eye's picture, its median over the
# closure, stands BILATERAL_SEEN of a blink's change above that eye's median over the recording (tuning and fresh
# draws 1-5: true holds 0.54 or more; a weak lid's mesh settling half-closed 0.22 or less).
BILATERAL_SEEN = 0.35


def veto_unseen_bilateral_holds(
    t_s: np.ndarray, scaled: dict[str, np.ndarray] | None, events: list[Event], seen: float = BILATERAL_SEEN
) -> list[Event]:
    """``events`` without the sustained bilateral closures (contractions of side "both") that neither eye's
    picture shows: over the closure, each eye's median picture change (``scaled``: :func:`scaled_to_blinks`, in
    blinks) stands less than ``seen`` above its median over the recording. A lid the mesh reads poorly can settle
    half-closed on both eyes for seconds after a blink (fresh draw 5's weak-lid control: mesh closure 0.55-0.6,
    the pictures and eyeBlink at rest), which reads as blepharospasm; eyes held closed change the picture as a
    blink does. One eye's picture is enough: a turned face's far eye changes little in the picture. Without
    ``scaled``, or where an eye's picture is unmeasured over the closure, the closure stays."""
    if scaled is None:
        return events
    rest = {side: float(np.nanmedian(values)) for side, values in scaled.items()}
    out = []
    for e in events:
        if e.kind == "contraction" and e.side == "both":
            over = _during(t_s, e)
            raised = [
                float(np.nanmedian(values[over])) - rest[side] if np.isfinite(values[over]).any() else np.nan
                for side, values in scaled.items()
            ]
            if np.isfinite(raised).all() and max(raised) < seen:
                continue
        out.append(e)
    return out


# A blink of the mesh that neither eye's picture rose for, from its level just before, by this share of a blink's
# change is none: a weak lid's mesh and blendshapes both settling a quarter closed for most of a second while both
# pictures stand still or fall (tuning: that false blink of depth-weak-control-hopper-10 -0.02, every true blink 0.26
# or more).
BLINK_RISE_MIN = 0.1


def veto_unpictured_blinks(
    t_s: np.ndarray, scaled: dict[str, np.ndarray] | None, events: list[Event], rise: float = BLINK_RISE_MIN
) -> list[Event]:
    """``events`` without the blinks for which neither eye's picture (``scaled``: :func:`scaled_to_blinks`) rose
    ``rise`` of a blink's change from its level just before (:func:`picture_changes` ``from_level``); one eye's
    rise keeps it (a blink only one eye's picture shows is judged by :func:`one_eyed_side`). Without ``scaled``,
    or where an eye's picture is unmeasured over the blink, the blink stays."""
    if scaled is None:
        return events
    out = []
    for e in events:
        if e.kind == "blink":
            rises = list(picture_changes(t_s, scaled, e, from_level=True).values())
            if np.isfinite(rises).all() and max(rises) < rise:
                continue
        out.append(e)
    return out
