"""The ``.task``'s own three models run directly with LiteRT, tracking as MediaPipe's FaceLandmarker does.

Per frame (VIDEO-mode semantics of MediaPipe's face landmarker graph, re-implemented on arrays):

1. Region of interest: the one derived from the previous frame's landmarks; without one (first frame, face
   lost) the BlazeFace short-range detector looks at the whole frame (letterboxed to 128 x 128, SSD anchors of
   MediaPipe's ``face_detection_short_range`` graph, weighted non-maximum suppression), and its box, rotated by
   the eye line and enlarged 1.5x, becomes the region.
2. The landmark model (256 x 256) sees the rotated region; its presence score below 0.5 means the face is lost
   (this frame has no face, the next one runs the detector).
3. The next frame's region: the landmarks' bounding box, rotated so the eye line (points 33 -> 263) is
   horizontal, squared on its long side and enlarged 1.5x.
4. The landmarks the user gets are smoothed by MediaPipe's one-euro filter (min cutoff 0.05 Hz, beta 80,
   derivative cutoff 1 Hz, values in units of the face's size); the blendshape model reads 146 of them and the
   head pose is fitted to the canonical face (:mod:`facetwitch.landmarks.pose`).

The filter is made for a steady overlay, not for measuring: its cutoff follows each coordinate's speed, so a
small, fast lid movement is followed late and only part of the way, and the lid then drifts back over seconds
(a weak blink leaves the aperture below rest for a second or more). ``min_cutoff_hz`` sets the filter's minimum
cutoff, ``None`` turns it off (the landmarks as the model reads them), for research on the landmark stage; the
event detector is tuned on MediaPipe's filter (docs/validation.md, fourteenth round).

Each model runs on one thread (XNNPACK), and OpenCV on one thread for the whole process, so that the landmarks do
not depend on the machine's core count; several landmarkers can run in parallel threads (LiteRT and OpenCV
release the GIL while they compute).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import cv2
import numpy as np

from facetwitch.landmarks.base import FaceObservation, native_stderr_silenced
from facetwitch.landmarks.pose import PoseFitter, parse_geometry_metadata
from facetwitch.video import Picture

DETECTOR = "face_detector.tflite"
LANDMARKS = "face_landmarks_detector.tflite"
BLENDSHAPES = "face_blendshapes.tflite"
GEOMETRY = "geometry_pipeline_metadata_landmarks.binarypb"

DETECTOR_SIZE = 128
LANDMARK_SIZE = 256
MIN_CONFIDENCE = 0.5  # detection score and landmark presence, as facetwitch's Tasks landmarker is configured
NMS_IOU = 0.3
ROI_SCALE = 1.5
EYE_LINE = (33, 263)  # landmark indices from which the region's rotation is taken
# The 146 landmarks the blendshape model reads, in its input order (MediaPipe's face_blendshapes_graph).
BLENDSHAPE_POINTS = np.array([
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70,
    78, 80, 81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145, 146, 148, 149,
    150, 152, 153, 154, 155, 157, 158, 159, 160, 161, 162, 163, 168, 172, 173, 176, 178, 181, 185, 191, 195,
    197, 234, 246, 249, 251, 263, 267, 269, 270, 276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300,
    308, 310, 311, 312, 314, 317, 318, 321, 323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375,
    377, 378, 379, 380, 381, 382, 384, 385, 386, 387, 388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454,
    466, 468, 469, 470, 471, 472, 473, 474, 475, 476, 477,
])  # fmt: skip
# One-euro filter of MediaPipe's face landmarker in VIDEO mode.
EURO_MIN_CUTOFF_HZ, EURO_BETA, EURO_DERIVATIVE_CUTOFF_HZ = 0.05, 80.0, 1.0


def ssd_anchors() -> np.ndarray:
    """(896, 2) anchor centres (x, y, normalised) of the BlazeFace short-range detector.

    MediaPipe's SsdAnchorsCalculator with 4 layers, strides 8, 16, 16, 16, one aspect ratio plus the
    interpolated scale (2 anchors per layer), fixed anchor size 1, offset 0.5; layers of equal stride share a
    grid: 16 x 16 x 2 then 8 x 8 x 6 anchors, each grid row-major.
    """
    centres = []
    for stride, per_cell in ((8, 2), (16, 6)):
        side = int(np.ceil(DETECTOR_SIZE / stride))
        y, x = np.mgrid[0:side, 0:side]
        cells = np.stack([(x.ravel() + 0.5) / side, (y.ravel() + 0.5) / side], axis=1)
        centres.append(np.repeat(cells, per_cell, axis=0))
    return np.concatenate(centres)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one (xmin, ymin, xmax, ymax) box with many."""
    lo = np.maximum(box[:2], boxes[:, :2])
    hi = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    return inter / np.maximum(area + areas - inter, 1e-12)


