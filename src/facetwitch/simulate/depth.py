"""The third renderer (for TUNING): the first renderer's expressions on a face surface turned in 3-D.

Made differently from both others so that head-turn material for tuning looks like a head turning, not like
a picture bent on cylinders (:func:`.render.cylinder_turn`) and not like the held-out renderer's triangles:

- expressions: exactly the first renderer's (:meth:`.warp.FaceRig.apply`, displacement fields on the photo);
- geometry: a dense depth map over the picture (pixels, larger = farther), MediaPipe's depth of the 478
  landmarks interpolated linearly inside the face's hull (:class:`scipy.interpolate.LinearNDInterpolator`),
  blended over a band of ``FACE_BLEND_IOD`` to a head-like dome fitted to the face's outline (hair, ears, the
  top of the head; for a photo taken turned, its far side ends at the face's own outline), slope-limited
  (``MAX_SLOPE``) and smoothed; beyond the dome the background stays still;
- head pose: every picture point is un-projected with a pinhole camera (focal length ``FOCAL_FACE_HEIGHTS``
  face heights, the camera ~45 cm from a head), rotated in 3-D about the head centre behind the face
  (HeadTurn yaw/pitch/roll and HeadMotion's yaw/roll, scale and translation, with the first renderer's seeded
  phases) and projected again: a forward map, identity at rest;
- the forward map is inverted to cv2.remap's backward map by fixed-point iteration on a coarse grid (the
  displacement sampled from the coarse forward field), then upsampled; no triangles anywhere;
- occlusion (the far cheek behind the nose at ±20° yaw, the far side of the head): NOT z-tested. The depth map
  is slope-limited and smoothed so that the map stays one-to-one up to ~40° of turn; where it still folds over,
  the inversion settles on one of the surface points that project to the pixel (a small smear beside the nose
  rather than a hidden strip). A face turned towards its hidden side (not in the photo) shows the visible edge
  of its cheek stretched;
- camera, orientation and encoding: the first renderer's (:func:`.staging.camera_effects`, :func:`.render.orient`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from scipy import ndimage
from scipy.interpolate import LinearNDInterpolator

from .faces import CHIN, FOREHEAD
from .kinematics import Motion
from .scenario import Scenario
from .staging import camera_effects, stage

COARSE = 4  # block size (pixels) of the grids the depth and the maps are computed on
FOCAL_FACE_HEIGHTS = 2.6  # pinhole camera distance to the head centre, in face heights (~45 cm away)
HEAD_CENTRE_FACE_HEIGHTS = (
    0.55  # head centre (rotation centre) behind the face's median depth, in face heights
)
HEAD_HALF_WIDTH_FACE_WIDTHS = 0.56  # ellipsoid semi-axes: across (face widths, landmarks 234-454) ...
HEAD_HALF_HEIGHT_FACE_HEIGHTS = 0.70  # ... up-down (face heights, landmarks 10-152) ...
HEAD_HALF_DEPTH_FACE_HEIGHTS = 0.60  # ... and front-back
HEAD_DOME_END = 1.25  # the dome's profile reaches the head centre's depth at this multiple of the outline
FACE_BLEND_IOD = 0.25  # band inside the face hull over which landmark depth hands over to the ellipsoid
DEPTH_SMOOTH_IOD = 0.06  # Gaussian smoothing of the depth map (inter-ocular distances)
BACKGROUND_RAMP = 0.12  # beyond the ellipsoid's outline the motion fades to none over this share of its size
MAX_SLOPE = 1.2  # steepest depth change per pixel across the picture: no fold-over up to ~40° of turn
ITERATIONS = 5  # Newton steps of the inversion
MIN_STRETCH = 0.25  # smallest area ratio (Jacobian determinant) a step assumes: folds and edges stay bounded
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)  # fmt: skip


@dataclass(frozen=True)
class HeadSurface:
    """Depth of every coarse canvas point and the head's rotation centre (canvas pixels)."""

    origin: float  # canvas coordinate of the coarse grid's first block centre (same for x and y)
    depth: np.ndarray  # (ch, cw) float32: depth relative to the head centre (pixels, larger = farther)
    moves: np.ndarray  # (ch, cw) float32: 1 on the head, fading to 0 (still background)
    center: np.ndarray  # (2,) head centre in canvas pixels (x, y); its depth is 0 by definition
    focal: float  # pinhole distance camera to head centre (pixels)


