"""The first renderer's framing and camera, shared with the third renderer (:mod:`.depth`): a face photo placed on
an upright canvas with a margin for head motion, and the camera's blur, exposure, flicker, noise and JPEG."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .faces import FaceGeometry, geometry, photo
from .warp import FaceRig

MARGIN = 0.08  # extra canvas around the picture (fraction of its larger side) so head motion shows no edge


@dataclass(frozen=True)
class Stage:
    """A face photo framed on an upright canvas (with a margin for head motion)."""

    canvas: np.ndarray  # RGB uint8, (H + 2m, W + 2m, 3)
    rig: FaceRig
    margin: int
    face_center: np.ndarray  # canvas pixels


@lru_cache(maxsize=8)
def stage(face: str, size: tuple[int, int], zoom: float, offset: tuple[float, float]) -> Stage:
    """Frame ``face`` for an upright picture of ``size`` (w, h): face height ≈ 45 % × zoom of the picture
    height, face centre slightly above the middle (+ ``offset`` fractions), photo covering the canvas."""
    img, geom = photo(face), geometry(face)
    w, h = size
    m = round(MARGIN * max(w, h))
    cw, ch = w + 2 * m, h + 2 * m
    ph, pw = img.shape[:2]
    face_scale = 0.45 * h * zoom / geom.face_height
    cover = max(cw / pw, ch / ph)
    # A photo covers the canvas unless that would blow the face up more than 2x (small photos): then the
    # face keeps its size and the canvas beyond the photo is its blurred, stretched edge.
    scale = max(face_scale, cover) if cover <= 2.0 * face_scale else face_scale
    fc = 0.5 * (geom.p(10) + geom.p(152))
    want = np.array([cw / 2 + offset[0] * w, ch / 2 - 0.03 * h + offset[1] * h])
    tx, ty = want - scale * fc
    if scale >= cover:
        tx = np.clip(tx, cw - scale * pw, 0.0)
        ty = np.clip(ty, ch - scale * ph, 0.0)
    affine = np.array([[scale, 0.0, tx], [0.0, scale, ty]])
    canvas = cv2.warpAffine(
        np.asarray(img), affine, (cw, ch), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT101
    )
    if scale < cover:
        inside = cv2.warpAffine(np.full((ph, pw), 255, np.uint8), affine, (cw, ch), flags=cv2.INTER_LINEAR)
        alpha = (cv2.GaussianBlur(inside, (0, 0), 3.0).astype(np.float32) / 255.0)[..., None]
        edge = cv2.warpAffine(  # edges stretched outwards: no mirrored copies of the face
            np.asarray(img), affine, (cw, ch), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        soft = cv2.GaussianBlur(edge, (0, 0), max(3.0, 0.01 * cw))
        canvas = (canvas * alpha + soft * (1 - alpha)).astype(np.uint8)
    canvas.setflags(write=False)
    g: FaceGeometry = geom.transformed(affine)
    return Stage(canvas, FaceRig(g, (ch, cw)), m, g.center)


def camera_effects(frame: np.ndarray, cam, t: float, seed: int, index: int) -> np.ndarray:
    if cam.blur_px > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), cam.blur_px)
    gain = cam.brightness
    if cam.flicker:
        gain *= 1.0 + cam.flicker * (0.6 * np.sin(2 * np.pi * cam.flicker_hz * t) + 0.4 * np.sin(0.7 * t))
    if gain != 1.0:
        frame = cv2.convertScaleAbs(frame, alpha=gain)
    if cam.noise_std > 0:
        cv2.setRNGSeed(int((seed * 1_000_003 + index) % (2**31)))
        noise = np.empty(frame.shape, np.int16)
        cv2.randn(noise, 0, cam.noise_std)
        frame = cv2.add(frame, noise, dtype=cv2.CV_8U)
    if cam.jpeg_quality is not None:
        _, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(cam.jpeg_quality)])
        frame = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return frame
