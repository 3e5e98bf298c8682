"""A simulated clip as a camera: the YUV4MPEG2 (y4m) file Chromium plays as its fake webcam.

Chromium reads ``--use-file-for-fake-video-capture=FILE.y4m`` (with ``--use-fake-device-for-media-stream`` and
``--use-fake-ui-for-media-stream``) and loops it, so browser pages that use the camera (the clinic's capture and
biofeedback pages) can be tested against a face with known truth. Raw yuv420p: about 14 MB per second at 640x480.

Chromium's capture clock is not the file's: it starts at an unknown moment, loops the file, and on a busy machine
delivers frames late, repeated or skipped. With ``frame_code=True`` each frame carries its own index as a row of
black and white blocks in its bottom-left corner (:func:`draw_frame_code`), so a page can tell exactly which file
frame it measured; the offline engine analyses the same file, code included, so both see identical pixels.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from facetwitch.simulate.render import render_frames
from facetwitch.simulate.scenario import Scenario

# The frame code: FRAME_CODE_BITS bits of the frame index (least significant first) and one even-parity bit,
# each a FRAME_CODE_BLOCK_PX square block, white for 1, along the bottom-left edge of the frame.
FRAME_CODE_BITS = 10
FRAME_CODE_BLOCK_PX = 16


def draw_frame_code(rgb: np.ndarray, index: int) -> np.ndarray:
    """``rgb`` (H x W x 3, uint8) with frame ``index`` drawn as blocks in its bottom-left corner (a copy)."""
    if not 0 <= index < 2**FRAME_CODE_BITS:
        raise ValueError(f"frame index {index} does not fit the {FRAME_CODE_BITS}-bit frame code")
    bits = [(index >> b) & 1 for b in range(FRAME_CODE_BITS)]
    bits.append(sum(bits) % 2)
    out = rgb.copy()
    size = FRAME_CODE_BLOCK_PX
    for b, bit in enumerate(bits):
        out[-size:, b * size : (b + 1) * size] = 255 if bit else 0
    return out


def read_frame_code(rgb: np.ndarray) -> int | None:
    """The frame index drawn by :func:`draw_frame_code` (block centres thresholded), None if its parity fails."""
    size = FRAME_CODE_BLOCK_PX
    row = rgb[-size // 2, :, :3].astype(np.float64).mean(axis=1)
    bits = [int(row[b * size + size // 2] > 127) for b in range(FRAME_CODE_BITS + 1)]
    if sum(bits[:-1]) % 2 != bits[-1]:
        return None
    return sum(bit << b for b, bit in enumerate(bits[:-1]))


def write_y4m(scenario: Scenario, path: str | os.PathLike[str], *, frame_code: bool = False) -> Path:
    """Render ``scenario`` frame by frame into ``path`` (y4m, yuv420p, constant ``scenario.fps``); atomic.

    ``frame_code``: draw each frame's index in its bottom-left corner (:func:`draw_frame_code`)."""
    import av

    path = Path(path)
    fps = Fraction(scenario.fps).limit_denominator(1001)
    width, height = scenario.size
    tmp = path.with_name(path.name + ".part")
    try:
        with av.open(str(tmp), mode="w", format="yuv4mpegpipe") as out:
            stream = out.add_stream("rawvideo", rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.codec_context.time_base = 1 / fps
            for index, (_, _t, rgb) in enumerate(render_frames(scenario)):
                if frame_code:
                    rgb = draw_frame_code(rgb, index)
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
                frame.pts, frame.time_base = index, 1 / fps
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