@lru_cache(maxsize=8)
def head_surface(face: str, size: tuple[int, int], zoom: float, offset: tuple[float, float]) -> HeadSurface:
    """The dense head surface of the staged face (the first renderer's framing, :func:`.staging.stage`)."""

    st = stage(face, size, zoom, offset)
    g = st.rig.geom
    if g.depth is None:
        raise ValueError(f"face {face!r} has no landmark depth: the depth renderer needs MediaPipe's z")
    h, w = st.canvas.shape[:2]
    pts, z = g.points, g.depth - np.median(g.depth)
    face_h, iod = g.face_height, g.iod
    face_w = float(np.linalg.norm(g.p(234) - g.p(454)))
    off = (COARSE - 1) / 2
    ys, xs = np.arange(off, h, COARSE), np.arange(off, w, COARSE)
    gx, gy = np.meshgrid(xs, ys)
    # Head ellipsoid: centred a little above the face's middle, its front fitted to the face outline's depth.
    mid = 0.5 * (g.p(FOREHEAD) + g.p(CHIN))
    a = HEAD_HALF_WIDTH_FACE_WIDTHS * face_w
    b = HEAD_HALF_HEIGHT_FACE_HEIGHTS * face_h
    c = HEAD_HALF_DEPTH_FACE_HEIGHTS * face_h
    centre = np.array([mid[0], g.p(CHIN)[1] - b + 0.05 * face_h])
    # A face photographed turned (luispedro, -24° yaw) shows no head beyond its far cheek: on that side the
    # head's outline is the face's own (else the background there would turn with the head).
    ex, ez = g.p(263)[0] - g.p(33)[0], z[263] - z[33]
    photo_yaw = float(np.degrees(np.arctan2(ez, abs(ex))))  # > 0: the image-right eye is the farther one
    far_right = photo_yaw > 0
    oval_x = pts[list(FACE_OVAL), 0]
    silhouette = (oval_x.max() - centre[0]) if far_right else (centre[0] - oval_x.min())
    w_far = float(np.clip(abs(photo_yaw) / 15.0, 0.0, 1.0))
    a_far = (1 - w_far) * a + w_far * 1.02 * float(silhouette)

    def front(x, y):
        # A dome rather than the ellipsoid's own profile, whose slope grows without bound at the outline: the
        # slope stays under ~1.6 (no fold-over up to ~30° of turn) and the dome reaches the head centre's
        # depth at HEAD_DOME_END times the outline, beyond where the motion fades out.
        on_far = (x > centre[0]) if far_right else (x < centre[0])
        ax = np.where(on_far, a_far, a)
        u = np.sqrt(((x - centre[0]) / ax) ** 2 + ((y - centre[1]) / b) ** 2)
        return -c * np.cos(0.5 * np.pi * np.minimum(u / HEAD_DOME_END, 1.0)), u

    oval = list(FACE_OVAL)
    z_oval, _ = front(pts[oval, 0], pts[oval, 1])
    shift = float(np.median(z[oval] - z_oval))  # ellipsoid front at the outline = landmark depth there
    z_head, u = front(gx, gy)
    z_head = z_head + shift
    # Landmark depth inside the face's hull, handing over to the ellipsoid towards the hull's edge.
    z_face = LinearNDInterpolator(pts, z)(gx, gy)
    inside = np.isfinite(z_face).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 5) * COARSE
    wf = _smoothstep(dist / (FACE_BLEND_IOD * iod))
    depth = np.where(inside > 0, wf * np.nan_to_num(z_face) + (1 - wf) * z_head, z_head)
    depth = _slope_limited(depth.astype(np.float32), MAX_SLOPE)
    depth = cv2.GaussianBlur(depth, (0, 0), DEPTH_SMOOTH_IOD * iod / COARSE)
    # Depth relative to the head centre, which lies HEAD_CENTRE_FACE_HEIGHTS behind the face's median depth.
    depth = depth - np.float32(HEAD_CENTRE_FACE_HEIGHTS * face_h)
    moves = _smoothstep((1.0 + BACKGROUND_RAMP - u) / BACKGROUND_RAMP).astype(np.float32)
    return HeadSurface(float(off), depth, moves, centre, FOCAL_FACE_HEIGHTS * face_h)


