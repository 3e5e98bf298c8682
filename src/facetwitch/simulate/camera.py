"""A simulated clip as a camera: the YUV4MPEG2 (y4m) file Chromium plays as its fake webcam.

Chromium reads ``--use-file-for-fake-video-capture=FILE.y4m`` (with ``--use-fake-device-for-media-stream`` and
``--use-fake-ui-for-media-stream``) and loops it, so browser pages that use the camera (the clinic's capture and
biofeedback pages) can be tested against a face with known truth. Raw yuv420p: about 14 MB per second at 640x480.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from facetwitch.simulate.render import render_frames
from facetwitch.simulate.scenario import Scenario


def write_y4m(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Render ``scenario`` frame by frame into ``path`` (y4m, yuv420p, constant ``scenario.fps``); atomic."""
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
