"""facetwitch benchmarks: accuracy on simulated videos and threshold sensitivity (speed, memory and the
landmark backends' equivalence: ``benchmarks/speed.py``; both run in ``make bench``).

Usage: ``make bench`` or
``.venv/bin/python benchmarks/run.py [--only accuracy|sensitivity] [--suite tuning|heldout|all] [--quick]
[--output NAME] [--landmarks DIR] [--param NAME=VALUE ...] [--landmark-filter off|HZ]``. Accuracy is scored on
the TUNING suite (first and third renderers, tuning faces) and the HELD-OUT suite (second renderer, faces tuning
never used; see docs/validation.md), per face and per frame rate with the worst face beside the pooled number; the
sensitivity table varies each main detection threshold by ±30 %.
Prints tables and writes them to ``benchmarks/results/`` (results.md and results.json).

Detector work on the tuning suite: ``--landmarks DIR`` keeps each clip's landmark stage on disk (keyed by the video,
which is keyed by the simulator's source, and by the source of the engine's landmark stage), so a second run
re-runs only the detection stages (~10 s for the 67 tuning clips instead of ~9 min); ``--param NAME=VALUE``
(a ``DetectionParams`` field, repeatable) scores a changed threshold. ``--param`` scores the tuning suite only:
thresholds are tuned there, never on the held-out suite (docs/validation.md). ``--landmark-filter off|HZ --suite
tuning --only accuracy`` scores the tuning suite on landmarks without MediaPipe's one-euro filter, or with another
minimum cutoff (litert backend; docs/validation.md, fourteenth round).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CACHE = HERE / "results" / "videos"
# Main detection thresholds varied ±30 % by the sensitivity table when the engine names none itself
# (facetwitch.events.MAIN_THRESHOLDS: names of DetectionParams fields).
FALLBACK_THRESHOLDS = ("close", "close_low", "unilateral_close", "asymmetry", "eye_ratio", "lower_face_min",
                       "noise_k", "unilateral_ratio")  # fmt: skip
SENSITIVITY_FACTORS = (0.7, 1.3)
# Constants of the signal stage (facetwitch.signals) swept like the main thresholds.
SIGNAL_CONSTANTS = ("POSE_DEAD_BAND_DEG", "SECOND_ALIKE", "LID_STILL_RISE")


@functools.cache
def _renderer_digest() -> str:
    """Hash of the simulator's source: a cached video is reused only if the code that made it is unchanged.
    ``suites.py`` only composes scenarios, whose ``repr`` is part of the key already: new material added there
    leaves the other clips' videos (and the landmark store) valid."""
    import facetwitch.simulate as sim

    h = hashlib.sha256()
    for f in sorted(Path(sim.__file__).parent.glob("*.py")):
        if f.name != "suites.py":
            h.update(f.read_bytes())
    return h.hexdigest()[:8]


def _cached_path(scenario, name: str) -> Path:
    """Where a scenario's video is cached: keyed by the scenario and the simulator's source."""
    key = hashlib.sha256((repr(scenario) + _renderer_digest()).encode()).hexdigest()[:12]
    return CACHE / f"{name}-{key}{scenario.suffix}"


def _render_cached(scenario, name: str) -> tuple[Path, object]:
    """Render (or reuse) a scenario's video; returns its path and the SimulatedVideo with its truth."""
    from facetwitch.simulate import SimulatedVideo, render, truth_of
    from facetwitch.simulate.faces import geometry
    from facetwitch.simulate.render import still_iod_px

    path = _cached_path(scenario, name)
    CACHE.mkdir(parents=True, exist_ok=True)
    if path.exists():
        events, episodes = truth_of(scenario, eye_height_iod=geometry(scenario.face).eye_height_iod())
        return path, SimulatedVideo(path, events, episodes, scenario, [], still_iod_px(scenario))
    return path, render(scenario, path)


@functools.cache
def landmark_stage_version() -> str:
    """Hash of the engine's source up to the raw per-frame rows: stored landmark stages are reused only if it is
    unchanged (decoding, landmarking, geometry, the eyes' picture patches)."""
    import facetwitch

    pkg = Path(facetwitch.__file__).resolve().parent
    sources = [
        pkg / name for name in ("pipeline.py", "video.py", "signals.py", "lid_picture.py", "cheek_picture.py")
    ]
    sources += sorted((pkg / "landmarks").glob("*.py"))
    h = hashlib.sha256()
    for f in sources:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