def _slope_limited(depth: np.ndarray, slope: float) -> np.ndarray:
    """The depth map (coarse grid) with every point at most ``slope`` per pixel behind its nearer neighbours:
    the upper envelope of cones of that slope under each point (a grey dilation of the nearness with a cone).
    A face photographed turned (luispedro, -24° yaw) has its far cheek falling away almost along the line of
    sight; un-limited, that cliff folds over as soon as the face turns back towards the camera."""
    relief = float(depth.max() - depth.min())
    radius = max(1, min(int(np.ceil(relief / (slope * COARSE))), 40))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    cone = -slope * COARSE * np.hypot(yy, xx)
    near = ndimage.grey_dilation(-depth, structure=cone.astype(np.float32), mode="nearest")
    return -near.astype(np.float32)


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """3x3 rotation of head points (x right, y down, z away from the camera): positive yaw turns the face
    towards the image right, positive pitch nods it down, positive roll turns it clockwise in the picture."""
    cy, sy = np.cos(np.deg2rad(yaw_deg)), np.sin(np.deg2rad(yaw_deg))
    cp, sp = np.cos(np.deg2rad(pitch_deg)), np.sin(np.deg2rad(pitch_deg))
    cr, sr = np.cos(np.deg2rad(roll_deg)), np.sin(np.deg2rad(roll_deg))
    ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ ry @ rx


def forward_field(surf: HeadSurface, rot: np.ndarray, shift: np.ndarray, scale: float) -> np.ndarray:
    """(ch, cw, 2) displacement (canvas pixels) of every coarse canvas point when the head takes the pose:
    un-project with the pinhole camera, rotate about the head centre, project, move by ``shift`` (pixels) and
    ``scale``; the still background (``surf.moves`` = 0) keeps its place."""
    ch, cw = surf.depth.shape
    f = surf.focal
    xs = surf.origin + COARSE * np.arange(cw, dtype=np.float32)
    ys = surf.origin + COARSE * np.arange(ch, dtype=np.float32)
    z = surf.depth
    persp = (f + z) / f  # pixels at depth z appear f / (f + z) as large as at the head centre
    px = (xs[None, :] - np.float32(surf.center[0])) * persp
    py = (ys[:, None] - np.float32(surf.center[1])) * persp
    r = rot.astype(np.float32)
    qx = r[0, 0] * px + r[0, 1] * py + r[0, 2] * z
    qy = r[1, 0] * px + r[1, 1] * py + r[1, 2] * z
    qz = r[2, 0] * px + r[2, 1] * py + r[2, 2] * z
    proj = np.float32(scale * f) / np.maximum(f + qz, 0.2 * f)
    dx = np.float32(surf.center[0] + shift[0]) + qx * proj - xs[None, :]
    dy = np.float32(surf.center[1] + shift[1]) + qy * proj - ys[:, None]
    return np.stack([dx * surf.moves, dy * surf.moves], axis=-1)


