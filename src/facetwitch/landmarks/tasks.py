"""MediaPipe FaceLandmarker (Tasks API, VIDEO mode): 478 landmarks, 52 blendshapes and the head pose.

The reference backend: the ``litert`` backend is checked against it (see :mod:`facetwitch.landmarks`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

# Quiet MediaPipe's C++ logging before it is imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import mediapipe as mp
from mediapipe.tasks import python as mp_tasks
from mediapipe.tasks.python import vision

from facetwitch.landmarks.base import (
    BLENDSHAPE_INDEX,
    BLENDSHAPE_NAMES,
    FaceObservation,
    native_stderr_silenced,
)


class Landmarker:
    """One face, VIDEO mode (tracking between frames). Use as a context manager; call :meth:`restart` before
    each further video to reuse one landmarker for many videos."""

    name = "tasks"

    def __init__(self, model_path: str | Path, *, min_confidence: float = 0.5):
        # The model is read once; restart() builds a new graph from these bytes without touching the disk.
        model_bytes = Path(model_path).read_bytes()
        self._options = vision.FaceLandmarkerOptions(
            base_options=mp_tasks.BaseOptions(model_asset_buffer=model_bytes),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            min_face_detection_confidence=min_confidence,
            min_face_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._landmarker = None
        self.restart()

    def restart(self) -> None:
        """Start a new video with the state of a newly created landmarker, reusing the loaded model.

        VIDEO mode carries state from frame to frame (the tracked face region, landmark smoothing that
        depends on absolute timestamps, which must keep increasing): feeding a second video to the same
        graph changes its landmarks by ~1e-6, enough to move a threshold crossing. A new graph from the
        in-memory model costs tens of milliseconds, so every video gets exactly the results of a fresh landmarker.
        """
        if self._landmarker is not None and self._last_ms < 0:
            return  # not used since it was built: already fresh
        self.close()
        with native_stderr_silenced():
            self._landmarker = vision.FaceLandmarker.create_from_options(self._options)
        self._last_ms = -1

    def __enter__(self) -> Landmarker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            with contextlib.suppress(Exception):
                self._landmarker.close()
            self._landmarker = None

    def detect(self, rgb: np.ndarray, t_s: float) -> FaceObservation | None:
        """Landmarks of the face in ``rgb`` (H x W x 3 uint8) at time ``t_s``; None when no face is found."""
        # VIDEO mode needs strictly increasing integer milliseconds, even for jittery phone timestamps.
        t_ms = max(round(t_s * 1000.0), self._last_ms + 1)
        self._last_ms = t_ms
        # PyAV pads rows for some widths (e.g. 854): MediaPipe needs a packed buffer or it reads garbage.
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._landmarker.detect_for_video(image, t_ms)
        if not result.face_landmarks:
            return None
        height, width = rgb.shape[:2]
        points = np.array([(p.x, p.y, p.z) for p in result.face_landmarks[0]], dtype=np.float32)
        points *= np.array([width, height, width], dtype=np.float32)
        blendshapes = np.full(len(BLENDSHAPE_NAMES), np.nan, dtype=np.float32)
        for c in result.face_blendshapes[0] if result.face_blendshapes else ():
            blendshapes[BLENDSHAPE_INDEX[c.category_name]] = c.score
        pose = (
            np.asarray(result.facial_transformation_matrixes[0], dtype=np.float32)
            if result.facial_transformation_matrixes
            else np.eye(4, dtype=np.float32)
        )
        return FaceObservation(points=points, blendshapes=blendshapes, pose=pose)
