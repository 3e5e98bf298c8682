"""Scoring detections against known truth (simulated videos, annotated recordings).

Matching is one-to-one and greedy by temporal overlap: a detection matches a truth item when their spans
overlap once widened by ``tolerance_s`` on each side. F1 counts matches regardless of side; laterality is the
share of matched pairs whose sides agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Span(Protocol):
    start_s: float
    end_s: float
    side: str


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    side_agreements: int = 0
    frequency_errors_hz: list[float] = field(default_factory=list)

    def add(self, other: Score) -> Score:
        return Score(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.side_agreements + other.side_agreements,
            self.frequency_errors_hz + other.frequency_errors_hz,
        )

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def laterality(self) -> float:
        return self.side_agreements / self.true_positives if self.true_positives else 1.0

    @property
    def max_frequency_error_hz(self) -> float:
        return max(self.frequency_errors_hz, default=0.0)


def _overlap(a: Span, b: Span, tolerance_s: float) -> float:
    return min(a.end_s, b.end_s) + tolerance_s - max(a.start_s, b.start_s)


def match(truth: Sequence[Span], found: Sequence[Span], tolerance_s: float = 0.25) -> Score:
    """Greedy one-to-one matching by overlap (largest overlaps first)."""
    pairs = sorted(
        ((_overlap(t, f, tolerance_s), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)),
        reverse=True,
    )
    used_t: set[int] = set()
    used_f: set[int] = set()
    score = Score()
    for overlap, i, j in pairs:
        if overlap <= 0:
            break
        if i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        score.true_positives += 1
        score.side_agreements += truth[i].side == found[j].side
        f_true, f_found = getattr(truth[i], "frequency_hz", None), getattr(found[j], "frequency_hz", None)
        if f_true is not None and f_found is not None:
            score.frequency_errors_hz.append(abs(f_true - f_found))
    score.false_positives = len(found) - len(used_f)
    score.false_negatives = len(truth) - len(used_t)
    return score