def backward_maps(surf: HeadSurface, field: np.ndarray, size: tuple[int, int], margin: int):
    """Canvas source coordinates (map_x, map_y) of the output pixels that move, and their box (x0, y0, x1,
    y1) in the output picture (``size`` = w, h; output pixel p is canvas pixel p + ``margin`` at rest; pixels
    outside the box keep their place). s + d(s) = p is solved on the coarse output grid, d and its Jacobian
    sampled bilinearly from the coarse forward ``field``, then upsampled. Each step is a Newton step (the plain
    fixed-point step s = p - d(s) diverges where the turning face stretches by more than 2x), its Jacobian's
    determinant kept >= ``MIN_STRETCH`` so that a fold-over settles instead of jumping away."""
    w, h = size
    cw, ch = -(-w // COARSE), -(-h // COARSE)
    off = (COARSE - 1) / 2
    px = (np.arange(cw, dtype=np.float32) * COARSE + off + margin)[None, :].repeat(ch, 0)
    py = (np.arange(ch, dtype=np.float32) * COARSE + off + margin)[:, None].repeat(cw, 1)
    fx, fy = field[..., 0], field[..., 1]
    jxx, jxy = 1 + np.gradient(fx, axis=1) / COARSE, np.gradient(fx, axis=0) / COARSE
    jyx, jyy = np.gradient(fy, axis=1) / COARSE, 1 + np.gradient(fy, axis=0) / COARSE
    det = np.maximum(jxx * jyy - jxy * jyx, MIN_STRETCH)  # a fold-over takes a short step as if compressed
    # displacement and inverse Jacobian as two multi-channel images: two lookups per step
    first = np.dstack([fx, fy, jyy / det, -jxy / det]).astype(np.float32)
    second = np.dstack([-jyx / det, jxx / det]).astype(np.float32)
    step_max = np.float32(8 * COARSE)
    sx, sy = px.copy(), py.copy()
    for _ in range(ITERATIONS):
        gx, gy = (sx - surf.origin) / COARSE, (sy - surf.origin) / COARSE
        a = cv2.remap(first, gx, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        b = cv2.remap(second, gx, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        rx, ry = px - (sx + a[..., 0]), py - (sy + a[..., 1])  # residual of the forward map at s
        sx += np.clip(a[..., 2] * rx + a[..., 3] * ry, -step_max, step_max)
        sy += np.clip(b[..., 0] * rx + b[..., 1] * ry, -step_max, step_max)
    ux, uy = sx - px, sy - py
    rows = np.flatnonzero(np.abs(ux).max(axis=1) + np.abs(uy).max(axis=1) > 0.01)
    cols = np.flatnonzero(np.abs(ux).max(axis=0) + np.abs(uy).max(axis=0) > 0.01)
    if rows.size == 0:
        return None
    # the moving box on the coarse grid, one block wider on every side (the upsampling interpolates there)
    r0, r1 = max(rows[0] - 1, 0), min(rows[-1] + 2, ch)
    c0, c1 = max(cols[0] - 1, 0), min(cols[-1] + 2, cw)
    full = ((c1 - c0) * COARSE, (r1 - r0) * COARSE)
    x0, y0 = c0 * COARSE, r0 * COARSE
    x1, y1 = min(c1 * COARSE, w), min(r1 * COARSE, h)
    by, bx = _pixel_grid(y1 - y0, x1 - x0)
    map_x = bx + np.float32(x0 + margin) + cv2.resize(ux[r0:r1, c0:c1], full)[: y1 - y0, : x1 - x0]
    map_y = by + np.float32(y0 + margin) + cv2.resize(uy[r0:r1, c0:c1], full)[: y1 - y0, : x1 - x0]
    return map_x, map_y, (x0, y0, x1, y1)


@lru_cache(maxsize=4)
def _pixel_grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices (float32, read-only) of an h x w picture."""
    by, bx = np.mgrid[0:h, 0:w].astype(np.float32)
    by.setflags(write=False)
    bx.setflags(write=False)
    return by, bx


def head_pose(scenario: Scenario, motion: Motion, t: float):
    """(rotation 3x3, shift (pixels), scale) of the head at ``t`` (s): the HeadTurn events plus HeadMotion's
    roll, yaw, translation and scale drift with the first renderer's seeded phases (:func:`.render.head_transform`)."""
    yaw, pitch, roll = motion.head_turn(t)
    shift, scale = np.zeros(2), 1.0
    hm = scenario.head_motion
    if hm is not None:
        phases = np.random.default_rng([scenario.seed, 4242]).uniform(0, 2 * np.pi, size=5)
        w = 2 * np.pi / hm.period_s
        roll += hm.amplitude_deg * np.sin(w * t + phases[0])
        shift = np.array([hm.translate_px * np.sin(w * t / 1.3 + phases[1]),
                          hm.translate_px * 0.6 * np.sin(w * t / 1.7 + phases[2])])  # fmt: skip
        scale = 1.0 + hm.scale * np.sin(w * t / 2.1 + phases[3])
        yaw += hm.yaw_deg * np.sin(w * t / 1.5 + phases[4])
    return rotation(yaw, pitch, roll), shift, float(scale)


def depth_frames(scenario: Scenario):
    """Yield (pts, time s, upright RGB frame after the camera look) for every frame (orientation is the
    caller's)."""
    from .timing import frame_times

    size, zoom, offset = tuple(scenario.size), float(scenario.zoom), tuple(scenario.offset)
    st = stage(scenario.face, size, zoom, offset)
    surf = head_surface(scenario.face, size, zoom, offset)
    motion = Motion(scenario)
    w, h = scenario.size
    m = st.margin
    for i, (pts, t) in enumerate(frame_times(scenario)):
        face = st.rig.apply(st.canvas, motion.pose_at(t))
        rot, shift, scale = head_pose(scenario, motion, t)
        if np.allclose(rot, np.eye(3)) and not shift.any() and scale == 1.0:
            frame = np.ascontiguousarray(face[m : m + h, m : m + w])
        else:
            frame = np.array(face[m : m + h, m : m + w])
            maps = backward_maps(surf, forward_field(surf, rot, shift, scale), (w, h), m)
            if maps is not None:
                map_x, map_y, (x0, y0, x1, y1) = maps
                frame[y0:y1, x0:x1] = cv2.remap(
                    face, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
                )
        yield pts, t, camera_effects(frame, scenario.camera, t, scenario.seed, i)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)
