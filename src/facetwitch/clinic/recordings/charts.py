"""Server-rendered SVG charts of outcomes over dates (no JavaScript; CSP allows no inline scripts or styles).

A recording's own event/episode timeline is the engine's drawing (``facetwitch.timeline_svg``, through
``recordings.results.timeline``), never redrawn here.

Colours come from classes in ``recordings/recordings.css``; SVG presentation attributes carry geometry only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 860
LEFT_MARGIN = 120
RIGHT_MARGIN = 20


def _nice_step(span: float, target_ticks: int = 8) -> float:
    raw = span / max(target_ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Series:
    """One line of a chart: (date, value) points; ``key`` picks its CSS class."""

    label: str
    key: str
    points: Sequence[tuple[date, float]]


def outcome_chart(
    series: Sequence[Series],
    *,
    title: str,
    unit: str,
    markers: Sequence[tuple[date, str]] = (),
    start: date | None = None,
    end: date | None = None,
    y_max: float | None = None,
    integer_axis: bool = False,
) -> SafeString:
    """A line chart of values over calendar dates with vertical treatment markers."""
    all_dates = [d for s in series for d, _ in s.points] + [d for d, _ in markers]
    height, top, bottom_pad = 220, 14, 46
    plot_w = WIDTH - LEFT_MARGIN - RIGHT_MARGIN
    plot_h = height - top - bottom_pad
    parts = [
        f'<svg class="ft-chart ft-outcome" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if not all_dates:
        parts.append(
            f'<text class="ft-empty" x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle">No data yet</text></svg>'
        )
        return mark_safe("".join(parts))
    first = start or min(all_dates)
    last = end or max(all_dates)
    # A margin so that the first and last points do not sit on the chart's edges.
    pad = timedelta(days=max(3, round((last - first).days * 0.05)))
    first, last = first - pad, last + pad
    span_days = max((last - first).days, 1)
    values = [v for s in series for _, v in s.points if v is not None]
    top_value = y_max if y_max is not None else max([*values, 0.0])
    if top_value <= 0:
        top_value = 1.0
    y_step = max(1.0, _nice_step(top_value, 4)) if integer_axis else _nice_step(top_value, 4)
    top_value = math.ceil(top_value / y_step) * y_step

    def x(d: date) -> float:
        return LEFT_MARGIN + plot_w * (d - first).days / span_days

    def y(v: float) -> float:
        return top + plot_h * (1 - v / top_value)

    tick = 0.0
    while tick <= top_value + 1e-9:
        parts.append(
            f'<line class="ft-grid" x1="{LEFT_MARGIN}" y1="{y(tick):.1f}" x2="{WIDTH - RIGHT_MARGIN}" y2="{y(tick):.1f}"/>'
        )
        parts.append(
            f'<text class="ft-axis" x="{LEFT_MARGIN - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>'
        )
        tick += y_step
    parts.append(
        f'<text class="ft-axis" x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{escape(unit)}</text>'
    )
    shown = [(when, label) for when, label in sorted(markers) if first <= when <= last]
    for i, (when, label) in enumerate(shown):
        # Labels of neighbouring markers go on three staggered rows so that they do not overprint.
        parts.append(
            f'<line class="ft-marker" x1="{x(when):.1f}" y1="{top}" x2="{x(when):.1f}" y2="{top + plot_h}">'
            f"<title>{escape(label)} ({when:%Y-%m-%d})</title></line>"
            + _marker_label(x(when), top + 10 + 13 * (i % 3), label)
        )
    for s in series:
        pts = sorted((d, v) for d, v in s.points if v is not None)
        if not pts:
            continue
        if len(pts) > 1:
            coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in pts)
            parts.append(f'<polyline class="ft-line ft-{s.key}" points="{coords}"/>')
        for d, v in pts:
            parts.append(
                f'<circle class="ft-point ft-{s.key}" cx="{x(d):.1f}" cy="{y(v):.1f}" r="4">'
                f"<title>{escape(s.label)} {d:%Y-%m-%d}: {_fmt(v)} {escape(unit)}</title></circle>"
            )
    base = top + plot_h
    parts.append(
        f'<line class="ft-tick" x1="{LEFT_MARGIN}" y1="{base}" x2="{WIDTH - RIGHT_MARGIN}" y2="{base}"/>'
    )
    ticks = _date_ticks(first, last)
    for i, d in enumerate(ticks):
        anchor = "end" if i == len(ticks) - 1 and len(ticks) > 1 else "middle"
        parts.append(
            f'<text class="ft-axis" x="{x(d):.1f}" y="{base + 16}" text-anchor="{anchor}">{d:%Y-%m-%d}</text>'
        )
    legend_x = LEFT_MARGIN
    for s in series:
        parts.append(
            f'<rect class="ft-swatch ft-{s.key}" x="{legend_x}" y="{height - 16}" width="12" height="12"/>'
            f'<text class="ft-legend" x="{legend_x + 16}" y="{height - 6}">{escape(s.label)}</text>'
        )
        legend_x += 30 + 7 * len(s.label)
    if markers:
        parts.append(
            f'<line class="ft-marker" x1="{legend_x}" y1="{height - 16}" x2="{legend_x}" y2="{height - 4}"/>'
            f'<text class="ft-legend" x="{legend_x + 6}" y="{height - 6}">treatment</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def _marker_label(x: float, y: float, label: str) -> str:
    """A treatment marker's label beside its line: right of it, or left of it near the chart's right edge."""
    text = escape(label if len(label) <= 26 else label[:25] + "…")
    if x > WIDTH - RIGHT_MARGIN - 180:
        return f'<text class="ft-marker-label" x="{x - 3:.1f}" y="{y}" text-anchor="end">{text}</text>'
    return f'<text class="ft-marker-label" x="{x + 3:.1f}" y="{y}">{text}</text>'


def _date_ticks(first: date, last: date, count: int = 5) -> list[date]:
    span = (last - first).days
    if span <= 0:
        return [first]
    n = min(count, span)
    return [first + timedelta(days=round(span * i / n)) for i in range(n + 1)]
