"""``facetwitch batch``: analyse a cohort of videos on Dask distributed (this machine or any Dask cluster).

By default a ``LocalCluster`` of worker processes on this machine: each worker is a fresh process started
by a nanny (never forked: MediaPipe hangs in forked pools), runs one video at a time (one thread) with one
landmarker kept for all its videos, and is restarted by its nanny when it dies or passes its memory limit.
With ``scheduler="tcp://HOST:8786"`` the same work goes to an existing cluster whose workers see the videos
and the output folder at the same paths (a shared file system) and have the face model provisioned.

A video whose worker dies is run again on another worker (at most ``retries`` more times); its outputs and
cohort rows are written atomically under names fixed by the video, so it ends up in the results once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from distributed import WorkerPlugin
except ImportError as exc:  # the optional 'batch' extra
    raise ImportError(
        f"facetwitch batch needs Dask ({exc.name} is not installed): pip install 'facetwitch[batch]'"
    ) from exc

from facetwitch.cohort import (
    InputError,
    VideoJob,
    VideoResult,
    close_landmarkers,
    collect_inputs,
    process_video,
    run_manifest,
    write_run_manifest,
)

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client, LocalCluster

__all__ = ["ClusterError", "InputError", "batch", "local_cluster", "summary_lines"]

DEFAULT_MEMORY_LIMIT = "4GiB"
WAIT_FOR_WORKERS_S = 120.0
CHECKPOINT_S = 30.0  # how often a long run rewrites its run manifest
DEFAULT_DASHBOARD = "127.0.0.1:8787"  # loopback: task names carry file names, which are health data


def batch(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    manifest: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    resume: bool = False,
    mirrored: bool = False,
    model: str | os.PathLike[str] | None = None,
    memory_limit: str | int = DEFAULT_MEMORY_LIMIT,
    retries: int = 2,
    time_limit_s: float | None = None,
    max_fps: float | None = None,
    dashboard_address: str | None = DEFAULT_DASHBOARD,
    progress: bool = True,
    log=None,
) -> pd.DataFrame:
    """Analyse every video named by ``inputs`` (files, folders, globs, manifest CSVs) into ``output``.

    Writes ``output/<video_id>/`` (analysis.json, frames.parquet, report.html, as ``facetwitch analyze``),
    the cohort dataset ``output/cohort/{videos,events,episodes}/`` and ``output/run-manifest.csv``, and
    returns the run manifest (one row per listed video; ``status`` ok / failed / skipped / interrupted, with
    ``message``). ``workers``: local worker processes (default: one per core); ignored with ``scheduler``.
    ``resume``: skip videos already analysed with the same input sha256, mirroring and engine version.
    ``memory_limit``: per local worker (Dask syntax, e.g. ``"4GiB"``); a worker above it is restarted and its
    video retried. ``retries``: further attempts of a video whose worker died or hit a machine error.
    ``time_limit_s``: wall-clock seconds one video may take; past it that video fails with a message and the
    others go on (default: no limit). ``max_fps``: at most this many frames a second analysed, as
    ``facetwitch.analyze``'s (default: every frame); ``resume`` redoes a video analysed with another cap.
    ``log``: where to print the dashboard address (default stderr; ``progress=False`` prints nothing).
    Ctrl-C (``KeyboardInterrupt``) stops the workers, writes the run manifest (unfinished videos
    ``interrupted``) and re-raises; a later run with ``resume=True`` finishes the rest.

    Call it under ``if __name__ == "__main__":`` in scripts: local workers are started as new processes.
    Raises :class:`InputError` when the inputs cannot be read at all and ``facetwitch.model.ModelError``
    when the face model is missing here (local cluster only; remote workers report it per video), and
    :class:`ClusterError` when ``scheduler`` cannot be reached or no worker joins it.
    """
    from facetwitch import model as model_mod

    say = log or (lambda text: print(text, file=sys.stderr))
    jobs = collect_inputs(inputs, manifest=manifest, mirrored=mirrored)
    root = Path(output).expanduser().absolute()
    root.mkdir(parents=True, exist_ok=True)
    # Local workers use the model found (or fetched) here; remote workers their own provisioned copy.
    model_arg = str(model_mod.resolve(model)) if scheduler is None else (str(model) if model else None)

    results: dict[int, VideoResult] = {}
    for job in jobs:
        if job.problem:
            results[job.row] = process_video(job, str(root))  # reports the problem; touches nothing
    todo = [job for job in jobs if job.row not in results]

    def checkpoint() -> None:
        write_run_manifest(run_manifest(jobs, results), root)

    started = time.perf_counter()
    try:
        if todo:
            with _client(scheduler, workers, memory_limit, retries, dashboard_address) as client:
                client.register_plugin(_WorkerSetup())
                if progress:
                    say(_describe(client))
                _run(
                    client,
                    todo,
                    root,
                    model_arg,
                    resume,
                    retries,
                    results,
                    progress,
                    checkpoint,
                    time_limit_s,
                    max_fps,
                )
    finally:
        # Also on Ctrl-C: what finished is recorded, the rest marked interrupted for --resume.
        frame = run_manifest(jobs, results)
        write_run_manifest(frame, root)
        frame.attrs["wall_s"] = time.perf_counter() - started
    return frame


class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached or has no workers; the message says what to start."""


class _WorkerSetup(WorkerPlugin):
    """Load the engine when a worker starts (the first video is not slowed by imports) and close the
    worker's landmarkers when it stops (MediaPipe's own finaliser fails at interpreter exit)."""

    name = "facetwitch-worker-setup"

    def setup(self, worker) -> None:
        import facetwitch.landmarks
        import facetwitch.pipeline  # noqa: F401

    def teardown(self, worker) -> None:
        close_landmarkers()


