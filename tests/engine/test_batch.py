"""``facetwitch batch`` on a real Dask cluster on loopback (worker processes, real MediaPipe, real files).

The cluster tests share one two-worker cluster (``xdist_group``: the same pytest process) and use short,
small rendered clips; the CLI tests start the command's own local cluster as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from facetwitch.cohort import InputError, collect_inputs, video_id
from facetwitch.simulate import Blink, Scenario, Spasm, render

SMALL = (320, 240)


def _clip(path: Path, seed: int, duration_s: float = 3.0, side: str = "right") -> Path:
    """A small clip: a blink, then (when there is time) a clonic spasm of ``side``."""
    events = [Blink(0.3)] + ([Spasm(1.2, side, pattern="clonic", twitches=2)] if duration_s >= 2.5 else [])
    render(Scenario(duration_s=duration_s, fps=30.0, size=SMALL, seed=seed, events=events), path)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cohort-videos")
    return [
        _clip(folder / f"visit {i}.mp4", seed=30 + i, side="left" if i % 2 else "right") for i in range(4)
    ]


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client

    from facetwitch.dask_batch import local_cluster

    with local_cluster(2, memory_limit="3GiB", retries=2, dashboard_address=None) as started:
        with Client(started) as client:
            client.wait_for_workers(2, timeout=120)
        yield started


def _dataset(out: Path, table: str) -> pd.DataFrame:
    return pd.read_parquet(out / "cohort" / table)


# ------------------------------------------------------------------------------ inputs (no cluster)


def test_inputs_from_folders_globs_and_manifest_rows_with_bad_fields(tmp_path):
    (tmp_path / "a").mkdir()
    for name in ("a/one.mp4", "a/two.MOV", "a/notes.txt", "three.webm"):
        (tmp_path / name).write_bytes(b"x")
    manifest = tmp_path / "cohort.csv"
    manifest.write_text(
        "Path,Subject ID,visit_date,mirrored,site\n"
        "a/one.mp4,S1,2026-01-05,yes,Lyon\n"
        "three.webm,S2,05/01/2026,no,Kyiv\n"
        "three.webm,S3,,maybe,Kyiv\n"
    )
    jobs = collect_inputs([tmp_path / "a", str(tmp_path / "*.webm"), manifest])
    assert [Path(j.path).name for j in jobs] == ["one.mp4", "two.MOV", "three.webm", "one.mp4", "three.webm",
                                                  "three.webm"]  # fmt: skip
    folder_one, _, glob_three, listed_one, bad_date, bad_flag = jobs
    assert listed_one.subject_id == "S1" and listed_one.mirrored is True
    assert listed_one.visit_date.isoformat() == "2026-01-05" and dict(listed_one.extra) == {"site": "Lyon"}
    # A file listed again is run once; a bad field fails its own row, naming the line and the field.
    assert listed_one.problem.startswith("listed twice") and folder_one.problem is None
    assert "cohort.csv line 3" in bad_date.problem and "visit_date '05/01/2026'" in bad_date.problem
    assert "mirrored 'maybe'" in bad_flag.problem
    assert glob_three.problem is None
    assert video_id(jobs[0].path) == video_id(jobs[3].path) != video_id(jobs[1].path)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "nothing-here", "no such file or folder"),
        (lambda d: str(d / "*.mkv"), "matches no files"),
        (
            lambda d: (d / "m.csv").write_text("file,subject_id\nx.mp4,S1\n") and d / "m.csv",
            "no 'path' column",
        ),
    ],
)
def test_unreadable_inputs_are_refused_with_their_name(tmp_path, make, expected):
    target = make(tmp_path)
    with pytest.raises(InputError, match=expected) as info:
        collect_inputs([target])
    assert str(Path(target).name) in str(info.value)


@pytest.mark.e2e
def test_a_reused_landmarker_gives_exactly_the_results_of_a_fresh_one(clips):
    import facetwitch
    from facetwitch import model
    from facetwitch.landmarks import Landmarker

    fresh = facetwitch.analyze(clips[0])
    with Landmarker(model.resolve(None)) as landmarker:
        facetwitch.analyze(clips[1], landmarker=landmarker)  # another face track first
        reused = facetwitch.analyze(clips[0], landmarker=landmarker)
    assert reused.frames.equals(fresh.frames)  # every landmark-derived number, bit for bit
    assert reused.events == fresh.events and reused.summary == fresh.summary and fresh.events


def test_a_video_past_the_time_limit_fails_alone_with_a_message_and_writes_nothing(clips, tmp_path):
    from facetwitch.cohort import process_video

    slow, quick = collect_inputs([clips[0], clips[1]])
    stopped = process_video(slow, str(tmp_path), time_limit_s=0.05)
    assert stopped.status == "failed"
    assert "time limit" in stopped.message and Path(clips[0]).name in stopped.message
    assert not (tmp_path / slow.video_id).exists() and not (tmp_path / "cohort").exists()
    done = process_video(quick, str(tmp_path), time_limit_s=600)  # the next video is unaffected
    assert done.status == "ok" and (tmp_path / quick.video_id / "analysis.json").is_file()


def test_rows_of_an_older_dataset_are_rewritten_and_an_unmeasured_blink_rate_is_left_empty(clips, tmp_path):
    """A cohort written before ``lid_range_measured`` existed is brought up to today's columns on --resume (a
    dataset of mixed schemas would not read as one table), and a recording whose lids no blink moved gets an
    empty blink rate, not a 0 that a cohort mean would take for a finding."""
    import pyarrow.parquet as pq

    from facetwitch.cohort import process_video

    [job] = collect_inputs([clips[0]])
    assert process_video(job, str(tmp_path)).status == "ok"
    table = tmp_path / "cohort" / "videos" / f"{job.video_id}.parquet"
    [row] = pq.read_table(table).to_pylist()
    document = tmp_path / job.video_id / "analysis.json"
    analysis = json.loads(document.read_text())
    assert row["lid_range_measured"] is True
    assert row["face_brightness"] == pytest.approx(analysis["quality"]["face_brightness"], abs=1e-5)
    for side in ("left", "right"):
        assert (
            0
            < row[f"lid_travel_{side}"]
            == pytest.approx(analysis["quality"][f"lid_travel_{side}"], abs=1e-6)
        )
    assert row["blink_rate_per_min"] == analysis["summary"]["blink_rate_per_min"] > 0

    # An older engine's rows (no such column) over an analysis whose lids no blink moved measurably.
    pq.write_table(pq.read_table(table).drop_columns(["lid_range_measured"]), table)
    analysis["quality"]["lid_range_measured"] = False
    document.write_text(json.dumps(analysis))
    again = process_video(job, str(tmp_path), resume=True)
    assert again.status == "skipped" and "rewritten" in again.message
    [row] = pq.read_table(table).to_pylist()
    assert row["lid_range_measured"] is False and row["blink_rate_per_min"] is None
    assert row["blink_count"] == analysis["summary"]["blink_count"]  # the blinks found are still listed
    assert pd.read_parquet(tmp_path / "cohort" / "videos").shape[0] == 1


# ------------------------------------------------------------------------------ on a real cluster


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.xdist_group("dask-batch")
def test_batch_equals_analyze_reads_back_everywhere_and_resumes_without_duplicates(clips, cluster, tmp_path):
    import dask.dataframe as dd

    import facetwitch
    from facetwitch.cli import main

    manifest = tmp_path / "cohort.csv"
    manifest.write_text(
        "path,subject_id,visit_date,site\n"
        + "".join(f"{clip},S{i % 2},2026-0{i + 1}-10,Lyon\n" for i, clip in enumerate(clips[:3]))
    )
    out = tmp_path / "out"
    runs = facetwitch.batch([manifest], out, scheduler=cluster.scheduler_address, progress=False)
    assert list(runs["status"]) == ["ok"] * 3, runs["message"].tolist()
    assert (out / "run-manifest.csv").is_file()

    # The same results as `facetwitch analyze` on the same file.
    assert main(["analyze", str(clips[0]), "-o", str(tmp_path / "single"), "--quiet"]) == 0
    single = json.loads((tmp_path / "single" / clips[0].stem / "analysis.json").read_text())
    batched = json.loads((out / runs["output_dir"][0] / "analysis.json").read_text())
    assert batched["events"] == single["events"] and batched["episodes"] == single["episodes"]
    assert batched["summary"] == single["summary"] and single["events"]
    assert (out / runs["output_dir"][0] / "report.html").is_file()
    assert (out / runs["output_dir"][0] / "frames.parquet").is_file()

    # The cohort dataset: manifest columns + summary per video, events and episodes, in three readers.
    videos = _dataset(out, "videos").sort_values("visit_date")
    assert list(videos["subject_id"]) == ["S0", "S1", "S0"] and set(videos["site"]) == {"Lyon"}
    assert list(videos["blink_count"]) == [
        json.loads((out / d / "analysis.json").read_text())["summary"]["blink_count"]
        for d in videos["video_id"]
    ]
    events = dd.read_parquet(out / "cohort" / "events").compute()
    first = events[events["video_id"] == runs["video_id"][0]].sort_values("start_s")
    assert list(zip(first["kind"], first["side"], strict=True)) == [
        (e["kind"], e["side"]) for e in single["events"]
    ]
    episodes = ds.dataset(out / "cohort" / "episodes", format="parquet").to_table()
    assert episodes.num_rows == sum(
        len(json.loads((out / d / "analysis.json").read_text())["episodes"]) for d in videos["video_id"]
    )

    # --resume: nothing redone, nothing duplicated; a changed file is redone and replaces its rows.
    stamps = {p: p.stat().st_mtime_ns for p in (out / "cohort" / "videos").iterdir()}
    again = facetwitch.batch(
        [manifest], out, scheduler=cluster.scheduler_address, resume=True, progress=False
    )
    assert list(again["status"]) == ["skipped"] * 3
    assert {p: p.stat().st_mtime_ns for p in (out / "cohort" / "videos").iterdir()} == stamps
    shutil.copyfile(clips[3], clips[2])  # the third visit's file replaced by another recording
    # ... and the second visit's site corrected in the manifest: rows updated, not re-analysed.
    manifest.write_text(manifest.read_text().replace(",S1,2026-02-10,Lyon", ",S1,2026-02-10,Kyiv"))
    again = facetwitch.batch(
        [manifest], out, scheduler=cluster.scheduler_address, resume=True, progress=False
    )
    assert list(again["status"]) == ["skipped", "skipped", "ok"]
    assert "rewritten" in again["message"][1] and "rewritten" not in again["message"][0]
    videos = _dataset(out, "videos").set_index("video_id")
    assert len(videos) == 3 and videos.index.is_unique
    assert set(videos["input_sha256"]) == set(again["input_sha256"])
    assert list(videos.loc[again["video_id"], "site"]) == ["Lyon", "Kyiv", "Lyon"]
    events = _dataset(out, "events")
    for vid in again["video_id"]:
        expected = json.loads((out / vid / "analysis.json").read_text())["events"]
        assert (events["video_id"] == vid).sum() == len(expected)

    # A frame-rate cap is part of what was done: --resume with another cap redoes every video, then skips them.
    full_frames = dict(zip(videos.index, videos["frames"], strict=True))
    assert videos["max_fps"].isna().all()
    for expected in ("ok", "skipped"):
        capped = facetwitch.batch(
            [manifest], out, scheduler=cluster.scheduler_address, resume=True, progress=False, max_fps=20
        )
        assert list(capped["status"]) == [expected] * 3, capped["message"].tolist()
    videos = _dataset(out, "videos").set_index("video_id")
    assert len(videos) == 3 and set(videos["max_fps"]) == {20.0}
    for vid, frames in full_frames.items():  # 20 of the clips' 30 frames a second
        assert videos.loc[vid, "frames"] == round(frames * 20 / 30)
        assert json.loads((out / vid / "analysis.json").read_text())["video"]["max_fps"] == 20


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.xdist_group("dask-batch")
def test_worker_killed_mid_video_is_retried_elsewhere_and_analysed_once(clips, cluster, tmp_path):
    from distributed import Client

    import facetwitch

    videos = [_clip(tmp_path / f"long {i}.mp4", seed=50 + i, duration_s=5.0) for i in range(3)] + clips[:1]
    out = tmp_path / "out"
    done: list[pd.DataFrame] = []
    run = threading.Thread(
        target=lambda: done.append(
            facetwitch.batch(videos, out, scheduler=cluster.scheduler_address, progress=False)
        )
    )
    with Client(cluster.scheduler_address) as client:
        run.start()
        victim = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline:
            for address, keys in client.processing().items():
                if keys:
                    time.sleep(0.5)  # well into the video (each takes seconds)
                    if address in client.processing() and client.processing()[address] == keys:
                        victim = (client.run(os.getpid, workers=[address])[address], keys[0])
                    break
            time.sleep(0.05)
        assert victim is not None, "no video ever started"
        pid, key = victim
        killed_video = key.removeprefix("facetwitch-").rsplit("-", 1)[0]
        assert not (out / "cohort" / "videos" / f"{killed_video}.parquet").exists()  # killed mid-video
        os.kill(pid, signal.SIGKILL)
        run.join(timeout=300)
    assert not run.is_alive()
    runs = done[0]
    assert list(runs["status"]) == ["ok"] * len(videos), runs["message"].tolist()
    assert runs["video_id"].is_unique and len(runs) == len(videos)
    retried = runs[runs["video_id"] == killed_video]
    assert len(retried) == 1 and not retried["worker"].iloc[0].endswith(f":{pid}")
    table = _dataset(out, "videos")
    assert sorted(table["video_id"]) == sorted(runs["video_id"])  # each video exactly once
    events = _dataset(out, "events")
    for vid in runs["video_id"]:
        expected = json.loads((out / vid / "analysis.json").read_text())["events"]
        assert (events["video_id"] == vid).sum() == len(expected)


# ------------------------------------------------------------------------------ the command line


def _bad_manifest(tmp_path: Path, good: list[Path]) -> tuple[Path, list[str]]:
    """40 rows: 37 copies of tiny clips (distinct files) and 3 bad files among them."""
    folder = tmp_path / "visits"
    folder.mkdir()
    rows, bad = [], []
    for i in range(37):
        copy = folder / f"p{i:02d}.mp4"
        shutil.copyfile(good[i % len(good)], copy)
        rows.append(f"{copy.name},P{i % 9},2026-{1 + i % 12:02d}-01,no")
    data = good[0].read_bytes()
    (folder / "corrupt.mp4").write_bytes(data[: len(data) // 3])
    (folder / "notes.mp4").write_text("this is a text file, not a video\n")
    for name, at in (("corrupt.mp4", 5), ("missing.mp4", 17), ("notes.mp4", 30)):
        rows.insert(at, f"{name},X,2026-01-01,no")
        bad.append(name)
    manifest = tmp_path / "cohort.csv"
    manifest.write_text(
        "path,subject_id,visit_date,mirrored\n" + "\n".join(f"visits/{r}" for r in rows) + "\n"
    )
    return manifest, bad


def _batch_cli(*args: str, interrupt_after_first: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "facetwitch", "batch", *args]
    # Started as a terminal's foreground command is, with SIGINT at its default, however pytest was started:
    # a shell without job control starts `pytest ... &` with SIGINT ignored, an ignored signal stays ignored
    # across exec, and Python then installs no KeyboardInterrupt handler, so the CLI and its workers would
    # never see the Ctrl-C below. A handled signal is reset to its default at exec: handling it here suffices.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)  # fmt: skip
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    if interrupt_after_first:
        out = Path(args[args.index("-o") + 1]) / "cohort" / "videos"
        deadline = time.monotonic() + 180
        while not (out.is_dir() and any(out.glob("*.parquet"))) and time.monotonic() < deadline:
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    stdout, stderr = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.xdist_group("dask-batch")
def test_cli_40_videos_3_bad_ctrl_c_then_resume(tmp_path):
    import dask.dataframe as dd

    tiny = [_clip(tmp_path / f"tiny{i}.mp4", seed=70 + i, duration_s=1.0) for i in range(3)]
    manifest, bad = _bad_manifest(tmp_path, tiny)
    out = tmp_path / "out"

    first = _batch_cli(str(manifest), "-o", str(out), "--workers", "2", interrupt_after_first=True)
    assert first.returncode == 130, first.stderr
    assert "--resume" in first.stderr
    stopped = pd.read_csv(out / "run-manifest.csv")
    assert len(stopped) == 40 and (stopped["status"] == "interrupted").sum() >= 1
    done_before = len(list((out / "cohort" / "videos").glob("*.parquet")))
    assert 1 <= done_before < 37

    second = _batch_cli(str(manifest), "-o", str(out), "--workers", "2", "--resume")
    assert second.returncode == 1, second.stderr
    runs = pd.read_csv(out / "run-manifest.csv")
    assert len(runs) == 40
    failed = runs[runs["status"] == "failed"]
    assert sorted(Path(p).name for p in failed["path"]) == sorted(bad)
    assert all(name in second.stderr for name in bad)  # the message names the bad files
    assert (
        "no such file"
        in failed.set_index(failed["path"].map(lambda p: Path(p).name)).loc["missing.mp4", "message"]
    )
    assert (runs["status"] == "skipped").sum() >= done_before  # done before Ctrl-C: not redone
    assert (runs["status"].isin(["ok", "skipped"])).sum() == 37
    videos = dd.read_parquet(out / "cohort" / "videos").compute()
    assert len(videos) == 37 and videos["video_id"].is_unique
    assert set(videos["subject_id"]) == {f"P{i}" for i in range(9)}
    assert "skipped" in second.stdout and "failed" in second.stdout  # the summary table
    assert "dashboard http://127.0.0.1:" in second.stderr and "frames/s" in second.stderr  # progress
