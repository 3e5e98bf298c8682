"""Speed, memory and landmark-backend equivalence, side by side in one run.

Usage: ``make bench`` or ``.venv/bin/python benchmarks/speed.py [--only speed|memory|equivalence] [--quick]``.

* speed: ``facetwitch analyze`` as a user runs and times it (a fresh process under ``/usr/bin/time``: wall
  time and peak RSS) with the ``litert`` and the ``tasks`` landmark backends and a naive loop (OpenCV decode +
  MediaPipe IMAGE mode per frame), on a 72-s 1280x720 30 fps H.264 video on two cores and pinned to one core
  (``taskset -c 0``), and on a 1920x1080 60 fps video, that one also with ``--max-fps 30`` (every other frame
  analysed). Ratios to the Tasks backend, to the naive loop and to every frame are measured in the same run, so
  they hold on a busy machine even when absolute speeds do not.
* memory: peak RSS of ``facetwitch analyze`` on a 1-minute and a 10-minute video (the same clip repeated).
* equivalence: both backends over the benchmark and held-out suites: per-frame landmark difference in units
  of the inter-ocular distance, and the events and episodes each finds (same count, side and kind; times
  within one frame).

Prints tables and writes benchmarks/results/speed.md and speed.json (speed-memory.md, ... for a run of some
parts: ``--only memory``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CACHE = RESULTS / "videos"
SRC = HERE.parent / "src"

BARS = {
    "720p30 2 cores": 7.0,
    "720p30 1 core": 3.5,
    "1080p60 2 cores": 3.0,
    "peak_rss_mb": 500.0,
    "landmark_diff_iod": 0.015,
}

NAIVE_LOOP = """
import sys, time, math, cv2, mediapipe as mp
from mediapipe.tasks import python as mpt
from mediapipe.tasks.python import vision
from facetwitch.model import resolve
options = vision.FaceLandmarkerOptions(base_options=mpt.BaseOptions(model_asset_path=str(resolve())),
    running_mode=vision.RunningMode.IMAGE, output_face_blendshapes=True, output_facial_transformation_matrixes=True)
landmarker = vision.FaceLandmarker.create_from_options(options)
cap = cv2.VideoCapture(sys.argv[1])
rows = []
while True:
    ok, bgr = cap.read()
    if not ok:
        break
    result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    if not result.face_landmarks:
        rows.append(None)
        continue
    p = [(q.x, q.y, q.z) for q in result.face_landmarks[0]]
    d = lambda a, b: math.dist(p[a], p[b])
    rows.append(((d(160, 144) + d(159, 145) + d(158, 153)) / (3 * d(33, 133)),
                 (d(387, 373) + d(386, 374) + d(385, 380)) / (3 * d(263, 362))))
print(len(rows))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _render_cached(scenario, name: str) -> Path:
    """Render once per scenario (cached under results/videos, keyed by the scenario)."""
    key = hashlib.sha256(repr(scenario).encode()).hexdigest()[:12]
    ext = {"vp9": ".webm", "mjpeg": ".avi"}.get(scenario.codec, ".mp4")
    path = CACHE / f"{name}-{key}{ext}"
    if not path.exists():
        from facetwitch.simulate import render

        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".part" + ext)
        render(scenario, tmp)
        os.replace(tmp, path)
    return path


def speed_video(duration_s: float, size: tuple[int, int], fps: float, name: str) -> Path:
    from facetwitch.simulate import Blink, HeadMotion, Scenario, Spasm

    scenario = Scenario(
        face="astronaut", duration_s=duration_s, fps=fps, size=size,
        events=[Blink(t) for t in range(2, int(duration_s), 4)] + [Spasm(10.0, "right"), Spasm(40.0, "right")][
            : 1 + (duration_s > 45)],
        head_motion=HeadMotion(amplitude_deg=2.0, translate_px=8.0, period_s=6.0), seed=7,
    )  # fmt: skip
    return _render_cached(scenario, name)


