"""write_outputs and render_report on hand-built analyses with known events and synthetic per-frame signals."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from playwright.sync_api import expect

from facetwitch import timeline
from facetwitch.outputs import OutputPaths, write_outputs
from facetwitch.records import (
    DISCLAIMER,
    SCHEMA_ID,
    SUGGESTION_LABEL,
    Analysis,
    Episode,
    Event,
    Gap,
    Quality,
    ScaleSuggestion,
    SideSummary,
    SuggestedScales,
    Summary,
    TremorSummary,
    VideoInfo,
)
from facetwitch.report import render_report
from facetwitch.schema import AnalysisSchemaError, validate_analysis

FPS = 30.0
BLINKS_AT = (2.0, 5.0, 8.0, 16.5)  # bilateral blinks
TWITCH_AT = tuple(round(10.0 + 0.4 * k, 3) for k in range(8))  # right clonic episode, 10.0-12.95 s
TWITCH_LEN = 0.15
TREMOR = (15.0, 17.0, 5.0)  # start, end, Hz
GAP = (20.0, 21.0)  # no face


def synthetic_frames(duration_s: float, fps: float = FPS, seed: int = 1) -> pa.Table:
    """Per-frame signals with the events above injected: blinks close both eyes, twitches pull the right
    eye and cheek, a 5 Hz jaw tremor, and a one-second stretch without a face (NaN)."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(duration_s * fps)) / fps
    n = t.size

    def rest(level: float = 0.0) -> np.ndarray:
        return level + 0.01 * rng.standard_normal(n)

    closure_l, closure_r = rest(0.1), rest(0.1)
    brow_l, brow_r, cheek_l, cheek_r = rest(), rest(), rest(), rest()
    mouth_l, mouth_r, jaw = rest(), rest(), rest()
    for b in BLINKS_AT:
        pulse = 0.85 * np.exp(-(((t - b - 0.1) / 0.05) ** 2))
        closure_l += pulse
        closure_r += pulse
    for tw in TWITCH_AT:
        inside = (t >= tw) & (t < tw + TWITCH_LEN)
        closure_r[inside] += 0.6
        cheek_r[inside] += 0.4
    in_tremor = (t >= TREMOR[0]) & (t < TREMOR[1])
    jaw[in_tremor] += 0.05 * np.sin(2 * np.pi * TREMOR[2] * t[in_tremor])
    face = ~((t >= GAP[0]) & (t < GAP[1]))
    signals = [closure_l, closure_r, brow_l, brow_r, cheek_l, cheek_r, mouth_l, mouth_r, jaw]
    for s in signals:
        s[~face] = np.nan
    return pa.table(
        {
            "t_s": t,
            "face_found": face,
            "usable": face,
            "closure_left": closure_l,
            "closure_right": closure_r,
            "brow_left": brow_l,
            "brow_right": brow_r,
            "cheek_left": cheek_l,
            "cheek_right": cheek_r,
            "mouth_left": mouth_l,
            "mouth_right": mouth_r,
            "jaw": jaw,
            "yaw_deg": np.where(face, 3 + rng.standard_normal(n), np.nan),
            "pitch_deg": np.where(face, -2 + rng.standard_normal(n), np.nan),
            "roll_deg": np.where(face, rng.standard_normal(n), np.nan),
        }
    )


