"""The command line, run for real in a subprocess."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from facetwitch.schema import validate_analysis


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "facetwitch", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)  # fmt: skip


def test_analyze_two_videos_one_bad_keeps_going(tmp_path, right_clonic_video):
    bad = tmp_path / "broken.mp4"
    bad.write_text("garbage")
    out = tmp_path / "results dir"
    proc = run("analyze", str(bad), str(right_clonic_video.path), "-o", str(out), "--quiet")
    assert proc.returncode == 1
    assert "broken.mp4" in proc.stderr and "not a readable video" in proc.stderr
    assert "1 of 2 video(s) could not be analysed" in proc.stderr
    good = out / Path(right_clonic_video.path).stem
    doc = json.loads((good / "analysis.json").read_text())
    validate_analysis(doc)
    assert [e["side"] for e in doc["episodes"]] == ["right"]
    assert (good / "frames.parquet").stat().st_size > 0 and (good / "report.html").stat().st_size > 0
    assert not (out / "broken").exists()  # nothing half-written for the bad file
    assert "episodes R 1 / L 0" in proc.stdout and "report.html" in proc.stdout


def test_wrong_flag_and_missing_arguments_exit_2():
    proc = run("analyze", "--frobnicate", "x.mp4", "-o", "out")
    assert proc.returncode == 2 and "unrecognized arguments" in proc.stderr
    proc = run("analyze", "x.mp4")
    assert proc.returncode == 2 and "-o/--output" in proc.stderr


def test_missing_video_exit_1(tmp_path):
    proc = run("analyze", str(tmp_path / "absent.mp4"), "-o", str(tmp_path / "o"), "--quiet")
    assert proc.returncode == 1 and "no such file" in proc.stderr


def test_bad_model_exit_3(tmp_path, right_clonic_video):
    fake = tmp_path / "fake.task"
    fake.write_bytes(b"not a model")
    proc = run("analyze", str(right_clonic_video.path), "-o", str(tmp_path / "o"), "--model", str(fake))
    assert proc.returncode == 3 and "sha256" in proc.stderr


def test_model_path_and_verify():
    proc = run("model", "verify")
    assert proc.returncode == 0 and "ok: sha256" in proc.stdout


@pytest.mark.slow
def test_demo_renders_analyses_and_says_where_the_report_is(tmp_path):
    proc = run("demo", "-o", str(tmp_path / "demo out"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    report = tmp_path / "demo out" / "demo-video" / "report.html"
    assert str(report.resolve()) in proc.stdout
    doc = json.loads((report.parent / "analysis.json").read_text())
    truth = json.loads((tmp_path / "demo out" / "demo-truth.json").read_text())
    truth_sides = {e["side"] for e in truth if e["kind"] == "contraction"}
    assert {e["side"] for e in doc["episodes"]} == truth_sides


def test_main_called_from_python_returns_and_leaves_the_collector_alone(tmp_path, right_clonic_video):
    """Only the program's own entry point (``python -m facetwitch``, the console script) freezes its start-up
    objects and skips the interpreter's teardown; ``main()`` called inside a host process returns its exit code
    and changes nothing of the host's garbage collector."""
    from facetwitch.cli import main

    frozen = gc.get_freeze_count()
    code = main(
        ["analyze", str(right_clonic_video.path), "-o", str(tmp_path), "--quiet", "--backend", "litert"]
    )
    assert code == 0
    assert gc.get_freeze_count() == frozen
    assert (tmp_path / Path(right_clonic_video.path).stem / "analysis.json").stat().st_size > 0


def test_an_analysis_loads_no_module_it_does_not_use(tmp_path, right_clonic_video):
    """Every import costs start-up time of each `facetwitch analyze` run (on one core, time of the whole run): the
    model's downloader, Arrow's compute kernels and pandas are not needed to analyse a video and write its
    results."""
    code = (
        "import sys, facetwitch\n"
        "analysis = facetwitch.analyze(sys.argv[1], backend='litert')\n"
        "facetwitch.write_outputs(analysis, sys.argv[2])\n"
        "print(sorted(m for m in ('urllib.request', 'pyarrow.compute', 'pandas') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(right_clonic_video.path), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert (tmp_path / "out" / "report.html").stat().st_size > 0


def test_max_fps_is_recorded_and_a_rate_too_low_is_refused(tmp_path, right_clonic_60fps_video):
    proc = run("analyze", str(right_clonic_60fps_video.path), "-o", str(tmp_path / "o"), "--max-fps", "10")
    assert proc.returncode == 2 and "'10' is not a frame rate of 20 frames a second or more" in proc.stderr
    assert not (tmp_path / "o").exists()
    proc = run(
        "analyze", str(right_clonic_60fps_video.path), "-o", str(tmp_path / "o"), "--max-fps", "30", "--quiet"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(
        (tmp_path / "o" / Path(right_clonic_60fps_video.path).stem / "analysis.json").read_text()
    )
    validate_analysis(doc)
    assert (
        doc["video"]["max_fps"] == 30 and doc["video"]["frames"] == 240
    )  # 8 s at 30 of the video's 60 a second
    assert [e["side"] for e in doc["episodes"]] == ["right"]
