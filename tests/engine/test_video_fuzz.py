"""Video fuzzing through the command line: at least 200 broken videos in one real ``facetwitch analyze`` run.

The corpus (``facetwitch.simulate.corrupt``) mutates small valid videos made in code, and a short rendered face
video, into truncated, bit-flipped, shuffled, header-damaged, misnamed, huge-picture, odd-frame-rate, frameless
and decoder-bomb files. Every file must end in exactly one line: a result, or a one-line message naming the file
and saying what to do; no traceback; no file stops the others or runs past the per-file time limit; and each
output folder is either complete (a schema-valid analysis.json with its frames and report) or absent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from facetwitch.schema import validate_analysis
from facetwitch.simulate.corrupt import KINDS, make_corpus, make_face_corpus, summary_line

# Runs the real face model on every file that decodes.
pytestmark = pytest.mark.e2e

TIME_LIMIT_S = 20.0  # per file, given to the command (--time-limit)
# What a message must offer the user: one of these verbs of advice.
ADVICE = re.compile(r"\b(record|export|film|copy|check|cut|upload|name)\b")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    items, face = make_face_corpus(tmp_path_factory.mktemp("fuzz"), count=200, seed=13)
    return items, face


def _run_timed(args: list[str], timeout_s: float) -> tuple[int, list[tuple[float, str]]]:
    """Run the command with stdout and stderr in one pipe; each line with the seconds since the start."""
    started = time.monotonic()
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(
        target=lambda: lines.extend((time.monotonic() - started, line.rstrip("\n")) for line in proc.stdout),
        daemon=True,
    )
    reader.start()
    try:
        code = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.wait()
        tail = "\n".join(line for _, line in lines[-20:])
        raise AssertionError(f"facetwitch analyze ran past {timeout_s:.0f} s:\n{tail}") from exc
    reader.join(10)
    return code, lines


@pytest.mark.xdist_group("video-fuzz")  # one corpus per pytest process
def test_corpus_has_every_kind_and_is_reproducible(tmp_path, corpus):
    items, _ = corpus
    assert len(items) >= 200
    assert set(KINDS) <= {item.kind for item in items}
    assert all(item.path.is_file() for item in items)
    # The same seed gives the same files.
    again = make_corpus(tmp_path / "again", count=200, seed=13, extra_seeds={"face.mp4": corpus[1]})
    assert [(i.kind, i.detail) for i in again] == [(i.kind, i.detail) for i in items]
    assert [i.path.read_bytes() for i in again[:40]] == [i.path.read_bytes() for i in items[:40]]


@pytest.mark.xdist_group("video-fuzz")  # one corpus per pytest process
def test_every_broken_video_gets_one_clear_line_and_no_partial_output(tmp_path, corpus):
    items, face = corpus
    valid = tmp_path / "valid after them.mp4"
    valid.write_bytes(face.read_bytes())
    out = tmp_path / "out"
    files = [item.path for item in items] + [valid]
    code, lines = _run_timed(
        [sys.executable, "-m", "facetwitch", "analyze", *map(str, files), "-o", str(out), "--quiet",
         "--time-limit", str(TIME_LIMIT_S)],
        timeout_s=len(files) * TIME_LIMIT_S,
    )  # fmt: skip
    text = "\n".join(line for _, line in lines)
    assert "Traceback" not in text and "internal error" not in text, text[-3000:]
    assert code == 1  # some videos could not be analysed

    # One result line per file, in order, each naming its file.
    results: dict[str, tuple[float, str, str]] = {}
    for t, line in lines:
        if line.startswith("facetwitch: skipped: "):
            body, outcome = line.removeprefix("facetwitch: skipped: "), "refused"
        elif " -> " in line and line.endswith("report.html"):
            body, outcome = line, "analysed"
        else:
            continue
        name = next((f.name for f in files if body.startswith(f"{f}: ")), None)
        assert name is not None, f"a result line that names no input file: {line}"
        assert name not in results, f"two result lines for {name}"
        results[name] = (t, outcome, body)
    missing = [f.name for f in files if f.name not in results]
    assert not missing, f"no result line for {missing}:\n{text[-3000:]}"
    assert f"{sum(o == 'refused' for _, o, _ in results.values())} of {len(files)} video(s) could not" in text

    # No file ran past the limit: the time between one result and the next (the first includes start-up).
    times = [results[f.name][0] for f in files]
    per_file = [b - a for a, b in zip([0.0, *times[:-1]], times, strict=True)]
    slowest = max(range(len(files)), key=per_file.__getitem__)
    assert per_file[slowest] < TIME_LIMIT_S + 15, f"{files[slowest].name} took {per_file[slowest]:.0f} s"

    outcomes: dict[str, Counter] = defaultdict(Counter)
    for f, item in zip(files, [*items, None], strict=True):
        _, outcome, message = results[f.name]
        outcomes[item.kind if item else "valid"][outcome] += 1
        target = out / f.stem
        if outcome == "refused":
            # A clear message: after the file name, what is wrong and what to do; nothing written for it.
            reason = message.removeprefix(f"{f}: ")
            assert ADVICE.search(reason), f"{f.name} ({item and item.detail}): no advice in {reason!r}"
            assert not target.exists(), f"{f.name} was refused but left {sorted(target.rglob('*'))}"
        else:
            assert sorted(p.name for p in target.iterdir()) == [
                "analysis.json",
                "frames.parquet",
                "report.html",
            ]
            validate_analysis(json.loads((target / "analysis.json").read_text()))
    assert not [p for p in out.rglob(".*")], "temporary files left behind"
    assert results[valid.name][1] == "analysed"  # the valid video after 200 broken ones

    report = ", ".join(f"{k} {dict(v)}" for k, v in outcomes.items())
    print(f"\nvideo fuzzing (CLI): {summary_line(items)}\n  outcomes: {report}\n"
          f"  total {times[-1]:.0f} s, slowest {files[slowest].name} {per_file[slowest]:.1f} s")  # fmt: skip


# --- the guards the corpus found needed, one by one ------------------------------------------------------------


def test_time_limit_stops_a_long_analysis_promptly_with_a_clear_message(right_clonic_video):
    import facetwitch
    from facetwitch.errors import TimeLimitError

    started = time.monotonic()
    with pytest.raises(TimeLimitError) as info:
        facetwitch.analyze(right_clonic_video.path, time_limit_s=1.0)
    assert time.monotonic() - started < 8  # 10 s of video; stopped soon after the limit, not at the end
    message = str(info.value)
    assert (
        str(right_clonic_video.path) in message and "time limit of 1 s" in message and ADVICE.search(message)
    )


def test_time_limit_option_is_checked(tmp_path):
    for bad in ("0", "-5", "soon", "inf"):
        proc = subprocess.run(
            [sys.executable, "-m", "facetwitch", "analyze", "x.mp4", "-o", str(tmp_path), "--time-limit", bad],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 2 and "not a number of seconds above 0" in proc.stderr


@pytest.mark.parametrize(("width", "height"), [(16000, 16000), (12000, 12000), (7680, 7680)])
def test_a_decoder_bomb_is_refused_before_it_is_decoded(tmp_path, width, height):
    """A few kilobytes of H.264 whose header declares an enormous picture: FFmpeg alone spends ~20 s and
    gigabytes on 16000x16000 while opening it; the engine refuses it at once."""
    import facetwitch
    from facetwitch.errors import VideoError
    from facetwitch.simulate.corrupt import _patch_annexb_sps, write_video

    seed = write_video(tmp_path / "seed.h264", fmt="h264", options={"profile": "baseline"})
    bomb = tmp_path / "bomb.h264"
    bomb.write_bytes(_patch_annexb_sps(seed.read_bytes() * 10, width, height))
    started = time.monotonic()
    with pytest.raises(VideoError, match=f"{width}x{height} pixels, more than the engine accepts"):
        facetwitch.analyze(bomb)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("t_s", "expected"),
    [
        ([0.0], "only 1 frame could be read"),
        ([0.0] * 30, "30 of its 30 frames share their time stamps"),
        (list(np.arange(30) * 1e-6), "1e+06 frames/s"),
        (list(np.arange(30) * 100.0), "0.01 frames/s"),
    ],
    ids=["one-frame", "same-time", "1e6-fps", "0.01-fps"],
)
def test_impossible_frame_timing_is_named(t_s, expected):
    from facetwitch.pipeline import timing_problem

    problem = timing_problem(np.asarray(t_s))
    assert problem is not None and expected in problem and ADVICE.search(problem)


def test_camera_frame_timing_passes():
    from facetwitch.pipeline import timing_problem

    assert timing_problem(np.arange(300) / 30.0) is None  # 30 frames/s
    assert timing_problem(np.arange(300) / 960.0) is None  # phone slow motion
    jitter = np.cumsum(np.random.default_rng(0).uniform(0.025, 0.045, 300))  # variable frame rate
    assert timing_problem(jitter) is None
