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
from av.video.reformatter import VideoReformatter

from facetwitch.errors import VideoError
from facetwitch.records import VideoInfo

# FFmpeg opens pictures as one-frame "videos": refuse them with a clear message.
STILL_IMAGE_FORMATS = frozenset({"image2", "gif", "apng", "webp", "jpeg_pipe", "png_pipe"})


@dataclass(frozen=True)
class Frame:
    index: int
    t_s: float
    rgb: np.ndarray  # H x W x 3, uint8, upright and (if asked) un-mirrored


def _open(path: Path):
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if path.is_dir():
        raise VideoError(f"{path}: is a directory, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty (0 bytes)")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise VideoError(
            f"{path}: not a readable video ({exc.strerror or exc}); record or export it again as MP4/MOV/WebM"
        ) from exc
    fmt = container.format.name
    if fmt.endswith("_pipe") or fmt in STILL_IMAGE_FORMATS:
        container.close()
        raise VideoError(f"{path}: is a still image ({fmt}), not a video; record a video of the face at rest")
    if not container.streams.video:
        container.close()
        kinds = ", ".join(sorted({s.type for s in container.streams})) or "nothing"
        raise VideoError(
            f"{path}: contains no video stream (found {kinds}); an audio-only file cannot be analysed"
        )
    return container


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
    threads: int = 0,
) -> Iterator[Frame]:
    """Decode frames in a background thread (PyAV releases the GIL) and yield them upright.

    Times are seconds from the stream's start. ``start_s``/``end_s`` select a segment [start_s, end_s): the
    decoder seeks to the key frame before ``start_s`` and drops earlier frames, so segments can be decoded in
    parallel. ``mirrored=True`` flips each frame horizontally, undoing a selfie camera's mirror, so that the
    patient's right side appears on the image's left as in any ordinary video. ``threads``: the decoder's own
    threads (0: FFmpeg's choice, one per core); 1 where other segments already keep the cores busy, since
    FFmpeg's frame threads then only add hand-overs.
    """
    path = Path(path)
    container = _open(path)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = threads
    # One colour converter for the whole stream, single-threaded: PyAV's to_ndarray(format=...) sets up a new
    # converter, with its own thread pool, for every frame (~0.17 ms a 720p frame); the conversion already
    # runs beside the landmarker in this decoding thread. The pixels are the same.
    to_rgb = VideoReformatter()
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
                rgb = to_rgb.reformat(frame, format="rgb24", threads=1).to_ndarray()
                rgb = _upright(rgb, _rotation_from_frame(frame))
                if mirrored:
                    rgb = np.ascontiguousarray(rgb[:, ::-1])
                frames.put(Frame(index, t, rgb))
                index += 1
            if index == 0 and start_s == 0:
                frames.put(
                    VideoError(f"{path}: no frame could be decoded; the file may be truncated or corrupt")
                )
        except (av.FFmpegError, ValueError) as exc:
            if index == 0 and start_s == 0:
                frames.put(
                    VideoError(f"{path}: decoding failed at the first frame ({exc}); the file is corrupt")
                )
            else:
                frames.put(_TruncatedWarning(index, str(exc)))
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
