"""The second renderer: MediaPipe's face mesh deformed in 3-D and the photograph re-textured triangle by
triangle (piecewise-affine), with eyelid skin drawn over the eye.

Made independently of the first renderer (:mod:`.warp`, smooth displacement fields on a flat picture) so that
no score comes only from the renderer a detector was tuned on:

- geometry: the 478 landmarks (with MediaPipe's depth) plus two rings of anchor points are triangulated once
  (Delaunay); expressions move landmarks, head turns rotate them in 3-D with perspective (the far eye
  foreshortens, the nose swings), and every triangle is filled from its place in the photo, far ones first;
- eyes: the eye opening keeps its open shape (the iris does not squash); a closing lid is a skin-coloured
  polygon painted from above the open margin down to the new margin, with a lash line along its edge; a rising
  lower lid is painted from below;
- blinks: a fast close (70–100 ms), a short hold and a slower reopening, scaled by the blink's depth;
- camera: sensor downsampling, exposure as a gamma change, brightness-dependent (shot) noise and chroma JPEG.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from scipy.spatial import Delaunay

from .faces import (
    BROW,
    CHIN,
    EYE_INNER,
    EYE_LOWER,
    EYE_OUTER,
    EYE_UPPER,
    LOWER_LIP_INNER,
    MOUTH_CORNER,
    UPPER_LIP_INNER,
    FaceGeometry,
    geometry,
    photo,
)
from .kinematics import Motion, Pose
from .scenario import Blink, Scenario

RING_POINTS = 28  # anchor points per ring around the face
LID_BAND = 0.07  # painted lid starts this far (eye widths) above the open margin, hiding the old lashes
LOWER_LID_RISE = 0.4  # largest lower-lid rise, fraction of the open aperture


@dataclass(frozen=True)
class MeshStage:
    """A face photo placed on the upright picture, with its triangulated mesh (picture pixels)."""

    canvas: np.ndarray  # RGB uint8 (h, w, 3)
    geom: FaceGeometry  # landmarks in picture pixels, with depth
    anchors: np.ndarray  # (2 * RING_POINTS, 2): inner ring (follows the head half-way), outer ring (static)
    triangles: np.ndarray  # (T, 3) indices into landmarks + anchors
    opening: np.ndarray  # (T,) bool: triangle inside an eye opening (keeps its open shape)
    roi: tuple[int, int, int, int]  # x0, y0, x1, y1 of the region the mesh can touch
    lid_rgb: np.ndarray  # (2, 3) upper-lid skin colour per subject side
    under_rgb: np.ndarray  # (2, 3) lower-lid skin colour per subject side


def _contour(side: int) -> list[int]:
    return [EYE_OUTER[side], *EYE_UPPER[side], EYE_INNER[side], *EYE_LOWER[side][::-1]]


@lru_cache(maxsize=8)
def mesh_stage(face: str, size: tuple[int, int], zoom: float, offset: tuple[float, float]) -> MeshStage:
    """Place ``face`` so its height is 45 % × zoom of the picture height; the picture outside the photo is its
    blurred, stretched edge (no blowing up of small photos to cover the frame)."""
    img, g0 = photo(face), geometry(face)
    w, h = size
    scale = 0.45 * h * zoom / g0.face_height
    fc = 0.5 * (g0.p(10) + g0.p(152))
    want = np.array([w / 2 + offset[0] * w, h / 2 - 0.02 * h + offset[1] * h])
    affine = np.array([[scale, 0.0, want[0] - scale * fc[0]], [0.0, scale, want[1] - scale * fc[1]]])
    sharp = cv2.warpAffine(
        np.asarray(img), affine, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT101
    )
    inside = cv2.warpAffine(np.full(img.shape[:2], 255, np.uint8), affine, (w, h), flags=cv2.INTER_LINEAR)
    edge = cv2.warpAffine(  # edges stretched outwards: no mirrored copies of the face
        np.asarray(img), affine, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    soft = cv2.GaussianBlur(edge, (0, 0), max(3.0, 0.01 * w))
    alpha = (cv2.GaussianBlur(inside, (0, 0), 3.0).astype(np.float32) / 255.0)[..., None]
    canvas = (sharp * alpha + soft * (1 - alpha)).astype(np.uint8)
    canvas.setflags(write=False)
    g = g0.transformed(affine)
    pts = g.points
    center = 0.5 * (g.p(10) + g.p(CHIN))
    half = 0.5 * (pts.max(axis=0) - pts.min(axis=0))
    ang = np.linspace(0, 2 * np.pi, RING_POINTS, endpoint=False)
    unit = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    anchors = np.vstack([center + 1.3 * half * unit, center + 1.9 * half * unit])
    allp = np.vstack([pts, anchors])
    tri = Delaunay(allp).simplices
    a, b, c = allp[tri[:, 0]], allp[tri[:, 1]], allp[tri[:, 2]]
    area = 0.5 * np.abs((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])
    tri = tri[area > 0.05]
    eyes = [set(_contour(s)) for s in (0, 1)]
    for k in range(468, min(478, len(pts))):  # irises belong to the nearer eye
        eyes[int(np.argmin([np.linalg.norm(pts[k] - g.eye_center(s)) for s in (0, 1)]))].add(k)
    opening = np.array([any(set(t.tolist()) <= e for e in eyes) for t in tri])
    outer = anchors[RING_POINTS:]
    x0, y0 = np.floor(np.clip(outer.min(axis=0), 0, None)).astype(int)
    x1, y1 = np.ceil(np.minimum(outer.max(axis=0), [w, h])).astype(int)
    lid, under = np.zeros((2, 3)), np.zeros((2, 3))
    for s in (0, 1):
        width = np.linalg.norm(g.p(EYE_OUTER[s]) - g.p(EYE_INNER[s]))
        up = g.points[list(EYE_UPPER[s])]
        lo = g.points[list(EYE_LOWER[s])]
        lid[s] = _skin(canvas, up[1:-1] - np.array([0.0, 0.22 * width]))
        under[s] = _skin(canvas, lo[1:-1] + np.array([0.0, 0.25 * width]))
    return MeshStage(canvas, g, anchors, tri, opening, (int(x0), int(y0), int(x1), int(y1)), lid, under)


def _skin(canvas: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Median colour of small patches around ``points`` (picture pixels)."""
    h, w = canvas.shape[:2]
    samples = []
    for x, y in np.round(points).astype(int):
        patch = canvas[max(0, y - 2) : min(h, y + 3), max(0, x - 2) : min(w, x + 3)]
        samples.append(patch.reshape(-1, 3))
    return np.median(np.vstack(samples), axis=0).astype(np.float64)


