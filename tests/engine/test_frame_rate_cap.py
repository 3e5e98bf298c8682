"""Which frames a frame-rate cap keeps (pure timing; the decoder-side use is tested in test_pipeline)."""

from __future__ import annotations

import numpy as np
import pytest

from facetwitch.video import FrameRateCap


def kept(times: np.ndarray, max_fps: float) -> np.ndarray:
    cap = FrameRateCap(max_fps)
    return np.array([t for t in times if cap.keep(float(t))])


@pytest.mark.parametrize(("fps", "max_fps", "step"), [(60, 30, 2), (120, 30, 4), (240, 60, 4), (50, 25, 2)])
def test_a_multiple_of_the_cap_keeps_every_nth_frame(fps, max_fps, step):
    t = np.arange(600) / fps
    k = kept(t, max_fps)
    assert k[0] == 0 and k.size == pytest.approx(600 / step, abs=1)
    # After the first frame, evenly every nth: the cells may cut the frames at another phase.
    assert np.allclose(np.diff(k)[1:], step / fps)


@pytest.mark.parametrize(("fps", "max_fps"), [(30, 30), (29.97, 30), (25, 30), (24, 60)])
def test_a_video_at_or_under_the_cap_keeps_every_frame(fps, max_fps):
    t = np.arange(900) / fps
    assert np.array_equal(kept(t, max_fps), t)


def test_timestamps_jittering_at_the_caps_own_rate_keep_every_frame():
    rng = np.random.default_rng(0)
    t = np.sort(np.arange(900) / 30 + rng.uniform(-0.006, 0.006, 900))
    assert kept(t, 30).size == 900


@pytest.mark.parametrize("fps", [40.0, 59.94, 90.0])
def test_other_rates_are_brought_to_the_cap_on_average_and_never_far_over_it(fps):
    t = np.arange(int(60 * fps)) / fps  # one minute
    k = kept(t, 30)
    assert k.size == pytest.approx(60 * 30, abs=2)
    assert np.diff(k).min() >= 1 / fps - 1e-9  # only real frames, none twice


def test_a_gap_in_the_video_restarts_nothing_and_segments_keep_the_same_frames():
    t = np.concatenate([np.arange(120) / 60, 5 + np.arange(120) / 60])  # 2 s, a 3-s gap, 2 s
    whole = kept(t, 30)
    assert whole.size == 120
    halves = np.concatenate([kept(t[t < 1.0], 30), kept(t[t >= 1.0], 30)])
    assert np.array_equal(halves, whole)


@pytest.mark.parametrize("bad", [0, -30, float("nan"), float("inf")])
def test_a_cap_that_is_not_a_positive_rate_is_refused(bad):
    with pytest.raises(ValueError, match="max_fps must be a positive number"):
        FrameRateCap(bad)