def decode_detections(regressors: np.ndarray, scores: np.ndarray, anchors: np.ndarray,
                      min_score: float = MIN_CONFIDENCE) -> np.ndarray | None:  # fmt: skip
    """The best face of the detector's raw output, after MediaPipe's weighted non-maximum suppression.

    ``regressors``: (896, 16) box centre offset, size and 6 key points in input pixels relative to each anchor;
    ``scores``: (896,) logits. Returns (16,) = xmin, ymin, xmax, ymax, then 6 (x, y) key points, normalised to
    the detector's input square, or None when no score reaches ``min_score``.
    """
    prob = 1.0 / (1.0 + np.exp(-np.clip(scores.astype(np.float64), -100.0, 100.0)))
    keep = np.flatnonzero(prob >= min_score)
    if keep.size == 0:
        return None
    r = regressors[keep].astype(np.float64) / DETECTOR_SIZE
    a = anchors[keep]
    cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
    w, h = r[:, 2], r[:, 3]
    dets = np.empty((keep.size, 16))
    dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3] = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    dets[:, 4::2] = r[:, 4::2] + a[:, :1]
    dets[:, 5::2] = r[:, 5::2] + a[:, 1:2]
    p = prob[keep]
    best = int(np.argmax(p))
    cluster = _iou(dets[best, :4], dets[:, :4]) > NMS_IOU
    cluster[best] = True
    weights = p[cluster]
    return (dets[cluster] * weights[:, None]).sum(axis=0) / weights.sum()


def _normalize_radians(angle: float) -> float:
    return angle - 2 * np.pi * np.floor((angle + np.pi) / (2 * np.pi))


def _rect_to_image(rect: tuple[float, float, float, float, float], size: int) -> np.ndarray:
    """2 x 3 affine map from model-input pixels (0..size) to image pixels for a rotated rectangle
    (centre x, centre y, width, height in image pixels; rotation in radians, clockwise on screen)."""
    cx, cy, w, h, rot = rect
    c, s = np.cos(rot), np.sin(rot)
    return np.array([
        [c * w / size, -s * h / size, cx - 0.5 * (c * w - s * h)],
        [s * w / size, c * h / size, cy - 0.5 * (s * w + c * h)],
    ])  # fmt: skip


def _corners(rect) -> np.ndarray:
    """(4, 2) float32 image corners of a rotated rectangle as MediaPipe computes them (float32 centre, size and
    angle; OpenCV's boxPoints order: bottom-left, top-left, top-right, bottom-right)."""
    cx, cy, w, h, rot = (np.float32(v) for v in rect)
    return cv2.boxPoints(((cx, cy), (w, h), float(rot * np.float32(180.0) / np.float32(np.pi))))


def _crop(rgb: np.ndarray, corners: np.ndarray, out: np.ndarray, border: int) -> None:
    """Sample the rotated rectangle with ``corners`` (:func:`_corners`) of ``rgb`` into ``out`` (size x size x 3)
    exactly as MediaPipe's OpenCV image-to-tensor converter does (float32 corners, bilinear perspective warp), so
    that the models see the same pixels as under the Tasks API."""
    size = out.shape[0]
    target = np.array([[0, size], [0, 0], [size, 0], [size, size]], dtype=np.float32)
    cv2.warpPerspective(rgb, cv2.getPerspectiveTransform(corners, target), (size, size), dst=out,
                        flags=cv2.INTER_LINEAR, borderMode=border)  # fmt: skip


