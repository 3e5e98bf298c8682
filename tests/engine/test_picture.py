"""Frames converted to RGB only where they are looked at: a region of a decoded frame has exactly the pixels of the
whole frame's conversion, whatever the display rotation, mirroring and chroma layout; the LiteRT backend fed
decoded pictures finds exactly the landmarks it finds on whole RGB frames."""

from __future__ import annotations

import numpy as np
import pytest

from facetwitch.landmarks import open_landmarker
from facetwitch.model import resolve
from facetwitch.simulate import Blink, HeadMotion, Scenario, render
from facetwitch.video import iter_frames

pytestmark = pytest.mark.e2e


@pytest.fixture(
    scope="module", params=[(0, "h264"), (90, "h264"), (180, "h264"), (270, "h264"), (0, "mjpeg")]
)
def stored_video(request, tmp_path_factory):
    """Half a second of a moving face stored turned by 0-270 degrees (display-rotation metadata), in 4:2:0
    H.264 or full-range (JPEG) 4:2:0 Motion JPEG."""
    rotation, codec = request.param
    suffix = ".avi" if codec == "mjpeg" else ".mp4"
    path = tmp_path_factory.mktemp("pictures") / f"turned-{rotation}-{codec}{suffix}"
    render(Scenario(duration_s=0.5, fps=10.0, size=(320, 240), seed=3, rotation=rotation, codec=codec,
                    head_motion=HeadMotion(amplitude_deg=4.0, translate_px=10.0, period_s=1.0)), path)  # fmt: skip
    return path, rotation


@pytest.mark.parametrize("mirrored", [False, True])
def test_a_region_has_the_whole_frames_pixels(stored_video, mirrored):
    path, rotation = stored_video
    rng = np.random.default_rng(rotation)
    regions = 0
    for frame in iter_frames(path, mirrored=mirrored, convert=False):
        picture = frame.picture
        assert (picture.width, picture.height) == (320, 240)  # the scenario's upright picture
        boxes = []
        for _ in range(6):  # odd corners and sizes, some reaching past the frame's edges
            x0, y0 = int(rng.integers(-15, picture.width - 1)), int(rng.integers(-15, picture.height - 1))
            boxes.append((x0, y0, x0 + int(rng.integers(1, 200)), y0 + int(rng.integers(1, 200))))
        parts = [picture.region(*box) for box in boxes]  # before the whole frame is converted
        whole = frame.rgb
        assert whole.shape == (picture.height, picture.width, 3)
        for (x0, y0, x1, y1), (part, px, py) in zip(boxes, parts, strict=True):
            # It covers the box (clipped to the frame) and is exactly that part of the whole frame.
            assert px <= max(x0, 0) and py <= max(y0, 0)
            assert px + part.shape[1] >= min(x1, picture.width) and py + part.shape[0] >= min(
                y1, picture.height
            )
            np.testing.assert_array_equal(part, whole[py : py + part.shape[0], px : px + part.shape[1]])
            regions += 1
    assert regions >= 24


def test_a_region_inside_the_last_one_converted_is_a_slice_of_it_with_the_same_pixels(stored_video):
    path, _ = stored_video
    for frame in iter_frames(path, convert=False):
        picture = frame.picture
        face, _, _ = picture.region(40, 30, 260, 210)
        eyes, ex, ey = picture.region(90, 70, 200, 110)  # inside the face's rectangle
        assert np.shares_memory(eyes, face) and (ex, ey) == (90, 70) and eyes.shape == (40, 110, 3)
        outside, _, _ = picture.region(250, 200, 300, 230)  # reaches past it: converted anew
        assert not np.shares_memory(outside, face)
        whole = frame.rgb
        np.testing.assert_array_equal(eyes, whole[70:110, 90:200])
        np.testing.assert_array_equal(
            outside, whole[200:230, 250:300][: outside.shape[0], : outside.shape[1]]
        )


def test_litert_landmarks_from_decoded_pictures_equal_those_from_rgb_frames(tmp_path):
    path = tmp_path / "moving.mp4"
    render(Scenario(duration_s=2.0, fps=30.0, size=(640, 360), seed=4, rotation=90, events=[Blink(0.8)],
                    head_motion=HeadMotion(amplitude_deg=6.0, translate_px=20.0, period_s=1.5, yaw_deg=8.0)),
           path)  # fmt: skip
    model = resolve(None)
    found = 0
    with open_landmarker("litert", model) as from_rgb, open_landmarker("litert", model) as from_picture:
        for frame in iter_frames(path, mirrored=True, convert=False):
            lazy = from_picture.track(frame.picture, frame.t_s)
            eager = from_rgb.track(frame.rgb, frame.t_s)
            assert (lazy is None) == (eager is None)
            if eager is not None:
                np.testing.assert_array_equal(lazy, eager)
                found += 1
    assert found >= 55


def test_decoding_in_the_readers_thread_gives_the_same_frames(stored_video):
    """``prefetch=0`` (one core: the landmarker decodes its own frames) yields the frames a decoding thread
    yields: same count, times and pixels."""
    path, _ = stored_video
    threaded = [(f.index, f.t_s, f.rgb) for f in iter_frames(path, mirrored=True, prefetch=4)]
    inline = [(f.index, f.t_s, f.rgb) for f in iter_frames(path, mirrored=True, prefetch=0)]
    assert len(inline) == len(threaded) == 5
    for (i, t, rgb), (j, u, rgb2) in zip(threaded, inline, strict=True):
        assert (i, t) == (j, u)
        assert np.array_equal(rgb, rgb2)


def test_a_damaged_stream_reads_the_same_way_without_a_decoding_thread(tmp_path, stored_video):
    """Damaged bytes read in the reader's thread give what the threaded reader gives: the same frames, then the
    same error if any."""
    path, _ = stored_video
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 400] = bytes(400)
    damaged = tmp_path / f"damaged{path.suffix}"
    damaged.write_bytes(bytes(data))
    outcomes = []
    for prefetch in (4, 0):
        frames, error = [], None
        try:
            for frame in iter_frames(damaged, prefetch=prefetch, threads=1):  # as the pipeline decodes
                frames.append((frame.t_s, frame.rgb.sum()))
        except Exception as exc:  # whichever it is, both readers must raise it
            error = (type(exc).__name__, str(exc))
        outcomes.append((frames, error))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] or outcomes[0][1]  # frames, or an error that says why there are none


def test_the_mean_brightness_of_a_box_is_its_rec601_luma():
    """A face box's brightness (0-255) as the capture page reads it: 0.299 R + 0.587 G + 0.114 B, from the decoded
    YUV frame; clipped to the frame, None for a box wholly outside it."""
    import av

    from facetwitch.video import Picture

    rgb = np.full((240, 320, 3), 60, np.uint8)
    rgb[40:120, 100:220] = (200, 100, 50)  # luma 124.2
    picture = Picture(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p"))
    assert picture.mean_luma(100, 40, 220, 120) == pytest.approx(124.2, abs=2.5)
    assert picture.mean_luma(0, 0, 60, 30) == pytest.approx(60.0, abs=2.5)
    assert picture.mean_luma(-50, -50, 60, 30) == pytest.approx(60.0, abs=2.5)  # clipped to the frame
    assert picture.mean_luma(400, 300, 500, 400) is None
