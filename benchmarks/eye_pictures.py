"""The eyelids read from the picture beside the face mesh: the study behind docs/validation.md's twenty-fourth round.

On weak lids the face mesh loses faint one-sided twitches and reads some blinks as one-sided closures. This tool
asks the picture instead: per frame and eye, a grey patch on the eye-corner line, its RMS change from the
recording's rest picture (the median patch), scaled so that 1 is the change of the blinks the engine found on that
eye. A contraction's one-sided index is the peak of (its side's change - the other eye's) over its span, less the
median of the same difference over 0.15-1 s either side. Tuning material only: the held-out suite is never read.

Usage: ``.venv/bin/python benchmarks/eye_pictures.py [--match weak,turn] [--veto 0.05,0.1]`` prints, for the
tuning clips whose names contain a ``--match`` word, each one-sided eye contraction the engine found (true or false
against the truth) and each true twitch it missed, with its one-sided index, then what a veto at each ``--veto``
threshold would remove; writes ``benchmarks/results/eye-pictures.md``. Videos come from ``benchmarks/run.py``'s
cache (rendered there when missing).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
# Landmarks of each eye's corners, image-left corner first, so that the patch's rows run down the face.
EYE_CORNERS = {"right": (33, 133), "left": (362, 263)}
ALONG = np.linspace(-0.6, 0.6, 24)  # eye widths along the corner line
ACROSS = np.linspace(-0.45, 0.35, 16)  # eye widths across it, above (negative) to below
# The baseline around a contraction: from 0.15 s to 1 s before its start and after its end.
CONTEXT_S = (0.15, 1.0)


def eye_patch(grey: np.ndarray, points: np.ndarray, side: str) -> np.ndarray:
    """(16, 24) float32 grey patch of one eye, sampled bilinearly on its corner line.

    Parameters: ``grey`` (H, W) image; ``points`` (478, >=2) landmarks in pixels of that image; ``side`` the
    patient's "right" or "left". Returns grey levels (0..255)."""
    a, b = (points[i, :2].astype(float) for i in EYE_CORNERS[side])
    width = float(np.linalg.norm(b - a))
    along = (b - a) / width
    across = np.array([-along[1], along[0]])
    grid = (a + b) / 2 + (ALONG[None, :, None] * along + ACROSS[:, None, None] * across) * width
    return cv2.remap(grey, grid[..., 0].astype(np.float32), grid[..., 1].astype(np.float32), cv2.INTER_LINEAR)


def picture_change(patches: list[np.ndarray | None]) -> np.ndarray:
    """Per frame, the RMS grey-level difference of an eye's patch from its median patch over the recording
    (NaN where no face was found)."""
    found = [p for p in patches if p is not None]
    rest = np.median(np.stack(found), axis=0)
    return np.array([np.nan if p is None else float(np.sqrt(np.mean((p - rest) ** 2))) for p in patches])


def blink_scale(t_s: np.ndarray, change: np.ndarray, blinks: list) -> float:
    """Median peak change over the blinks' spans (NaN without a blink): the unit of the one-sided index."""
    spans = [(t_s >= b.start_s) & (t_s <= b.end_s) for b in blinks]
    peaks = [np.nanmax(change[span]) for span in spans if span.any()]
    return float(np.nanmedian(peaks)) if peaks else float("nan")


def one_sided_index(
    t_s: np.ndarray, own: np.ndarray, other: np.ndarray, start_s: float, end_s: float
) -> float:
    """Peak of (own - other) over [start_s, end_s] less its median over the context around it (both scaled to a
    blink); NaN where the span or its context has no frame."""
    diff = own - other
    inside = (t_s >= start_s) & (t_s <= end_s)
    near, far = CONTEXT_S
    before = (t_s >= start_s - far) & (t_s < start_s - near)
    context = before | ((t_s > end_s + near) & (t_s <= end_s + far))
    if not inside.any() or not context.any() or np.isnan(diff[inside]).all() or np.isnan(diff[context]).all():
        return float("nan")
    return float(np.nanmax(diff[inside]) - np.nanmedian(diff[context]))


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
    """Analyse one video (default backend), landmark it with the Tasks backend for the patches, and return its
    one-sided eye contractions, found and missed, with their one-sided indices."""
    import facetwitch
    from facetwitch.landmarks import open_landmarker
    from facetwitch.model import resolve
    from facetwitch.video import iter_frames

    analysis = facetwitch.analyze(path, mirrored=mirrored)
    times, patches = [], {"right": [], "left": []}
    with open_landmarker("tasks", resolve(None)) as landmarker:
        for frame in iter_frames(path, mirrored=mirrored):
            face = landmarker.detect(frame.rgb, frame.t_s)
            grey = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
            times.append(frame.t_s)
            for side in patches:
                patches[side].append(None if face is None else eye_patch(grey, face.points, side))
    t_s = np.asarray(times)
    blinks = [e for e in analysis.events if e.kind == "blink"]
    scaled = {}
    for side, series in patches.items():
        change = picture_change(series)
        scaled[side] = change / blink_scale(t_s, change, blinks)

    def one_sided_eye(events):
        return [e for e in events if e.kind == "contraction" and e.side in scaled and "eye" in e.regions]

    def overlap(a, b):
        return a.side == b.side and min(a.end_s, b.end_s) > max(a.start_s, b.start_s)

    truth, found = one_sided_eye(truth_events), one_sided_eye(analysis.events)
    missed = [g for g in truth if not any(overlap(g, e) for e in found)]
    out = []
    for e, is_found in [(e, True) for e in found] + [(g, False) for g in missed]:
        other = "left" if e.side == "right" else "right"
        index = one_sided_index(t_s, scaled[e.side], scaled[other], e.start_s, e.end_s)
        is_true = not is_found or any(overlap(e, g) for g in truth)
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
