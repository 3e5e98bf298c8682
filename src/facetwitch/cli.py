"""The ``facetwitch`` command line: analyze, batch, demo, simulate, model, clinic.

Exit codes: 0 success; 1 at least one video could not be analysed; 2 wrong usage; 3 face model unavailable.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

from facetwitch import model as model_mod
from facetwitch.landmarks import BACKENDS, DEFAULT_BACKEND
from facetwitch.records import LOW_FPS, is_frame_rate_cap

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3


def _err(message: str) -> None:
    print(f"facetwitch: {message}", file=sys.stderr)


def _output_dirs(videos: list[Path], out: Path) -> list[Path]:
    """One folder per video, named after its stem; same stems get -2, -3, ... so nothing is overwritten twice."""
    seen: dict[str, int] = {}
    dirs = []
    for video in videos:
        stem = video.stem or "video"
        seen[stem] = seen.get(stem, 0) + 1
        dirs.append(out / (stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"))
    return dirs


def one_line(analysis) -> str:
    s = analysis.summary
    rate = analysis.measured_blink_rate_per_min
    parts = [
        f"{analysis.video.duration_s:.0f} s",
        f"blinks {s.blink_count} ({'rate unknown' if rate is None else f'{rate:.0f}/min'})",
        f"episodes R {s.right.episodes} / L {s.left.episodes} / both {s.both.episodes}",
        f"spasm time R {s.right.spasm_time_fraction:.0%} L {s.left.spasm_time_fraction:.0%}",
    ]
    if s.tremor.present:
        parts.append(f"tremor {s.tremor.frequency_hz:.1f} Hz")
    scales = analysis.suggested_scales
    parts.append(f"suggested JRS {scales.jankovic_total} SMC {scales.smc_grade.value or '-'}")
    return ", ".join(parts)


def analyze_videos(videos: list[Path], out: Path, *, mirrored: bool, model: str | None, quiet: bool,
                   backend: str | None = None, time_limit_s: float | None = None,
                   max_fps: float | None = None) -> int:  # fmt: skip
    import facetwitch
    from facetwitch.errors import AnalysisError

    try:
        model_path = model_mod.resolve(model)
    except model_mod.ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    failures = 0
    for video, target in zip(videos, _output_dirs(videos, out), strict=True):
        bar = None
        if not quiet:
            from tqdm import tqdm

            bar = tqdm(desc=video.name, unit="frame", dynamic_ncols=True, leave=False, file=sys.stderr)

        def progress(done: int, total: int | None, bar=bar) -> None:
            if bar is not None:
                if total and bar.total != total:
                    bar.total = max(total, done)
                bar.update(done - bar.n)

        started = time.perf_counter()
        try:
            analysis = facetwitch.analyze(video, mirrored=mirrored, model=model_path, progress=progress,
                                          backend=backend, time_limit_s=time_limit_s, max_fps=max_fps)  # fmt: skip
            paths = facetwitch.write_outputs(analysis, target)
        except AnalysisError as exc:
            failures += 1
            _err(f"skipped: {exc}")
            continue
        except OSError as exc:
            failures += 1
            _err(f"{video}: could not write results to {target}: {exc}")
            continue
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a bug must not stop the other videos; it is reported, not hidden
            failures += 1
            _err(f"skipped: {video}: internal error ({type(exc).__name__}: {exc}); nothing was written for it; "
                 "please report it with the file")  # fmt: skip
            continue
        finally:
            if bar is not None:
                bar.close()
        elapsed = time.perf_counter() - started
        speed = analysis.video.frames / elapsed if elapsed > 0 else 0.0
        print(f"{video}: {one_line(analysis)} [{speed:.0f} frames/s] -> {paths.html}")
    if failures:
        _err(f"{failures} of {len(videos)} video(s) could not be analysed")
    return EXIT_FAILED if failures else EXIT_OK


def _analyze_command(args: argparse.Namespace) -> int:
    return analyze_videos(
        [Path(v) for v in args.videos],
        Path(args.output),
        mirrored=args.mirrored,
        model=args.model,
        quiet=args.quiet,
        backend=args.backend,
        time_limit_s=args.time_limit,
        max_fps=args.max_fps,
    )


def _batch_command(args: argparse.Namespace) -> int:
    try:
        from facetwitch.dask_batch import ClusterError, InputError, batch, summary_lines
    except ImportError as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        frame = batch(
            args.inputs,
            args.output,
            manifest=args.manifest,
            scheduler=args.scheduler,
            workers=args.workers,
            resume=args.resume,
            mirrored=args.mirrored,
            model=args.model,
            memory_limit=args.memory_limit,
            retries=args.retries,
            time_limit_s=args.time_limit,
            max_fps=args.max_fps,
            progress=not args.quiet,
        )
    except (InputError, ClusterError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    except model_mod.ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    except KeyboardInterrupt:
        _err(f"interrupted; finished videos are saved, see {Path(args.output) / 'run-manifest.csv'}; "
             "run the same command with --resume to finish")  # fmt: skip
        return 130
    print("\n".join(summary_lines(frame)))
    print(f"run manifest: {Path(args.output) / 'run-manifest.csv'}")
    failed = frame[frame["status"] == "failed"]
    if len(failed):
        _err(f"{len(failed)} of {len(frame)} video(s) could not be analysed: " + ", ".join(failed["path"]))
        return EXIT_FAILED
    return EXIT_OK


def _demo_command(args: argparse.Namespace) -> int:
    from facetwitch.simulate import demo_scenario, render

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    video_path = out / "demo-video.mp4"
    print(f"rendering the demo video with known twitches -> {video_path}")
    simulated = render(demo_scenario(), video_path)
    truth = [
        {"kind": e.kind, "side": e.side, "start_s": round(e.start_s, 3), "end_s": round(e.end_s, 3)}
        for e in simulated.truth_events
    ]
    (out / "demo-truth.json").write_text(json.dumps(truth, indent=2))
    code = analyze_videos([video_path], out, mirrored=False, model=args.model, quiet=args.quiet)
    if code == EXIT_OK:
        injected = len(simulated.truth_episodes)
        report = out / video_path.stem / "report.html"
        print(
            f"\nThe demo video has {injected} injected spasm episode(s) (truth: {out / 'demo-truth.json'})."
        )
        print(f"Open the report: {report.resolve()}")
        print(f"Machine-readable results: {(out / video_path.stem / 'analysis.json').resolve()}")
    return code


def _simulate_command(args: argparse.Namespace) -> int:
    from facetwitch import simulate

    suites = {"demo": lambda: [simulate.demo_scenario()], "benchmark": simulate.benchmark_suite,
              "heldout": simulate.heldout_suite}  # fmt: skip
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for i, scenario in enumerate(suites[args.suite]()):
        path = out / f"{args.suite}-{i:02d}.mp4"
        video = simulate.render(scenario, path)
        truth = {
            "events": [{"kind": e.kind, "side": e.side, "start_s": e.start_s, "end_s": e.end_s,
                        "frequency_hz": e.frequency_hz} for e in video.truth_events],
            "episodes": [{"side": e.side, "pattern": e.pattern, "start_s": e.start_s, "end_s": e.end_s}
                         for e in video.truth_episodes],
        }  # fmt: skip
        path.with_suffix(".truth.json").write_text(json.dumps(truth, indent=2))
        print(path)
    return EXIT_OK


def _model_command(args: argparse.Namespace) -> int:
    try:
        path = model_mod.resolve(args.model, fetch=args.action == "fetch")
        if args.action == "verify":
            print(f"ok: sha256 {model_mod.MODEL_SHA256}")
    except model_mod.ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    print(path)
    return EXIT_OK


def _clinic_command(args: argparse.Namespace) -> int:
    from facetwitch.clinic.manage import main as manage

    manage(args.manage_args)
    return EXIT_OK


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0, e.g. 600")
    return value


def _frame_rate_cap(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not is_frame_rate_cap(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a frame rate of {LOW_FPS:g} frames a second or more, e.g. 30"
        )
    return value


def _add_max_fps(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-fps",
        type=_frame_rate_cap,
        metavar="FPS",
        help="analyse at most this many frames a second, spread evenly: 30 halves the work on a 60 frames/s "
        "phone video (time resolution 33 ms); default: every frame",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="facetwitch",
        description="Objective measurement of facial twitching from ordinary videos (decision support).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "analyze", help="analyse face videos; writes analysis.json, frames.parquet, report.html"
    )
    p.add_argument("videos", nargs="+", metavar="VIDEO", help="video files (mp4, mov, webm, mkv, avi, ...)")
    p.add_argument(
        "-o", "--output", required=True, metavar="OUTDIR", help="results go to OUTDIR/<video stem>/"
    )
    p.add_argument("--mirrored", action="store_true", help="the videos are mirror images (selfie camera)")
    p.add_argument(
        "--model", help="face_landmarker.task to use (default: cached copy; also $FACETWITCH_MODEL)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help=f"landmark backend: litert runs the model's networks directly (fast), tasks uses MediaPipe's "
        f"Tasks API (the reference); default {DEFAULT_BACKEND}",
    )
    p.add_argument(
        "--time-limit",
        type=_positive_seconds,
        metavar="SECONDS",
        help="stop a video that takes longer than this (a damaged file can decode endlessly); "
        "the others go on (default: no limit)",
    )
    _add_max_fps(p)
    p.set_defaults(func=_analyze_command)

    p = sub.add_parser(
        "batch", help="analyse a cohort of videos on Dask (this machine or a cluster), resumable"
    )
    p.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="video files, folders, glob patterns, manifest CSVs"
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="OUTDIR", help="results, cohort/ dataset, run manifest"
    )
    p.add_argument(
        "--manifest", metavar="CSV", help="columns: path, subject_id, visit_date, mirrored, any others"
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://HOST:8786")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: one per core)")
    p.add_argument(
        "--resume", action="store_true", help="skip videos already analysed (same file and engine)"
    )
    p.add_argument("--mirrored", action="store_true", help="videos not in a manifest are mirror images")
    p.add_argument("--model", help="face_landmarker.task (default: cached copy; on remote workers theirs)")
    p.add_argument(
        "--memory-limit", default="4GiB", help="per local worker; above it a worker restarts (4GiB)"
    )
    p.add_argument("--retries", type=int, default=2, help="attempts more when a worker dies (default 2)")
    p.add_argument(
        "--time-limit",
        type=_positive_seconds,
        metavar="SECONDS",
        help="stop a video that takes longer than this; the others go on (default: no limit)",
    )
    _add_max_fps(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_batch_command)

    p = sub.add_parser("demo", help="render a demo video with known twitches and analyse it")
    p.add_argument("-o", "--output", default="out", metavar="OUTDIR")
    p.add_argument("--model")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_demo_command)

    p = sub.add_parser("simulate", help="render simulated test videos with their truth")
    p.add_argument("suite", choices=["demo", "benchmark", "heldout"])
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    p.set_defaults(func=_simulate_command)

    p = sub.add_parser("model", help="provision and check the MediaPipe face model")
    p.add_argument("action", choices=["fetch", "path", "verify"])
    p.add_argument("--model", help="use this model file instead of the cache (also $FACETWITCH_MODEL)")
    p.set_defaults(func=_model_command)

    p = sub.add_parser("clinic", help="the clinic web app (Django manage.py commands)", add_help=False)
    p.add_argument("manage_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_clinic_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def run() -> NoReturn:
    """The ``facetwitch`` program (console script, ``python -m facetwitch``): :func:`main` in a process of its own.

    ``analyze`` runs in a short-lived process that only ends: the objects of start-up are frozen out of the
    garbage collector's way (``gc.freeze``), and once the results are written and the output flushed the process
    exits without tearing the interpreter down (freeing every module, array and model one by one: about 0.2 s
    of CPU, ~1 % of a minute's video on one core). A library call never does either: only this entry point."""
    argv = sys.argv[1:]
    fast = bool(argv) and argv[0] == "analyze"
    if fast:
        gc.freeze()
    code = main(argv)
    if not fast:
        sys.exit(code)
    if "logging" in sys.modules:  # handlers flushed and closed as at a normal exit
        sys.modules["logging"].shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
