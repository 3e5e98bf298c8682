"""Expression warps of a still face: backward displacement fields applied with ``cv2.remap``.

Eyes: in an eye-aligned frame (u along the corner-to-corner axis, v perpendicular, pixels) the upper-lid
margin moves down to a blend of the open upper and lower lid contours, so it keeps following the eye's
shape. A band with the margin and lashes slides rigidly; the lid skin above it stretches down over the
eye (it *covers* the iris and sclera, which stay in place) and a dark lash line marks the closed margin.
The lower lid and the skin below it are pushed up. Cheek raise, mouth-corner pull, brow lowering and lip
rounding are smooth Gaussian displacements; the jaw drop moves the chin and jaw down, spreading the
stretch over the lower lip (the lips stay sealed) and fading out below the chin. Smooth fields are
evaluated on a coarse grid and inverted by fixed-point iteration."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .faces import (
    BROW,
    CHIN,
    EYE_INNER,
    EYE_LOWER,
    EYE_OUTER,
    EYE_UPPER,
    JAW_ANGLE,
    LOWER_LIP_BOTTOM,
    LOWER_LIP_INNER,
    MOUTH_CORNER,
    UPPER_LIP_INNER,
    FaceGeometry,
)
from .kinematics import Pose

LID_SKIN_ABOVE = 0.32  # lid skin band above the open margin, in eye widths
SKIN_BELOW = 0.45  # skin band below the lower lid pushed up with it, in eye widths
LOWER_LID_MAX = 0.40  # largest lower-lid rise, fraction of the open aperture
LASH_BAND = 0.12  # lid margin + lashes band that slides rigidly, in eye widths
COARSE = 4  # block size (pixels) of the grid the smooth fields are evaluated on
LASH_DARK = 0.6  # darkening at the centre of the closed lid's lash line
LASH_LINE = 0.045  # lash line half-width, in eye widths
LOWER_RIM = 0.3  # fraction of the aperture skipped below the lower-lid contour when the lids close


@dataclass
class EyeRig:
    """Precomputed eye-aligned coordinates of one eye's region of interest (canvas pixels)."""

    box: tuple[int, int, int, int]  # x0, y0, x1, y1 relative to the face ROI
    normal: np.ndarray  # unit vector of +v (towards the chin)
    v: np.ndarray  # per-pixel v (pixels)
    v_up: np.ndarray  # open upper-lid contour at the pixel's u (pixels)
    v_lo: np.ndarray  # open lower-lid contour at the pixel's u (pixels)
    width: float  # eye width (pixels)


@dataclass(frozen=True)
class Mover:
    """A Gaussian displacement: points near ``center`` move forward by ``vector`` * exp(-r²/2σ²)."""

    center: np.ndarray
    vector: np.ndarray
    sigma: float


