"""Bad input: every broken file gets a clear message naming the file and the problem, and nothing half-written."""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import facetwitch
from facetwitch.errors import AnalysisError, NoFaceError, VideoError
from facetwitch.video import probe


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=16000)
        stream.layout = "mono"
        t = np.arange(16000 * 2) / 16000
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        for i in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(samples[:, i : i + 1024], format="fltp", layout="mono")
            frame.sample_rate = 16000
            frame.pts = i
            frame.time_base = Fraction(1, 16000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _blank_video(path: Path, seconds: float = 2.0) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        gray = np.full((240, 320, 3), 128, np.uint8)
        for _ in range(int(seconds * 25)):
            for packet in stream.encode(av.VideoFrame.from_ndarray(gray, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: _write(p, b""), "empty"),
        (lambda p: _write(p, b"this is not a video\n"), "not a readable video"),
        (_audio_only, "no video stream"),
    ],
    ids=["zero-byte", "text-named-mp4", "audio-only"],
)
def test_unreadable_files_raise_clear_errors(tmp_path, make, expected):
    path = make(tmp_path / "bad file ü.mp4")
    with pytest.raises(VideoError) as info:
        facetwitch.analyze(path)
    assert expected in str(info.value)
    assert "bad file ü.mp4" in str(info.value)