def make_analysis(duration_s: float = 30.0, frames: pa.Table | None = None, **video: object) -> Analysis:
    """A right-sided hemifacial-spasm-like analysis matching :func:`synthetic_frames`."""
    events = [Event("blink", b, round(b + 0.25, 3), "both", ("eye",), 0.85) for b in BLINKS_AT]
    events += [
        Event("contraction", tw, round(tw + TWITCH_LEN, 3), "right", ("eye", "cheek"), 0.6)
        for tw in TWITCH_AT
    ]
    events.append(Event("tremor", TREMOR[0], TREMOR[1], "both", ("jaw",), 0.1, TREMOR[2]))
    events.sort(key=lambda e: e.start_s)
    episode = Episode(
        TWITCH_AT[0], round(TWITCH_AT[-1] + TWITCH_LEN, 3), "right", "clonic", 8, ("eye", "cheek")
    )
    analysed = duration_s - (GAP[1] - GAP[0])
    quiet = SideSummary(0, 0.0, 0.0, 0.0)
    spasm_time = round(8 * TWITCH_LEN / analysed, 6)
    summary = Summary(
        analysed_duration_s=analysed,
        blink_count=len(BLINKS_AT),
        blink_rate_per_min=round(len(BLINKS_AT) / analysed * 60, 6),
        episodes_total=1,
        left=quiet,
        right=SideSummary(1, round(60 / analysed, 6), spasm_time, spasm_time, ("cheek", "eye"), True),
        both=quiet,
        laterality_index=1.0,
        affected_side="right",
        longest_episode_s=round(episode.duration_s, 6),
        tremor=TremorSummary(True, TREMOR[2], round(2.0 / analysed, 6), ("jaw",)),
    )
    scales = SuggestedScales(
        jankovic_severity=ScaleSuggestion(2, "mild: visible twitches without functional impairment"),
        jankovic_frequency=ScaleSuggestion(2, "episodes of 1-5 per hour ... (test rule text)"),
        smc_grade=ScaleSuggestion(2, "spread from the eye to the cheek"),
    )
    info = {
        "path": "/videos/patient 01.mp4",
        "duration_s": duration_s,
        "frames": round(duration_s * FPS),
        "fps_nominal": FPS,
        "width": 1280,
        "height": 720,
    } | video
    return Analysis(
        video=VideoInfo(**info),
        quality=Quality(round(1 - (GAP[1] - GAP[0]) / duration_s, 6), (Gap(*GAP),), ("Lighting is uneven",)),
        events=events,
        episodes=[episode],
        summary=summary,
        suggested_scales=scales,
        engine={"facetwitch": "0.1.0", "mediapipe": "test"},
        frames=frames if frames is not None else synthetic_frames(duration_s),
    )


def listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def expected_shaded(analysis: Analysis) -> int:
    """Side timelines shade their own side's events; bilateral events appear in both the right and left plot."""
    return sum(2 if e.side == "both" else 1 for e in analysis.events)


# ------------------------------------------------------------------------------------------------ write_outputs


def test_outputs_written_validated_and_round_trip(tmp_path: Path) -> None:
    analysis = make_analysis()
    target = tmp_path / "visits 2026" / "Zoë Müller – 1er contrôle"
    paths = write_outputs(analysis, target)

    assert paths == OutputPaths(target / "analysis.json", target / "frames.parquet", target / "report.html")
    assert sorted(listing(target)) == ["analysis.json", "frames.parquet", "report.html"]
    text = paths.json.read_text(encoding="utf-8")
    doc = json.loads(text)
    validate_analysis(doc)
    assert doc["schema"] == SCHEMA_ID
    assert Analysis.from_json(text) == dataclasses.replace(analysis, frames=None)


def test_parquet_reads_back_with_the_same_columns_and_values(tmp_path: Path) -> None:
    analysis = make_analysis()
    paths = write_outputs(analysis, tmp_path)
    back = pq.read_table(paths.parquet)
    assert back.column_names == analysis.frames.column_names
    assert back.num_rows == 30 * 30
    assert back.schema.remove_metadata() == analysis.frames.schema.remove_metadata()
    for name in back.column_names:  # NaN in the gap compares equal here, unlike Table.equals
        np.testing.assert_array_equal(back.column(name).to_numpy(), analysis.frames.column(name).to_numpy())
    assert back.schema.metadata[b"facetwitch.schema"] == SCHEMA_ID.encode()
    meta = pq.ParquetFile(paths.parquet).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_rewrite_replaces_previous_outputs_completely(tmp_path: Path) -> None:
    write_outputs(make_analysis(duration_s=30.0), tmp_path)
    second = make_analysis(duration_s=40.0)
    write_outputs(second, tmp_path)
    assert sorted(listing(tmp_path)) == ["analysis.json", "frames.parquet", "report.html"]
    assert json.loads((tmp_path / "analysis.json").read_text("utf-8"))["video"]["duration_s"] == 40.0
    assert pq.read_table(tmp_path / "frames.parquet").num_rows == 40 * 30