class FaceRig:
    """Everything needed to warp one face on one canvas, precomputed once."""

    def __init__(self, geom: FaceGeometry, canvas_shape: tuple[int, int]):
        self.geom = geom
        h, w = canvas_shape
        iod = geom.iod
        self.iod = iod
        pts = geom.points
        x0, x1 = _span(pts[:, 0].min() - 0.35 * iod, pts[:, 0].max() + 0.35 * iod, w)
        y0, y1 = _span(pts[:, 1].min() - 0.35 * iod, geom.p(CHIN)[1] + 0.8 * iod, h)
        self.roi = (x0, y0, x1, y1)
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        self.grid_x, self.grid_y = gx, gy
        # Smooth fields are evaluated at the centres of COARSE x COARSE blocks and upsampled exactly.
        off = (COARSE - 1) / 2
        cy, cx = np.mgrid[y0 + off : y1 : COARSE, x0 + off : x1 : COARSE].astype(np.float32)
        self.coarse_x, self.coarse_y = cx, cy
        # Face frame: ex towards the subject's left (image right when upright), ey towards the chin.
        ex = geom.eye_center(1) - geom.eye_center(0)
        ex /= np.linalg.norm(ex)
        ey = np.array([-ex[1], ex[0]])
        self.ex, self.ey = ex, ey
        self.eyes = [self._eye_rig(side) for side in (0, 1)]
        self.mouth_mid = 0.5 * (geom.p(UPPER_LIP_INNER) + geom.p(LOWER_LIP_INNER))

    def _eye_rig(self, side: int) -> EyeRig:
        g = self.geom
        outer, inner = g.p(EYE_OUTER[side]), g.p(EYE_INNER[side])
        axis = inner - outer
        width = float(np.linalg.norm(axis))
        e = axis / width
        n = np.array([-e[1], e[0]])
        if n @ self.ey < 0:
            n = -n

        def contour(indices):
            pts = np.vstack([outer, g.points[list(indices)], inner]) - outer
            u, v = pts @ e / width, pts @ n
            order = np.argsort(u)
            return u[order], v[order]

        uu, vu = contour(EYE_UPPER[side])
        ul, vl = contour(EYE_LOWER[side])
        center = 0.5 * (outer + inner)
        half = 0.5 * width
        ox, oy = self.roi[0], self.roi[1]
        bx0 = int(np.floor(center[0] - half * 1.5)) - ox
        bx1 = int(np.ceil(center[0] + half * 1.5)) - ox
        by0 = int(np.floor(center[1] - (0.3 + LID_SKIN_ABOVE) * width)) - oy
        by1 = int(np.ceil(center[1] + (0.3 + SKIN_BELOW) * width)) - oy
        h, w = self.grid_x.shape
        bx0, by0 = max(bx0, 0), max(by0, 0)
        bx1, by1 = min(bx1, w), min(by1, h)
        px = self.grid_x[by0:by1, bx0:bx1] - outer[0]
        py = self.grid_y[by0:by1, bx0:bx1] - outer[1]
        u = (px * e[0] + py * e[1]) / width
        v = px * n[0] + py * n[1]
        inside = (u > 0) & (u < 1)
        v_up = np.where(inside, np.interp(u, uu, vu), 0.0).astype(np.float32)
        v_lo = np.where(inside, np.interp(u, ul, vl), 0.0).astype(np.float32)
        v_lo = np.maximum(v_lo, v_up)
        return EyeRig((bx0, by0, bx1, by1), n, v.astype(np.float32), v_up, v_lo, width)

    # --- displacement fields ---------------------------------------------------------------------------

    def movers(self, pose: Pose) -> list[Mover]:
        g, iod, ex, ey = self.geom, self.iod, self.ex, self.ey
        out: list[Mover] = []
        for side in (0, 1):
            lateral = -ex if side == 0 else ex
            corner = g.p(MOUTH_CORNER[side])
            pull = pose.mouth[side] * (0.085 * lateral - 0.10 * ey) - pose.pucker * 0.05 * lateral
            if np.any(pull):
                out.append(Mover(corner, pull * iod, 0.22 * iod))
            if pose.cheek[side]:
                lid_mid = g.p(EYE_LOWER[side][3])
                center = 0.5 * (lid_mid + corner) + 0.12 * iod * lateral
                out.append(Mover(center, -0.07 * iod * pose.cheek[side] * ey, 0.26 * iod))
            if pose.brow[side]:
                brow = g.points[list(BROW[side])].mean(axis=0)
                vec = pose.brow[side] * iod * (0.08 * ey - 0.025 * lateral)
                out.append(Mover(brow, vec, 0.24 * iod))
        return out

    def smooth_forward(self, x: np.ndarray, y: np.ndarray, pose: Pose, movers: list[Mover]):
        """Forward displacement (dx, dy) in pixels of the smooth fields at points (x, y)."""
        dx = np.zeros_like(x)
        dy = np.zeros_like(y)
        for m in movers:
            k = np.exp(((x - m.center[0]) ** 2 + (y - m.center[1]) ** 2) * np.float32(-0.5 / m.sigma**2))
            dx += np.float32(m.vector[0]) * k
            dy += np.float32(m.vector[1]) * k
        if pose.jaw:
            drop = self._jaw_weight(x, y) * np.float32(pose.jaw * self.iod)
            dx += drop * np.float32(self.ey[0])
            dy += drop * np.float32(self.ey[1])
        return dx, dy

    def _jaw_weight(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """0..1: how much each point follows the chin (0 above the lips and far below the chin)."""
        g, iod = self.geom, self.iod
        rx, ry = x - np.float32(self.mouth_mid[0]), y - np.float32(self.mouth_mid[1])
        a = rx * np.float32(self.ex[0]) + ry * np.float32(self.ex[1])
        b = rx * np.float32(self.ey[0]) + ry * np.float32(self.ey[1])
        half = 0.5 * float(np.linalg.norm(g.p(JAW_ANGLE[0]) - g.p(JAW_ANGLE[1])))
        ramp_h = 0.35 * iod
        h = _smoothstep((half + ramp_h - np.abs(a)) / ramp_h)
        # The stretch is spread over the lower lip (lips stay sealed) rather than tearing the lip line.
        top = float((g.p(LOWER_LIP_INNER) - self.mouth_mid) @ self.ey) - 0.01 * iod
        bottom = float((g.p(LOWER_LIP_BOTTOM) - self.mouth_mid) @ self.ey) + 0.08 * iod
        chin = float((g.p(CHIN) - self.mouth_mid) @ self.ey)
        rise = _smoothstep((b - top) / max(bottom - top, 1.0))
        fall = _smoothstep((chin + 0.55 * iod - b) / (0.55 * iod))
        return h * rise * fall

    def maps(self, pose: Pose) -> tuple[np.ndarray, np.ndarray, list[Shade]]:
        """Absolute source coordinates (map_x, map_y) for every pixel of the face ROI, and eye shading."""
        gx, gy = self.grid_x, self.grid_y
        movers = self.movers(pose)
        if movers or pose.jaw:
            cx, cy = self.coarse_x, self.coarse_y
            sx, sy = cx, cy
            for _ in range(3):  # solve s + f(s) = p for the source point s
                fx, fy = self.smooth_forward(sx, sy, pose, movers)
                sx, sy = cx - fx, cy - fy
            size = (gx.shape[1], gx.shape[0])
            map_x = gx + cv2.resize(sx - cx, size, interpolation=cv2.INTER_LINEAR)
            map_y = gy + cv2.resize(sy - cy, size, interpolation=cv2.INTER_LINEAR)
        else:
            map_x, map_y = gx.copy(), gy.copy()
        shades = []
        for side in (0, 1):
            if pose.lid[side] or pose.lower_lid[side]:
                rig = self.eyes[side]
                shades.append(self._add_eye(map_x, map_y, rig, pose.lid[side], pose.lower_lid[side]))
        return map_x, map_y, shades

    def _add_eye(self, map_x, map_y, rig: EyeRig, close: float, lower: float) -> Shade:
        v, vu, vl, w = rig.v, rig.v_up, rig.v_lo, rig.width
        close, lower = np.float32(min(close, 1.0)), np.float32(min(lower, 1.0))
        aperture = vl - vu
        vl_new = vl - lower * np.float32(LOWER_LID_MAX) * aperture
        vm_new = vu + close * (vl_new - vu)  # new upper-lid margin
        shift = vm_new - vu
        band = np.float32(LASH_BAND * w)
        top = vu - np.float32(LID_SKIN_ABOVE * w)
        bot = vl + np.float32(SKIN_BELOW * w)
        # Upper lid: the margin band slides down rigidly, the skin above it stretches (the crease unfolds).
        dv = np.where((v >= vm_new - band) & (v <= vm_new), -shift, np.float32(0.0))
        skin = (v >= top) & (v < vm_new - band)
        stretch = (vu - band - top) / np.maximum(vm_new - band - top, 1e-3)
        dv = np.where(skin, top + (v - top) * stretch - v, dv)
        # Lower lid and the skin below it pushed up; the source skips the wet lid rim as the lids close.
        rim = np.float32(LOWER_RIM) * close * aperture
        below = (v > vm_new) & (v >= vl_new) & (v <= bot)
        squeeze = (bot - vl - rim) / np.maximum(bot - vl_new, 1e-3)
        dv = np.where(below, vl + rim + (v - vl_new) * squeeze - v, dv)
        x0, y0, x1, y1 = rig.box
        nx, ny = np.float32(rig.normal[0]), np.float32(rig.normal[1])
        map_x[y0:y1, x0:x1] += dv * nx
        map_y[y0:y1, x0:x1] += dv * ny
        # Shading: the closed margin shows a dark lash line (strongest mid-eye, fading to the corners).
        depth = np.sqrt(np.clip(aperture / max(float(aperture.max()), 1e-3), 0.0, 1.0))
        line = np.exp(-(((v - vm_new) / np.float32(LASH_LINE * w)) ** 2))
        dark = (np.float32(LASH_DARK) * close * depth * line).astype(np.float32)
        return Shade(rig.box, dark)

    def apply(self, canvas: np.ndarray, pose: Pose) -> np.ndarray:
        """The canvas with the pose's expression; the input is left untouched."""
        if pose.is_neutral():
            return canvas
        map_x, map_y, shades = self.maps(pose)
        out = canvas.copy()
        x0, y0, x1, y1 = self.roi
        face = cv2.remap(
            canvas, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
        )
        for sh in shades:
            bx0, by0, bx1, by1 = sh.box
            region = face[by0:by1, bx0:bx1]
            region[:] = (region * (1.0 - sh.dark[..., None])).astype(np.uint8)
        out[y0:y1, x0:x1] = face
        return out


@dataclass
class Shade:
    """Colour change of one eye after the warp (over the eye box)."""

    box: tuple[int, int, int, int]
    dark: np.ndarray  # multiplicative darkening of the lash line (0..1)


def _span(lo: float, hi: float, limit: int) -> tuple[int, int]:
    """Integer range covering [lo, hi] within [0, limit) whose length is a multiple of COARSE."""
    a, b = max(0, int(np.floor(lo))), min(limit, int(np.ceil(hi)))
    b = a + (b - a) // COARSE * COARSE
    return a, b


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)
