"""The cheeks read from the picture below each eye: how far the skin there moved up the face.

The face mesh reads a cheek raise poorly: without a mouth-corner pull it shows as a 0.01-0.04 rise of the cheek
landmark at most, and a squeezing lid drags that landmark down (docs/validation.md, "Does the mesh renderer move
the cheek?"). The skin below the eye moves in the picture all the same: the orbital part of orbicularis oculi
and zygomaticus bunch it up towards the eye. Per frame and side, :func:`cheek_grid` places a patch below the eye,
placed and scaled by the nose (rotation and scale follow the face, so head motion moves the patch with the face);
:func:`cheek_rise` is how far each frame's patch is shifted up the face from the recording's rest picture (the
median patch), by Lucas-Kanade registration along the patch's rows.
Pure functions on arrays; grey levels 0..255, rises in nose lengths (bridge to base), up the face positive.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

# Sampled at 24 x 32 points per side (down the face x across it), then averaged 2 x 2: 12 x 16 values a side are
# kept per frame. Placed and scaled by the nose's bridge (between the eyes, NASION) and its base (SUBNASALE): the
# midline of the face, which no squeeze or smile moves in the face mesh, where the eye corners are drawn together
# and apart by the lids (a patch scaled to the eye's width moves up the face with a squeeze). Lengths are in nose
# lengths (NASION to SUBNASALE, about 1.4 inner-canthal distances): down the face from 0.35 to 0.95 below the
# bridge (the lower lid to the skin over the cheekbone), across from 0.45 to 1.15 out from the midline (the side of
# the nose, which stays still while the cheek rises, is left out). Columns run from the image's left.
NASION, SUBNASALE = 168, 2
_OUTWARD = np.linspace(0.45, 1.15, 32, dtype=np.float32)
_ALONG = np.stack([-_OUTWARD[::-1], _OUTWARD])  # the right cheek (image left), the left
_ACROSS = np.linspace(0.35, 0.95, 24, dtype=np.float32)
CHEEK_SHAPE = (12, 16)
CHEEK_VALUES = 2 * CHEEK_SHAPE[0] * CHEEK_SHAPE[1]  # both sides, one row of a frame's cheek patches
CHEEK_SIDES = ("right", "left")  # order of the sides in a row (the image's left first, as cheek_grid samples)
ROW_NOSE = 2 * float(_ACROSS[1] - _ACROSS[0])  # one kept row, in nose lengths
_REGISTRATION_STEPS = 4
_MAX_STEP_ROWS = 2.0  # one registration step moves the estimate at most this far (a flat patch's wild guess)
# Frames of patches read as float32 at once: a few MB of working arrays, however long the recording.
BLOCK_FRAMES = 256


def median_patch(rows: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The median of half-float patch ``rows`` (frames, values) over the frames ``present`` (bool), per value, as
    float32 (values,): in blocks of 16 columns, so a ten-minute recording's patches are never copied whole (the
    eyelid and cheek pictures' rest picture)."""
    return np.concatenate(
        [np.median(rows[present, j : j + 16].astype(np.float32), axis=0) for j in range(0, rows.shape[1], 16)]
    )