class LandmarkCache:
    """Memoises the pipeline's landmark stage per (video, segment) so that threshold sweeps re-run only the
    cheap detection stages on identical landmarks (the sensitivity table). With ``directory``, the stages are
    also kept there (one pickle per video segment, under the landmark stage's source hash) for later runs."""

    def __init__(self, directory: Path | None = None):
        import facetwitch.pipeline as pipeline

        self.pipeline = pipeline
        self.original = pipeline._landmark_segment
        self.memo: dict = {}
        self.directory = directory / landmark_stage_version() if directory is not None else None

    def _stored(self, path, backend, mirrored, segment, max_fps=None) -> Path | None:
        if self.directory is None:
            return None
        cap = "" if max_fps is None else f"-{max_fps:g}fps"
        return self.directory / f"{Path(path).stem}-{backend}-{int(mirrored)}-{segment[0]:.3f}{cap}.pkl"

    def __enter__(self):
        import pickle

        def cached(*args, **kwargs):
            # pipeline._landmark_segment(path, landmarker, mirrored, segment, counter, deadline, prefetch, max_fps)
            path, landmarker, mirrored, segment = args[:4]
            backend = landmarker.name
            simple = (repr(a) for a in args if isinstance(a, str | Path | bool | tuple | float | int | None))
            key = (backend, *simple)
            if key not in self.memo:
                max_fps = args[7] if len(args) > 7 else kwargs.get("max_fps")
                stored = self._stored(path, backend, mirrored, segment, max_fps)
                if stored is not None and stored.exists():
                    self.memo[key] = pickle.loads(stored.read_bytes())
                else:
                    self.memo[key] = self.original(*args, **kwargs)
                    if stored is not None:
                        stored.parent.mkdir(parents=True, exist_ok=True)
                        _write_atomic_bytes(stored, pickle.dumps(self.memo[key]))
            return self.memo[key]

        self.pipeline._landmark_segment = cached
        return self

    def __exit__(self, *exc):
        self.pipeline._landmark_segment = self.original


def _render_only(scenario, name: str) -> str:
    path = _render_cached(scenario, name)[0]
    return str(path)


def prerender(named: list[tuple[object, str]]) -> None:
    """Render the clips not yet cached, one process per usable core (rendering is single-threaded Python and
    OpenCV; after a simulator change this halves the wait). Fresh processes: MediaPipe must not be forked."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from facetwitch.pipeline import usable_cpus

    missing = [(sc, name) for sc, name in named if not _cached_path(sc, name).exists()]
    if not missing:
        return
    print(f"rendering {len(missing)} videos on {usable_cpus()} processes", flush=True)
    with ProcessPoolExecutor(max_workers=usable_cpus(), mp_context=get_context("spawn")) as pool:
        for path in pool.map(_render_only, *zip(*missing, strict=True)):
            print(f"  rendered {Path(path).name}", flush=True)


def suites(which: str, quick: bool, fresh: list[int] | None = None) -> dict[str, list]:
    from facetwitch.simulate import fresh_draw, heldout_suite, tuning_suite

    out = {}
    if which in ("tuning", "all"):
        out["tuning"] = tuning_suite()
    if which in ("heldout", "all"):
        out["heldout"] = heldout_suite()
    for k in fresh or []:
        out[f"fresh{k}"] = fresh_draw(k)
    if quick:  # a spread of the material: every fourth clip (faces rotate in threes, so all faces appear)
        out = {k: v[::4] for k, v in out.items()}
    return out


def analyse_suite(
    suite_name: str, scenarios, params=None, rendered=None, cache=None, landmarker=None
) -> tuple[list, list, list]:
    """Analyse every scenario; returns (VideoScore list, per-video rows, [(path, SimulatedVideo)]).
    ``landmarker``: one to use instead of the default backend's (see ``facetwitch.analyze``)."""
    import facetwitch
    from facetwitch.evaluation import score_video

    scores, rows, done = [], [], []
    for i, scenario in enumerate(scenarios):
        name = scenario.name or f"{suite_name}-{i:02d}"
        path, video = rendered[i] if rendered is not None else _render_cached(scenario, name)
        done.append((path, video))
        kwargs = {"mirrored": scenario.mirrored}
        if params is not None:
            kwargs["params"] = params
        if landmarker is not None:
            kwargs["landmarker"] = landmarker
        if cache is not None:
            with cache:
                analysis = facetwitch.analyze(path, **kwargs)
        else:
            analysis = facetwitch.analyze(path, **kwargs)
        v = score_video(video.truth_events, video.truth_episodes, analysis.events, analysis.episodes,
                        name=name, face=scenario.face, fps=scenario.fps,
                        minutes=analysis.summary.analysed_duration_s / 60,
                        truth_minutes=scenario.duration_s / 60)  # fmt: skip
        scores.append(v)
        ep, bl = v.episodes, v.blinks
        rows.append({
            "video": name, "face": scenario.face, "fps": scenario.fps, "size": "x".join(map(str, scenario.size)),
            "episodes truth/found/tp": f"{ep.true_positives + ep.false_negatives}/"
                                       f"{ep.true_positives + ep.false_positives}/{ep.true_positives}",
            "side ok": ep.side_agreements,
            "blinks truth/found/tp": f"{v.blinks_truth}/{v.blinks_found}/{bl.true_positives}",
            "incomplete found": f"{v.incomplete_found}/{v.incomplete_truth}",
            "max onset err s": _fmt(max(v.onset_errors_s)) if v.onset_errors_s else "",
            "contractions err": ",".join(str(e) for e in v.contraction_errors),
            "tremor err Hz": _fmt(v.tremor.max_frequency_error_hz) if v.tremor.true_positives else "",
            "false tremor": v.false_tremors,
            "lid travel L/R": _lid_travel(analysis.quality),
        })  # fmt: skip
        if params is None:
            print(f"  {rows[-1]}", flush=True)
    return scores, rows, done


