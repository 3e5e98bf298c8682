"""Check that an uploaded file really is a video by opening it with PyAV (never trust the extension)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Containers phones, webcams and cameras write. Image formats (png_pipe, image2, gif, ...) open as a "video"
# of one frame in FFmpeg, so the container must be a real video container too.
VIDEO_CONTAINERS: dict[str, tuple[str, str]] = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("video/mp4", ".mp4"),
    "matroska,webm": ("video/webm", ".webm"),
    "avi": ("video/x-msvideo", ".avi"),
    "mpeg": ("video/mpeg", ".mpg"),
    "mpegts": ("video/mp2t", ".ts"),
    "flv": ("video/x-flv", ".flv"),
    "ogg": ("video/ogg", ".ogv"),
    "asf": ("video/x-ms-asf", ".wmv"),
}


class NotAVideo(ValueError):
    """The file is not a video the analysis can read; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class VideoProbe:
    container: str
    content_type: str
    extension: str
    codec: str
    width: int
    height: int
    duration_s: float | None


def probe_video(path: str | Path) -> VideoProbe:
    """Open the file, require a video stream in a video container and decode its first frame."""
    import av

    from facetwitch import MAX_FRAME_PIXELS, picture_size_problem

    try:
        # max_pixels: FFmpeg decodes frames while it opens a file; a damaged header declaring 16000 x 16000 would
        # hold the upload request for a minute and gigabytes of memory.
        container = av.open(str(path), mode="r", options={"max_pixels": str(MAX_FRAME_PIXELS)})
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise NotAVideo(
            "This file is not a video that can be read (it may be damaged, or another kind of file). "
            "Upload the original MP4, MOV or WebM file from the phone or camera."
        ) from exc
    with container:
        fmt = container.format.name
        if fmt not in VIDEO_CONTAINERS:
            raise NotAVideo(
                f"This file is a '{container.format.long_name or fmt}' file, not a video. "
                "Upload a video recording (MP4, MOV, WebM, AVI)."
            )
        if not container.streams.video:
            raise NotAVideo(
                "This file has no picture (it contains only sound or data). "
                "Upload a video recording of the patient's face."
            )
        stream = container.streams.video[0]
        context = stream.codec_context
        if context is None:
            raise NotAVideo(
                "The video is in a format that cannot be decoded (the file is damaged or uses a rare codec). "
                "Upload the original MP4, MOV or WebM file from the phone or camera."
            )
        if problem := picture_size_problem(context.width, context.height):
            raise NotAVideo(f"This video cannot be analysed: {problem}.")
        try:
            frame = next(container.decode(stream), None)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise NotAVideo(
                "The video could not be decoded: the file may be damaged or incomplete "
                "(for example an interrupted copy). Upload the file again from the original."
            ) from exc
        if frame is not None and (problem := picture_size_problem(frame.width, frame.height)):
            raise NotAVideo(f"This video cannot be analysed: {problem}.")
        if frame is None:
            raise NotAVideo(
                "The video contains no readable frames: the file may be incomplete. "
                "Upload the file again from the original."
            )
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        content_type, extension = VIDEO_CONTAINERS[fmt]
        return VideoProbe(
            container=fmt,
            content_type=content_type,
            extension=extension,
            codec=stream.codec_context.name or "",
            width=frame.width,
            height=frame.height,
            duration_s=duration,
        )