@contextlib.contextmanager
def _client(
    scheduler: str | None, workers: int | None, memory_limit: str | int, retries: int, dashboard: str | None
) -> Iterator[Client]:
    from distributed import Client

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with 'dask scheduler' "
                "(see docs/cohort.md), or leave out --scheduler to use this machine"
            ) from exc
        with client:
            try:
                client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
            except TimeoutError as exc:
                raise ClusterError(
                    f"no Dask worker joined the scheduler at {scheduler} within {WAIT_FOR_WORKERS_S:.0f} s; "
                    f"start workers with 'dask worker {scheduler} --nthreads 1'"
                ) from exc
            yield client
        return
    cluster = local_cluster(workers, memory_limit=memory_limit, retries=retries, dashboard_address=dashboard)
    with cluster as started, Client(started) as client:
        yield client


@contextlib.contextmanager
def local_cluster(
    workers: int | None = None,
    *,
    memory_limit: str | int = DEFAULT_MEMORY_LIMIT,
    retries: int = 2,
    dashboard_address: str | None = DEFAULT_DASHBOARD,
) -> Iterator[LocalCluster]:
    """The Dask cluster ``batch`` starts on this machine: ``workers`` fresh processes (default one per core)
    behind nannies, one thread each, on the loopback interface; a worker that dies is replaced and its video
    counts one failure (at most ``retries`` more attempts). ``dashboard_address=None``: any free port."""
    import dask
    from distributed import LocalCluster

    settings = {
        "distributed.scheduler.allowed-failures": retries,
        # New processes, never forks (MediaPipe hangs in forked pools).
        "distributed.worker.multiprocessing-method": "spawn",
        # Videos are not data to spill: memory is bounded by restarting a worker that grows too large.
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.target": False,
    }
    with dask.config.set(settings):
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            host="127.0.0.1",
            dashboard_address=dashboard_address if dashboard_address is not None else "127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
    try:
        yield cluster
    finally:
        cluster.close(timeout=30)


def _describe(client: Client) -> str:
    info = client.scheduler_info()
    n = len(info.get("workers", {}))
    link = client.dashboard_link if _has_dashboard() else "(install bokeh for the Dask dashboard)"
    return f"Dask scheduler {info.get('address', '?')}: {n} worker(s); dashboard {link}"


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _run(
    client: Client,
    jobs: list[VideoJob],
    root: Path,
    model: str | None,
    resume: bool,
    retries: int,
    results: dict[int, VideoResult],
    progress: bool,
    checkpoint: Callable[[], object],
    time_limit_s: float | None = None,
    max_fps: float | None = None,
) -> None:
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            process_video,
            job,
            str(root),
            model=model,
            resume=resume,
            time_limit_s=time_limit_s,
            max_fps=max_fps,
            key=f"facetwitch-{job.video_id}-{run}",
            retries=retries,
            pure=False,
        ): job
        for job in jobs
    }
    bar = _progress_bar(len(jobs) + len(results), len(results)) if progress else None
    frames, started = 0, time.perf_counter()
    saved = started
    try:
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except KilledWorker:
                result = VideoResult(
                    row=job.row,
                    video_id=job.video_id,
                    status="failed",
                    message=(
                        f"{job.path}: the worker analysing it died on every attempt (killed, crashed or "
                        "above its memory limit); check the file, or give workers more --memory-limit"
                    ),
                )
            except Exception as exc:
                result = VideoResult(
                    row=job.row,
                    video_id=job.video_id,
                    status="failed",
                    message=f"{job.path}: {type(exc).__name__}: {exc} (after {retries + 1} attempt(s))",
                )
            results[job.row] = result
            if time.perf_counter() - saved > CHECKPOINT_S:
                checkpoint()  # the run manifest so far, should this machine go down
                saved = time.perf_counter()
            if result.status == "ok" and result.frames:
                frames += result.frames
            if bar is not None:
                elapsed = time.perf_counter() - started
                bar.set_postfix_str(f"{frames / elapsed if elapsed else 0:.0f} frames/s", refresh=False)
                bar.update(1)
    except BaseException:
        # Ctrl-C or a lost scheduler: stop the queued and running work; finished videos are already saved.
        client.cancel(list(futures), force=True)
        raise
    finally:
        if bar is not None:
            bar.close()


def _progress_bar(total: int, done: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="video", desc="videos", dynamic_ncols=True, file=sys.stderr)


def summary_lines(frame: pd.DataFrame) -> list[str]:
    """A short end-of-run table: counts per status, frames and speed, then each failure with its message."""
    counts = frame["status"].value_counts()
    ok = frame[frame["status"] == "ok"]
    frames = int(ok["frames"].sum()) if len(ok) else 0
    wall_s = float(frame.attrs.get("wall_s", 0.0))
    statuses = [s for s in ("ok", "skipped", "failed", "interrupted") if counts.get(s, 0)]
    lines = [
        f"{'status':<12}{'videos':>8}",
        *[f"{status:<12}{int(counts[status]):>8}" for status in statuses],
        f"{'total':<12}{len(frame):>8}",
        f"analysed {len(ok)} video(s), {frames} frames in {wall_s:.1f} s"
        + (
            f" ({frames / wall_s:.0f} frames/s, {60 * len(ok) / wall_s:.1f} videos/min)" if wall_s > 0 else ""
        ),
    ]
    failed = frame[frame["status"] == "failed"]
    if len(failed):
        lines.append(f"{len(failed)} video(s) failed:")
        lines += [
            f"  {row.message}" if row.path in row.message else f"  {row.path}: {row.message}"
            for row in failed.itertuples()
        ]
    return lines