def _lid_travel(quality) -> str:
    """Each eye's full-blink narrowing in the mesh, ``*`` where the analysis warns it is too small to see faint
    twitches; "unmeasured" where no blink moved the lids measurably."""
    from facetwitch.signals import QualityLimits

    if quality.lid_travel_left is None or quality.lid_travel_right is None:
        return "unmeasured"
    low = min(quality.lid_travel_left, quality.lid_travel_right) < QualityLimits().min_lid_travel
    return f"{quality.lid_travel_left:.2f}/{quality.lid_travel_right:.2f}" + (" *" if low else "")


def accuracy(suite_name: str, scenarios, cache=None, params=None, landmarker=None) -> tuple[dict, list]:
    from facetwitch.evaluation import grouped, metrics

    scores, rows, rendered = analyse_suite(suite_name, scenarios, params, cache=cache, landmarker=landmarker)
    result = {
        "metrics": metrics(scores),
        "per_face": {str(k): m for k, m in grouped(scores, lambda v: v.face).items()},
        "per_fps": {str(k): m for k, m in grouped(scores, lambda v: v.fps).items()},
        "rows": rows,
    }
    return result, rendered


def main_thresholds() -> tuple[str, ...]:
    """The engine's own list of main thresholds if it has one, else the fallback (float fields only)."""
    from facetwitch import events

    names = getattr(events, "MAIN_THRESHOLDS", None) or FALLBACK_THRESHOLDS
    defaults = events.DetectionParams()
    return tuple(n for n in names if isinstance(getattr(defaults, n, None), float))


def sensitivity(suite_name: str, scenarios, rendered, cache) -> dict:
    """Each main threshold (and the signal-stage constants in SIGNAL_CONSTANTS) at ×0.7 and ×1.3 (the others at
    their defaults): blink F1, episode F1, regions F1 and false spasm episodes per minute of controls, on identical
    landmarks (only detection and the signal stage re-run)."""
    import facetwitch.signals as signals
    from facetwitch.evaluation import metrics
    from facetwitch.events import DetectionParams

    base = DetectionParams()
    table = {}
    for name in ("defaults", *main_thresholds(), *SIGNAL_CONSTANTS):
        for factor in (1.0,) if name == "defaults" else SENSITIVITY_FACTORS:
            params = (
                base
                if name == "defaults" or name in SIGNAL_CONSTANTS
                else replace(base, **{name: getattr(base, name) * factor})
            )
            if (
                name in SIGNAL_CONSTANTS
            ):  # a constant of the signal stage: normalise() re-runs on cached landmarks
                default = getattr(signals, name)
                setattr(signals, name, default * factor)
                try:
                    scores, _, _ = analyse_suite(suite_name, scenarios, params, rendered, cache)
                finally:
                    setattr(signals, name, default)
            else:
                scores, _, _ = analyse_suite(suite_name, scenarios, params, rendered, cache)
            m = metrics(scores)
            label = name if name == "defaults" else f"{name} ×{factor:g}"
            table[label] = {
                k: m[k] for k in ("blink_f1", "episode_f1", "regions_f1", "false_episodes_per_min_controls")
            }
            print(f"  sensitivity {label}: {table[label]}", flush=True)
    return table


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _fmt(x) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if isinstance(x, float) else str(x)