class MeshMotion(Motion):
    """The scenario's expression channels with this renderer's own blink timing."""

    def blink_profile(self, ev: Blink, t: float) -> float:
        """Fast close (70–100 ms), a hold of ~10 % of the blink, then a slower reopening with a long tail."""
        x = t - ev.start_s
        d = ev.duration_s
        close = float(np.clip(0.3 * d, 0.07, 0.10))
        hold = 0.1 * d
        reopen = max(d - close - hold, 0.05)
        if x <= 0 or x >= d:
            return 0.0
        if x < close:
            return float(np.sin(0.5 * np.pi * x / close) ** 2)
        if x < close + hold:
            return 1.0
        u = (x - close - hold) / reopen
        return float(0.5 + 0.5 * np.cos(np.pi * u**0.7))


class MeshFace:
    """Deforms and draws one staged face."""

    def __init__(self, st: MeshStage):
        self.st = st
        g = st.geom
        self.iod = g.iod
        ex = g.eye_center(1) - g.eye_center(0)
        self.ex = ex / np.linalg.norm(ex)
        self.ey = np.array([-self.ex[1], self.ex[0]])
        pts = g.points
        self.center = 0.5 * (g.p(10) + g.p(CHIN))
        self.depth = np.zeros(len(pts)) if g.depth is None else g.depth - np.median(g.depth)
        contour_ids = set(_contour(0)) | set(_contour(1)) | set(range(468, len(pts)))
        free = np.array([k not in contour_ids for k in range(len(pts))])
        # Per-landmark weights of each smooth channel, computed once (landmarks in the eye contours excluded:
        # the lids are moved exactly).
        self.weights: dict[tuple[str, int], np.ndarray] = {}
        for s in (0, 1):
            width = np.linalg.norm(g.p(EYE_OUTER[s]) - g.p(EYE_INNER[s]))
            up = pts[list(EYE_UPPER[s])]
            lo = pts[list(EYE_LOWER[s])]
            d_up = np.min(np.linalg.norm(pts[:, None] - up[None], axis=2), axis=1)
            d_lo = np.min(np.linalg.norm(pts[:, None] - lo[None], axis=2), axis=1)
            above = (pts - up.mean(axis=0)) @ self.ey < 0
            self.weights[("lid", s)] = free * above * np.exp(-0.5 * (d_up / (0.35 * width)) ** 2)
            self.weights[("under", s)] = free * ~above * np.exp(-0.5 * (d_lo / (0.4 * width)) ** 2)
            corner = g.p(MOUTH_CORNER[s])
            self.weights[("mouth", s)] = free * _gauss(pts, corner, 0.2 * self.iod)
            cheek = 0.5 * (g.p(EYE_LOWER[s][3]) + corner) + 0.1 * self.iod * (self.ex if s else -self.ex)
            self.weights[("cheek", s)] = free * _gauss(pts, cheek, 0.3 * self.iod)
            brow = pts[list(BROW[s])].mean(axis=0)
            self.weights[("brow", s)] = free * _gauss(pts, brow, 0.22 * self.iod)
        mouth_mid = 0.5 * (g.p(UPPER_LIP_INNER) + g.p(LOWER_LIP_INNER))
        below = (pts - mouth_mid) @ self.ey
        lateral = np.abs((pts - mouth_mid) @ self.ex)
        jaw = np.clip(below / (0.06 * self.iod) + 0.5, 0, 1) * np.clip(
            1.3 - lateral / (0.75 * self.iod), 0, 1
        )
        jaw[UPPER_LIP_INNER] = 0.0
        self.weights[("jaw", 0)] = jaw
        x0, y0, x1, y1 = st.roi
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        self.grid = (gx, gy)

    # --- geometry per frame ------------------------------------------------------------------------------

    def expression(self, pose: Pose, lids: bool) -> np.ndarray:
        """Landmarks (picture pixels, no head motion) with the pose's expression; ``lids=False`` leaves the
        eye contours open (the eye opening keeps its shape)."""
        g, w = self.st.geom, self.weights
        pts = g.points.copy()
        for s in (0, 1):
            lateral = self.ex if s else -self.ex
            up_i, lo_i = list(EYE_UPPER[s]), list(EYE_LOWER[s])
            up, lo = g.points[up_i], g.points[lo_i]
            lower = min(float(pose.lower_lid[s]), 1.0)
            close = min(float(pose.lid[s]), 1.0)
            lo_new = lo - lower * LOWER_LID_RISE * (lo - up)
            margin = up + close * (lo_new - up)
            if lids:
                pts[up_i] = margin
                pts[lo_i] = lo_new
            shift_up = float(np.mean(np.linalg.norm(margin - up, axis=1)))
            shift_lo = float(np.mean(np.linalg.norm(lo_new - lo, axis=1)))
            pts += np.outer(0.3 * shift_up * w[("lid", s)], self.ey)
            pts -= np.outer(0.6 * shift_lo * w[("under", s)], self.ey)
            pull = pose.mouth[s] * (0.08 * lateral - 0.09 * self.ey) - pose.pucker * 0.05 * lateral
            pts += np.outer(w[("mouth", s)], pull * self.iod)
            pts -= np.outer(w[("cheek", s)], 0.06 * self.iod * pose.cheek[s] * self.ey)
            brow = pose.brow[s] * self.iod * (0.07 * self.ey - 0.02 * lateral)
            pts += np.outer(w[("brow", s)], brow)
        if pose.jaw:
            pts += np.outer(w[("jaw", 0)], pose.jaw * self.iod * self.ey)
        return pts

    def posed(
        self, pts2d: np.ndarray, yaw: float, pitch: float, roll: float, shift: np.ndarray, scale: float
    ):
        """Rotate landmarks in 3-D about the face centre and project with perspective. Returns picture points
        (N, 2) and depth (N,) after rotation (larger = farther)."""
        c = self.center
        p = np.column_stack([pts2d - c, self.depth])
        cy, sy = np.cos(np.deg2rad(yaw)), np.sin(np.deg2rad(yaw))
        cp, sp = np.cos(np.deg2rad(pitch)), np.sin(np.deg2rad(pitch))
        cr, sr = np.cos(np.deg2rad(roll)), np.sin(np.deg2rad(roll))
        ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
        rx = np.array([[1, 0, 0], [0, cp, sp], [0, -sp, cp]])
        rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
        q = p @ (rz @ ry @ rx).T
        f = 3.0 * self.st.geom.face_height
        proj = q[:, :2] * (f / (f + q[:, 2]))[:, None]
        return c + shift + scale * proj, q[:, 2]

    def anchors(self, roll: float, shift: np.ndarray, scale: float) -> np.ndarray:
        """Inner ring follows half the head's in-plane motion, the outer ring stays (static background)."""
        a = self.st.anchors
        inner, outer = a[:RING_POINTS], a[RING_POINTS:]
        r = np.deg2rad(roll) / 2
        rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
        moved = self.center + shift / 2 + (1 + (scale - 1) / 2) * (inner - self.center) @ rot.T
        return np.vstack([moved, outer])

    # --- drawing -----------------------------------------------------------------------------------------

    def draw(self, pose: Pose, yaw: float, pitch: float, roll: float, shift: np.ndarray, scale: float):
        st = self.st
        closed = self.expression(pose, lids=True)
        open_ = self.expression(pose, lids=False)
        dst_closed, z = self.posed(closed, yaw, pitch, roll, shift, scale)
        dst_open, _ = self.posed(open_, yaw, pitch, roll, shift, scale)
        anchors = self.anchors(roll, shift, scale)
        dst = np.vstack([dst_closed, anchors])
        dst_o = np.vstack([dst_open, anchors])
        src = np.vstack([st.geom.points, st.anchors])
        zz = np.concatenate([z, np.full(len(anchors), z.max() + 1.0)])
        tri = st.triangles
        dst_tri = np.where(st.opening[:, None, None], dst_o[tri], dst[tri])
        # Drawing order: eye openings first (the lid skin above them is drawn over them as it closes), then
        # the rest far to near, so the near side of a turned face hides the far side.
        rest = np.flatnonzero(~st.opening)
        rest = rest[np.argsort(-zz[tri[rest]].mean(axis=1), kind="stable")]
        order = np.concatenate([np.flatnonzero(st.opening), rest])
        # Only triangles that moved need drawing: the rest of the region maps to itself.
        moved = np.abs(dst_tri - src[tri]).max(axis=(1, 2)) > 0.02
        order = order[moved[order]]
        x0, y0, x1, y1 = st.roi
        idx = np.full((y1 - y0, x1 - x0), len(tri), np.int32)  # index len(tri): the identity map
        polys = np.round((dst_tri - [x0, y0]) * 16).astype(np.int32)
        for k in order.tolist():
            cv2.fillConvexPoly(idx, polys[k], k, cv2.LINE_8, 4)
        coef = np.concatenate([_affines(dst_tri, src[tri]), _IDENTITY], axis=0)  # [x, y, 1] @ coef -> source
        gx, gy = self.grid
        c = [np.ascontiguousarray(coef[:, i, j]).take(idx) for i in range(3) for j in range(2)]
        map_x = gx * c[0] + gy * c[2] + c[4]
        map_y = gx * c[1] + gy * c[3] + c[5]
        out = np.array(st.canvas)
        face = cv2.remap(st.canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        for s in (0, 1):
            face = self._lids(face, s, dst_closed, dst_open, (x0, y0), pose)
        out[y0:y1, x0:x1] = face
        return out

    def _lids(self, face, s: int, closed: np.ndarray, open_: np.ndarray, origin, pose: Pose) -> np.ndarray:
        """Paint the closing upper lid (and a rising lower lid) as skin over the open eye."""
        close, lower = float(pose.lid[s]), float(pose.lower_lid[s])
        if close < 0.02 and lower < 0.02:
            return face
        up_i, lo_i = list(EYE_UPPER[s]), list(EYE_LOWER[s])
        corners = [EYE_OUTER[s], EYE_INNER[s]]
        o = np.asarray(origin, float)
        width = float(np.linalg.norm(open_[corners[0]] - open_[corners[1]]))
        lift = LID_BAND * width * self.ey
        upper_open = np.vstack([open_[corners[0]], open_[up_i] - lift, open_[corners[1]]]) - o
        margin = np.vstack([open_[corners[0]], closed[up_i], open_[corners[1]]]) - o
        lower_open = np.vstack([open_[corners[0]], open_[lo_i], open_[corners[1]]]) - o
        lower_new = np.vstack([open_[corners[0]], closed[lo_i], open_[corners[1]]]) - o
        h, w = face.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        layer = np.zeros((h, w, 3), np.uint8)
        if close >= 0.02:
            poly = np.vstack([upper_open, margin[::-1]])
            cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
            cv2.fillPoly(
                layer, [np.round(poly * 16).astype(np.int32)], self.st.lid_rgb[s].tolist(), cv2.LINE_AA, 4
            )
        if lower >= 0.02:
            poly = np.vstack([lower_open, lower_new[::-1]])
            cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
            cv2.fillPoly(
                layer, [np.round(poly * 16).astype(np.int32)], self.st.under_rgb[s].tolist(), cv2.LINE_AA, 4
            )
        soft = max(0.6, 0.02 * width)
        a = cv2.GaussianBlur(mask, (0, 0), soft).astype(np.float32)[..., None] / 255.0
        face = (face * (1 - a) + layer * a).astype(np.uint8)
        if close >= 0.02:
            lash = np.round(margin * 16).astype(np.int32)
            dark = (self.st.lid_rgb[s] * 0.3).tolist()
            thick = max(1, round(0.045 * width * min(1.0, close / 0.6)))
            cv2.polylines(face, [lash], False, dark, thick, cv2.LINE_AA, shift=4)
        return face


_IDENTITY = np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]], np.float32)


