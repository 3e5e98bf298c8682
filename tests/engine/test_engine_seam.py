"""What the engine offers the clinic: a probe that applies display rotation, a typed engine-info record, one
embeddable timeline drawing, and results and messages that name a file only as the caller asks."""

from __future__ import annotations

import dataclasses
import pickle
import re
from pathlib import Path

import pytest

import facetwitch
from facetwitch.records import EngineInfo


@pytest.mark.slow  # renders a video with the simulator (MediaPipe)
def test_probe_applies_the_display_rotation_and_names_no_file(rotated_video):
    probe = facetwitch.probe_video(rotated_video.path)
    assert probe.rotation in (90, 270)
    # Stored sideways (480 x 640 pixels), displayed upright as the scenario's 640 x 480 picture.
    assert (probe.width, probe.height) == rotated_video.scenario.size
    assert probe.fps == pytest.approx(30.0, rel=0.01)
    assert probe.duration_s == pytest.approx(6.0, abs=0.1)
    assert probe.codec and probe.container.startswith("mov,mp4")
    assert "path" not in {f.name for f in dataclasses.fields(probe)}


def test_video_errors_keep_the_file_apart_from_the_reason(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is a text file\n")
    with pytest.raises(facetwitch.VideoError) as caught:
        facetwitch.probe_video(bad)
    exc = caught.value
    assert exc.path == str(bad) and str(tmp_path) not in exc.reason and "notes.mp4" not in exc.reason
    assert str(exc) == f"{bad}: {exc.reason}" and "MP4/MOV/WebM" in exc.reason
    # Batch workers send errors back pickled: reason and path survive.
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc) and (again.reason, again.path, str(again)) == (
        exc.reason,
        exc.path,
        str(exc),
    )


@pytest.mark.slow  # renders a video with the simulator (MediaPipe)
def test_engine_info_is_typed_and_is_what_analysis_json_records(rotated_video, analyses):
    info = facetwitch.engine_info()
    assert isinstance(info, EngineInfo) and info.version == facetwitch.__version__
    analysis = analyses(rotated_video)
    assert analysis.engine["facetwitch"] == facetwitch.__version__  # the analysis.json key
    read_back = facetwitch.Analysis.from_json(analysis.to_json()).engine_info
    assert read_back.version == facetwitch.__version__ and read_back.landmark_backend
    assert EngineInfo.from_mapping(read_back.to_mapping()) == read_back


@pytest.mark.slow  # renders a video with the simulator (MediaPipe)
def test_analysis_names_the_video_as_asked_and_never_its_path(tmp_path, rotated_video):
    private = tmp_path / "store" / "3f9c0e2a"
    private.mkdir(parents=True)
    video = private / "video.mp4"
    video.write_bytes(Path(rotated_video.path).read_bytes())
    analysis = facetwitch.analyze(video, name="Clinic upload 2026-03-01.mp4")
    assert analysis.video.path == "Clinic upload 2026-03-01.mp4"
    assert str(private) not in analysis.to_json()


@pytest.mark.slow  # renders a video with the simulator (MediaPipe)
def test_one_timeline_drawing_for_the_report_and_for_embedding(right_clonic_video, analyses, tmp_path):
    analysis = analyses(right_clonic_video)
    embedded = facetwitch.timeline_svg(
        facetwitch.Analysis.from_json(analysis.to_json()), id_prefix="rec-7-timeline"
    )
    # Without the per-frame table: events and episodes over one empty lane, ids under the caller's prefix.
    assert 'id="rec-7-timeline-right"' in embedded and 'id="rec-7-timeline-left"' in embedded
    assert "<script" not in embedded and "style=" not in embedded  # embeddable under a strict CSP
    right = embedded.split('id="rec-7-timeline-right"')[1].split("</figure>")[0]
    expected = sum(e.side in ("right", "both") for e in analysis.episodes)
    assert expected >= 1 and right.count('class="ep ep-side-') == expected
    ids = re.findall(r'id="([^"]+)"', embedded)
    assert ids and all(i.startswith("rec-7-timeline") for i in ids) and len(ids) == len(set(ids))
    # The engine's report draws its timelines with the same function (with the signal lanes).
    paths = facetwitch.write_outputs(analysis, tmp_path / "out")
    report = Path(paths.html).read_text(encoding="utf-8")
    assert facetwitch.timeline_svg(analysis) in report