def test_still_image_is_not_a_video(tmp_path):
    from PIL import Image
    from skimage import data

    path = tmp_path / "photo.mp4"  # the extension lies; the content decides
    Image.fromarray(data.astronaut()).save(path, format="PNG")
    with pytest.raises(VideoError, match="still image"):
        facetwitch.analyze(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(VideoError, match="no such file"):
        facetwitch.analyze(tmp_path / "nope.mp4")
    with pytest.raises(VideoError, match="directory"):
        facetwitch.analyze(tmp_path)


def test_truncated_video_is_rejected_or_analysed_up_to_the_damage(tmp_path, right_clonic_video):
    data = Path(right_clonic_video.path).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    # An MP4 cut in half loses its index (moov atom at the end): FFmpeg cannot open it.
    with pytest.raises(AnalysisError) as info:
        facetwitch.analyze(truncated)
    assert "truncated.mp4" in str(info.value)


def test_truncated_stream_is_analysed_up_to_the_damage_with_a_warning(tmp_path, right_clonic_video):
    """Matroska keeps its header (with the duration) at the start: a cut file still decodes up to the cut."""
    whole = tmp_path / "whole.mkv"
    with av.open(str(right_clonic_video.path)) as src, av.open(str(whole), "w") as dst:
        out_stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = out_stream
                dst.mux(packet)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    a = facetwitch.analyze(cut)
    assert a.video.duration_s < 0.8 * right_clonic_video.scenario.duration_s
    assert any("truncated" in w for w in a.quality.warnings)
    assert [e.side for e in a.episodes] == ["right"]  # the spasm at 3-5 s lies before the cut


def test_raw_stream_without_timestamps_is_timed_by_its_declared_rate_and_says_so(
    tmp_path, right_clonic_video
):
    """A bare H.264 stream (as some cameras save it: no container, no timestamps) is analysed with each frame one
    declared frame interval after the last, with a warning; before, every frame was dropped as untimed."""
    raw = tmp_path / "camera.h264"
    with av.open(str(right_clonic_video.path)) as src, av.open(str(raw), "w", format="h264") as dst:
        out_stream = dst.add_stream("libx264", rate=30)
        out_stream.width, out_stream.height, out_stream.pix_fmt = 640, 480, "yuv420p"
        for frame in src.decode(video=0):
            for packet in out_stream.encode(av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"))):
                dst.mux(packet)
        for packet in out_stream.encode():
            dst.mux(packet)
    with av.open(str(raw)) as check:
        assert all(frame.pts is None for frame in check.decode(video=0))
    a = facetwitch.analyze(raw)
    assert any("no timestamp" in w and "30 frames/s" in w for w in a.quality.warnings)
    assert a.video.duration_s == pytest.approx(right_clonic_video.scenario.duration_s, abs=0.1)
    truth = right_clonic_video.truth_episodes[0]
    [episode] = a.episodes
    assert episode.side == "right" and abs(episode.start_s - truth.start_s) <= 0.2


def test_video_without_any_face(tmp_path):
    path = _blank_video(tmp_path / "no face.mp4")
    with pytest.raises(NoFaceError, match="no face was found"):
        facetwitch.analyze(path)


def test_face_only_part_of_the_time_reports_the_gap(tmp_path, right_clonic_video):
    """Frames 3-5 s replaced by an empty scene: analysed, with the gap reported and nothing invented there."""
    source = Path(right_clonic_video.path)
    target = tmp_path / "with gap.mp4"
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        in_stream = src.streams.video[0]
        out_stream = dst.add_stream("libx264", rate=30)
        out_stream.width, out_stream.height, out_stream.pix_fmt = in_stream.width, in_stream.height, "yuv420p"
        for frame in src.decode(in_stream):
            t = float(frame.pts * frame.time_base)
            rgb = frame.to_ndarray(format="rgb24")
            if 6.0 <= t < 8.0:
                rgb = np.full_like(rgb, 90)
            for packet in out_stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                dst.mux(packet)
        for packet in out_stream.encode():
            dst.mux(packet)
    a = facetwitch.analyze(target)
    assert a.quality.face_found_fraction == pytest.approx(0.8, abs=0.03)
    assert len(a.quality.gaps) == 1
    gap = a.quality.gaps[0]
    assert gap.start_s == pytest.approx(6.0, abs=0.1) and gap.end_s == pytest.approx(8.0, abs=0.15)
    assert any("no face" in w for w in a.quality.warnings)
    assert not [e for e in a.events if e.start_s < gap.end_s and e.end_s > gap.start_s]
    assert [e.side for e in a.episodes] == ["right"]  # the spasm at 3-5 s is still found


def test_probe_reports_the_container(right_clonic_video):
    info = probe(right_clonic_video.path)
    assert (info.width, info.height) == (640, 480)
    assert info.fps_nominal == pytest.approx(30.0)
    assert info.duration_s == pytest.approx(10.0, abs=0.1)


def test_frames_that_repeat_the_time_before_them_are_left_out_and_said(tmp_path, right_clonic_video):
    """A browser's recorder (MediaRecorder, millisecond times) can give two frames one time stamp. Both used to
    be measured: a zero frame interval made the head speed divide by zero (unknown around each such frame). The repeated frame is left out, with a warning, and the spasm is found as before."""
    target = tmp_path / "browser capture.webm"
    ms = Fraction(1, 1000)
    with av.open(str(right_clonic_video.path)) as src, av.open(str(target), "w") as dst:
        out_stream = dst.add_stream("libvpx", rate=30)
        out_stream.width, out_stream.height, out_stream.pix_fmt = 640, 480, "yuv420p"
        out_stream.codec_context.time_base = ms
        t_ms = -1
        for i, frame in enumerate(src.decode(video=0)):
            # every tenth frame is stamped with the time of the frame before it
            t_ms = t_ms if i % 10 == 9 else round(i * 1000 / 30)
            picture = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            picture.pts, picture.time_base = t_ms, ms
            for packet in out_stream.encode(picture):
                dst.mux(packet)
        for packet in out_stream.encode():
            dst.mux(packet)
    with av.open(str(target)) as check:
        stamps = [frame.pts for frame in check.decode(video=0)]
    assert len(stamps) - len(set(stamps)) == len(stamps) // 10  # the file really repeats them
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        a = facetwitch.analyze(target)
    t_s = a.frames.column("t_s").to_numpy()
    assert np.all(np.diff(t_s) > 0) and t_s.size == len(set(stamps))
    assert any(f"{len(stamps) // 10} frames repeated" in w for w in a.quality.warnings)
    assert not a.quality.gaps
    truth = right_clonic_video.truth_episodes[0]
    [episode] = a.episodes
    assert episode.side == "right" and abs(episode.start_s - truth.start_s) <= 0.2


def test_a_dim_room_and_an_overexposed_face_are_warned_about(tmp_path, right_clonic_video, analyses):
    """The face's brightness, sampled about once a second, against the limits the capture page guides by: a dim
    room hides faint lid movements (the measurement goes on, with a warning); an ordinary recording has none."""
    from dataclasses import replace

    from facetwitch.signals import QualityLimits
    from facetwitch.simulate import render
    from facetwitch.simulate.scenario import Camera

    def brightness(analysis, words: str) -> list[float]:
        return [float(w.split("brightness ")[1].split()[0]) for w in analysis.quality.warnings if words in w]

    limits = QualityLimits()
    ordinary = analyses(right_clonic_video)
    assert not brightness(ordinary, "dimly lit") and not brightness(ordinary, "over-exposed")
    assert limits.min_face_luma < ordinary.quality.face_brightness < limits.max_face_luma
    scenario = right_clonic_video.scenario
    dim = render(replace(scenario, camera=Camera(brightness=0.3, noise_std=6.0)), tmp_path / "dim room.mp4")
    a = facetwitch.analyze(dim.path)
    [luma] = brightness(a, "dimly lit")
    assert 0 < luma < limits.min_face_luma and "window or a lamp" in " ".join(a.quality.warnings)
    assert round(a.quality.face_brightness) == luma
    # the gain of 0.3 darkens the face about as much (its noise and encoding aside)
    assert a.quality.face_brightness == pytest.approx(0.3 * ordinary.quality.face_brightness, rel=0.15)
    assert [e.side for e in a.episodes] == ["right"]  # measured all the same
    glare = render(replace(scenario, camera=Camera(brightness=2.5)), tmp_path / "glare.mp4")
    [luma] = brightness(facetwitch.analyze(glare.path), "over-exposed")
    assert luma > limits.max_face_luma


def test_lids_a_full_blink_moves_little_are_measured_and_warned_about(tmp_path, right_clonic_video, analyses):
    """How far a full blink narrows each eye in the mesh is written per eye; where it is under the limit (lids
    shown at 30 % of their travel, as hooded lids or a small face give), a warning names the eyes and says that
    faint twitches may be missed. An ordinary recording has none."""
    from dataclasses import replace

    from facetwitch.signals import QualityLimits
    from facetwitch.simulate import render

    limit = QualityLimits().min_lid_travel
    ordinary = analyses(right_clonic_video)
    q = ordinary.quality
    assert min(q.lid_travel_left, q.lid_travel_right) > limit
    assert not any("eyelids move little" in w for w in q.warnings)
    weak = render(replace(right_clonic_video.scenario, lid_gain=(0.3, 0.3)), tmp_path / "weak lids.mp4")
    w = facetwitch.analyze(weak.path).quality
    assert w.lid_range_measured and max(w.lid_travel_left, w.lid_travel_right) < limit
    # the same face and blinks with lids moving at 30 % read well under half as far
    assert w.lid_travel_left < 0.5 * q.lid_travel_left and w.lid_travel_right < 0.5 * q.lid_travel_right
    [warning] = [x for x in w.warnings if "eyelids move little" in x]
    assert (
        f"the left eye's opening by {w.lid_travel_left:.0%} and the right eye's opening by {w.lid_travel_right:.0%}"
        in warning
    )
    assert "faint one-sided eyelid twitches may be missed or misjudged" in warning