def patch_blocks(rows: np.ndarray, present: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The half-float patch ``rows`` (frames, values) of the frames ``present`` (bool), BLOCK_FRAMES at a time:
    (their frame indices, their rows as float32)."""
    index = np.flatnonzero(present)
    for i in range(0, len(index), BLOCK_FRAMES):
        at = index[i : i + BLOCK_FRAMES]
        yield at, rows[at].astype(np.float32)


def cheek_grid(points: np.ndarray) -> np.ndarray:
    """(48, 32, 2) float32 sampling positions (x, y pixels) of both cheeks' patches, the right side's 24 rows first.

    ``points``: a face's (478, >=2) landmarks in pixels."""
    bridge = points[NASION, :2].astype(np.float32)
    down = points[SUBNASALE, :2].astype(np.float32) - bridge  # one nose length, down the face
    across = np.array([down[1], -down[0]], dtype=np.float32)  # turned a quarter: towards the image's right
    grid = (
        bridge[None, None, None]
        + _ALONG[:, None, :, None] * across[None, None, None]
        + _ACROSS[None, :, None, None] * down[None, None, None]
    )
    return grid.reshape(48, 32, 2)


def cheek_patches(grey: np.ndarray, x0: int, y0: int, grid: np.ndarray) -> np.ndarray:
    """Both cheeks' grey patches, (2, 12, 16) float32 (right side first; rows run down the face).

    Parameters: ``grey`` (H, W) uint8 or float32 grey levels of a part of the frame whose top-left pixel is at
    (``x0``, ``y0``) in the frame; ``grid``: :func:`cheek_grid` of the face. Bilinear samples; positions outside
    ``grey`` repeat its edge."""
    shifted = grid - np.array([x0, y0], dtype=np.float32)
    sampled = cv2.remap(
        grey, shifted[..., 0], shifted[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    averaged = cv2.resize(sampled.astype(np.float32), (16, 24), interpolation=cv2.INTER_AREA)  # 2 x 2 means
    return averaged.reshape(2, *CHEEK_SHAPE)


def _shifted_rows(rest: np.ndarray, shift_rows: np.ndarray) -> np.ndarray:
    """``rest`` (sides, rows, cols) moved down its rows by ``shift_rows`` (frames, sides), linearly interpolated,
    edges repeated: (frames, sides, rows, cols)."""
    rows = rest.shape[1]
    source = np.arange(rows, dtype=np.float32)[None, None, :] - shift_rows[..., None]  # (frames, sides, rows)
    source = np.clip(source, 0, rows - 1)
    below = np.minimum(np.floor(source).astype(np.intp), rows - 2)
    frac = (source - below)[..., None]
    sides = np.arange(rest.shape[0])[None, :, None]
    return (1 - frac) * rest[sides, below] + frac * rest[sides, below + 1]


def _registered_shift(rest: np.ndarray, block: np.ndarray) -> np.ndarray:
    """(frames, sides) rows by which each patch of ``block`` (frames, sides, rows, cols) lies further down the face
    than ``rest`` (sides, rows, cols): Gauss-Newton steps on the squared difference over the inner rows."""
    shift = np.zeros(block.shape[:2], dtype=np.float32)
    for _ in range(_REGISTRATION_STEPS):
        moved = _shifted_rows(rest, shift)
        slope = np.gradient(moved, axis=2)[:, :, 1:-1]
        residual = (block - moved)[:, :, 1:-1]
        curvature = np.sum(slope * slope, axis=(2, 3))
        step = -np.sum(slope * residual, axis=(2, 3)) / np.maximum(curvature, 1e-6)
        shift += np.clip(step, -_MAX_STEP_ROWS, _MAX_STEP_ROWS)
    return shift


def cheek_rise(patches: np.ndarray, present: np.ndarray) -> np.ndarray:
    """(N, 2) how far each cheek's picture moved up the face from its rest picture (the median patch over the
    frames ``present``, bool N), in nose lengths (right side, left side); NaN elsewhere.

    ``patches``: (N, CHEEK_VALUES) rows as the pipeline keeps them (right side's values first)."""
    rise = np.full((len(present), 2), np.nan)
    if not present.any():
        return rise
    rest = median_patch(patches, present).reshape(2, *CHEEK_SHAPE)
    for at, block in patch_blocks(patches, present):
        rise[at] = -_registered_shift(rest, block.reshape(-1, 2, *CHEEK_SHAPE)) * ROW_NOSE
    return rise


def rise_from(before: np.ndarray, during: np.ndarray) -> np.ndarray:
    """(n, 2) how far each cheek's picture in the rows ``during`` (n, CHEEK_VALUES) lies up the face from the mean
    picture of the rows ``before`` (the moments before a contraction), in nose lengths (right side, left side);
    NaN for rows without a picture, and all NaN where ``before`` holds none."""
    rise = np.full((len(during), 2), np.nan)
    ref = before[np.isfinite(before[:, 0])].astype(np.float32)
    seen = np.isfinite(during[:, 0])
    if not len(ref) or not seen.any():
        return rise
    rest = ref.mean(axis=0).reshape(2, *CHEEK_SHAPE)
    block = during[seen].astype(np.float32).reshape(-1, 2, *CHEEK_SHAPE)
    rise[seen] = -_registered_shift(rest, block) * ROW_NOSE
    return rise
