"""facetwitch benchmarks: accuracy on simulated videos, speed against a naive loop, and peak memory.

Usage: ``make bench`` or ``.venv/bin/python benchmarks/run.py [--only accuracy|speed|memory] [--quick]``.
Prints tables and writes them to ``benchmarks/results/`` (results.md and results.json). Speed is compared with
a naive loop measured in the same run on the same machine, so the ratio is meaningful on a noisy machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CACHE = HERE / "results" / "videos"

BARS = {
    "episode_f1": 0.95,
    "laterality": 0.98,
    "blink_f1": 0.95,
    "false_episodes_per_min_controls": 0.1,
    "tremor_max_error_hz": 0.5,
}


def _render_cached(scenario, name: str) -> tuple[Path, object]:
    from facetwitch.simulate import render

    key = hashlib.sha256(repr(scenario).encode()).hexdigest()[:12]
    ext = {"vp9": ".webm", "mjpeg": ".avi"}.get(scenario.codec, ".mp4")
    path = CACHE / f"{name}-{key}{ext}"
    CACHE.mkdir(parents=True, exist_ok=True)
    return path, render(scenario, path)


def accuracy(suite_name: str, scenarios) -> dict:
    import facetwitch
    from facetwitch.evaluation import Score, match

    totals = {"episodes": Score(), "blinks": Score(), "tremor": Score()}
    control_minutes, control_false = 0.0, 0
    rows = []
    for i, scenario in enumerate(scenarios):
        path, video = _render_cached(scenario, f"{suite_name}-{i:02d}")
        analysis = facetwitch.analyze(path, mirrored=scenario.mirrored)
        ep = match(video.truth_episodes, analysis.episodes)
        bl = match([e for e in video.truth_events if e.kind == "blink"], analysis.events_of("blink"), 0.1)
        tr = match([e for e in video.truth_events if e.kind == "tremor"], analysis.events_of("tremor"), 0.5)
        totals = {
            "episodes": totals["episodes"].add(ep),
            "blinks": totals["blinks"].add(bl),
            "tremor": totals["tremor"].add(tr),
        }
        if not video.truth_episodes:
            control_minutes += analysis.summary.analysed_duration_s / 60
            control_false += len(analysis.episodes)
        rows.append(
            {
                "video": f"{suite_name}-{i:02d}",
                "face": scenario.face,
                "fps": scenario.fps,
                "truth_episodes": len(video.truth_episodes),
                "found_episodes": len(analysis.episodes),
                "episode_tp": ep.true_positives,
                "side_ok": ep.side_agreements,
                "truth_blinks": bl.true_positives + bl.false_negatives,
                "found_blinks": bl.true_positives + bl.false_positives,
                "blink_tp": bl.true_positives,
                "tremor_err_hz": round(tr.max_frequency_error_hz, 2) if tr.true_positives else None,
                "tremor_tp_fn": f"{tr.true_positives}/{tr.false_negatives}",
            }
        )
        print(f"  {rows[-1]}", flush=True)
    metrics = {
        "episode_f1": totals["episodes"].f1,
        "laterality": totals["episodes"].laterality,
        "blink_f1": totals["blinks"].f1,
        "false_episodes_per_min_controls": control_false / control_minutes if control_minutes else 0.0,
        "tremor_max_error_hz": totals["tremor"].max_frequency_error_hz,
        "tremor_recall": totals["tremor"].recall,
        "videos": len(scenarios),
        "faces": len({s.face for s in scenarios}),
        "frame_rates": sorted({s.fps for s in scenarios}),
    }
    return {"metrics": metrics, "rows": rows}


PEAK_RSS = """
import json as _json
_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(_json.dumps({**RESULT, "peak_rss_mb": _kb / 1024}))
"""


def _measure_child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict. Adds the child's peak RSS in MB.

    The peak is VmHWM from /proc: ``ru_maxrss`` would carry over the benchmark process's own peak, because
    Linux keeps the larger of the forked copy's and the new program's high-water mark across exec.
    """
    wrapper = code + PEAK_RSS
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _speed_video(duration_s: float = 60.0) -> Path:
    from facetwitch.simulate import Blink, HeadMotion, Scenario, Spasm

    scenario = Scenario(
        face="astronaut", duration_s=duration_s, fps=30.0, size=(1280, 720),
        events=[Blink(t) for t in range(2, int(duration_s), 4)] + [Spasm(10.0, "right"), Spasm(40.0, "right")],
        head_motion=HeadMotion(amplitude_deg=2.0, translate_px=8.0, period_s=6.0), seed=7,
    )  # fmt: skip
    return _render_cached(scenario, "speed720p30")[0]


def _loop_video(source: Path, repeats: int) -> Path:
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


ANALYZE_CHILD = """
import time, facetwitch
t = time.perf_counter()
a = facetwitch.analyze({path!r})
dt = time.perf_counter() - t
RESULT = {{'frames': a.video.frames, 'seconds': dt, 'fps': a.video.frames / dt,
          'realtime': a.video.duration_s / dt}}
"""

