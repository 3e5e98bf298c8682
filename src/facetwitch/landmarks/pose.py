"""Head pose from landmarks: MediaPipe's canonical face fitted to the landmarks (weighted Procrustes).

The canonical face and the fit's landmark weights come from the geometry metadata inside the provisioned
``face_landmarker.task`` (``geometry_pipeline_metadata_landmarks.binarypb``). The fit follows MediaPipe's own
geometry pipeline (perspective camera with a 63° vertical field of view, near plane 1 cm, origin at the image's
top-left corner): landmarks are lifted from the screen into metric space with a depth scale estimated in two
Procrustes iterations, then the canonical face is fitted to them. The result is the same 4 x 4 "facial
transformation matrix" (canonical face -> camera, centimetres) that the Tasks API reports.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

FACE_MESH_POINTS = 468  # the canonical face has no iris points
VERTICAL_FOV_DEG = 63.0
NEAR_PLANE_CM = 1.0


@dataclass(frozen=True)
class CanonicalFace:
    points_cm: np.ndarray  # (3, 468) canonical face vertices, centimetres
    weights: np.ndarray  # (468,) Procrustes weight of each vertex (most are 0)


def _fields(buf: bytes):
    """(field number, wire type, value) of a protocol-buffer message, enough for the geometry metadata."""
    i, n = 0, len(buf)

    def varint() -> int:
        nonlocal i
        shift = value = 0
        while True:
            b = buf[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    while i < n:
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            yield field, wire, varint()
        elif wire == 1:
            yield field, wire, buf[i : i + 8]
            i += 8
        elif wire == 2:
            size = varint()
            yield field, wire, buf[i : i + size]
            i += size
        elif wire == 5:
            yield field, wire, buf[i : i + 4]
            i += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def parse_geometry_metadata(data: bytes) -> CanonicalFace:
    """Decode a GeometryPipelineMetadata message (canonical_mesh = 1, procrustes_landmark_basis = 2).

    Mesh3d: vertex_buffer = 3 (floats, 5 per vertex: x, y, z, u, v); WeightedLandmarkRef: landmark_id = 1,
    weight = 2.
    """
    vertices: list[float] = []
    basis: list[tuple[int, float]] = []
    for field, wire, value in _fields(data):
        if field == 1 and wire == 2:
            for f2, w2, v2 in _fields(value):
                if f2 == 3 and w2 == 2:  # packed floats
                    vertices.extend(struct.unpack(f"<{len(v2) // 4}f", v2))
                elif f2 == 3 and w2 == 5:
                    vertices.append(struct.unpack("<f", v2)[0])
        elif field == 2 and wire == 2:
            landmark_id, weight = 0, 0.0
            for f2, w2, v2 in _fields(value):
                if f2 == 1 and w2 == 0:
                    landmark_id = v2
                elif f2 == 2 and w2 == 5:
                    weight = struct.unpack("<f", v2)[0]
            basis.append((landmark_id, weight))
    mesh = np.asarray(vertices, dtype=np.float64).reshape(-1, 5)
    if len(mesh) != FACE_MESH_POINTS or not basis:
        raise ValueError(
            f"geometry metadata holds {len(mesh)} vertices and {len(basis)} weights; expected 468"
        )
    weights = np.zeros(len(mesh))
    for landmark_id, weight in basis:
        weights[landmark_id] = weight
    return CanonicalFace(points_cm=mesh[:, :3].T.copy(), weights=weights)


class PoseFitter:
    """Facial transformation matrix of landmarks, as MediaPipe's geometry pipeline computes it."""

    def __init__(self, face: CanonicalFace):
        keep = face.weights > 0  # zero-weight vertices do not enter any fit: drop them once
        self._src_kept = face.points_cm[:, keep]
        self._sqrt_w = np.sqrt(face.weights[keep])
        self._keep = keep
        self._total_w = float(face.weights[keep].sum())
        self._src_w = self._src_kept * self._sqrt_w
        centre = (self._src_w * self._sqrt_w).sum(axis=1) / self._total_w
        self._src_centered_w = self._src_w - centre[:, None] * self._sqrt_w

    def _solve(self, targets: np.ndarray) -> np.ndarray:
        """Weighted orthogonal Procrustes with scale: the (N, 4, 4) maps of the canonical face onto ``targets``
        (N, 3, weighted points), all frames at once."""
        tgt_w = targets * self._sqrt_w
        u, _, vt = np.linalg.svd(tgt_w @ self._src_centered_w.T)
        u[np.linalg.det(u) * np.linalg.det(vt) < 0, :, 2] *= -1
        rotation = u @ vt
        scale = ((rotation @ self._src_centered_w) * tgt_w).sum(axis=(1, 2)) / (
            self._src_centered_w * self._src_w
        ).sum()
        rs = scale[:, None, None] * rotation
        translation = ((tgt_w - rs @ self._src_w) * self._sqrt_w).sum(axis=2) / self._total_w
        out = np.zeros((len(targets), 4, 4))
        out[:, :3, :3] = rs
        out[:, :3, 3] = translation
        out[:, 3, 3] = 1.0
        return out

    def fit(self, points_px: np.ndarray, width: int, height: int) -> np.ndarray:
        """``points_px``: (>= 468, 3) landmarks in pixels (x, y, z * width as :class:`FaceObservation`);
        returns the (4, 4) float32 transform canonical face -> camera (cm)."""
        return self.fit_many(points_px[None], width, height)[0]

    def fit_many(self, points_px: np.ndarray, width: int, height: int) -> np.ndarray:
        """:meth:`fit` for many frames at once: ``points_px`` (N, >= 468, 3) -> (N, 4, 4) float32. Vectorised
        over frames: per frame the fit is a handful of 3 x 3 matrices, where numpy's call overhead would cost
        more than the arithmetic.

        Only the depth offset needs all 468 points; every fit sees only the weighted ones, so only those are
        lifted into metric space.
        """
        height_at_near = 2.0 * NEAR_PLANE_CM * np.tan(0.5 * np.radians(VERTICAL_FOV_DEG))
        width_at_near = width * height_at_near / height
        to_near = width_at_near / width
        mesh = points_px[:, :FACE_MESH_POINTS]
        depth_offset = (mesh[:, :, 2].mean(axis=1, dtype=mesh.dtype).astype(np.float64) * to_near)[:, None]
        p = mesh[:, self._keep].astype(np.float64).transpose(0, 2, 1)  # (N, 3, weighted points)
        screen = np.empty_like(p)
        # Normalised image coordinates, y flipped (origin top-left), projected on the near plane.
        screen[:, 0] = p[:, 0] * to_near - 0.5 * width_at_near
        screen[:, 1] = (1.0 - p[:, 1] / height) * height_at_near - 0.5 * height_at_near
        screen[:, 2] = p[:, 2] * to_near

        def lifted(scale: np.ndarray) -> np.ndarray:
            m = np.empty_like(screen)
            s = scale[:, None]
            m[:, 2] = (screen[:, 2] - depth_offset + NEAR_PLANE_CM) / s
            m[:, 0] = screen[:, 0] * m[:, 2] / NEAR_PLANE_CM
            m[:, 1] = screen[:, 1] * m[:, 2] / NEAR_PLANE_CM
            m[:, 2] *= -1.0
            return m

        flipped = screen * np.array([[1.0], [1.0], [-1.0]])
        first = np.linalg.norm(self._solve(flipped)[:, :3, 0], axis=1)
        second = np.linalg.norm(self._solve(lifted(first))[:, :3, 0], axis=1)
        return self._solve(lifted(first * second)).astype(np.float32)