def _gauss(pts: np.ndarray, center: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * np.sum((pts - center) ** 2, axis=1) / sigma**2)


def _affines(dst: np.ndarray, src: np.ndarray) -> np.ndarray:
    """Per-triangle affine maps (T, 3, 2) taking homogeneous destination points to source points."""
    d = np.concatenate([dst, np.ones((len(dst), 3, 1))], axis=2)
    d[:, :, :2] += np.array([[0.0, 0.0], [1e-6, 0.0], [0.0, 1e-6]])  # no exactly singular systems
    return np.linalg.solve(d, src).astype(np.float32)


def _head(scenario: Scenario, motion: Motion, t: float) -> tuple[float, float, float, np.ndarray, float]:
    """(yaw, pitch, roll) degrees, shift (pixels) and scale of the head at ``t`` (s)."""
    yaw, pitch, roll = motion.head_turn(t)
    shift, scale = np.zeros(2), 1.0
    hm = scenario.head_motion
    if hm is not None:
        ph = np.random.default_rng([scenario.seed, 777]).uniform(0, 2 * np.pi, size=6)
        w = 2 * np.pi / hm.period_s
        roll += hm.amplitude_deg * np.sin(w * t + ph[0])
        yaw += hm.yaw_deg * np.sin(w * t / 1.4 + ph[1])
        pitch += 0.5 * hm.yaw_deg * np.sin(w * t / 1.9 + ph[2])
        shift = hm.translate_px * np.array([np.sin(w * t / 1.2 + ph[3]), 0.6 * np.sin(w * t / 1.6 + ph[4])])
        scale = 1.0 + hm.scale * np.sin(w * t / 2.3 + ph[5])
    return yaw, pitch, roll, shift, scale