def loop_video(source: Path, repeats: int) -> Path:
    """A long video made by repeating ``source`` (packets copied, timestamps shifted): no re-encoding."""
    import av

    target = CACHE / f"{source.stem}-x{repeats}.mp4"
    if target.exists():
        return target
    tmp = target.with_suffix(".part.mp4")
    with av.open(str(source)) as src, av.open(str(tmp), "w") as dst:
        in_stream = src.streams.video[0]
        out_stream = dst.add_stream_from_template(in_stream)
        packets = [p for p in src.demux(in_stream) if p.dts is not None]
        span = max(p.pts + (p.duration or 0) for p in packets) - min(p.pts for p in packets)
        for r in range(repeats):
            for p in packets:
                p2 = av.Packet(bytes(p))
                p2.pts, p2.dts, p2.duration = p.pts + r * span, p.dts + r * span, p.duration
                p2.is_keyframe, p2.time_base, p2.stream = p.is_keyframe, p.time_base, out_stream
                dst.mux(p2)
    os.replace(tmp, target)
    return target


def _video_seconds(path: Path) -> tuple[float, int]:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return float(s.duration * s.time_base), int(s.frames)


def timed_run(kind: str, video: Path, cores: str | None, *options: str) -> dict:
    """One whole process as a user times it: wall seconds and peak RSS (``/usr/bin/time``); ``options``: more
    ``facetwitch analyze`` options."""
    with tempfile.TemporaryDirectory(prefix="facetwitch-speed-") as tmp:
        if kind == "naive":
            script = Path(tmp) / "naive.py"
            script.write_text(NAIVE_LOOP)
            command = [sys.executable, str(script), str(video)]
        else:
            command = [sys.executable, "-m", "facetwitch", "analyze", str(video), "-o", str(Path(tmp) / "out"),
                       "--quiet", "--backend", kind, *options]  # fmt: skip
        stats = Path(tmp) / "time.txt"
        command = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", str(stats), *command]
        if cores is not None:
            command = ["taskset", "-c", cores, *command]
        started = time.perf_counter()
        done = subprocess.run(command, env=_env(), capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        _elapsed, max_kb, user_s, sys_s = stats.read_text().split()[-4:]
    duration_s, frames = _video_seconds(video)
    # CPU seconds (user + system) say what a run costs even on a busy machine, where wall time does not.
    cpu_s = float(user_s) + float(sys_s)
    return {"seconds": wall, "realtime": duration_s / wall, "fps": frames / wall, "peak_rss_mb": int(max_kb) / 1024,
            "cpu_s": cpu_s, "cpu_ms_per_frame": 1000 * cpu_s / max(frames, 1)}  # fmt: skip


def speed(quick: bool) -> dict:
    seconds = 24.0 if quick else 72.0
    v720 = speed_video(seconds, (1280, 720), 30.0, "speed720p30")
    v1080 = speed_video(12.0 if quick else 30.0, (1920, 1080), 60.0, "speed1080p60")
    every, capped = ("litert", "tasks", "naive"), ("litert", "tasks")
    # The last: a phone's 60 frames/s video analysed at 30 a second, beside every frame.
    plan = [("720p30 2 cores", v720, None, every, ()), ("720p30 1 core", v720, "0", every, ()),
            ("1080p60 2 cores", v1080, None, every, ()),
            (CAPPED, v1080, None, capped, ("--max-fps", "30"))]  # fmt: skip
    out = {}
    for name, video, cores, kinds, options in plan:
        row = {}
        for kind in kinds:
            print(f"  {name}: {kind}", flush=True)
            row[kind] = timed_run(kind, video, cores, *options)
        for ref in kinds[1:]:
            row[f"vs_{ref}"] = row[ref]["seconds"] / row["litert"]["seconds"]
            row[f"cpu_vs_{ref}"] = row[ref]["cpu_s"] / row["litert"]["cpu_s"]
        out[name] = row
    for kind in capped:
        out[CAPPED][f"vs_every_frame_{kind}"] = (
            out["1080p60 2 cores"][kind]["seconds"] / out[CAPPED][kind]["seconds"]
        )
    return out


CAPPED = "1080p60 2 cores, --max-fps 30"


def memory(quick: bool) -> dict:
    one = speed_video(24.0 if quick else 60.0, (1280, 720), 30.0, "speed720p30")
    repeats = 3 if quick else 10
    longer = loop_video(one, repeats)
    minutes = _video_seconds(one)[0] / 60
    return {f"{minutes:.1f} min": timed_run("litert", one, None),
            f"{minutes * repeats:.1f} min": timed_run("litert", longer, None)}  # fmt: skip


def _backend_landmarks(video: Path, mirrored: bool) -> dict:
    """Per-frame landmarks of both backends over one video (decoded once), each tracking on its own."""
    import numpy as np

    from facetwitch.landmarks import open_landmarker
    from facetwitch.model import resolve
    from facetwitch.video import iter_frames

    model = resolve(None)
    found = {"litert": [], "tasks": []}
    diffs = []
    with open_landmarker("litert", model) as lite, open_landmarker("tasks", model) as ref:
        for frame in iter_frames(video, mirrored=mirrored):
            a, b = ref.detect(frame.rgb, frame.t_s), lite.detect(frame.rgb, frame.t_s)
            found["tasks"].append(a is not None)
            found["litert"].append(b is not None)
            if a is not None and b is not None:
                p = a.points
                iod = np.linalg.norm((p[33, :2] + p[133, :2]) / 2 - (p[263, :2] + p[362, :2]) / 2)
                diffs.append(float(np.linalg.norm(a.points[:, :2] - b.points[:, :2], axis=1).mean() / iod))
    return {"diffs": diffs, "found_tasks": found["tasks"], "found_litert": found["litert"]}


def _same_findings(ref, new, frame_s: float) -> tuple[bool, str]:
    """Same count, kind and side, start and end within one frame (events and episodes)."""
    if len(ref) != len(new):
        return False, f"{len(ref)} vs {len(new)}"
    for r, n in zip(ref, new, strict=True):
        kind_r, kind_n = (
            getattr(r, "kind", getattr(r, "pattern", "")),
            getattr(n, "kind", getattr(n, "pattern", "")),
        )
        if r.side != n.side or kind_r != kind_n:
            return False, f"{kind_r}/{r.side} vs {kind_n}/{n.side} at {r.start_s:.2f} s"
        worst = max(abs(r.start_s - n.start_s), abs(r.end_s - n.end_s))
        if worst > frame_s + 1e-6:
            return False, f"{kind_r}/{r.side} at {r.start_s:.2f} s moved {worst:.3f} s"
    return True, ""


def equivalence(quick: bool) -> dict:
    import numpy as np

    import facetwitch
    from facetwitch.simulate import benchmark_suite, heldout_suite

    rows, all_diffs = [], []
    for suite_name, suite in (("benchmark", benchmark_suite()), ("heldout", heldout_suite())):
        for i, scenario in enumerate(suite[:3] if quick else suite):
            name = f"{suite_name}-{i:02d}"
            video = _render_cached(scenario, name)
            lm = _backend_landmarks(video, scenario.mirrored)
            ref = facetwitch.analyze(video, mirrored=scenario.mirrored, backend="tasks")
            new = facetwitch.analyze(video, mirrored=scenario.mirrored, backend="litert")
            frame_s = 1.0 / scenario.fps
            ev_ok, ev_why = _same_findings(ref.events, new.events, frame_s)
            ep_ok, ep_why = _same_findings(ref.episodes, new.episodes, frame_s)
            d = np.asarray(lm["diffs"])
            all_diffs.extend(lm["diffs"])
            disagree = int(np.sum(np.asarray(lm["found_tasks"]) != np.asarray(lm["found_litert"])))
            rows.append({
                "video": name, "frames": len(lm["found_tasks"]), "median_diff_iod": float(np.median(d)),
                "p95_diff_iod": float(np.percentile(d, 95)), "face_found_disagree": disagree,
                "events": len(ref.events), "events_same": ev_ok, "episodes": len(ref.episodes),
                "episodes_same": ep_ok, "why": "; ".join(w for w in (ev_why, ep_why) if w),
            })  # fmt: skip
            print(f"  {rows[-1]}", flush=True)
    d = np.asarray(all_diffs)
    return {
        "rows": rows,
        "median_diff_iod": float(np.median(d)),
        "worst_video_median_diff_iod": max(r["median_diff_iod"] for r in rows),
        "all_events_same": all(r["events_same"] for r in rows),
        "all_episodes_same": all(r["episodes_same"] for r in rows),
    }


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["speed", "memory", "equivalence"], action="append")
    parser.add_argument("--quick", action="store_true", help="shorter videos, fewer suite videos (smoke run)")
    args = parser.parse_args()
    if shutil.which("taskset") is None or not Path("/usr/bin/time").exists():
        print("speed.py needs taskset (util-linux) and /usr/bin/time (GNU time)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(SRC))
    parts = args.only or ["speed", "memory", "equivalence"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(), "quick": args.quick}}  # fmt: skip
    md = [f"# facetwitch speed benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs"
          f"{', quick' if args.quick else ''})"]  # fmt: skip
    if "speed" in parts:
        print("speed: litert vs tasks vs naive loop", flush=True)
        s = results["speed"] = speed(args.quick)
        rows = []
        for name, row in s.items():
            bar = BARS.get(name)
            kinds = [k for k in ("litert", "tasks", "naive") if k in row]
            for kind in kinds:
                r = row[kind]
                note = f">= {bar}x: {_yes(r['realtime'] >= bar)}" if kind == "litert" and bar else ""
                # frames/s and CPU ms per frame count every frame of the video, analysed or not.
                if name == CAPPED:
                    note = f"{row[f'vs_every_frame_{kind}']:.2f}x faster than every frame"
                rows.append([name, kind, f"{r['seconds']:.1f}", f"{r['cpu_s']:.1f}", f"{r['cpu_ms_per_frame']:.1f}",
                             f"{r['fps']:.0f}", f"{r['realtime']:.2f}x", f"{r['peak_rss_mb']:.0f}", note])  # fmt: skip
            for ref in kinds[1:]:
                rows.append([name, f"speed-up over {ref}", "", f"{row[f'cpu_vs_{ref}']:.2f}x", "", "",
                             f"{row[f'vs_{ref}']:.2f}x", "", ""])  # fmt: skip
        md += ["\n## Speed (whole process as `/usr/bin/time` sees it: wall seconds, CPU seconds user + system, CPU "
               "milliseconds per frame, which hold on a busy machine where wall time does not)",
               _table(["video", "pipeline", "wall s", "CPU s", "CPU ms/frame", "frames/s", "x real time",
                       "peak RSS MB", "bar"], rows)]  # fmt: skip
    if "memory" in parts:
        print("memory: 1-minute vs long video (litert)", flush=True)
        m = results["memory"] = memory(args.quick)
        (short_name, short), (long_name, longer) = m.items()
        rows = [[k, f"{v['peak_rss_mb']:.0f}", f"{v['fps']:.0f}", _yes(v["peak_rss_mb"] < BARS["peak_rss_mb"])]
                for k, v in m.items()]  # fmt: skip
        md += ["\n## Peak memory (litert, streaming)", _table(["video", "peak RSS MB", "frames/s", "< 500 MB"], rows),
               f"\n{long_name} / {short_name} peak RSS = {longer['peak_rss_mb'] / short['peak_rss_mb']:.2f}"]  # fmt: skip
    if "equivalence" in parts:
        print("equivalence: litert vs tasks over the suites", flush=True)
        e = results["equivalence"] = equivalence(args.quick)
        rows = [[r["video"], r["frames"], f"{r['median_diff_iod']:.2%}", f"{r['p95_diff_iod']:.2%}",
                 r["face_found_disagree"], f"{r['events']} {_yes(r['events_same'])}",
                 f"{r['episodes']} {_yes(r['episodes_same'])}", r["why"]] for r in e["rows"]]  # fmt: skip
        md += ["\n## Equivalence: litert vs tasks (landmark difference in inter-ocular distances)",
               _table(["video", "frames", "median diff", "95th pct diff", "face found differs (frames)",
                       "events same", "episodes same", "difference"], rows),
               f"\nmedian per-frame difference {e['median_diff_iod']:.2%} of the inter-ocular distance "
               f"(worst video {e['worst_video_median_diff_iod']:.2%}; bar <= 1.5%: "
               f"{_yes(e['worst_video_median_diff_iod'] <= BARS['landmark_diff_iod'])}); same events: "
               f"{_yes(e['all_events_same'])}; same episodes: {_yes(e['all_episodes_same'])}"]  # fmt: skip
    text = "\n".join(md) + "\n"
    print("\n" + text)
    # A partial run (--only) writes files of its own: it must not replace a whole run's tables.
    suffix = ("-quick" if args.quick else "") + "".join(f"-{part}" for part in args.only or ())
    (RESULTS / f"speed{suffix}.md").write_text(text)
    (RESULTS / f"speed{suffix}.json").write_text(json.dumps(results, indent=2))
    print(f"written: {RESULTS / f'speed{suffix}.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