NAIVE_CHILD = """
import time, cv2, mediapipe as mp, math
from mediapipe.tasks import python as mpt
from mediapipe.tasks.python import vision
from facetwitch.model import resolve
options = vision.FaceLandmarkerOptions(base_options=mpt.BaseOptions(model_asset_path=str(resolve())),
    running_mode=vision.RunningMode.IMAGE, output_face_blendshapes=True, output_facial_transformation_matrixes=True)
landmarker = vision.FaceLandmarker.create_from_options(options)
t = time.perf_counter()
cap = cv2.VideoCapture({path!r})
rows = []
frames = 0
while True:
    ok, bgr = cap.read()
    if not ok:
        break
    frames += 1
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    if not result.face_landmarks:
        rows.append(None)
        continue
    pts = [{{'x': p.x, 'y': p.y, 'z': p.z}} for p in result.face_landmarks[0]]
    def d(a, b):
        return math.dist((pts[a]['x'], pts[a]['y'], pts[a]['z']), (pts[b]['x'], pts[b]['y'], pts[b]['z']))
    rows.append({{'ear_r': (d(160, 144) + d(159, 145) + d(158, 153)) / (3 * d(33, 133)),
                 'ear_l': (d(387, 373) + d(386, 374) + d(385, 380)) / (3 * d(263, 362))}})
dt = time.perf_counter() - t
RESULT = {{'frames': frames, 'seconds': dt, 'fps': frames / dt, 'realtime': frames / 30.0 / dt}}
"""


def speed(quick: bool) -> dict:
    video = _speed_video(20.0 if quick else 60.0)
    ours = _measure_child(ANALYZE_CHILD.format(path=str(video)))
    naive = _measure_child(NAIVE_CHILD.format(path=str(video)))
    return {"video": "1280x720 H.264 30 fps", "facetwitch": ours, "naive_loop": naive,
            "speedup_vs_naive": ours["fps"] / naive["fps"]}  # fmt: skip


def memory(quick: bool) -> dict:
    one = _speed_video(60.0)
    repeats = 3 if quick else 10
    long = _loop_video(one, repeats)
    short = _measure_child(ANALYZE_CHILD.format(path=str(one)))
    longer = _measure_child(ANALYZE_CHILD.format(path=str(long)))
    return {"1 min": short, f"{repeats} min": longer, "ratio": longer["peak_rss_mb"] / short["peak_rss_mb"]}


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _fmt(x) -> str:
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["accuracy", "speed", "memory"], action="append")
    parser.add_argument("--quick", action="store_true", help="shorter videos (smoke run)")
    args = parser.parse_args()
    parts = args.only or ["accuracy", "speed", "memory"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()}}  # fmt: skip
    md = [f"# facetwitch benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs)"]
    if "accuracy" in parts:
        from facetwitch.simulate import benchmark_suite, heldout_suite

        for name, suite in (("benchmark", benchmark_suite()), ("heldout", heldout_suite())):
            scenarios = suite[:4] if args.quick else suite
            print(f"accuracy: {name} ({len(scenarios)} videos)", flush=True)
            results[name] = accuracy(name, scenarios)
            m = results[name]["metrics"]
            rows = [[k, _fmt(m[k]), (">= " if k not in ("false_episodes_per_min_controls", "tremor_max_error_hz")
                     else "<= ") + str(BARS[k]) if k in BARS else "", _passes(k, m[k])] for k in m]  # fmt: skip
            md += [f"\n## Accuracy: {name} set", _table(["metric", "value", "bar", "pass"], rows)]
            md += [
                "",
                _table(list(results[name]["rows"][0]), [list(r.values()) for r in results[name]["rows"]]),
            ]
    if "speed" in parts:
        print("speed: facetwitch vs naive loop", flush=True)
        s = results["speed"] = speed(args.quick)
        rows = [[k, f"{v['fps']:.1f}", f"{v['realtime']:.2f}x", f"{v['peak_rss_mb']:.0f}"]
                for k, v in (("facetwitch analyze", s["facetwitch"]), ("naive loop", s["naive_loop"]))]  # fmt: skip
        md += [f"\n## Speed ({s['video']})", _table(["pipeline", "frames/s", "x real time", "peak RSS MB"], rows),
               f"\nfacetwitch / naive = {s['speedup_vs_naive']:.2f}x"]  # fmt: skip
    if "memory" in parts:
        print("memory: 1-minute vs long video", flush=True)
        m = results["memory"] = memory(args.quick)
        rows = [
            [k, f"{v['peak_rss_mb']:.0f}", f"{v['fps']:.1f}"] for k, v in m.items() if isinstance(v, dict)
        ]
        md += ["\n## Peak memory (streaming)", _table(["video", "peak RSS MB", "frames/s"], rows),
               f"\nlong / short peak RSS = {m['ratio']:.2f}"]  # fmt: skip
    text = "\n".join(md) + "\n"
    print("\n" + text)
    (RESULTS / "results.md").write_text(text)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2, default=_json_default))
    print(f"written: {RESULTS / 'results.md'}")
    return 0


def _passes(key: str, value) -> str:
    if key not in BARS:
        return ""
    bar = BARS[key]
    ok = value <= bar if key in ("false_episodes_per_min_controls", "tremor_max_error_hz") else value >= bar
    return "yes" if ok else "NO"


def _json_default(obj):
    return asdict(obj) if hasattr(obj, "__dataclass_fields__") else str(obj)


if __name__ == "__main__":
    sys.exit(main())
