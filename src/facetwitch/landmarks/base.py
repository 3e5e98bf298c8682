"""What every landmark backend shares: the per-frame record, the blendshape names and the backend interface."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def native_stderr_silenced():
    """The native runtimes (MediaPipe's C++ graph, LiteRT) print setup chatter (XNNPACK, feedback tensors)
    straight to file descriptor 2, past Python's logging: hide it while a model loads, so users see only
    facetwitch's own messages. One lock: file descriptor 2 belongs to the whole process."""
    with _STDERR_LOCK:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


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
