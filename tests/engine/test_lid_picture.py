"""The eyelids read from the picture (facetwitch.lid_picture): where the patches are sampled, how far a picture
changes, the one-sided index, and a rendered twitch read in its own eye's picture (the veto's own tests are with
the event stage's, in test_events.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import facetwitch
from facetwitch.lid_picture import (
    EYE_CORNERS,
    PATCH_SHAPE,
    both_eyes_blink,
    eye_grid,
    eye_patches,
    one_eyed_side,
    one_sided_index,
    patch_region,
    picture_change,
)
from facetwitch.records import Event

FPS = 30.0


def _face(right: tuple[float, float], left: tuple[float, float], width: float, angle_deg: float = 0.0):
    """Landmarks (478, 3) with only the eye corners set: each eye ``width`` px wide around its centre, the corner
    line turned by ``angle_deg`` (image coordinates: y down)."""
    points = np.zeros((478, 3), dtype=np.float32)
    a = np.deg2rad(angle_deg)
    half = 0.5 * width * np.array([np.cos(a), np.sin(a)])
    for side, centre in (("right", right), ("left", left)):
        first, second = EYE_CORNERS[side]
        points[first, :2], points[second, :2] = np.asarray(centre) - half, np.asarray(centre) + half
    return points


def test_each_eyes_patch_is_read_from_its_own_eye_and_follows_the_face_as_it_turns_in_the_picture():
    grey = np.full((240, 320), 200, np.uint8)
    # The patient's right eye is on the image's left. A dark lid (upper half) on it only.
    cv2.rectangle(grey, (70, 70), (110, 98), 40, thickness=-1)
    grid = eye_grid(_face((90, 100), (230, 100), width=40))
    x0, y0, x1, y1 = patch_region(grid)
    patches = eye_patches(grey[y0:y1, x0:x1], x0, y0, grid)
    assert patches.shape == (2, *PATCH_SHAPE)
    right, left = patches
    assert np.all(left == pytest.approx(200))
    # The patch runs from 0.45 eye widths above the corner line (y 82) to 0.35 below (y 114): its upper half dark
    # in the middle, its lower rows bright.
    assert right[:4, 3:9].max() < 45 and right[5:].min() > 195
    # The same picture turned 25 degrees about the right eye, and the landmarks with it: the same patch.
    turn = cv2.getRotationMatrix2D((90, 100), -25, 1.0)  # positive angle_deg turns clockwise on screen
    turned = cv2.warpAffine(grey, turn, (320, 240), flags=cv2.INTER_LINEAR, borderValue=200)
    left_centre = turn @ np.array([230, 100, 1.0])
    grid = eye_grid(_face((90, 100), tuple(left_centre), width=40, angle_deg=25))
    x0, y0, x1, y1 = patch_region(grid)
    again = eye_patches(turned[max(y0, 0) : y1, max(x0, 0) : x1], max(x0, 0), max(y0, 0), grid)
    assert np.abs(again[0] - right).mean() < 6  # grey levels, of a 160-level contrast
    assert np.abs(again[1] - 200).max() < 1


def test_the_picture_change_is_the_rms_difference_from_the_median_patch_over_the_frames_with_a_face():
    rows = np.full((6, 2 * 96), 100.0, dtype=np.float16)
    rows[2, :96] = 110.0  # the right eye's picture changes by 10 grey levels everywhere in frame 2
    rows[4, 96:][:48] = 130.0  # half of the left eye's picture changes by 30 in frame 4
    present = np.array([True, True, True, True, True, False])
    rows[5] = np.nan  # no face
    change = picture_change(rows, present)
    assert change[:, 0][:5] == pytest.approx([0, 0, 10, 0, 0])
    assert change[:, 1][:5] == pytest.approx([0, 0, 0, 0, np.sqrt(0.5) * 30])
    assert np.isnan(change[5]).all()


def test_the_one_sided_index_is_the_own_eyes_change_beyond_the_other_eyes_against_the_moments_around():
    t_s = np.arange(0, 4, 1 / FPS)
    bump = np.where((t_s >= 2.0) & (t_s <= 2.3), 0.4, 0.0)
    quiet = np.full_like(t_s, 0.05)
    assert one_sided_index(t_s, quiet + bump, quiet, 2.0, 2.3) == pytest.approx(0.4)
    assert one_sided_index(t_s, quiet + bump, quiet + bump, 2.0, 2.3) == pytest.approx(0.0)
    assert one_sided_index(t_s, quiet, quiet + bump, 2.0, 2.3) == pytest.approx(-0.4)  # the other eye alone
    # A head turning changes one eye's picture more all along: that is the context, not the contraction.
    assert one_sided_index(t_s, quiet + 0.3 + bump, quiet, 2.0, 2.3) == pytest.approx(0.4)
    assert np.isnan(one_sided_index(t_s, quiet, quiet, 5.0, 5.3))  # no frame in the span


@pytest.mark.parametrize("backend", ["tasks", "litert"])
def test_an_analysis_reads_a_rendered_one_sided_lid_twitch_in_its_own_eyes_picture_and_keeps_it(
    left_lid_twitch_video, backend
):
    video = left_lid_twitch_video
    analysis = facetwitch.analyze(video.path, backend=backend)
    frames = analysis.frames
    t_s = frames.column("t_s").to_numpy()
    left, right = (
        frames.column(f"lid_picture_{s}").to_numpy(zero_copy_only=False) for s in ("left", "right")
    )
    usable = frames.column("usable").to_numpy(zero_copy_only=False)
    assert np.isfinite(left[usable]).all() and np.isfinite(right[usable]).all()
    twitching = (t_s >= 2.0) & (t_s <= 3.5)
    # The twitches move the left eye's picture several times more than the right eye's.
    assert np.nanmax(left[twitching]) > 3 * np.nanmax(right[twitching])
    truth = [e for e in video.truth_events if e.kind == "contraction"]
    found = [e for e in analysis.events if e.kind == "contraction"]
    assert found and all(e.side == "left" for e in found)
    assert len(found) == len(truth)


def test_one_eyed_side_names_the_eye_whose_picture_alone_changed():
    t_s = np.arange(0, 2, 1 / 30)
    event = Event("blink", 0.9, 1.2, "both", ("eye",), peak=0.4)

    def bump(height: float) -> np.ndarray:
        return np.where((t_s >= 0.95) & (t_s <= 1.1), height, 0.02)

    def side(left: float, right: float) -> str | None:
        return one_eyed_side(t_s, {"left": bump(left), "right": bump(right)}, event, 0.45)

    assert side(0.8, 0.1) == "left"
    assert side(0.2, 0.9) == "right"
    assert side(1.0, 0.9) is None  # both eyes alike: a blink
    assert side(0.8, 0.4) is None  # the other eye half as much: not one eye alone
    assert side(0.3, 0.02) is None  # under half a blink's change: too little to tell
    blank = {"left": bump(0.8), "right": np.where(t_s > 0.5, np.nan, 0.02)}
    assert one_eyed_side(t_s, blank, event, 0.45) is None  # the other eye not measured


def test_one_eyed_side_from_each_eyes_level_just_before_leaves_out_a_drift_that_began_earlier():
    t_s = np.arange(0, 2, 1 / 30)
    event = Event("blink", 0.9, 1.2, "both", ("eye",), peak=0.4)
    left = np.where((t_s >= 0.95) & (t_s <= 1.1), 0.8, 0.02)
    right = np.clip((t_s - 0.4) / 0.3, 0, 1) * 0.55  # half a blink away from rest since 0.7 s (a head roll)
    assert one_eyed_side(t_s, {"left": left, "right": right}, event, 0.45) is None
    assert one_eyed_side(t_s, {"left": left, "right": right}, event, 0.45, from_level=True) == "left"
    # A blink both eyes show stays two-eyed read from the level too.
    both = {"left": left, "right": right + np.where((t_s >= 0.95) & (t_s <= 1.1), 0.6, 0.0)}
    assert one_eyed_side(t_s, both, event, 0.45, from_level=True) is None


def test_both_eyes_blink_needs_each_eyes_picture_to_change_half_a_blink_and_fall_back():
    t_s = np.arange(0, 2, 1 / 30)
    event = Event("blink", 0.9, 1.2, "both", ("eye",), peak=0.2)

    def bump(height: float, after: float = 0.02) -> np.ndarray:
        return np.where((t_s >= 0.95) & (t_s <= 1.1), height, np.where(t_s > 1.1, after, 0.02))

    def blink(left: float, right: float) -> bool:
        return both_eyes_blink(t_s, {"left": bump(left), "right": bump(right)}, event)

    assert blink(0.7, 0.6)
    assert not blink(0.7, 0.3)  # one eye alone
    assert not blink(0.4, 0.45)  # both, but less than half a blink's change
    # One eye's picture stays changed after the span (a lid drifting half-closed, not reopening): no blink; one
    # that falls back a third of the way is.
    assert not both_eyes_blink(t_s, {"left": bump(0.7), "right": bump(0.7, after=0.6)}, event)
    assert both_eyes_blink(t_s, {"left": bump(0.7), "right": bump(0.7, after=0.45)}, event)
    late = Event("blink", 1.3, 1.6, "both", ("eye",), peak=0.2)  # the change lies outside the span
    assert not both_eyes_blink(t_s, {"left": bump(0.9), "right": bump(0.9)}, late)
    blank = {"left": bump(0.8), "right": np.full(t_s.size, np.nan)}
    assert not both_eyes_blink(t_s, blank, event)  # an eye not measured
