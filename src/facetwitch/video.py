"""Video decoding with PyAV: real presentation timestamps, display rotation applied, optional mirroring.

Frames are streamed one at a time (never the whole video in memory). Times are seconds from the first
frame's presentation time, so variable-frame-rate phone videos keep their true timing.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from facetwitch.errors import TimeLimitError, VideoError
from facetwitch.records import VideoInfo, VideoProbe

# FFmpeg opens pictures as one-frame "videos": refuse them with a clear message.
STILL_IMAGE_FORMATS = frozenset({"image2", "gif", "apng", "webp", "jpeg_pipe", "png_pipe"})

# Picture sizes the engine accepts. Above 8K (7680 x 4320) a frame is a decoder bomb, not a phone video: a few
# bytes of a damaged or crafted file can declare 16000 x 16000 (768 MB per RGB frame). Below 48 pixels a side
# no face can be measured (the eyes must be 25 px apart), and thousands of tiny frames only cost time.
MAX_SIDE_PX = 8192
MAX_FRAME_PIXELS = 7680 * 4320
MIN_SIDE_PX = 48


def picture_size_problem(width: int, height: int) -> str | None:
    """Why a picture of ``width`` x ``height`` pixels cannot be analysed, or None when it can (0: unknown)."""
    if width <= 0 or height <= 0:
        return None
    if max(width, height) > MAX_SIDE_PX or width * height > MAX_FRAME_PIXELS:
        return (
            f"the picture is {width}x{height} pixels, more than the engine accepts (8K: 7680x4320, at most "
            f"{MAX_SIDE_PX} on a side): the file is damaged or not a camera video; export it again at 4K "
            "(3840x2160) or less"
        )
    if min(width, height) < MIN_SIDE_PX:
        return f"the picture is only {width}x{height} pixels, too small to measure a face; record at 640x480 or more"
    return None


# 8-bit planar YUV layouts whose chroma planes are subsampled by (2 ** x, 2 ** y): a rectangle of these can be
# converted on its own with exactly the pixels of the whole frame's conversion (swscale's unscaled converters
# take each pixel's colour from its own chroma sample only).
_PLANAR_YUV = {
    "yuv420p": (1, 1), "yuvj420p": (1, 1), "yuv422p": (1, 0), "yuvj422p": (1, 0), "yuv444p": (0, 0),
    "yuvj444p": (0, 0),
}  # fmt: skip


LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])  # Rec. 601 luma of R, G, B (as the capture page reads it)


class Picture:
    """One decoded frame as upright (and, if asked, un-mirrored) RGB, converted when and where it is asked for.

    :meth:`rgb` converts the whole frame once; :meth:`region` converts only a rectangle of it from the decoded
    YUV planes, with the same pixel values as the whole frame's conversion, so a landmarker that looks at the
    face's region only pays for that region (YUV -> RGB of a full-HD frame costs about as much as the landmark
    crop and its bookkeeping together). The last rectangle converted is kept: one inside it (the eyes' patches,
    the face's brightness, inside the face's region) is a slice of it. One :class:`Picture` is used by one thread
    at a time.
    """

    __slots__ = (
        "_frame",
        "_last_region",
        "_mirrored",
        "_reformatter",
        "_rgb",
        "_rotation",
        "height",
        "width",
    )

    def __init__(self, frame: av.VideoFrame, rotation_cw: int = 0, mirrored: bool = False,
                 reformatter: VideoReformatter | None = None):  # fmt: skip
        self._frame, self._rgb, self._rotation, self._mirrored = frame, None, rotation_cw, mirrored
        # The last rectangle converted, and where its top-left pixel lies.
        self._last_region: tuple[np.ndarray, int, int] | None = None
        self.width, self.height = frame.width, frame.height
        if rotation_cw in (90, 270):
            self.width, self.height = self.height, self.width
        self._reformatter = reformatter

    def rgb(self) -> np.ndarray:
        """The whole frame, H x W x 3 uint8 (converted on the first call)."""
        if self._rgb is None:
            self._rgb = self._oriented(self._convert(self._frame))
            self._frame = None  # the decoder's buffer goes back to it
        return self._rgb

    def region(self, x0: int, y0: int, x1: int, y1: int) -> tuple[np.ndarray, int, int]:
        """RGB pixels covering the rectangle [x0, x1) x [y0, y1) of the upright frame (clipped to it), and the
        upright coordinates of their top-left pixel: possibly a little more than asked (chroma alignment)."""
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(self.width, x1), min(self.height, y1)
        if self._last_region is not None:  # e.g. the eyes, inside the face's region the landmarker converted
            last, lx0, ly0 = self._last_region
            if lx0 <= x0 and ly0 <= y0 and x1 <= lx0 + last.shape[1] and y1 <= ly0 + last.shape[0]:
                return last[y0 - ly0 : y1 - ly0, x0 - lx0 : x1 - lx0], x0, y0
        shift = None if self._frame is None else _PLANAR_YUV.get(self._frame.format.name)
        if self._rgb is not None or shift is None or x1 <= x0 or y1 <= y0:
            return self.rgb()[y0:y1, x0:x1], x0, y0
        # The rectangle in the decoded (stored) frame's coordinates, aligned to whole chroma samples.
        sx0, sy0, sx1, sy1 = self._to_stored(x0, y0, x1, y1)
        ax, ay = (1 << shift[0]) - 1, (1 << shift[1]) - 1
        sx0, sy0 = sx0 & ~ax, sy0 & ~ay
        sx1, sy1 = min(self._frame.width, (sx1 + ax) & ~ax), min(self._frame.height, (sy1 + ay) & ~ay)
        part = av.VideoFrame(sx1 - sx0, sy1 - sy0, self._frame.format.name)
        for i, (src, dst) in enumerate(zip(self._frame.planes, part.planes, strict=True)):
            fx, fy = (0, 0) if i == 0 else shift
            rows = np.frombuffer(src, np.uint8).reshape(-1, src.line_size)
            out = np.frombuffer(dst, np.uint8).reshape(-1, dst.line_size)
            out[: dst.height, : dst.width] = rows[
                sy0 >> fy : (sy0 >> fy) + dst.height, (sx0 >> fx) : (sx0 >> fx) + dst.width
            ]
        part.colorspace = self._frame.colorspace
        part.color_range = self._frame.color_range
        ux0, uy0, _, _ = self._to_upright(sx0, sy0, sx1, sy1)
        self._last_region = (self._oriented(self._convert(part)), ux0, uy0)
        return self._last_region

    def mean_luma(self, x0: int, y0: int, x1: int, y1: int) -> float | None:
        """Mean brightness (0-255, Rec. 601 weights of the RGB values) of the upright rectangle [x0, x1) x
        [y0, y1), clipped to the frame; None when nothing of it lies in the frame. Every other pixel in each
        direction: a brightness, not a picture."""
        rgb, _, _ = self.region(x0, y0, x1, y1)
        if not rgb.size:
            return None
        return float(np.tensordot(rgb[::2, ::2].mean(axis=(0, 1)), LUMA_WEIGHTS, axes=1))

    def _convert(self, frame: av.VideoFrame) -> np.ndarray:
        if self._reformatter is None:
            self._reformatter = VideoReformatter()
        try:
            return self._reformatter.reformat(frame, format="rgb24", threads=1).to_ndarray()
        except (av.FFmpegError, ValueError) as exc:  # the reader names the file (see pipeline)
            raise VideoError(
                f"a decoded frame could not be converted to RGB ({_ffmpeg_reason(exc)}); the file is damaged or "
                "uses an unusual picture format: export it again as MP4 (H.264)"
            ) from exc

    def _oriented(self, rgb: np.ndarray) -> np.ndarray:
        rgb = _upright(rgb, self._rotation)
        return np.ascontiguousarray(rgb[:, ::-1]) if self._mirrored else rgb

    def _to_stored(self, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int]:
        """An upright rectangle [x0, x1) x [y0, y1) in stored-frame coordinates (undo mirror, then rotation)."""
        if self._mirrored:
            x0, x1 = self.width - x1, self.width - x0
        w, h = self._frame.width, self._frame.height
        if self._rotation == 90:  # stored (xs, ys) -> upright (h - 1 - ys, xs)
            return y0, h - x1, y1, h - x0
        if self._rotation == 180:
            return w - x1, h - y1, w - x0, h - y0
        if self._rotation == 270:  # stored (xs, ys) -> upright (ys, w - 1 - xs)
            return w - y1, x0, w - y0, x1
        return x0, y0, x1, y1

    def _to_upright(self, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int]:
        """The inverse of :meth:`_to_stored`."""
        w, h = self._frame.width, self._frame.height
        if self._rotation == 90:
            x0, y0, x1, y1 = h - y1, x0, h - y0, x1
        elif self._rotation == 180:
            x0, y0, x1, y1 = w - x1, h - y1, w - x0, h - y0
        elif self._rotation == 270:
            x0, y0, x1, y1 = y0, w - x1, y1, w - x0
        if self._mirrored:
            x0, x1 = self.width - x1, self.width - x0
        return x0, y0, x1, y1


@dataclass(frozen=True)
class Frame:
    index: int
    t_s: float
    picture: Picture  # upright and (if asked) un-mirrored

    @property
    def rgb(self) -> np.ndarray:
        """H x W x 3, uint8, upright and (if asked) un-mirrored."""
        return self.picture.rgb()


def _open(path: Path):
    if not path.exists():
        raise VideoError("no such file; check the name and folder", path=path)
    if path.is_dir():
        raise VideoError("is a directory, not a video file; name the video files in it", path=path)
    if path.stat().st_size == 0:
        raise VideoError("the file is empty (0 bytes); copy it again from the original recording", path=path)
    try:
        # max_pixels: FFmpeg decodes a few frames while it opens the file; a damaged or crafted header that
        # declares 16000 x 16000 would make that take a minute and gigabytes before any check of ours.
        container = av.open(
            str(path), metadata_errors="ignore", options={"max_pixels": str(MAX_FRAME_PIXELS)}
        )
    except av.FFmpegError as exc:
        raise VideoError(
            f"not a readable video ({_ffmpeg_reason(exc)}); record or export it again as MP4/MOV/WebM",
            path=path,
        ) from exc
    fmt = container.format.name
    if fmt.endswith("_pipe") or fmt in STILL_IMAGE_FORMATS:
        container.close()
        raise VideoError(
            f"is a still image ({fmt}), not a video; record a video of the face at rest", path=path
        )
    if not container.streams.video:
        kinds = ", ".join(sorted({s.type for s in container.streams}))  # before close(), which empties them
        container.close()
        if not kinds:
            raise VideoError(
                "contains no picture and no sound (no stream at all): the file is damaged or empty; "
                "record or export it again as MP4/MOV/WebM",
                path=path,
            )
        what = "an audio-only file cannot be analysed" if "audio" in kinds else "it is not a video"
        raise VideoError(
            f"contains no video stream (found {kinds}); {what}; record a video of the face", path=path
        )
    context = container.streams.video[0].codec_context
    problem = (
        "its video stream is in a format that cannot be decoded (unknown codec): the file is damaged or uses a "
        "rare codec; export it again as MP4 (H.264)"
        if context is None
        else picture_size_problem(context.width, context.height)
    )
    if problem:
        container.close()
        raise VideoError(problem, path=path)
    return container


def _header_duration_s(container, stream) -> float:
    """The duration the stream (else the container) declares, in seconds; 0 when it is missing, negative or not
    a finite number (damaged headers)."""
    value = 0.0
    if stream.duration is not None and stream.time_base is not None:
        value = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        value = container.duration / av.time_base
    return value if math.isfinite(value) and value > 0 else 0.0


def _ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's reason without the file name it appends (the error names its file separately)."""
    return getattr(exc, "strerror", None) or type(exc).__name__


