"""The stages wired together: decode -> landmarks -> signals -> events -> episodes -> summary.

Streaming: each frame is reduced to a short row of numbers as soon as it is decoded, so memory does not
grow with the video beyond a few dozen floats and two small eye patches (384 bytes) per frame. Decoding runs in
its own thread and overlaps with the landmarker, so both cores work.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import cv2
import numpy as np
import pyarrow as pa

from facetwitch import model as model_mod
from facetwitch.cheek_picture import CHEEK_VALUES, cheek_grid, cheek_patches
from facetwitch.errors import AnalysisError, NoFaceError, TimeLimitError, VideoError
from facetwitch.lid_picture import PATCH_VALUES, eye_grid, eye_patches, patch_region, picture_change
from facetwitch.records import LOW_FPS, Analysis, EngineInfo, Gap, Quality, VideoInfo, is_frame_rate_cap
from facetwitch.signals import (
    BLENDSHAPES,
    RAW,
    RAW_COLUMNS,
    SIDES,
    QualityLimits,
    Signals,
    frame_interval,
    measure_many,
    normalise,
    usable_mask,
)
from facetwitch.video import Picture, TruncatedVideo, iter_frames, probe

if TYPE_CHECKING:
    from facetwitch.events import DetectionParams
    from facetwitch.landmarks import FaceLandmarker

__all__ = ["AnalysisError", "NoFaceError", "TimeLimitError", "VideoError", "analyze", "engine_info"]

Progress = Callable[[int, int | None], None]


class _Rows:
    """Append-only table (float32 unless told) in blocks of ``block`` rows: a frame's measurements cost one row,
    growing never copies what is held, and at most one block is unfilled (a ten-minute recording's cheek patches
    are 14 MB; a doubling buffer held up to twice that and copied it as it grew)."""

    def __init__(self, width: int, block: int = 1024, dtype: type = np.float32):
        self._width, self._block, self._dtype = width, block, dtype
        self._blocks: list[np.ndarray | None] = []
        self.n = 0

    def extend(self, rows: np.ndarray, present: np.ndarray) -> None:
        """Append one row per entry of ``present`` (bool): the next of ``rows`` where True, NaN where False."""
        full = np.full((len(present), self._width), np.nan, dtype=self._dtype)
        full[present] = rows
        done = 0
        while done < len(full):
            at = self.n % self._block
            if at == 0:
                self._blocks.append(np.empty((self._block, self._width), dtype=self._dtype))
            take = min(self._block - at, len(full) - done)
            self._blocks[-1][at : at + take] = full[done : done + take]
            done += take
            self.n += take

    def append(self, row: np.ndarray | None) -> None:
        """Append one row (a NaN row for None)."""
        if row is None:
            self.extend(np.empty((0, self._width), self._dtype), np.zeros(1, dtype=bool))
        else:
            self.extend(row[None], np.ones(1, dtype=bool))

    def take(self) -> np.ndarray:
        """The rows appended, (n, width), as one array; the table is left empty (its blocks are freed)."""
        rows = np.empty((self.n, self._width), dtype=self._dtype)
        for i in range(len(self._blocks)):
            part = rows[i * self._block : (i + 1) * self._block]
            part[:] = self._blocks[i][: len(part)]
            self._blocks[i] = None  # freed as soon as copied: the table is never held twice
        self._blocks, self.n = [], 0
        return rows


def analyze(
    path: str | os.PathLike[str],
    *,
    mirrored: bool = False,
    model: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    params: DetectionParams | None = None,
    workers: int | None = None,
    backend: str | None = None,
    landmarker: FaceLandmarker | None = None,
    time_limit_s: float | None = None,
    name: str | None = None,
    max_fps: float | None = None,
) -> Analysis:
    """Analyse one face video.

    ``mirrored``: the video is a selfie-camera mirror image (frames are flipped back so sides stay the
    patient's own). ``model``: a face_landmarker.task to use instead of the cached one. ``progress`` is called
    as ``progress(frames_done, frames_expected_or_None)``. ``workers``: segments landmarked at once (default: one
    per core); how the video is cut into segments depends on its duration only (:func:`plan_segments`), so the
    results do not depend on the machine or on ``workers``. ``backend``: the landmark backend, ``"litert"`` (the
    ``.task``'s models run directly) or ``"tasks"`` (MediaPipe's Tasks API, the reference); default
    :data:`facetwitch.landmarks.DEFAULT_BACKEND`. ``landmarker``: a long-lived landmarker (from
    :func:`facetwitch.landmarks.open_landmarker`) to reuse instead of opening one per segment (batch workers keep
    one per process); the segments are then read one after the other, each from a restarted landmarker, so
    the results are identical (``model`` and ``backend`` are not used). ``time_limit_s``: wall-clock seconds
    this one video may take; past it the analysis stops with :class:`TimeLimitError` (a damaged file that
    decodes endlessly, or a far longer video than expected, must not hold a worker for ever). ``name``: how the analysis names the video
    (``analysis.video.path``) instead of its path, e.g. the name a file was uploaded under, so that a private
    storage path never reaches the analysis or its report. ``max_fps``: analyse at most this many frames a
    second, spread evenly (:class:`facetwitch.video.FrameRateCap`; e.g. 30 for a 60 or 120 frames/s phone
    video: half or a quarter of the work, for a time resolution of 33 ms; ``analysis.video.max_fps`` records it);
    None (default) analyses every frame. Raises :class:`AnalysisError` (with a message for the
    user: ``exc.reason``, and the file in ``exc.path``) for unreadable videos or when no face is ever found.
    """
    from facetwitch.landmarks import BACKENDS, DEFAULT_BACKEND

    backend = landmarker.name if landmarker is not None else backend or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise ValueError(f"unknown landmark backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if max_fps is not None and not is_frame_rate_cap(max_fps):
        raise ValueError(
            f"max_fps must be at least {LOW_FPS:g} frames a second (fewer miss brief twitches), not {max_fps!r}"
        )
    path = Path(path)
    _preload_later_stages()
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    info = probe(path, mirrored=mirrored)
    expected = info.frames
    if max_fps is not None and info.fps_nominal > max_fps:
        expected = round(info.frames * max_fps / info.fps_nominal)
    counter = _ProgressCounter(progress, expected or None)
    segments = plan_segments(info.duration_s)
    # A decoding thread beside the landmarking thread pays where it has a core of its own; on one core the LiteRT
    # landmarker decodes its own frames between landmarking them (no hand-overs between threads, no thread switch
    # in the middle of a model run). MediaPipe's Tasks API runs a graph of threads of its own: it keeps its
    # decoding thread.
    prefetch = 0 if backend == "litert" and usable_cpus() == 1 else READ_AHEAD_FRAMES

    def run(source: Path | FaceLandmarker, group: list[tuple[float, float | None]]) -> list[_Segment]:
        # One landmarker for the group's segments; each segment restarts it.
        with _segment_landmarker(source, backend) as one:
            return [
                _landmark_segment(path, one, mirrored, seg, counter, deadline, prefetch, max_fps)
                for seg in group
            ]

    try:
        if landmarker is not None:
            parts = run(landmarker, segments)
        else:
            model_path = model_mod.resolve(model)
            at_once = min(workers or usable_cpus(), len(segments))
            if at_once == 1:
                parts = run(model_path, segments)
            else:
                with ThreadPoolExecutor(
                    max_workers=at_once, thread_name_prefix="facetwitch-landmarks"
                ) as pool:
                    parts = list(pool.map(lambda seg: run(model_path, [seg])[0], segments))
    except TimeLimitError as exc:
        raise TimeLimitError(
            f"stopped after the time limit of {time_limit_s:g} s for one video ({counter.done} frames "
            "analysed); the file is damaged or much longer than expected: check that it plays, cut it into "
            "shorter recordings or allow more time",
            path=path,
        ) from exc
    from facetwitch.episodes import group_episodes
    from facetwitch.events import DetectionParams, detect_events, runs, span
    from facetwitch.summary import suggest_scales, summarise

    warnings: list[str] = [w for part in parts for w in part.warnings]
    face_lumas = [luma for part in parts for luma in part.face_lumas]
    times = np.concatenate([part.times for part in parts])
    # Segments follow one another in time, so their frames are in order unless the video's time stamps are not.
    order = None if (np.diff(times) >= 0).all() else np.argsort(times, kind="stable")
    pieces = {name: [getattr(part, name) for part in parts] for name in _Segment.ROWS}
    del parts  # each table's pieces are freed as it is joined: the rows are never held twice
    t_s, found_mask, raw_rows, blend_rows, patch_rows, cheek_rows = (
        _joined(pieces.pop(name), order) for name in _Segment.ROWS
    )
    _return_freed_memory()
    t_s = t_s - (t_s[0] if t_s.size else 0.0)
    if problem := timing_problem(t_s):
        raise VideoError(problem, path=path)
    if not (later := np.r_[True, np.diff(t_s) > 0]).all():
        # A recorder with coarse time stamps (a browser's, in milliseconds) can give two frames one time: the
        # second says nothing about motion in time and would make a zero frame interval. The first is kept.
        repeated = int((~later).sum())
        warnings.append(
            f"{repeated} frame{'s' if repeated > 1 else ''} repeated the time stamp of the frame before and "
            f"{'were' if repeated > 1 else 'was'} left out; the rest were measured"
        )
        t_s, found_mask = t_s[later], found_mask[later]
        raw_rows, blend_rows, patch_rows = raw_rows[later], blend_rows[later], patch_rows[later]
        cheek_rows = cheek_rows[later]
    if not found_mask.any():
        raise NoFaceError(
            f"no face was found in {_frames(t_s.size)}; film the patient's face from the front, "
            "well lit, filling at least a third of the picture",
            path=path,
        )
    usable = usable_mask(raw_rows, found_mask)
    if not usable.any():
        raise NoFaceError(
            "a face was found but never frontal or large enough to measure the eyelids; film the face "
            "from the front, closer to the camera",
            path=path,
        )
    lid_pictures = picture_change(patch_rows, found_mask & np.isfinite(patch_rows[:, 0]))
    del patch_rows
    sig = normalise(t_s, raw_rows, usable, blend_rows, lid_pictures, cheek_rows)
    detection = params or DetectionParams()
    events = detect_events(sig, detection)
    episodes = group_episodes(events)
    summary = summarise(sig, events, episodes)
    scales = suggest_scales(summary, episodes, events)
    face_luma = float(np.median(face_lumas)) if face_lumas else None
    lid_travel = {side: sig.side("lid_travel", side) for side in SIDES}
    warnings += _quality_warnings(
        t_s, found_mask, raw_rows, info.duration_s, sig.fps, sig.lid_range_measured, face_luma, lid_travel
    )
    info = replace(_with_decoded_counts(info, t_s), max_fps=max_fps)
    if name is not None:
        info = replace(info, path=name)
    dt = frame_interval(t_s)
    quality = Quality(
        face_found_fraction=float(found_mask.mean()),
        gaps=tuple(Gap(*span(t_s, a, b, dt)) for a, b in runs(~usable)),
        warnings=tuple(warnings),
        lid_range_measured=sig.lid_range_measured,
        face_brightness=face_luma,
        lid_travel_left=lid_travel["left"],
        lid_travel_right=lid_travel["right"],
    )
    return Analysis(
        video=info,
        quality=quality,
        events=events,
        episodes=episodes,
        summary=summary,
        suggested_scales=scales,
        engine=engine_info(backend).to_mapping(),
        frames=_frame_table(sig, found_mask, raw_rows, blend_rows),
    )


_LATER_STAGES = ("facetwitch.events", "facetwitch.episodes", "facetwitch.summary")


def _return_freed_memory() -> None:
    """Give the heap that the landmarking threads freed (decoded frames, model buffers) back to the system
    (glibc's ``malloc_trim``; elsewhere nothing): it would otherwise stay part of the process, and the later
    stages and a worker's next video allocate from the main thread's heap, not from theirs. About a millisecond."""
    if (trim := _malloc_trim()) is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def _preload_later_stages() -> None:
    """Import the stages after the landmarks (they load SciPy: about a second of one core) in a background
    thread, so that a fresh process starts decoding and landmarking at once and the import overlaps with
    them instead of delaying the whole analysis. A failed import is left to the real one, which reports it."""
    if all(name in sys.modules for name in _LATER_STAGES):
        return

    def load() -> None:
        with contextlib.suppress(Exception):
            for name in _LATER_STAGES:
                importlib.import_module(name)

    threading.Thread(target=load, name="facetwitch-preload", daemon=True).start()


# Frame rates a camera video can have: slow motion goes up to about 1000 frames/s; below 2 frames/s a twitch
# falls between frames. Outside them the file's time stamps are damaged, and rates per minute would be nonsense.
MAX_FPS = 1000.0
MIN_FPS = 2.0


def timing_problem(t_s: np.ndarray) -> str | None:
    """Why the decoded frame times (s, sorted) cannot be a camera video's, or None when they can."""
    if t_s.size < 2:
        return (
            f"only {t_s.size} frame could be read: the file is damaged (or a still picture); copy or export the "
            "video again from the original recording"
        )
    dt = np.diff(t_s)
    moving = dt > 0
    if moving.mean() < 0.5:
        return (
            f"{int((~moving).sum()) + 1} of its {t_s.size} frames share their time stamps: the file's timing is "
            "damaged; export the video again from the original recording"
        )
    fps = 1.0 / float(np.median(dt[moving]))
    if not MIN_FPS <= fps <= MAX_FPS:
        return (
            f"its frames are {1 / fps:.3g} s apart ({fps:.3g} frames/s), outside what a camera records "
            f"({MIN_FPS:g} to {MAX_FPS:g} frames/s): the file's timing is damaged; export the video again from "
            "the original recording"
        )
    return None


def _frames(n: int) -> str:
    return "the only frame" if n == 1 else f"any of the {n} frames"


MIN_SEGMENT_S = 15.0
MAX_SEGMENTS = 2
# A segment after the first is landmarked from this long before its start, and those frames are dropped: a
# landmarker starting afresh reads the first ~0.5 s differently (lid apertures up to 0.05 apart, a tenth of a
# blink) until its tracking and MediaPipe's landmark filter settle; after 1 s they agree within the noise.
SEGMENT_LEAD_S = 1.0


def plan_segments(duration_s: float) -> list[tuple[float, float | None]]:
    """Cut a video of ``duration_s`` seconds into contiguous time segments [start, end) (s; the last one
    open-ended) to be landmarked in parallel.

    The cut depends on the duration alone, never on the machine, so that a video gives the same results on any
    number of cores: two segments from ``2 * MIN_SEGMENT_S`` on, for the two cores this engine is made to run on
    (more would use a bigger machine's cores for one video, but every cut perturbs the landmarks after it a little
    and costs a lead; ``batch`` and the clinic's worker use more cores with more videos at once). The second
    segment also landmarks the ``SEGMENT_LEAD_S`` before it; the first is that much longer, so that both take the
    same work."""
    n = MAX_SEGMENTS if duration_s >= MAX_SEGMENTS * MIN_SEGMENT_S else 1
    work_s = (duration_s + (n - 1) * SEGMENT_LEAD_S) / n
    bounds = [0.0] + [work_s + i * (work_s - SEGMENT_LEAD_S) for i in range(n - 1)]
    return [(b, bounds[i + 1] if i + 1 < n else None) for i, b in enumerate(bounds)]


def usable_cpus() -> int:
    """CPUs this process may run on (``taskset``/cgroup affinity), not all the machine has."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _ProgressCounter:
    """Frames done across all segments, reported from any thread."""

    def __init__(self, callback: Progress | None, total: int | None):
        self._callback, self._total, self.done = callback, total, 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.done += 1
            if self._callback is not None:
                self._callback(self.done, self._total)


@dataclass
class _Segment:
    times: np.ndarray
    found: np.ndarray
    raw: np.ndarray
    blend: np.ndarray
    warnings: list[str]
    face_lumas: list[float]  # the face box's mean brightness (0-255), about once a second (LUMA_EVERY_S)
    eye_patches: np.ndarray  # (frames, PATCH_VALUES) float16 patches of both eyes (facetwitch.lid_picture)
    cheek_patches: np.ndarray  # (frames, CHEEK_VALUES) float16 cheek patches (facetwitch.cheek_picture)

    # The per-frame tables, in the order analyze joins them.
    ROWS: ClassVar[tuple[str, ...]] = ("times", "found", "raw", "blend", "eye_patches", "cheek_patches")


def _joined(pieces: list[np.ndarray], order: np.ndarray | None) -> np.ndarray:
    """The segments' ``pieces`` of one per-frame table as one array, in time ``order`` (None: as they are); the
    list is emptied as it is joined, so the pieces can be freed."""
    rows = np.concatenate(pieces)
    pieces.clear()
    return rows if order is None else rows[order]


@contextlib.contextmanager
def _segment_landmarker(source: Path | FaceLandmarker, backend: str) -> Iterator[FaceLandmarker]:
    """A landmarker of its own (from a model file), or the shared one given (each segment restarts it)."""
    from facetwitch.landmarks import open_landmarker  # models load only when needed

    if isinstance(source, Path):
        with open_landmarker(backend, source) as landmarker:
            yield landmarker
    else:
        yield source


# Frames a decoding thread may run ahead of its landmarker: enough to keep both busy, few enough that full-HD
# frames do not pile up.
READ_AHEAD_FRAMES = 4

# Faces measured together: numpy's per-call overhead is paid once per batch instead of once per frame, and the
# batch's landmarks (~0.7 MB) are all that is held besides the rows.
MEASURE_BATCH = 128

# How often the face's brightness is sampled (s): a recording's lighting, not each frame's (a face region's
# RGB, ~0.5 ms, once a second).
LUMA_EVERY_S = 1.0


def _landmark_segment(path: Path, landmarker: FaceLandmarker, mirrored: bool,
                      segment: tuple[float, float | None], counter: _ProgressCounter,
                      deadline: float | None = None, prefetch: int = READ_AHEAD_FRAMES,
                      max_fps: float | None = None) -> _Segment:  # fmt: skip
    """Decode one time segment and reduce each frame to a row of raw measurements, with ``landmarker`` restarted
    (a fresh state, whatever it read before); ``prefetch``: frames decoded ahead in a thread of their own (0:
    decoded in this thread, see :func:`facetwitch.video.iter_frames`); ``max_fps``: at most this many frames a
    second are landmarked (None: all)."""
    from facetwitch.landmarks import BLENDSHAPE_INDEX, BLENDSHAPE_NAMES

    times: list[float] = []
    found: list[bool] = []
    raw = _Rows(len(RAW_COLUMNS))
    blend = _Rows(len(BLENDSHAPES))
    # Half floats: 384 bytes a frame (7 MB for ten minutes at 30 frames/s), a hundredth of a grey level apart.
    patches = _Rows(PATCH_VALUES, dtype=np.float16)
    cheeks = _Rows(CHEEK_VALUES, dtype=np.float16)  # 768 bytes a frame
    kept = np.array([BLENDSHAPE_INDEX[k] for k in BLENDSHAPES])
    points = np.empty((MEASURE_BATCH, 478, 3), dtype=np.float32)
    poses = np.empty((MEASURE_BATCH, 4, 4), dtype=np.float32)
    blendshapes = np.empty((MEASURE_BATCH, len(BLENDSHAPE_NAMES)), dtype=np.float32)
    pending: list[bool] = []  # face found, for each frame not yet measured
    size = (0, 0)  # width, height of the (upright) frames
    warnings: list[str] = []
    face_lumas: list[float] = []
    start_s, end_s = segment
    next_luma_s = start_s

    landmarker.restart()
    # The LiteRT backend leaves blendshapes and head pose to one call per batch (see its describe_many).
    track = getattr(landmarker, "track", None)
    faces = 0  # faces in `pending`, stored in points[:faces] (and poses, blendshapes)

    def measure_pending() -> None:
        if faces and track is not None:
            blendshapes[:faces], poses[:faces] = landmarker.describe_many(points[:faces], *size)
        mask = np.asarray(pending, dtype=bool)
        raw.extend(measure_many(points[:faces], poses[:faces]), mask)
        blend.extend(blendshapes[:faces, kept], mask)
        pending.clear()

    try:
        # One decoding thread per segment keeps up: decoding costs a fraction of landmarking (~1.4 of ~8 ms
        # a 720p frame), so FFmpeg's frame threads would only add hand-overs between busy cores.
        for frame in iter_frames(
            path,
            mirrored=mirrored,
            start_s=max(0.0, start_s - SEGMENT_LEAD_S),
            end_s=end_s,
            prefetch=prefetch,
            threads=1,
            deadline=deadline,
            warnings=warnings,
            # The LiteRT backend converts only the face's region of each frame to RGB (in this thread).
            convert=track is None,
            max_fps=max_fps,
        ):
            if track is not None:
                face = track(frame.picture, frame.t_s)
                if face is not None:
                    points[faces] = face
            else:
                face = landmarker.detect(frame.rgb, frame.t_s)
                if face is not None:
                    points[faces], poses[faces] = face.points, face.pose
                    blendshapes[faces] = face.blendshapes
            if frame.t_s < start_s:  # the lead: tracking settles; its slot is overwritten by the next face
                continue
            if face is not None and frame.t_s >= next_luma_s:
                xy = points[faces, :, :2]
                (x0, y0), (x1, y1) = np.floor(xy.min(axis=0)), np.ceil(xy.max(axis=0)) + 1
                if (luma := frame.picture.mean_luma(int(x0), int(y0), int(x1), int(y1))) is not None:
                    face_lumas.append(luma)
                next_luma_s = frame.t_s + LUMA_EVERY_S
            size = (frame.picture.width, frame.picture.height)
            eyes, cheek = (None, None) if face is None else _patches(frame.picture, points[faces])
            patches.append(eyes)
            cheeks.append(cheek)
            times.append(frame.t_s)
            found.append(face is not None)
            pending.append(face is not None)
            faces += face is not None
            if faces == MEASURE_BATCH:
                measure_pending()
                faces = 0
            counter.add()
    except TruncatedVideo as exc:
        warnings.append(f"the video ends early: {exc}; the frames before were analysed")
    except VideoError as exc:
        if exc.path is not None:
            raise
        raise VideoError(exc.reason, path=path) from exc  # a frame converted in this thread (litert)
    measure_pending()
    return _Segment(
        np.asarray(times, dtype=np.float64),
        np.asarray(found, dtype=bool),
        raw.take(),
        blend.take(),
        warnings,
        face_lumas,
        patches.take(),
        cheeks.take(),
    )


def _patches(picture: Picture, points: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """One frame's rows of both eyes' and both cheeks' grey patches (:func:`facetwitch.lid_picture.eye_patches`,
    :func:`facetwitch.cheek_picture.cheek_patches`); None, None when they lie outside the frame. Only their region
    is read: a slice of the face region the landmarker converted."""
    eyes, cheeks = eye_grid(points), cheek_grid(points)
    rgb, x0, y0 = picture.region(*patch_region(eyes, cheeks))
    if not rgb.size:
        return None, None
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return eye_patches(grey, x0, y0, eyes).ravel(), cheek_patches(grey, x0, y0, cheeks).ravel()


def engine_info(backend: str | None = None) -> EngineInfo:
    """The versions this engine would record for an analysis with ``backend`` (default: the default backend)."""
    from importlib.metadata import PackageNotFoundError, version

    from facetwitch.landmarks import DEFAULT_BACKEND
    from facetwitch.version import __version__

    def installed(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "unknown"

    backend = backend or DEFAULT_BACKEND
    components = (("ai-edge-litert", installed("ai-edge-litert")),) if backend == "litert" else ()
    return EngineInfo(
        version=__version__,
        mediapipe=installed("mediapipe"),
        model_sha256=model_mod.MODEL_SHA256,
        landmark_backend=backend,
        components=components,
    )


def _with_decoded_counts(info: VideoInfo, t_s: np.ndarray) -> VideoInfo:
    """Replace the container's estimates with what was actually decoded."""
    duration = float(t_s[-1] + frame_interval(t_s)) if t_s.size else 0.0
    return replace(info, frames=int(t_s.size), duration_s=duration)


def _quality_warnings(
    t_s,
    found,
    raw_rows,
    container_duration_s: float,
    fps: float,
    lid_range_measured: bool = True,
    face_luma: float | None = None,
    lid_travel: dict[str, float | None] | None = None,
) -> list[str]:
    """What limits this recording's measurement, each with what to do. ``lid_travel``: each eye's full-blink
    depth in the mesh (share of the open aperture; None where not measured)."""
    warnings = []
    if t_s.size and container_duration_s > 2 and t_s[-1] < 0.9 * container_duration_s - 1:
        warnings.append(
            f"frames stop at {t_s[-1]:.1f} s although the file says {container_duration_s:.1f} s: the file may be "
            "truncated; the frames before were analysed"
        )
    limits = QualityLimits()
    if found.mean() < 0.9:
        warnings.append(
            f"no face in {1 - found.mean():.0%} of the frames: those stretches are gaps, not measured"
        )
    with np.errstate(invalid="ignore"):
        turned = found & (
            (np.abs(raw_rows[:, RAW["yaw_deg"]]) > limits.max_yaw_deg)
            | (np.abs(raw_rows[:, RAW["pitch_deg"]]) > limits.max_pitch_deg)
        )
        small = found & (raw_rows[:, RAW["iod_px"]] < limits.min_iod_px)
    if turned.mean() > 0.05:
        warnings.append(f"head turned too far in {turned.mean():.0%} of the frames (not measured); ask the patient "
                        "to face the camera")  # fmt: skip
    if small.mean() > 0.05:
        warnings.append(f"face too small in {small.mean():.0%} of the frames; film closer")
    if t_s.size and t_s[-1] < 20:
        warnings.append(
            f"only {t_s[-1]:.0f} s of video: rates per minute are imprecise; record at least one minute"
        )
    if fps < LOW_FPS:
        warnings.append(f"frame rate {fps:.0f}/s is low: twitches shorter than {2 / fps:.2f} s may be missed")
    if face_luma is not None and face_luma < limits.min_face_luma:
        warnings.append(
            f"the face is dimly lit (brightness {face_luma:.0f} of 255, {limits.min_face_luma:.0f} or more "
            "recommended): faint eyelid twitches and weak blinks may be missed; film facing a window or a lamp"
        )
    elif face_luma is not None and face_luma > limits.max_face_luma:
        warnings.append(
            f"the face is over-exposed (brightness {face_luma:.0f} of 255, at most {limits.max_face_luma:.0f} "
            "recommended): its detail is washed out and movements may be missed; film out of direct light"
        )
    # Lids that were not measured have no travel (None): the warning below covers them instead.
    shallow = {
        side: travel
        for side, travel in (lid_travel or {}).items()
        if travel is not None and travel < limits.min_lid_travel
    }
    if shallow:
        eyes = " and ".join(f"the {side} eye's opening by {travel:.0%}" for side, travel in shallow.items())
        warnings.append(
            f"the eyelids move little in the picture: a full blink narrows {eyes} "
            f"({limits.min_lid_travel:.0%} or more shows faint twitches): faint one-sided eyelid twitches may be "
            "missed or misjudged (hooded lids, glasses, a small or blurred face); film closer, in good light, "
            "without tinted glasses"
        )
    if not lid_range_measured:
        warnings.append(
            "no blink moved the eyelids measurably: eyelid closure is read against a typical blink, so blinks and "
            "eyelid twitches may be missed or misjudged; film in good light, the face filling a third of the "
            "picture, for long enough to include a few ordinary blinks"
        )
    return warnings


def _frame_table(sig: Signals, found: np.ndarray, raw_rows: np.ndarray, blend_rows: np.ndarray) -> pa.Table:
    columns: dict[str, np.ndarray] = {
        "t_s": sig.t_s,
        "face_found": found,
        "usable": sig.usable,
    }
    for name in ("closure", "brow", "cheek", "mouth"):
        for side in ("left", "right"):
            columns[f"{name}_{side}"] = sig.side(name, side).astype(np.float32)
    columns["jaw"] = sig.jaw.astype(np.float32)
    for name in ("lid_picture", "cheek_picture"):
        for side in ("left", "right"):
            picture = sig.side(name, side)
            columns[f"{name}_{side}"] = (
                np.full(sig.t_s.size, np.nan) if picture is None else picture
            ).astype(np.float32)
    for name in ("yaw_deg", "pitch_deg", "roll_deg", "iod_px", "aperture_left", "aperture_right"):
        columns[name] = raw_rows[:, RAW[name]]
    for i, name in enumerate(BLENDSHAPES):
        columns[f"bs_{name}"] = blend_rows[:, i]
    return pa.Table.from_arrays([_arrow(v) for v in columns.values()], names=list(columns))


def _arrow(values: np.ndarray) -> pa.Array:
    """A numpy column as an Arrow array over the same bytes (NaN stays NaN). Built from buffers because
    ``pa.table``/``pa.array`` import pandas on first use (about a second of start-up for nothing)."""
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])
