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

from pathlib import Path

from facetwitch.landmarks.base import BLENDSHAPE_INDEX, BLENDSHAPE_NAMES, FaceLandmarker, FaceObservation

__all__ = [
    "BACKENDS",
    "BLENDSHAPE_INDEX",
    "BLENDSHAPE_NAMES",
    "DEFAULT_BACKEND",
    "FaceLandmarker",
    "FaceObservation",
    "open_landmarker",
]

BACKENDS = ("litert", "tasks")
DEFAULT_BACKEND = "tasks"


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