METRIC_ORDER = (
    "episode_f1", "laterality", "pattern_agreement", "onset_error_median_s", "end_error_median_s",
    "contractions_within_1", "contractions_error_median", "regions_f1", "spasm_time_rel_error", "blink_f1",
    "blink_f1_worst_face", "worst_face", "incomplete_blink_recall", "blink_rate_rel_error_median",
    "blink_rate_rel_error_max", "false_episodes_per_min_controls", "false_tremors", "tremor_recall",
    "tremor_max_error_hz", "videos",
)  # fmt: skip
GROUP_COLUMNS = ("videos", "episode_f1", "laterality", "onset_error_median_s", "blink_f1",
                 "incomplete_blink_recall", "blink_rate_rel_error_max", "false_episodes_per_min_controls",
                 "false_tremors")  # fmt: skip


def accuracy_markdown(name: str, result: dict) -> list[str]:
    from facetwitch.evaluation import BARS, passes

    m = result["metrics"]
    rows = []
    for k in METRIC_ORDER:
        bar = f"{BARS[k][0]} {BARS[k][1]:g}" if k in BARS else ""
        ok = passes(k, m.get(k))
        rows.append([k, _fmt(m.get(k)), bar, "" if ok is None else ("yes" if ok else "NO")])
    md = [
        f"\n## Accuracy: {name} suite ({result['seconds']} s)",
        _table(["metric", "value", "bar", "pass"], rows),
    ]
    for title, key in (("face", "per_face"), ("frame rate", "per_fps")):
        g = result[key]
        md += [f"\n### {name}: per {title}",
               _table([title, *GROUP_COLUMNS], [[k, *(_fmt(v.get(c)) for c in GROUP_COLUMNS)] for k, v in g.items()])]  # fmt: skip
    r = result["rows"]
    md += [f"\n### {name}: per video", _table(list(r[0]), [list(x.values()) for x in r]),
           "\n`lid travel L/R`: how far a full blink narrows each eye's opening in the face mesh; `*`: under "
           "`QualityLimits.min_lid_travel`, the analysis warns that faint one-sided twitches may be missed; "
           "`unmeasured`: no blink moved the lids measurably (a warning too)."]  # fmt: skip
    return md


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["accuracy", "sensitivity"], action="append",
                        help="run only these parts (repeatable); sensitivity includes the accuracy run it needs")  # fmt: skip
    parser.add_argument("--suite", choices=["tuning", "heldout", "all", "fresh"], default="all",
                        help="which simulated suite(s) to score (default: tuning and held-out; sensitivity on held-out; "
                             "fresh: only the draws named by --fresh)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="every fourth clip (smoke run)")
    parser.add_argument("--fresh", type=int, action="append", metavar="K",
                        help="also score fresh draw K of the tuning generators (facetwitch.simulate.fresh_draw; "
                             "repeatable): tuning material no rule was made on")  # fmt: skip
    parser.add_argument("--output",
                        help="name of the written files in benchmarks/results/ (NAME.md, NAME.json; default: results "
                             "for the full run, exp-SUITE for any other, which git ignores)")  # fmt: skip
    parser.add_argument("--landmarks", type=Path, metavar="DIR",
                        help="keep each clip's landmark stage in DIR and reuse it in later runs")  # fmt: skip
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="score the tuning suite with a DetectionParams field changed (repeatable)")  # fmt: skip
    parser.add_argument("--landmark-filter", type=landmark_filter, metavar="off|HZ",
                        help="landmarks from the litert backend with MediaPipe's one-euro filter off or at another "
                             "minimum cutoff (Hz; MediaPipe's is 0.05): research on the landmark stage, tuning "
                             "suite accuracy only, segments read one after the other")  # fmt: skip
    args = parser.parse_args()
    if args.output is None:  # results.md is the README's source: only the full run writes it
        full = args.suite == "all" and not (
            args.param or args.fresh or args.quick or args.landmark_filter or args.only
        )
        args.output = "results" if full else f"exp-{args.suite}"
    parts = args.only or ["accuracy", "sensitivity"]
    params = detection_params(args.param)
    if params is not None and args.suite not in ("tuning", "fresh"):
        parser.error("--param scores the tuning suite only (add --suite tuning): thresholds are tuned there, "
                     "never on the held-out suite (docs/validation.md)")  # fmt: skip
    if args.suite == "fresh" and not args.fresh:
        parser.error("--suite fresh scores fresh draws only: name them with --fresh K")
    landmarker = None
    if args.landmark_filter is not None:
        if args.suite != "tuning" or parts != ["accuracy"]:
            parser.error("--landmark-filter scores the tuning suite's accuracy only (add --suite tuning --only "
                         "accuracy): the detector is developed there, never on the held-out suite")  # fmt: skip
        from facetwitch.landmarks.litert import LiteRTLandmarker
        from facetwitch.model import resolve

        cutoff = args.landmark_filter[1]
        landmarker = LiteRTLandmarker(resolve(None), min_cutoff_hz=cutoff)
        if args.landmarks:  # not the same files as MediaPipe's filtered landmarks of the same videos
            args.landmarks = args.landmarks / f"filter-{args.landmark_filter[0]}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()}, "params": args.param}  # fmt: skip
    md = [f"# facetwitch benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs)"]
    if args.param:
        md.append(f"Detection parameters changed: {', '.join(args.param)}")
    if args.landmark_filter is not None:
        md.append(
            f"Landmarks: litert backend, one-euro filter `{args.landmark_filter[0]}` (`--landmark-filter`)"
        )
    results["landmark_filter"] = args.landmark_filter and args.landmark_filter[0]
    if "accuracy" in parts or "sensitivity" in parts:
        chosen = suites(args.suite, args.quick, args.fresh)
        prerender(
            [(sc, sc.name or f"{name}-{i:02d}") for name, scs in chosen.items() for i, sc in enumerate(scs)]
        )
        for name, scenarios in chosen.items():
            print(f"accuracy: {name} ({len(scenarios)} videos)", flush=True)
            sweep = "sensitivity" in parts and (name == "heldout" or args.suite == "tuning")
            cache = LandmarkCache(args.landmarks) if sweep or args.landmarks else None
            t0 = time.perf_counter()
            res, rendered = accuracy(name, scenarios, cache, params, landmarker)
            res["seconds"] = round(time.perf_counter() - t0, 1)
            results[name] = res
            md += accuracy_markdown(name, res)
            if sweep:
                print(f"sensitivity: {name}", flush=True)
                table = results[f"sensitivity_{name}"] = sensitivity(name, scenarios, rendered, cache)
                md += [f"\n## Sensitivity ({name}): each main threshold ×0.7 / ×1.3, the others at defaults",
                       _table(["setting", "blink F1", "episode F1", "regions F1", "false episodes/min (controls)"],
                              [[k, _fmt(v["blink_f1"]), _fmt(v["episode_f1"]), _fmt(v["regions_f1"]),
                                _fmt(v["false_episodes_per_min_controls"])] for k, v in table.items()])]  # fmt: skip
    text = "\n".join(md) + "\n"
    print("\n" + text)
    _write_atomic(RESULTS / f"{args.output}.md", text)
    _write_atomic(RESULTS / f"{args.output}.json", json.dumps(results, indent=2, default=_json_default))
    print(f"written: {RESULTS / args.output}.md")
    return 0


