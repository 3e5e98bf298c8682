"""The cheeks read from the picture (facetwitch.cheek_picture): where the patches lie, how far a patch's picture
moved, and a rendered cheek raise told from an eye-only squeeze (the labelling rule's own tests are in
test_events.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import facetwitch
from facetwitch.cheek_picture import (
    CHEEK_SHAPE,
    CHEEK_VALUES,
    NASION,
    ROW_NOSE,
    SUBNASALE,
    cheek_grid,
    cheek_patches,
    cheek_rise,
    rise_from,
)
from facetwitch.lid_picture import patch_region
from facetwitch.simulate import Blink, Scenario, Spasm, render


def _face(bridge: tuple[float, float], nose_px: float, angle_deg: float = 0.0) -> np.ndarray:
    """Landmarks (478, 3) with only the nose's bridge and base set: the base ``nose_px`` below the bridge, the nose
    turned by ``angle_deg`` (image coordinates: y down, positive turns clockwise on screen)."""
    points = np.zeros((478, 3), dtype=np.float32)
    a = np.deg2rad(angle_deg)
    points[NASION, :2] = bridge
    points[SUBNASALE, :2] = np.asarray(bridge) + nose_px * np.array([-np.sin(a), np.cos(a)])
    return points


def _texture(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Smooth random skin-like grey texture (float32, 60..200)."""
    noise = np.random.default_rng(seed).uniform(0, 1, (height, width)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 6.0)
    return (60 + 140 * (smooth - smooth.min()) / np.ptp(smooth)).astype(np.float32)


def test_each_cheeks_patch_lies_below_its_own_eye_and_follows_the_face_as_it_turns_in_the_picture():
    grey = np.full((300, 400), 200, np.uint8)
    # The nose's bridge at (200, 100), its base 60 px below. A dark mark on the patient's right cheek (the image's
    # left) 0.65 nose lengths below the bridge and 0.8 out from the midline; nothing on the other cheek.
    cv2.circle(grey, (200 - 48, 100 + 39), 5, 30, thickness=-1)
    grid = cheek_grid(_face((200, 100), 60))
    x0, y0, x1, y1 = patch_region(grid)
    patches = cheek_patches(grey[y0:y1, x0:x1], x0, y0, grid)
    assert patches.shape == (2, *CHEEK_SHAPE)
    right, left = patches
    assert np.all(left == pytest.approx(200))
    # Rows run from 0.35 to 0.95 nose lengths below the bridge, columns from 1.15 to 0.45 out on the image's left:
    # the mark lies in the middle of both.
    row, col = np.unravel_index(np.argmin(right), right.shape)
    assert row in (5, 6) and col in (7, 8)
    assert right.min() < 120
    # The same picture turned 20 degrees about the bridge, and the landmarks with it: the same patch.
    turn = cv2.getRotationMatrix2D((200, 100), -20, 1.0)
    turned = cv2.warpAffine(grey, turn, (400, 300), flags=cv2.INTER_LINEAR, borderValue=200)
    grid = cheek_grid(_face((200, 100), 60, angle_deg=20))
    x0, y0, x1, y1 = patch_region(grid)
    again = cheek_patches(turned[max(y0, 0) : y1, max(x0, 0) : x1], max(x0, 0), max(y0, 0), grid)
    assert np.abs(again[0] - right).mean() < 4
    assert np.abs(again[1] - 200).max() < 1


@pytest.mark.parametrize("rise_rows", [0.3, 1.0, 1.8])
def test_the_cheek_rise_is_how_far_the_picture_moved_up_the_face_from_the_median_patch(rise_rows):
    """A textured patch moved up by a known part of a row (and the other side moved down by half that) in some
    frames, still in the rest: the rise comes back in eye widths; frames without a face stay NaN."""
    tall = _texture(4 * 12 + 20, 16)
    rest_rows = np.arange(12, dtype=np.float32) * 4 + 10  # one patch row every 4 texture rows

    def patch(shift_rows: float) -> np.ndarray:
        # The skin moved up by shift_rows: each patch row now shows the texture from further down.
        ys = (rest_rows + 4 * shift_rows)[:, None].repeat(16, axis=1).astype(np.float32)
        xs = np.tile(np.arange(16, dtype=np.float32), (12, 1))
        return cv2.remap(tall, xs, ys, cv2.INTER_LINEAR)

    frames = []
    for k in range(9):
        moved = k in (3, 4)
        frames.append(
            np.concatenate(
                [patch(rise_rows if moved else 0.0).ravel(), patch(-rise_rows / 2 if moved else 0.0).ravel()]
            )
        )
    rows = np.array(frames, dtype=np.float16)
    rows[8] = np.nan
    present = np.arange(9) < 8
    assert rows.shape[1] == CHEEK_VALUES
    rise = cheek_rise(rows, present)
    assert rise[[0, 1, 2, 5, 6, 7]] == pytest.approx(0.0, abs=0.01 * ROW_NOSE)
    assert rise[3:5, 0] == pytest.approx(rise_rows * ROW_NOSE, rel=0.1)
    assert rise[3:5, 1] == pytest.approx(-rise_rows / 2 * ROW_NOSE, rel=0.1)
    assert np.isnan(rise[8]).all()
    # Against the moments before (frames 0-2) instead of the median: the same rises.
    again = rise_from(rows[:3], rows)
    assert again[:8] == pytest.approx(rise[:8], abs=0.01 * ROW_NOSE)
    assert np.isnan(again[8]).all() and np.isnan(rise_from(rows[8:], rows)).all()


@pytest.fixture(scope="module")
def cheek_and_eye_only_video(tmp_path_factory):
    """A right squeeze of the eye and cheek, then a left squeeze of the eye alone, between blinks (no mouth pull:
    the face mesh's cheek landmark barely shows the raise)."""
    return render(Scenario(
        duration_s=11.0, fps=30.0, size=(640, 480), seed=11,
        events=[Blink(1.0), Blink(2.4), Spasm(4.0, "right", "tonic", hold_s=1.2, regions=("eye", "cheek")),
                Blink(6.6), Spasm(8.0, "left", "tonic", hold_s=1.2, regions=("eye",))],
    ), tmp_path_factory.mktemp("cheek") / "cheek-and-eye-only.mp4")  # fmt: skip


def test_an_analysis_reads_a_rendered_cheek_raise_from_the_picture_and_no_cheek_in_an_eye_only_squeeze(
    cheek_and_eye_only_video,
):
    analysis = facetwitch.analyze(cheek_and_eye_only_video.path)
    frames = analysis.frames
    t_s = frames.column("t_s").to_numpy()
    right, left = (
        frames.column(f"cheek_picture_{s}").to_numpy(zero_copy_only=False) for s in ("right", "left")
    )
    squeeze = (t_s >= 4.3) & (t_s <= 5.2)
    # The right cheek's skin rises a few hundredths of a nose length, several times as far as the left's.
    assert np.nanmax(right[squeeze]) > 0.025 and np.nanmax(right[squeeze]) > 2 * np.nanmax(
        np.abs(left[squeeze])
    )
    found = sorted((e for e in analysis.episodes), key=lambda e: e.start_s)
    assert [(e.side, e.regions) for e in found] == [("right", ("eye", "cheek")), ("left", ("eye",))]