def probe_video(path: str | Path) -> VideoProbe:
    """Check that ``path`` is a video the engine can read and describe it as displayed, without analysing it.

    Decodes the first frame (a file that opens but cannot be decoded is refused here, not later) and applies
    the display rotation: ``width`` and ``height`` are those of the upright picture. Raises
    :class:`~facetwitch.errors.VideoError` (``reason`` says what is wrong and what to do).
    """
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        try:
            first = next(container.decode(stream), None)
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise VideoError(
                f"decoding failed at the first frame ({_ffmpeg_reason(exc)}); the file is damaged or "
                "incomplete: copy it again from the original",
                path=path,
            ) from exc
        if first is None:
            raise VideoError(
                "no frame could be decoded; the file may be incomplete: copy it again from the original",
                path=path,
            )
        if problem := picture_size_problem(first.width, first.height):
            raise VideoError(problem, path=path)
        tag = _tag_rotation(stream)
        rotation = tag if tag is not None else _rotation_from_frame(first)
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        rate = _declared_rate(stream)
        duration = _header_duration_s(container, stream) or None
        fps = float(rate) if rate else 0.0
        return VideoProbe(
            container=container.format.name,
            codec=stream.codec_context.name or "",
            width=int(width),
            height=int(height),
            rotation=rotation,
            fps=fps,
            duration_s=duration,
            frames=int(stream.frames or (round(duration * fps) if duration and fps else 0)),
        )
    finally:
        container.close()


