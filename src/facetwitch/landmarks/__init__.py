"""Face landmarks per frame: 478 points, 52 blendshapes and the head pose, from one of two backends.

* ``litert``: the three models inside the provisioned ``face_landmarker.task`` run directly with
  LiteRT; the detector only acquires or re-acquires the face, each next frame is cropped around the current
  landmarks (MediaPipe's own tracking), the head pose is fitted to the canonical face of the ``.task``'s
  geometry metadata. See :mod:`facetwitch.landmarks.litert`.
* ``tasks`` (default): MediaPipe's FaceLandmarker (Tasks API, VIDEO mode), the reference the ``litert``
  backend is checked against. See :mod:`facetwitch.landmarks.tasks`.

Both give the same :class:`FaceObservation`: landmarks in pixel units (x * width, y * height, z * width) so
that 3-D distances between them do not depend on the image's aspect ratio; indices follow MediaPipe's canonical
face mesh, in which "left"/"right" are the subject's own sides. Heavy imports happen only when a backend opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

BACKENDS = ("litert", "tasks")
DEFAULT_BACKEND = "tasks"

# The blendshape model's 52 outputs, in its output order (MediaPipe's names).
BLENDSHAPE_NAMES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
    "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight",
    "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight",
    "mouthFrownLeft", "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft",
    "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)  # fmt: skip
BLENDSHAPE_INDEX = {name: i for i, name in enumerate(BLENDSHAPE_NAMES)}


@dataclass(frozen=True)
class FaceObservation:
    """One face in one frame: three arrays, no per-landmark objects."""

    points: np.ndarray  # (478, 3) float32, pixels of the (upright) frame
    blendshapes: np.ndarray  # (52,) float32 scores 0..1, ordered like BLENDSHAPE_NAMES
    pose: np.ndarray  # (4, 4) facial transformation matrix (canonical face -> camera, cm)

    def blendshape(self, name: str) -> float:
        return float(self.blendshapes[BLENDSHAPE_INDEX[name]])


class FaceLandmarker(Protocol):
    """What a backend offers: frames in time order, one face, tracking between frames."""

    name: str

    def detect(self, rgb: np.ndarray, t_s: float) -> FaceObservation | None:
        """The face in ``rgb`` (H x W x 3 uint8) at ``t_s`` seconds (increasing); None when there is none."""

    def restart(self) -> None:
        """Forget the tracked face and timestamps: the next frame starts a new video, as a fresh landmarker."""

    def close(self) -> None: ...

    def __enter__(self) -> FaceLandmarker: ...

    def __exit__(self, *exc) -> None: ...


def open_landmarker(backend: str, model_path: str | Path) -> FaceLandmarker:
    """A landmarker of the named backend (one of :data:`BACKENDS`) for ``model_path`` (a face_landmarker.task)."""
    if backend == "litert":
        from facetwitch.landmarks.litert import LiteRTLandmarker

        return LiteRTLandmarker(model_path)
    if backend == "tasks":
        from facetwitch.landmarks.tasks import Landmarker

        return Landmarker(model_path)
    raise ValueError(f"unknown landmark backend {backend!r}: use one of {', '.join(BACKENDS)}")


def __getattr__(name: str):
    # `from facetwitch.landmarks import Landmarker` keeps meaning the Tasks API landmarker (loads MediaPipe).
    if name == "Landmarker":
        from facetwitch.landmarks.tasks import Landmarker

        return Landmarker
    raise AttributeError(f"module 'facetwitch.landmarks' has no attribute {name!r}")