def _sensor(frame: np.ndarray, scenario: Scenario, t: float, index: int) -> np.ndarray:
    """This renderer's camera: optics/sensor resolution, exposure (gamma), shot noise, chroma JPEG."""
    cam = scenario.camera
    h, w = frame.shape[:2]
    if cam.blur_px > 0:
        f = 1.0 / (1.0 + 0.6 * cam.blur_px)
        small = cv2.resize(
            frame, (max(16, round(w * f)), max(16, round(h * f))), interpolation=cv2.INTER_AREA
        )
        frame = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    gain = cam.brightness
    if cam.flicker:
        gain *= 1.0 + cam.flicker * np.sin(2 * np.pi * cam.flicker_hz * t + 0.3 * np.sin(0.4 * t))
    levels = np.arange(256, dtype=np.float64) / 255.0
    if gain != 1.0:  # exposure as a gamma change (a 256-entry lookup table)
        lut = np.clip(np.power(levels, 1.0 / gain) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        frame = cv2.LUT(frame, lut)
    if cam.noise_std > 0:  # shot noise: its SD grows with the square root of the brightness
        bank = _noise_bank(scenario.seed, h, w)
        rng = np.random.default_rng([scenario.seed, index, 99])
        k, dy, dx = int(rng.integers(len(bank))), int(rng.integers(NOISE_PAD)), int(rng.integers(NOISE_PAD))
        sd_lut = (cam.noise_std / 32.0 * np.sqrt(np.maximum(levels, 0.02) * 2.0)).astype(np.float32)
        sd = cv2.LUT(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), sd_lut)
        noise = bank[k][dy : dy + h, dx : dx + w].astype(np.float32) * sd[..., None]
        frame = cv2.add(frame.astype(np.float32), noise).clip(0, 255).astype(np.uint8)
    if cam.jpeg_quality is not None:
        params = [
            cv2.IMWRITE_JPEG_QUALITY,
            int(cam.jpeg_quality),
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
        ]
        _, buf = cv2.imencode(".jpg", frame, params)
        frame = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return frame