def _size(image: np.ndarray | Picture) -> tuple[int, int]:
    """Width and height in pixels."""
    return (image.width, image.height) if isinstance(image, Picture) else (image.shape[1], image.shape[0])


class OneEuroFilter:
    """MediaPipe's one-euro landmark filter, vectorised over all coordinates (values in pixels).

    Runs once a frame on a few thousand numbers, where numpy's per-call overhead and fresh temporaries cost more
    than the arithmetic: every step writes into buffers kept between frames, in the same order of floating-point
    operations as the textbook form (so the same bits)."""

    def __init__(self, min_cutoff_hz: float = EURO_MIN_CUTOFF_HZ):
        self.min_cutoff_hz = min_cutoff_hz
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._raw: np.ndarray | None = None
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    @staticmethod
    def _alpha(cutoff, dt: float):
        tau = 1.0 / (2 * np.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, points: np.ndarray, t_s: float, extent: np.ndarray) -> np.ndarray:
        """The filtered ``points`` at ``t_s`` seconds; ``extent``: their (x, y) bounding box's size (the object's
        scale is its mean; the tracker has it already)."""
        if self._x is None or self._t is None or self._raw is None or self._dx is None:
            values = points.astype(np.float64)
            self._t, self._raw, self._x, self._dx = t_s, values, values.copy(), np.zeros_like(values)
            self._work, self._cut = np.empty_like(values), np.empty_like(values)
            return points
        dt = t_s - self._t
        if dt <= 0:
            return points
        object_scale = float(extent.mean())
        if object_scale < 1e-6:
            return points
        # dx += alpha(derivative cutoff) * ((values - raw) / scale / dt - dx)
        work, cut = self._work, self._cut
        np.subtract(points, self._raw, out=work)
        work /= object_scale
        work /= dt
        work -= self._dx
        work *= self._alpha(EURO_DERIVATIVE_CUTOFF_HZ, dt)
        self._dx += work
        # alpha = 1 / (1 + tau / dt), tau = 1 / (2 pi cutoff), cutoff = min cutoff + beta |dx|
        np.abs(self._dx, out=cut)
        cut *= EURO_BETA
        cut += self.min_cutoff_hz
        cut *= 2 * np.pi
        np.divide(1.0, cut, out=cut)
        cut /= dt
        cut += 1.0
        np.divide(1.0, cut, out=cut)
        # x += alpha * (values - x)
        np.subtract(points, self._x, out=work)
        work *= cut
        self._x += work
        self._t = t_s
        self._raw[...] = points
        return self._x.astype(np.float32)


def _read_task(model_path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(model_path) as bundle:
            return {name: bundle.read(name) for name in (DETECTOR, LANDMARKS, BLENDSHAPES, GEOMETRY)}
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ValueError(
            f"{model_path}: not a usable face_landmarker.task ({exc}); run `facetwitch model fetch` again"
        ) from exc


class _Model:
    """One LiteRT interpreter on one thread."""

    def __init__(self, content: bytes):
        from ai_edge_litert.interpreter import Interpreter

        with native_stderr_silenced():
            self.interpreter = Interpreter(model_content=content, num_threads=1)
            self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.outputs = [d["index"] for d in self.interpreter.get_output_details()]

    def fill(self, values: np.ndarray, scale: float = 1.0, offset: float = 0.0) -> None:
        """Write ``values * scale + offset`` into the input tensor in place (no view outlives the call:
        LiteRT refuses to run while one does)."""
        view = self.interpreter.tensor(self.input)()
        np.multiply(values, np.float32(scale), out=view[0], dtype=np.float32, casting="unsafe")
        if offset:
            view += np.float32(offset)

    def run(self) -> list[np.ndarray]:
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(i) for i in self.outputs]


