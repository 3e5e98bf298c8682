"""The simulated camera file Chromium plays: every frame, the right size and rate, readable back."""

from __future__ import annotations

import av
import numpy as np

from facetwitch.simulate import Scenario
from facetwitch.simulate.camera import write_y4m


def test_y4m_has_every_frame_at_the_scenario_rate(tmp_path):
    scenario = Scenario(duration_s=0.5, size=(160, 120), fps=30.0)
    path = write_y4m(scenario, tmp_path / "cam.y4m")
    assert path.read_bytes().startswith(b"YUV4MPEG2 W160 H120 F30:1")
    with av.open(str(path)) as video:
        frames = [f.to_ndarray(format="rgb24") for f in video.decode(video=0)]
    assert len(frames) == 15 and frames[0].shape == (120, 160, 3)
    assert float(np.std(frames[0])) > 10  # a picture (the face), not a blank frame
    assert not (tmp_path / "cam.y4m.part").exists()


def test_frame_codes_read_back_after_yuv_encoding(tmp_path):
    """Each frame's index survives the yuv420p round trip; a corrupted code fails its parity check."""
    from facetwitch.simulate.camera import FRAME_CODE_BLOCK_PX, draw_frame_code, read_frame_code

    scenario = Scenario(duration_s=1.0, size=(320, 240), fps=30.0)
    path = write_y4m(scenario, tmp_path / "cam.y4m", frame_code=True)
    with av.open(str(path)) as video:
        frames = [f.to_ndarray(format="rgb24") for f in video.decode(video=0)]
    assert [read_frame_code(f) for f in frames] == list(range(30))
    flipped = draw_frame_code(frames[0], 5)
    flipped[-FRAME_CODE_BLOCK_PX:, :FRAME_CODE_BLOCK_PX] = 0  # bit 0 of 5 cleared: parity no longer matches
    assert read_frame_code(flipped) is None