NOISE_PAD = 48  # noise fields are this much larger than the frame; each frame takes a random window


@lru_cache(maxsize=2)
def _noise_bank(seed: int, h: int, w: int, fields: int = 6) -> list[np.ndarray]:
    """Seeded unit-SD noise fields (x32, int8): 80 % shared by the colour channels (luma), the rest per
    channel. Drawing a random window of a random field per frame is as good as fresh noise, and much cheaper."""
    rng = np.random.default_rng([seed, 31337])
    out = []
    for _ in range(fields):
        luma = rng.standard_normal((h + NOISE_PAD, w + NOISE_PAD, 1), dtype=np.float32)
        chroma = rng.standard_normal((h + NOISE_PAD, w + NOISE_PAD, 3), dtype=np.float32)
        out.append(np.clip(32 * (0.8 * luma + 0.45 * chroma), -127, 127).astype(np.int8))
    return out


def mesh_frames(scenario: Scenario):
    """Yield (pts, time s, upright RGB frame) for every frame (orientation and mirroring are the caller's)."""
    from .timing import frame_times

    st = mesh_stage(scenario.face, tuple(scenario.size), float(scenario.zoom), tuple(scenario.offset))
    face = MeshFace(st)
    motion = MeshMotion(scenario)
    for i, (pts, t) in enumerate(frame_times(scenario)):
        pose = motion.pose_at(t)
        yaw, pitch, roll, shift, scale = _head(scenario, motion, t)
        if pose.is_neutral() and not (yaw or pitch or roll or shift.any() or scale != 1.0):
            frame = np.array(st.canvas)
        else:
            frame = face.draw(pose, yaw, pitch, roll, shift, scale)
        yield pts, t, _sensor(frame, scenario, t, i)