def landmark_filter(value: str) -> tuple[str, float | None]:
    """``--landmark-filter``: ("off", None) or (the text, a minimum cutoff in Hz above 0)."""
    if value == "off":
        return value, None
    try:
        cutoff = float(value)
    except ValueError:
        cutoff = 0.0
    if not cutoff > 0:
        raise argparse.ArgumentTypeError(f"{value!r}: give 'off' or a minimum cutoff in Hz above 0, e.g. 0.3")
    return value, cutoff


def detection_params(settings: list[str]):
    """``DetectionParams`` with ``NAME=VALUE`` settings (number fields) applied; None without settings."""
    if not settings:
        return None
    from facetwitch.events import DetectionParams

    defaults, changes = DetectionParams(), {}
    for item in settings:
        name, _, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is None or not isinstance(getattr(defaults, name, None), float):
            raise SystemExit(f"--param {item!r}: use NAME=NUMBER, NAME a number field of DetectionParams")
        changes[name] = number
    return replace(defaults, **changes)


def _write_atomic(path: Path, text: str) -> None:
    _write_atomic_bytes(path, text.encode())


def _write_atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _json_default(obj):
    return asdict(obj) if hasattr(obj, "__dataclass_fields__") else str(obj)


if __name__ == "__main__":
    sys.exit(main())
