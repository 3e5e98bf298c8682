"""Video decoding with PyAV: real presentation timestamps, display rotation applied, optional mirroring.

Frames are streamed one at a time (never the whole video in memory). Times are seconds from the first
frame's presentation time, so variable-frame-rate phone videos keep their true timing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from facetwitch.errors import VideoError
from facetwitch.records import VideoInfo, VideoProbe

# FFmpeg opens pictures as one-frame "videos": refuse them with a clear message.
STILL_IMAGE_FORMATS = frozenset({"image2", "gif", "apng", "webp", "jpeg_pipe", "png_pipe"})


@dataclass(frozen=True)
class Frame:
    index: int
    t_s: float
    rgb: np.ndarray  # H x W x 3, uint8, upright and (if asked) un-mirrored


def _open(path: Path):
    if not path.exists():
        raise VideoError("no such file", path=path)
    if path.is_dir():
        raise VideoError("is a directory, not a video file", path=path)
    if path.stat().st_size == 0:
        raise VideoError("the file is empty (0 bytes)", path=path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
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
        container.close()
        kinds = ", ".join(sorted({s.type for s in container.streams})) or "nothing"
        raise VideoError(
            f"contains no video stream (found {kinds}); an audio-only file cannot be analysed", path=path
        )
    return container


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
        tag = stream.metadata.get("rotate")
        rotation = (
            int(tag) % 360 if tag is not None and tag.lstrip("-").isdigit() else _rotation_from_frame(first)
        )
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        rate = stream.average_rate or stream.base_rate
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
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


def probe(path: str | Path, *, mirrored: bool = False) -> VideoInfo:
    """Read the container's description of the video without decoding it (frame count may be estimated)."""
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.base_rate or Fraction(30)
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        frames = stream.frames or round(duration * float(rate))
        width, height = stream.codec_context.width, stream.codec_context.height
        rotation = _stream_rotation(stream, container)
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


def _stream_rotation(stream, container) -> int:
    """Clockwise display rotation in degrees (0, 90, 180, 270): the old ``rotate`` tag, else the display
    matrix, which PyAV exposes on decoded frames (so the first frame is decoded)."""
    tag = stream.metadata.get("rotate")
    if tag is not None:
        try:
            return int(tag) % 360
        except ValueError:
            return 0
    try:
        frame = next(container.decode(stream))
    except (StopIteration, av.FFmpegError, ValueError):
        return 0
    return _rotation_from_frame(frame)


def _rotation_from_frame(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix angle counter-clockwise; players rotate clockwise by its negative.
    return round(-frame.rotation) % 360


def _upright(rgb: np.ndarray, rotation_cw: int) -> np.ndarray:
    if rotation_cw == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=-(rotation_cw // 90)))


def iter_frames(
    path: str | Path,
    *,
    mirrored: bool = False,
    start_s: float = 0.0,
    end_s: float | None = None,
    prefetch: int = 8,
) -> Iterator[Frame]:
    """Decode frames in a background thread (PyAV releases the GIL) and yield them upright.

    Times are seconds from the stream's start. ``start_s``/``end_s`` select a segment [start_s, end_s): the
    decoder seeks to the key frame before ``start_s`` and drops earlier frames, so segments can be decoded in
    parallel. ``mirrored=True`` flips each frame horizontally, undoing a selfie camera's mirror, so that the
    patient's right side appears on the image's left as in any ordinary video.
    """
    path = Path(path)
    container = _open(path)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    time_base = stream.time_base
    origin = float(stream.start_time * time_base) if stream.start_time is not None else 0.0
    frames: queue.Queue = queue.Queue(maxsize=prefetch)
    stop = threading.Event()
    _END = object()

    def decode() -> None:
        index = 0
        try:
            if start_s > 0:
                container.seek(int((origin + start_s) / time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if stop.is_set():
                    break
                if frame.pts is None:
                    continue
                t = float(frame.pts * frame.time_base) - origin
                if t < start_s:
                    continue
                if end_s is not None and t >= end_s:
                    break
                rgb = _upright(frame.to_ndarray(format="rgb24"), _rotation_from_frame(frame))
                if mirrored:
                    rgb = np.ascontiguousarray(rgb[:, ::-1])
                frames.put(Frame(index, t, rgb))
                index += 1
            if index == 0 and start_s == 0:
                frames.put(
                    VideoError("no frame could be decoded; the file may be truncated or corrupt", path=path)
                )
        except (av.FFmpegError, ValueError) as exc:
            if index == 0 and start_s == 0:
                frames.put(
                    VideoError(
                        f"decoding failed at the first frame ({_ffmpeg_reason(exc)}); the file is corrupt",
                        path=path,
                    )
                )
            else:
                frames.put(_TruncatedWarning(index, _ffmpeg_reason(exc)))
        finally:
            frames.put(_END)

    worker = threading.Thread(target=decode, name="facetwitch-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = frames.get()
            if item is _END:
                break
            if isinstance(item, VideoError):
                raise item
            if isinstance(item, _TruncatedWarning):
                raise TruncatedVideo(item.frames, item.detail)
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock the decoder if it waits on a full queue
            try:
                frames.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
        container.close()


@dataclass(frozen=True)
class _TruncatedWarning:
    frames: int
    detail: str


class TruncatedVideo(VideoError):
    """Decoding stopped part-way; frames before the damage were delivered."""

    def __init__(self, frames: int, detail: str):
        super().__init__(f"decoding stopped after {frames} frames ({detail}); the file looks truncated")
        self.frames = frames