def _declared_rate(stream) -> Fraction | None:
    """The frame rate (frames/s) a video stream declares: the container's average rate, or for a bare stream
    without a container (no start time; FFmpeg then assumes 25/s) the codec's own timing (H.264's VUI) as
    FFmpeg's guess reads it."""
    if stream.start_time is None and stream.guessed_rate:
        return stream.guessed_rate
    return stream.average_rate or stream.base_rate


def probe(path: str | Path, *, mirrored: bool = False) -> VideoInfo:
    """Read the container's description of the video without decoding it (frame count may be estimated)."""
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rate = _declared_rate(stream) or Fraction(30)
        duration = _header_duration_s(container, stream)
        frames = stream.frames or round(duration * float(rate))
        width, height = stream.codec_context.width, stream.codec_context.height
        tag = _tag_rotation(stream)
        # The display matrix is on decoded frames; a damaged header may also lack the picture size.
        first = _first_frame(container, stream) if tag is None or width <= 0 or height <= 0 else None
        rotation = tag if tag is not None else _rotation_from_frame(first) if first is not None else 0
        if (width <= 0 or height <= 0) and first is not None:
            width, height = first.width, first.height
        if width <= 0 or height <= 0:
            raise VideoError(
                "no picture size could be read and no frame decoded: the file is damaged; copy or "
                "export it again from the original recording",
                path=path,
            )
        if problem := picture_size_problem(width, height):
            raise VideoError(problem, path=path)
        if rotation in (90, 270):
            width, height = height, width
        return VideoInfo(
            path=str(path),
            duration_s=duration,
            frames=int(frames),
            fps_nominal=float(rate),
            width=int(width),
            height=int(height),
            rotation=rotation,
            mirrored=mirrored,
        )
    finally:
        container.close()


