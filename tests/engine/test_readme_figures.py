"""The README's accuracy figures are the benchmark's own output: each one must match `results.md`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# README row label -> the metric names in benchmarks/results/results.md's held-out table, in the row's order.
ROWS = {
    "spasm-episode F1": ["episode_f1"],
    "laterality": ["laterality"],
    "pattern agreement": ["pattern_agreement"],
    "episode onset / end error, median (s)": ["onset_error_median_s", "end_error_median_s"],
    "regions F1": ["regions_f1"],
    "time in spasm, relative error": ["spasm_time_rel_error"],
    "blink F1, pooled / worst face": ["blink_f1", "blink_f1_worst_face"],
    "incomplete-blink recall": ["incomplete_blink_recall"],
    "blink rate, worst relative error": ["blink_rate_rel_error_max"],
    "false spasm episodes per minute, controls": ["false_episodes_per_min_controls"],
    "tremor frequency error (Hz)": ["tremor_max_error_hz"],
}


def _benchmark_heldout() -> dict[str, str]:
    text = (ROOT / "benchmarks" / "results" / "results.md").read_text()
    section = text.split("## Accuracy: heldout suite", 1)[1].split("\n### ", 1)[0]
    return {m[1]: m[2] for m in re.finditer(r"^\| (\w+) \| ([^|]+?) \|", section, re.M)}


def _readme_rows() -> dict[str, list[str]]:
    text = (ROOT / "README.md").read_text()
    rows = {}
    for label in ROWS:
        match = re.search(rf"^\| {re.escape(label)} \| ([^|]+) \|", text, re.M)
        assert match, f"README lost its row {label!r}"
        rows[label] = [v.strip() for v in match[1].split("/")]
    return rows


def test_readme_accuracy_figures_are_the_benchmarks():
    bench = _benchmark_heldout()
    for label, values in _readme_rows().items():
        names = ROWS[label]
        assert len(values) == len(names), label
        for name, value in zip(names, values, strict=True):
            assert name in bench, f"results.md has no held-out {name}"
            assert float(value) == float(bench[name]), (
                f"README {label!r}: {value} but the benchmark says {bench[name]}"
            )