def test_failure_while_writing_parquet_leaves_previous_outputs_untouched(tmp_path: Path) -> None:
    write_outputs(make_analysis(), tmp_path)
    before = listing(tmp_path)
    frames = make_analysis().frames
    # Parquet has no union type: the write fails after the temporary file was opened.
    union = pa.UnionArray.from_sparse(
        pa.array([0, 1] * (frames.num_rows // 2), type=pa.int8()),
        [pa.array(np.arange(frames.num_rows, dtype=np.float64)), pa.array(["x"] * frames.num_rows)],
    )
    bad = make_analysis(frames=frames.append_column("odd", union))
    with pytest.raises(pa.ArrowException):
        write_outputs(bad, tmp_path)
    assert listing(tmp_path) == before  # same names (no temporaries) and byte-identical contents


def test_directory_in_the_way_leaves_previous_outputs_untouched(tmp_path: Path) -> None:
    write_outputs(make_analysis(), tmp_path)
    (tmp_path / "report.html").unlink()
    (tmp_path / "report.html").mkdir()
    (tmp_path / "report.html" / "notes.txt").write_text("the user's own file")
    before_json = (tmp_path / "analysis.json").read_bytes()
    before_parquet = (tmp_path / "frames.parquet").read_bytes()
    with pytest.raises(IsADirectoryError, match=r"report\.html"):
        write_outputs(make_analysis(duration_s=40.0), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis.json", "frames.parquet", "report.html"]
    assert (tmp_path / "analysis.json").read_bytes() == before_json
    assert (tmp_path / "frames.parquet").read_bytes() == before_parquet
    assert (tmp_path / "report.html" / "notes.txt").read_text() == "the user's own file"


def test_invalid_analysis_writes_nothing(tmp_path: Path) -> None:
    analysis = make_analysis()
    analysis.events.append(Event("contraction", -1.0, 0.5, "right"))
    target = tmp_path / "out"
    with pytest.raises(AnalysisSchemaError, match=r"events\[\d+\]\.start_s"):
        write_outputs(analysis, target)
    assert not target.exists()


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    existing = tmp_path / "analysis"
    existing.write_text("keep me")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        write_outputs(make_analysis(), existing)
    assert existing.read_text() == "keep me"


def test_analysis_without_frames_keeps_an_existing_parquet(tmp_path: Path) -> None:
    write_outputs(make_analysis(), tmp_path)
    parquet = (tmp_path / "frames.parquet").read_bytes()
    reloaded = Analysis.from_json((tmp_path / "analysis.json").read_text("utf-8"))
    paths = write_outputs(reloaded, tmp_path)
    assert paths.parquet is None
    assert (tmp_path / "frames.parquet").read_bytes() == parquet
    assert "Per-frame signals are not available" in paths.html.read_text("utf-8")


# ------------------------------------------------------------------------------------------------ render_report


def test_report_is_self_contained_and_labelled() -> None:
    analysis = make_analysis()
    page = render_report(analysis)
    assert page.startswith("<!doctype html>")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page, re.IGNORECASE)
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|@import|url\((?!#)", page, re.IGNORECASE)
    assert html.escape(DISCLAIMER) in page
    assert html.escape(SUGGESTION_LABEL) in page
    assert html.escape("Patient's right") in page and html.escape("Patient's left") in page
    assert page.count("<svg") >= 3  # right, left, head pose (plus legend swatches)
    assert page.count('<figure class="timeline"') == 3
    # Every rule text is shown beside its value.
    for suggestion in ("jankovic_severity", "jankovic_frequency", "smc_grade"):
        assert html.escape(getattr(analysis.suggested_scales, suggestion).rule) in page
    assert "4 / 8" in page  # Jankovic total = 2 + 2


def test_report_shades_each_event_in_its_side_plots() -> None:
    analysis = make_analysis()
    page = render_report(analysis)
    assert page.count('class="ev ') == expected_shaded(analysis) == 4 * 2 + 8 + 2
    right = _figure(page, "timeline-right")
    left = _figure(page, "timeline-left")
    assert right.count('class="ev ev-contraction ev-side-right"') == 8
    assert left.count("ev-contraction") == 0
    assert right.count('class="ev ev-blink') == left.count('class="ev ev-blink') == len(BLINKS_AT)
    assert right.count('class="ep ') == 1 and left.count('class="ep ') == 0
    assert right.count('class="gap"') == left.count('class="gap"') == 1


def test_report_shows_a_blink_rate_no_blink_measured_as_unknown_not_as_a_number() -> None:
    def shown(page: str) -> list[str]:
        return re.findall(
            r"<dt>Blink rate</dt><dd>([^<]*)</dd>|<th scope=\"row\">Blinks</th><td>([^<]*)</td>", page
        )

    analysis = make_analysis()
    rate = f"{analysis.summary.blink_rate_per_min:.1f}"
    values = shown(render_report(analysis))
    assert len(values) == 2 and all(rate in "".join(value) for value in values)
    flagged = dataclasses.replace(
        analysis, quality=dataclasses.replace(analysis.quality, lid_range_measured=False)
    )
    values = shown(render_report(flagged))
    assert len(values) == 2  # at a glance and in the summary
    assert all("unknown: no blink moved the eyelids measurably" in "".join(v) for v in values)
    assert all(rate not in "".join(v) for v in values)


def test_report_shows_each_eye_s_lid_travel_or_that_it_was_not_measured() -> None:
    def travel(page: str) -> list[str]:
        return re.findall(r"<dt>Eyelid travel in a full blink \(left, right\)</dt><dd>([^<]*)</dd>", page)

    analysis = make_analysis()
    measured = dataclasses.replace(
        analysis, quality=dataclasses.replace(analysis.quality, lid_travel_left=0.06, lid_travel_right=0.48)
    )
    assert travel(render_report(measured)) == ["6%, 48% of the open eye"]
    assert travel(render_report(analysis)) == ["not measured"]  # no value (an older document)


def test_report_says_whether_every_frame_was_analysed() -> None:
    def rate(page: str) -> list[str]:
        return re.findall(r"<dt>Frames analysed a second</dt><dd>([^<]*)</dd>", page)

    analysis = make_analysis()
    capped = dataclasses.replace(analysis, video=dataclasses.replace(analysis.video, max_fps=30.0))
    assert rate(render_report(capped)) == ["at most 30 (capped)"]
    assert rate(render_report(analysis)) == ["every frame"]


def test_report_plots_the_columns_present() -> None:
    # Only the left eye closure exists, with a stretch of NaN: the right plot has no traces, the left one a
    # trace broken in two at the gap.
    t = np.arange(300) / 30.0
    closure = np.where((t >= 4) & (t < 5), np.nan, 0.2)
    frames = pa.table({"t_s": t, "closure_left": closure, "label": ["x"] * 300})
    analysis = make_analysis(duration_s=10.0, frames=frames)
    page = render_report(analysis)
    right, left = _figure(page, "timeline-right"), _figure(page, "timeline-left")
    assert 'class="trace"' not in right and ">Events</text>" in right
    paths = re.findall(r'class="trace" d="([^"]+)"', left)
    assert len(paths) == 1 and paths[0].count("M") == 2
    assert "Cheek" not in page.split('id="timelines"')[1].split("</section>")[0]


def test_report_escapes_text() -> None:
    analysis = make_analysis()
    analysis = dataclasses.replace(
        analysis,
        video=dataclasses.replace(analysis.video, path="/v/<b>&amp;.mp4"),
        quality=Quality(0.9, (), ("<script>alert(1)</script>",)),
    )
    page = render_report(analysis)
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;&amp;amp;.mp4" in page


def test_ten_minute_report_stays_small() -> None:
    duration = 600.0
    frames = synthetic_frames(duration)
    assert frames.num_rows == 18000
    analysis = make_analysis(duration_s=duration, frames=frames)
    many_blinks = [
        Event("blink", round(b, 3), round(b + 0.2, 3), "both", ("eye",), 0.8) for b in range(25, 590, 3)
    ]
    analysis.events.extend(many_blinks)
    page = render_report(analysis)
    assert len(page.encode("utf-8")) < 1_500_000
    paths = re.findall(r'class="trace" d="([^"]+)"', page)
    assert len(paths) == 12  # 4 signals x 2 sides + jaw, yaw, pitch, roll
    assert all(p.count("M") + p.count("L") <= 2000 for p in paths)
    assert page.count('class="ev ') == expected_shaded(analysis)


def test_envelope_keeps_a_one_frame_spike() -> None:
    t = np.arange(18000) / 30.0
    v = np.full(t.size, 0.1)
    v[12345] = 1.0  # one frame of full closure in ten minutes
    top = 100.0
    d = timeline._trace_path(t, v, 600.0, 800.0, top, 0.0, 1.0)
    ys = [float(y) for y in re.findall(r"[ML][\d.]+ ([\d.]+)", d)]
    assert len(ys) <= 2000
    assert min(ys) == pytest.approx(top)  # the spike reaches the top of the lane
    assert d.count("M") == 1


@pytest.mark.browser
def test_report_renders_offline_in_chromium(tmp_path: Path, browser) -> None:
    analysis = make_analysis()
    page_file = write_outputs(analysis, tmp_path / "report dir ü").html
    requested: list[str] = []
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(page_file.as_uri())
        shaded = page.locator("rect.ev")
        assert shaded.count() == expected_shaded(analysis)
        box = page.locator("#timeline-right svg").bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 150
        expect(page.get_by_role("heading", name="Suggested scales")).to_be_visible()
        expect(page.locator("caption", has_text=SUGGESTION_LABEL)).to_be_visible()
    finally:
        context.close()
    assert requested == [page_file.as_uri()]


def _figure(page: str, fig_id: str) -> str:
    start = page.index(f'id="{fig_id}"')
    return page[start : page.index("</figure>", start)]