def _tag_rotation(stream) -> int | None:
    """Clockwise display rotation from the old ``rotate`` tag (0, 90, 180, 270), None without one."""
    tag = stream.metadata.get("rotate")
    if tag is None:
        return None
    try:
        return _quarter_turns(float(tag))
    except ValueError:
        return 0


def _first_frame(container, stream) -> av.VideoFrame | None:
    try:
        return next(container.decode(stream))
    except (StopIteration, av.FFmpegError, ValueError):
        return None


def _rotation_from_frame(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix angle counter-clockwise; players rotate clockwise by its negative.
    return _quarter_turns(-frame.rotation)


def _quarter_turns(degrees: float) -> int:
    """The nearest of 0, 90, 180, 270 (cameras only write those; a damaged display matrix gives any angle, or
    NaN when it is all zeros, and a picture is only ever turned by quarter turns)."""
    if not math.isfinite(degrees):
        return 0
    return round(degrees / 90) % 4 * 90


def _upright(rgb: np.ndarray, rotation_cw: int) -> np.ndarray:
    if rotation_cw == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=-(rotation_cw // 90)))


class FrameRateCap:
    """Which frames to keep so that at most ``max_fps`` a second are kept, spread evenly over time.

    Time is cut into cells of ``1 / max_fps`` s, starting 0.3 of a cell before 0 s (so that timestamps jittering
    around the cap's own rate stay each in its own cell, and, 0.3 being no simple fraction, no frame of a common
    rate lies on a cell's edge), and the first frame of each cell is kept. A 60 frames/s video capped at 30 keeps
    every other frame; a video at or under the cap keeps every frame. The cells are fixed in the video's time, so
    segments decoded apart keep the same frames as one pass would.
    """

    def __init__(self, max_fps: float) -> None:
        if not 0 < max_fps < math.inf:
            raise ValueError(f"max_fps must be a positive number of frames a second, not {max_fps!r}")
        self.max_fps = float(max_fps)
        self._last_cell: int | None = None

    def keep(self, t_s: float) -> bool:
        """Whether to keep the frame at ``t_s`` (seconds; frames in time order)."""
        cell = math.floor(t_s * self.max_fps + 0.3)
        if self._last_cell is not None and cell <= self._last_cell:
            return False
        self._last_cell = cell
        return True


def iter_frames(
    path: str | Path,
    *,
    mirrored: bool = False,
    start_s: float = 0.0,
    end_s: float | None = None,
    prefetch: int = 8,
    deadline: float | None = None,
    threads: int = 0,
    warnings: list[str] | None = None,
    convert: bool = True,
    max_fps: float | None = None,
) -> Iterator[Frame]:
    """Decode frames in a background thread (PyAV releases the GIL), at most ``prefetch`` ahead of the reader,
    and yield them upright; with ``prefetch=0`` in the reader's own thread, one frame at a time (where the
    reader's thread already keeps a core busy, a decoding thread beside it only adds hand-overs).

    Times are seconds from the stream's start. ``start_s``/``end_s`` select a segment [start_s, end_s): the
    decoder seeks to the key frame before ``start_s`` and drops earlier frames, so segments can be decoded in
    parallel. ``mirrored=True`` flips each frame horizontally, undoing a selfie camera's mirror, so that the
    patient's right side appears on the image's left as in any ordinary video. ``deadline`` (a
    ``time.monotonic()`` value) stops decoding with :class:`facetwitch.errors.TimeLimitError` once passed.
    Frames larger or smaller than the engine accepts (:func:`picture_size_problem`) stop it with a
    :class:`VideoError` before they are converted.
    ``threads``: the decoder's own threads (0: FFmpeg's choice, one per core); 1 where other segments already
    keep the cores busy, since FFmpeg's frame threads then only add hand-overs.
    ``warnings``: a list that gets a line for what was skipped without stopping (frames without a timestamp),
    once the stream has been read to its end.
    ``convert=False`` leaves each frame's colour conversion to whoever reads its :class:`Picture` (in that
    thread), so a reader that needs only part of the frame converts only that part.
    ``max_fps``: yield at most this many frames a second (frames/s; the others are decoded, as the codec needs
    them, but neither converted nor yielded; see :class:`FrameRateCap`); None yields every frame.
    """
    path = Path(path)
    container = _open(path)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = threads
    # One colour converter for the whole stream, single-threaded: PyAV's to_ndarray(format=...) sets up a new
    # converter, with its own thread pool, for every frame (~0.17 ms a 720p frame); the conversion already
    # runs beside the landmarker (in this decoding thread, or in the reader's with convert=False: one thread
    # uses it either way). The pixels are the same.
    to_rgb = VideoReformatter()
    time_base = stream.time_base
    origin = float(stream.start_time * time_base) if stream.start_time is not None else 0.0
    stop = threading.Event()

    # A raw stream (a camera's bare .h264, no container) has no timestamps: such frames are placed one frame
    # interval after the previous one, at the rate the stream declares, and the analysis says so.
    rate = _declared_rate(stream)
    step_s = 1.0 / float(rate) if rate and 2 <= float(rate) <= 1000 else None

    def produce() -> Iterator[Frame | VideoError | _TruncatedWarning | _PastDeadline]:
        """The frames in order, then possibly one item that says why decoding stopped."""
        cap = FrameRateCap(max_fps) if max_fps is not None else None
        index = 0
        untimed = 0  # frames timed by counting (see step_s)
        t = None
        try:
            if start_s > 0:
                container.seek(int((origin + start_s) / time_base), stream=stream, backward=True)
            for frame in _decoded(container, stream, stop, deadline):
                if frame.pts is not None:
                    t = float(frame.pts * frame.time_base) - origin
                elif step_s is not None and start_s == 0:
                    t = 0.0 if t is None else t + step_s
                    untimed += 1
                else:
                    continue
                if t < start_s:
                    continue
                if end_s is not None and t >= end_s:
                    break
                if problem := picture_size_problem(frame.width, frame.height):
                    yield VideoError(f"frame {index + 1}: {problem}", path=path)
                    return
                if cap is None or cap.keep(t):
                    picture = Picture(frame, _rotation_from_frame(frame), mirrored, to_rgb)
                    if convert:
                        picture.rgb()
                    yield Frame(index, t, picture)
                index += 1  # frames in the file's order, yielded or not (messages name them so)
            if index == 0 and start_s == 0 and not stop.is_set():
                yield VideoError(
                    "no frame could be decoded; the file is truncated or damaged; copy or export it again from the original recording",
                    path=path,
                )
        except _PastDeadline:
            yield _PastDeadline(index)
        except (av.FFmpegError, ValueError) as exc:
            if index == 0 and start_s == 0:
                yield VideoError(
                    f"decoding failed at the first frame ({_ffmpeg_reason(exc)}); the file is damaged; copy or export it again from the original recording",
                    path=path,
                )
            else:
                yield _TruncatedWarning(index, _ffmpeg_reason(exc))
        finally:
            if untimed and warnings is not None:
                warnings.append(
                    f"{untimed} frame{'s' if untimed > 1 else ''} carried no timestamp (a raw stream without a "
                    f"container?) and {'were' if untimed > 1 else 'was'} timed at the declared {1 / step_s:g} "
                    "frames/s; if the camera recorded at another rate every time and rate here is scaled: wrap "
                    "the video in MP4 with its real frame rate"
                )

    def checked(item):
        """A frame, or the exception that an item saying why decoding stopped stands for."""
        if isinstance(item, VideoError):
            raise item
        if isinstance(item, _TruncatedWarning):
            raise TruncatedVideo(item.frames, item.detail)
        if isinstance(item, _PastDeadline) or (deadline is not None and time.monotonic() > deadline):
            raise TimeLimitError("stopped at the time limit for one video", path=path)
        return item

    if prefetch <= 0:  # decode in the caller's thread, between its own uses of each frame
        items = produce()
        try:
            for item in items:
                yield checked(item)
        finally:
            items.close()
            container.close()
        return

    frames: queue.Queue = queue.Queue(maxsize=prefetch)
    _END = object()

    def decode() -> None:
        try:
            for item in produce():
                frames.put(item)
        finally:
            frames.put(_END)

    worker = threading.Thread(target=decode, name="facetwitch-decode", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = frames.get(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                item = _PastDeadline(None)
            if item is _END:
                break
            yield checked(item)
    finally:
        stop.set()
        while worker.is_alive():  # unblock the decoder if it waits on a full queue
            try:
                frames.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
        container.close()


def _decoded(container, stream, stop: threading.Event, deadline: float | None) -> Iterator[av.VideoFrame]:
    """``container.decode(stream)``, packet by packet, so that a stop or the deadline is seen between packets
    (a damaged stream can yield thousands of packets that decode to nothing)."""
    for packet in container.demux(stream):
        if stop.is_set():
            return
        if deadline is not None and time.monotonic() > deadline:
            raise _PastDeadline(None)
        yield from packet.decode()


class _PastDeadline(Exception):
    def __init__(self, frames: int | None):
        super().__init__(frames)
        self.frames = frames


@dataclass(frozen=True)
class _TruncatedWarning:
    frames: int
    detail: str


class TruncatedVideo(VideoError):
    """Decoding stopped part-way; frames before the damage were delivered."""

    def __init__(self, frames: int, detail: str):
        super().__init__(f"decoding stopped after {frames} frames ({detail}); the file looks truncated")
        self.frames = frames