class LiteRTLandmarker:
    """One face, frames in time order; see the module docstring. Use as a context manager."""

    name = "litert"

    def __init__(
        self,
        model_path: str | Path,
        *,
        min_confidence: float = MIN_CONFIDENCE,
        min_cutoff_hz: float | None = EURO_MIN_CUTOFF_HZ,
    ):
        # OpenCV's warp takes another code path when it may use several threads, and that path gives a few
        # crop pixels one grey level apart (measured: 1 of 65,536 pixels in some frames); tracking carries the
        # difference on, so a one-core machine read other landmarks than a many-core one. One thread for the
        # whole process (set once, never restored: a restore could race another landmarker's warp) keeps the
        # results the same on every machine; the segments already run the warps of both cores in parallel.
        cv2.setNumThreads(1)
        self._model_path = Path(model_path)
        self._load()
        self._anchors = ssd_anchors()
        self._min_confidence = min_confidence
        self._rect: tuple[float, float, float, float, float] | None = None
        # Step 4's filter (None: off; see the module docstring).
        self._smooth = OneEuroFilter(min_cutoff_hz) if min_cutoff_hz is not None else None
        self._crop = np.empty((LANDMARK_SIZE, LANDMARK_SIZE, 3), dtype=np.uint8)
        self._small = np.empty((DETECTOR_SIZE, DETECTOR_SIZE, 3), dtype=np.uint8)
        self._canvas = np.empty((0, 0, 3), dtype=np.uint8)  # frame-sized; see _pixels
        self.detector_runs = 0  # how often the face had to be (re-)acquired
        self._last_ms = -1

    def _load(self) -> None:
        files = _read_task(self._model_path)
        self._detector = _Model(files[DETECTOR])
        self._landmarks = _Model(files[LANDMARKS])
        self._blendshapes = _Model(files[BLENDSHAPES])
        self._pose = PoseFitter(parse_geometry_metadata(files[GEOMETRY]))

    def restart(self) -> None:
        """A new video: no tracked face, a fresh filter, timestamps from zero (models reloaded only if closed)."""
        if self._detector is None:
            self._load()
        self._rect = None
        if self._smooth is not None:
            self._smooth.reset()
        self._last_ms = -1

    def __enter__(self) -> LiteRTLandmarker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._detector = self._landmarks = self._blendshapes = None  # type: ignore[assignment]

    def detect_face(self, image: np.ndarray | Picture) -> tuple[float, float, float, float, float] | None:
        """Region of interest (cx, cy, w, h px, rotation rad) of the most confident face in the whole frame."""
        rgb = image.rgb() if isinstance(image, Picture) else image
        height, width = rgb.shape[:2]
        side = float(max(width, height))  # letterbox: the frame centred in a black square
        _crop(rgb, _corners((width / 2, height / 2, side, side, 0.0)), self._small, cv2.BORDER_CONSTANT)
        self._detector.fill(self._small, 1.0 / 127.5, -1.0)
        regressors, scores = self._detector.run()
        self.detector_runs += 1
        det = decode_detections(regressors[0], scores[0, :, 0], self._anchors, self._min_confidence)
        if det is None:
            return None
        pts = det.reshape(8, 2) * side + np.array([width / 2 - side / 2, height / 2 - side / 2])
        (x0, y0), (x1, y1) = pts[0], pts[1]
        right_eye, left_eye = pts[2], pts[3]
        rotation = _normalize_radians(-np.arctan2(-(left_eye[1] - right_eye[1]), left_eye[0] - right_eye[0]))
        return ((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * ROI_SCALE, (y1 - y0) * ROI_SCALE, rotation)

    def _landmark(self, image: np.ndarray | Picture, rect) -> tuple[np.ndarray, float]:
        """Raw landmarks (478, 3) in image pixels and the presence score for one region."""
        to_image = _rect_to_image(rect, LANDMARK_SIZE)
        corners = _corners(rect)
        _crop(self._pixels(image, corners), corners, self._crop, cv2.BORDER_REPLICATE)
        self._landmarks.fill(self._crop, 1.0 / 255.0)
        out = self._landmarks.run()
        raw = out[0].reshape(-1, 3)
        presence = 1.0 / (1.0 + np.exp(-float(out[1].ravel()[0])))
        points = np.empty((raw.shape[0], 3), dtype=np.float64)
        points[:, :2] = raw[:, :2] @ to_image[:, :2].T + to_image[:, 2]
        # MediaPipe scales depth by the length, in normalised image units, of the crop's projected unit x
        # vector; with a rotated crop in a non-square frame that is not the crop's width (kept, to match).
        width, height = _size(image)
        z_scale = np.hypot(np.cos(rect[4]), np.sin(rect[4]) * width / height) * rect[2] / LANDMARK_SIZE
        points[:, 2] = raw[:, 2] * z_scale
        return points, presence

    def _pixels(self, image: np.ndarray | Picture, corners: np.ndarray) -> np.ndarray:
        """A frame-sized RGB array whose pixels under the rectangle of ``corners`` (:func:`_corners`) are those
        of ``image``. From a :class:`Picture`
        only the rectangle's bounding box (two pixels wider for the bilinear neighbours, clipped to the frame,
        so the replicated border is the frame's own) is converted, into a canvas kept between frames: the warp
        then runs on the same coordinates as on the whole frame, and gives the same pixels."""
        if not isinstance(image, Picture):
            return image
        if self._canvas.shape[:2] != (image.height, image.width):
            self._canvas = np.zeros((image.height, image.width, 3), dtype=np.uint8)
        lo, hi = np.floor(corners.min(axis=0)) - 2, np.ceil(corners.max(axis=0)) + 2
        region, x0, y0 = image.region(int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
        if region.size == 0:  # wholly outside the frame: the warp replicates the frame's edge
            return image.rgb()
        self._canvas[y0 : y0 + region.shape[0], x0 : x0 + region.shape[1]] = region
        return self._canvas

    @staticmethod
    def _next_rect(
        points: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[float, float, float, float, float]:
        """The next frame's region from ``points`` (N, 3) px and their (x, y) bounding box ``lo``, ``hi``."""
        a, b = points[EYE_LINE[0]], points[EYE_LINE[1]]
        rotation = _normalize_radians(-np.arctan2(-(b[1] - a[1]), b[0] - a[0]))
        side = float(max(hi - lo)) * ROI_SCALE
        return (float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2, side, side, rotation)

    def detect(self, rgb: np.ndarray, t_s: float) -> FaceObservation | None:
        """The face in ``rgb`` (H x W x 3 uint8) at ``t_s`` seconds (increasing), or None."""
        points = self.track(rgb, t_s)
        if points is None:
            return None
        height, width = rgb.shape[:2]
        blendshapes, poses = self.describe_many(points[None], width, height)
        return FaceObservation(points=points, blendshapes=blendshapes[0], pose=poses[0])

    def track(self, rgb: np.ndarray | Picture, t_s: float) -> np.ndarray | None:
        """Steps 1-4 of the module docstring for one frame: the smoothed landmarks (478, 3) float32 in pixels of
        ``rgb`` (an array, or a decoded :class:`~facetwitch.video.Picture` of which only the face's region is
        converted) at ``t_s`` seconds (increasing), or None. Blendshapes and head pose are left to
        :meth:`describe_many`, which serves many frames at once."""
        # The filter sees whole milliseconds, strictly increasing, as MediaPipe's VIDEO mode timestamps are.
        self._last_ms = max(round(t_s * 1000.0), self._last_ms + 1)
        rect = self._rect
        if rect is None:
            rect = self.detect_face(rgb)
            if rect is None:
                return None
        points, presence = self._landmark(rgb, rect)
        if presence < self._min_confidence:
            self._rect = None
            if self._smooth is not None:
                self._smooth.reset()
            return None
        xy = points[:, :2]
        lo, hi = xy.min(axis=0), xy.max(axis=0)  # the region's box and the filter's scale
        self._rect = self._next_rect(points, lo, hi)
        if self._smooth is None:
            return np.asarray(points, dtype=np.float32)
        return np.asarray(self._smooth(points, self._last_ms / 1000.0, hi - lo), dtype=np.float32)

    def describe_many(self, points: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """Blendshapes (N, 52) float32 and facial transformation matrices (N, 4, 4) float32 of N faces'
        smoothed landmarks (N, 478, 3) from :meth:`track` in a ``width`` x ``height`` frame. The blendshape
        model takes one face per call; the pose fit is vectorised over all of them."""
        blendshapes = np.empty((len(points), 52), dtype=np.float32)
        for i, face in enumerate(points):
            self._blendshapes.fill(face[BLENDSHAPE_POINTS, :2])
            blendshapes[i] = self._blendshapes.run()[0].ravel()
        return blendshapes, self._pose.fit_many(points, width, height)
