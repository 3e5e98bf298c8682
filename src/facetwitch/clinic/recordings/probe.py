"""Check that an uploaded file really is a video (never trust the extension), with the engine's own probe.

The engine opens and describes the video (:func:`facetwitch.probe_video`: first frame decoded, display rotation
applied, so width and height are those of the upright picture); the clinic adds only what serving needs (the
container's content type and file extension) and refuses containers it does not serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import facetwitch

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
    """The engine's description of an upload plus how the clinic serves it. ``width``/``height``: upright."""

    container: str
    content_type: str
    extension: str
    codec: str
    width: int
    height: int
    duration_s: float | None
    rotation: int = 0
    fps: float = 0.0


def probe_video(path: str | Path) -> VideoProbe:
    """Describe the upload with the engine's probe; raise :class:`NotAVideo` with what to do otherwise."""
    try:
        video = facetwitch.probe_video(path)
    except facetwitch.VideoError as exc:
        # The engine's reason names no file (the upload's temporary path is no one's business).
        raise NotAVideo(
            f"This file is not a video that can be read: {exc.reason}. "
            "Upload the original MP4, MOV or WebM file from the phone or camera."
        ) from exc
    if video.container not in VIDEO_CONTAINERS:
        raise NotAVideo(
            f"This file is a '{video.container}' file, not a video the clinic can store and play. "
            "Upload a video recording (MP4, MOV, WebM, AVI)."
        )
    content_type, extension = VIDEO_CONTAINERS[video.container]
    return VideoProbe(
        container=video.container,
        content_type=content_type,
        extension=extension,
        codec=video.codec,
        width=video.width,
        height=video.height,
        duration_s=video.duration_s,
        rotation=video.rotation,
        fps=video.fps,
    )
