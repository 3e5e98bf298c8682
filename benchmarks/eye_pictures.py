"""The eyelids read from the picture beside the face mesh: the study behind docs/validation.md's twenty-fourth and
twenty-fifth rounds.

On weak lids the face mesh loses faint one-sided twitches and reads some blinks as one-sided closures. The engine
asks the picture too (:mod:`facetwitch.lid_picture`): per frame and eye, a grey patch on the eye-corner line, its RMS
change from the recording's rest picture (the median patch), scaled so that 1 is the change of the blinks the
engine found on that eye. A contraction's one-sided index is the peak of (its side's change - the other eye's) over
its span, less the median of the same difference over 0.15-1 s either side; the engine vetoes lid-only one-sided
contractions under ``DetectionParams.lid_picture_veto``. This tool lists every such contraction with the veto off.
Tuning material only: the held-out suite is never read.

Usage: ``.venv/bin/python benchmarks/eye_pictures.py [--match weak,turn] [--veto 0.05,0.1]`` prints, for the
tuning clips whose names contain a ``--match`` word, each lid-only one-sided contraction the engine found with its
veto off (true or false against the truth) and each true twitch it missed, with its one-sided index, then what a veto at each ``--veto``
threshold would remove; writes ``benchmarks/results/eye-pictures.md``. Videos come from ``benchmarks/run.py``'s
cache (rendered there when missing); with ``--landmarks DIR`` the landmark stages stored by ``run.py --landmarks
DIR`` are reused.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetwitch.lid_picture import is_lid_only, one_sided_index, scaled_to_blinks
from facetwitch.signals import OTHER_SIDE

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Contraction:
    """A one-sided eye contraction: found by the engine (``found``) or a true twitch it missed."""

    clip: str
    side: str
    start_s: float
    found: bool
    true: bool
    index: float


def study_clip(path: Path, mirrored: bool, truth_events: list, name: str) -> list[Contraction]:
    """Analyse one video with the engine's veto off and return its lid-only one-sided contractions
    (:func:`facetwitch.lid_picture.is_lid_only`), found and missed, with their one-sided indices read from the
    engine's per-frame picture change (``lid_picture_*`` in the frame table)."""
    import facetwitch
    from facetwitch.events import DetectionParams

    analysis = facetwitch.analyze(path, mirrored=mirrored, params=DetectionParams(lid_picture_veto=0.0))
    t_s = analysis.frames.column("t_s").to_numpy()
    blinks = [e for e in analysis.events if e.kind == "blink"]
    change = {
        side: analysis.frames.column(f"lid_picture_{side}").to_numpy(zero_copy_only=False).astype(float)
        for side in ("left", "right")
    }
    # Without a blink on both eyes there is nothing to scale by: every index is NaN.
    scaled = scaled_to_blinks(t_s, change, blinks) or {side: np.full(t_s.size, np.nan) for side in change}

    def overlap(a, b):
        return a.side == b.side and min(a.end_s, b.end_s) > max(a.start_s, b.start_s)

    truth = [e for e in truth_events if is_lid_only(e)]
    found = [e for e in analysis.events if is_lid_only(e)]
    missed = [g for g in truth if not any(overlap(g, e) for e in found)]
    out = []
    for e, is_found in [(e, True) for e in found] + [(g, False) for g in missed]:
        index = one_sided_index(t_s, scaled[e.side], scaled[OTHER_SIDE[e.side]], e.start_s, e.end_s)
        is_true = not is_found or any(overlap(e, g) for g in truth_events if g.kind == "contraction")
        out.append(Contraction(name, e.side, e.start_s, is_found, is_true, index))
    return out


def veto_table(rows: list[Contraction], thresholds: list[float]) -> list[str]:
    """Markdown: what dropping found contractions under each one-sided index threshold would remove."""
    found = [r for r in rows if r.found and np.isfinite(r.index)]
    false, true = [r for r in found if not r.true], [r for r in found if r.true]
    lines = ["| veto: one-sided index under | false contractions removed | true ones lost |", "|---|---|---|"]
    for c in thresholds:
        lines.append(f"| {c:g} | {sum(r.index < c for r in false)} of {len(false)} | "
                     f"{sum(r.index < c for r in true)} of {len(true)} |")  # fmt: skip
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--match", default="weak,turn,tilt,control",
                        help="comma-separated words; tuning clips whose names contain one are studied")  # fmt: skip
    parser.add_argument("--veto", default="0.05,0.1,0.15", help="comma-separated one-sided index thresholds")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "eye-pictures.md")
    parser.add_argument("--landmarks", type=Path, metavar="DIR",
                        help="the landmark store of run.py --landmarks DIR: reuse its clips' landmark stages")  # fmt: skip
    args = parser.parse_args()
    from facetwitch.simulate import tuning_suite

    sys.path.insert(0, str(HERE))
    import run as bench

    words = [w for w in args.match.split(",") if w]
    rows: list[Contraction] = []
    for scenario in tuning_suite():
        if not scenario.name or not any(w in scenario.name for w in words):
            continue
        path, video = bench._render_cached(scenario, scenario.name)
        with bench.LandmarkCache(args.landmarks) if args.landmarks else contextlib.nullcontext():
            rows += study_clip(path, scenario.mirrored, video.truth_events, scenario.name)
        print(f"{scenario.name}: {sum(r.found for r in rows if r.clip == scenario.name)} found, "
              f"{sum(not r.found for r in rows if r.clip == scenario.name)} missed", flush=True)  # fmt: skip
    lines = ["# The eyelids in the picture (tuning clips matching " + ", ".join(words) + ")", "",
             "| clip | side | start s | engine | truth | one-sided index |", "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r.clip} | {r.side} | {r.start_s:.2f} | {'found' if r.found else 'missed'} | "
                     f"{'true' if r.true else 'false'} | {r.index:.3f} |")  # fmt: skip
    missed = np.array([r.index for r in rows if not r.found])
    lines += [
        "",
        f"missed true twitches: {len(missed)}; one-sided index 0.2 or more: {np.sum(missed >= 0.2)}",
        "",
    ]
    lines += veto_table(rows, [float(x) for x in args.veto.split(",")])
    text = "\n".join(lines) + "\n"
    print(text)
    bench._write_atomic(args.output, text)
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
