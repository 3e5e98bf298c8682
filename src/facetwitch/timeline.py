"""The engine's event/episode timeline: one drawing, used by ``report.html`` and embedded by the clinic.

:func:`timeline_svg` draws, per side (the patient's own), the events shaded over signal lanes (when the analysis
carries its per-frame table; otherwise one empty lane), a bar of spasm episodes, stretches without a usable face
hatched, and a time axis; a third figure shows jaw and head pose when those signals exist. The output is plain
HTML with inline SVG: presentation attributes only (no CSS, no scripts, no links), so it embeds under a strict
Content-Security-Policy. Every mark has a ``<title>`` (a hover tooltip) in words; times in seconds (``m:ss`` from
one minute on).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pyarrow as pa

from facetwitch.records import Analysis, Episode, Event

__all__ = ["SIDE_LABELS", "plot_duration", "time_formatter", "timeline_svg"]

SIDE_LABELS = {"right": "Patient's right", "left": "Patient's left", "both": "Both sides"}
# Okabe-Ito colours: distinguishable with colour-vision deficiencies, each >= 3:1 against white.
SIDE_COLOURS = {"right": "#C75000", "left": "#0072B2", "both": "#A2457E"}
BLINK_COLOUR = "#6E6E6E"
TREMOR_COLOUR = "#00795A"
GAP_COLOUR = "#8C8C8C"  # hatch lines over a light fill, so gaps do not look like blinks
TRACE_COLOUR = "#1B1B1B"
SHADE_OPACITY = 0.28

# Per-side signals (column ``<signal>_<side>``) and head/midline signals, in drawing order.
SIDE_SIGNALS = {"closure": "Eye closure", "brow": "Brow", "cheek": "Cheek", "mouth": "Mouth corner"}
HEAD_SIGNALS = {"jaw": "Jaw", "yaw_deg": "Yaw (°)", "pitch_deg": "Pitch (°)", "roll_deg": "Roll (°)"}
FIXED_RANGES = {"closure": (0.0, 1.0)}
# Signals drawn on one shared scale, with the smallest span shown (normalised units; degrees for head pose).
RANGE_GROUPS = ((("brow", "cheek", "mouth", "jaw"), 0.2), (("yaw_deg", "pitch_deg", "roll_deg"), 10.0))

# Drawing geometry, in SVG user units (the figure scales to the page width).
_WIDTH = 1000.0
_LEFT = 118.0
_RIGHT = 30.0
_TOP = 6.0
_LANE_H = 58.0
_LANE_GAP = 8.0
_STRIP_H = 16.0
_AXIS_H = 30.0
_MIN_SHADE_W = 1.5  # a 0.2 s blink in a 10-minute plot must still be visible
_ENVELOPE_BINS = 1000  # -> at most 2000 points per trace


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def time_formatter(duration_s: float) -> Callable[[float], str]:
    """Seconds as ``12.35 s`` for short videos, ``m:ss.ss`` from one minute on (easier to find in the video)."""
    if duration_s < 60:
        return lambda t: f"{t:.2f} s"
    return lambda t: f"{int(t // 60)}:{t % 60:05.2f}"


def _regions(regions: Iterable[str]) -> str:
    items = list(regions)
    return ", ".join(items) if items else "—"


LEGEND_INTRO = (
    "Signals are normalised per face (0 = rest); eye closure runs from 0 (open) to 1 (closed). "
    "Shading marks events; the bar under each plot marks spasm episodes; hatched stretches had no usable face. "
    "Hover a shaded area for its details."
)


def timeline_svg(analysis: Analysis, *, id_prefix: str = "timeline", legend: bool = True) -> str:
    """The timelines of ``analysis`` as embeddable HTML: a legend, then a ``<figure>`` with an ``<svg>`` for the
    patient's right side, one for the left (events of side "both" in each), and one for jaw and head pose when
    the per-frame table has those signals. Without the per-frame table (``analysis.frames`` is ``None``, as
    read back from analysis.json) the figures show the events, episodes and gaps over one empty lane.

    ``id_prefix`` starts every element id (``<prefix>-right``, ...), so several analyses can share one page.
    """
    duration = plot_duration(analysis)
    fmt_t = time_formatter(duration)
    frames = _Frames.from_table(analysis.frames)
    parts = [_legend(f"{id_prefix}-legend")] if legend else []
    if not frames.columns:
        parts.append('<p class="empty">Per-frame signals are not available: events and episodes only.</p>')
    for side in ("right", "left"):
        lanes = [(SIDE_SIGNALS[s], f"{s}_{side}", s) for s in SIDE_SIGNALS if f"{s}_{side}" in frames.columns]
        events = [e for e in analysis.events if e.side in (side, "both")]
        episodes = [e for e in analysis.episodes if e.side in (side, "both")]
        parts.append(
            _timeline_figure(
                f"{id_prefix}-{side}",
                f"{SIDE_LABELS[side]} side",
                lanes,
                frames,
                events,
                episodes,
                analysis.quality.gaps,
                duration,
                fmt_t,
            )
        )
    head_lanes = [(label, name, name) for name, label in HEAD_SIGNALS.items() if name in frames.columns]
    if head_lanes:
        parts.append(
            _timeline_figure(
                f"{id_prefix}-head",
                "Jaw and head pose",
                head_lanes,
                frames,
                [],
                [],
                analysis.quality.gaps,
                duration,
                fmt_t,
                episode_bar=False,
            )
        )
    return "".join(parts)


@dataclass
class _Frames:
    """The numeric per-frame columns needed for plotting, as float arrays sorted by time (NaN = missing)."""

    t: np.ndarray
    columns: dict[str, np.ndarray]

    @classmethod
    def from_table(cls, table: Any) -> _Frames:
        if not isinstance(table, pa.Table) or "t_s" not in table.column_names or table.num_rows == 0:
            return cls(np.empty(0), {})
        t = _as_float(table.column("t_s"))
        if t is None:
            return cls(np.empty(0), {})
        wanted = [f"{s}_{side}" for s in SIDE_SIGNALS for side in ("left", "right")] + list(HEAD_SIGNALS)
        columns = {}
        for name in wanted:
            if name in table.column_names:
                values = _as_float(table.column(name))
                if values is not None and np.isfinite(values).any():
                    columns[name] = values
        order = np.argsort(t, kind="stable")
        if not np.all(order == np.arange(len(t))):
            t = t[order]
            columns = {k: v[order] for k, v in columns.items()}
        return cls(t, columns)


def _as_float(column: pa.ChunkedArray) -> np.ndarray | None:
    """A numeric or boolean column as float64 with nulls as NaN; ``None`` for other types (not plottable)."""
    if not (
        pa.types.is_floating(column.type)
        or pa.types.is_integer(column.type)
        or pa.types.is_boolean(column.type)
    ):
        return None
    # Read from the buffers: Arrow's to_numpy and scalars import pandas (about a second of a CLI run's start-up),
    # and its cast imports pyarrow.compute (~50 ms).
    parts = [_chunk_as_float(chunk) for chunk in column.chunks]
    return np.concatenate(parts) if parts else np.empty(0)


def _chunk_as_float(values: pa.Array) -> np.ndarray:
    """One numeric or boolean Arrow array as float64, nulls as NaN."""
    n, offset = len(values), values.offset
    if n == 0:
        return np.empty(0)
    validity, data = values.buffers()[:2]
    if pa.types.is_boolean(values.type):
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")[offset : offset + n]
        out = bits.astype(np.float64)
    else:
        dtype = np.dtype(values.type.to_pandas_dtype())
        out = np.frombuffer(data, dtype=dtype)[offset : offset + n].astype(np.float64)
    if values.null_count:
        valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[offset : offset + n]
        out[valid == 0] = np.nan
    return out


def plot_duration(analysis: Analysis) -> float:
    """The time axis length in seconds: the video, or the last event, episode, gap or frame if later."""
    ends = [analysis.video.duration_s]
    ends += [e.end_s for e in analysis.events] + [e.end_s for e in analysis.episodes]
    ends += [g.end_s for g in analysis.quality.gaps]
    table = analysis.frames
    if isinstance(table, pa.Table) and "t_s" in table.column_names and table.num_rows:
        t = _as_float(table.column("t_s"))
        if t is not None and np.isfinite(t).any():
            ends.append(float(np.nanmax(t)))
    finite = [x for x in ends if math.isfinite(x)]
    return max([*finite, 1e-3])


def _legend(hatch_id: str) -> str:
    def swatch(colour: str, opacity: float = 1.0, line: bool = False) -> str:
        if line:
            shape = f'<line x1="0" y1="7" x2="22" y2="7" stroke="{colour}" stroke-width="2"/>'
        elif colour == GAP_COLOUR:
            shape = f'<defs>{_hatch(hatch_id)}</defs><rect width="22" height="14" fill="url(#legend-hatch)"/>'
        else:
            shape = (
                f'<rect x="0.5" y="0.5" width="21" height="13" fill="{colour}" fill-opacity="{opacity}" '
                f'stroke="{colour}" stroke-width="1"/>'
            )
        return f'<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">{shape}</svg>'

    items = [
        (swatch(TRACE_COLOUR, line=True), "Signal"),
        (swatch(BLINK_COLOUR, SHADE_OPACITY), "Blink"),
        (swatch(SIDE_COLOURS["right"], SHADE_OPACITY), "Contraction, patient's right"),
        (swatch(SIDE_COLOURS["left"], SHADE_OPACITY), "Contraction, patient's left"),
        (swatch(SIDE_COLOURS["both"], SHADE_OPACITY), "Contraction, both sides"),
        (swatch(TREMOR_COLOUR, SHADE_OPACITY), "Tremor"),
        (swatch(SIDE_COLOURS["right"]), "Episode bar (side colour)"),
        (swatch(GAP_COLOUR), "No usable face"),
    ]
    lis = "".join(f"<li>{s}<span>{_e(text)}</span></li>" for s, text in items)
    return f'<ul class="legend" aria-label="Legend">{lis}</ul>'


def _hatch(pattern_id: str) -> str:
    """Diagonal hatching for stretches without a usable face."""
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#EFEFEF"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GAP_COLOUR}" stroke-width="1.5"/></pattern>'
    )


def _event_colour(event: Event) -> str:
    if event.kind == "blink":
        return BLINK_COLOUR
    if event.kind == "tremor":
        return TREMOR_COLOUR
    return SIDE_COLOURS[event.side]


def _timeline_figure(
    fig_id: str,
    caption: str,
    lanes: list[tuple[str, str, str]],
    frames: _Frames,
    events: Sequence[Event],
    episodes: Sequence[Episode],
    gaps: Sequence[Any],
    duration: float,
    fmt_t: Callable[[float], str],
    *,
    episode_bar: bool = True,
) -> str:
    """One SVG: a lane per (label, column, signal) in ``lanes``, shaded ``events``, an ``episodes`` bar, an axis."""
    plot_w = _WIDTH - _LEFT - _RIGHT
    n_lanes = max(len(lanes), 1)  # without signals, one empty lane still carries the event shading
    lanes_bottom = _TOP + n_lanes * _LANE_H + (n_lanes - 1) * _LANE_GAP
    strip_top = lanes_bottom + 6
    axis_top = strip_top + (_STRIP_H + 4 if episode_bar else 0)
    height = axis_top + _AXIS_H

    def x_of(t: float) -> float:
        return _LEFT + plot_w * min(max(t, 0.0), duration) / duration

    def span(start: float, end: float) -> tuple[float, float]:
        x0, x1 = x_of(start), x_of(end)
        w = max(x1 - x0, _MIN_SHADE_W)
        return min(x0, _LEFT + plot_w - w), w

    out = [
        f'<figure class="timeline" id="{fig_id}"><figcaption>{_e(caption)}</figcaption>',
        f'<svg viewBox="0 0 {_WIDTH:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{fig_id}-title {fig_id}-desc">',
        f'<title id="{fig_id}-title">{_e(caption)}: signals over time</title>',
        f'<desc id="{fig_id}-desc">{_e(_figure_description(lanes, events, episodes, duration))}</desc>',
        f"<defs>{_hatch(f'{fig_id}-hatch')}</defs>",
    ]
    # Gaps first, under everything.
    for g in gaps:
        x, w = span(g.start_s, g.end_s)
        out.append(
            f'<rect class="gap" x="{x:.1f}" y="{_TOP:.1f}" width="{w:.1f}" height="{lanes_bottom - _TOP:.1f}" '
            f'fill="url(#{fig_id}-hatch)"><title>{_e(f"No usable face {fmt_t(g.start_s)}–{fmt_t(g.end_s)}")}</title></rect>'
        )
    for i, ev in enumerate(events):
        x, w = span(ev.start_s, ev.end_s)
        colour = _event_colour(ev)
        label = f"{ev.kind.capitalize()}, {SIDE_LABELS[ev.side]}, {fmt_t(ev.start_s)}–{fmt_t(ev.end_s)}"
        if ev.regions:
            label += f", {_regions(ev.regions)}"
        if ev.frequency_hz is not None:
            label += f", {ev.frequency_hz:.1f} Hz"
        out.append(
            f'<rect class="ev ev-{ev.kind} ev-side-{ev.side}" data-event="{i}" x="{x:.1f}" y="{_TOP:.1f}" '
            f'width="{w:.1f}" height="{lanes_bottom - _TOP:.1f}" fill="{colour}" fill-opacity="{SHADE_OPACITY}">'
            f"<title>{_e(label)}</title></rect>"
        )
    for k, (label, column, signal) in enumerate(lanes or [("Events", "", "")]):
        top = _TOP + k * (_LANE_H + _LANE_GAP)
        out.append(_lane(label, column, signal, top, frames, duration, plot_w, has_data=bool(lanes)))
    if episode_bar:
        out.append(
            f'<text x="{_LEFT - 8:.1f}" y="{strip_top + _STRIP_H - 4:.1f}" font-size="11" '
            'text-anchor="end">Episodes</text>'
        )
        out.append(
            f'<rect x="{_LEFT:.1f}" y="{strip_top:.1f}" width="{plot_w:.1f}" height="{_STRIP_H:.1f}" '
            'fill="#F3F3F3" stroke="#BDBDBD" stroke-width="0.5"/>'
        )
        for ep in episodes:
            x, w = span(ep.start_s, ep.end_s)
            label = (
                f"{ep.pattern.capitalize()} episode, {SIDE_LABELS[ep.side]}, {fmt_t(ep.start_s)}–{fmt_t(ep.end_s)}, "
                f"{ep.contractions} contraction{'s' if ep.contractions != 1 else ''}, {_regions(ep.regions)}"
            )
            out.append(
                f'<rect class="ep ep-side-{ep.side}" x="{x:.1f}" y="{strip_top + 2:.1f}" width="{w:.1f}" '
                f'height="{_STRIP_H - 4:.1f}" fill="{SIDE_COLOURS[ep.side]}"><title>{_e(label)}</title></rect>'
            )
    out.append(_axis(axis_top, duration, plot_w, x_of, lanes_bottom))
    out.append("</svg></figure>")
    return "".join(out)


def _figure_description(
    lanes: list[tuple[str, str, str]], events: Sequence[Event], episodes: Sequence[Episode], duration: float
) -> str:
    signals = ", ".join(label for label, _, _ in lanes) or "no per-frame signals"
    kinds = {k: sum(e.kind == k for e in events) for k in ("blink", "contraction", "tremor")}
    return (
        f"{signals} over {duration:.1f} s; shaded: {kinds['blink']} blinks, {kinds['contraction']} contractions, "
        f"{kinds['tremor']} tremor; {len(episodes)} episodes marked."
    )


def _lane(
    label: str,
    column: str,
    signal: str,
    top: float,
    frames: _Frames,
    duration: float,
    plot_w: float,
    has_data: bool,
) -> str:
    bottom = top + _LANE_H
    parts = [
        f'<rect x="{_LEFT:.1f}" y="{top:.1f}" width="{plot_w:.1f}" height="{_LANE_H:.1f}" fill="none" '
        'stroke="#BDBDBD" stroke-width="0.75"/>',
        f'<text x="{_LEFT - 8:.1f}" y="{top + _LANE_H / 2 + 4:.1f}" font-size="12" font-weight="600" '
        f'text-anchor="end">{_e(label)}</text>',
    ]
    if not has_data:
        return "".join(parts)
    lo, hi = _value_range(frames, signal)
    parts.append(
        f'<text x="{_LEFT - 8:.1f}" y="{top + 10:.1f}" font-size="9" fill="#4A4A4A" text-anchor="end">'
        f"{_e(_tick_value(hi))}</text>"
        f'<text x="{_LEFT - 8:.1f}" y="{bottom - 2:.1f}" font-size="9" fill="#4A4A4A" text-anchor="end">'
        f"{_e(_tick_value(lo))}</text>"
    )
    if lo < 0 < hi:  # a faint zero line for signed signals (head pose)
        y0 = bottom - (0 - lo) / (hi - lo) * _LANE_H
        parts.append(
            f'<line x1="{_LEFT:.1f}" y1="{y0:.1f}" x2="{_LEFT + plot_w:.1f}" y2="{y0:.1f}" '
            'stroke="#9E9E9E" stroke-width="0.5" stroke-dasharray="3 3"/>'
        )
    d = _trace_path(frames.t, frames.columns[column], duration, plot_w, top, lo, hi)
    if d:
        parts.append(
            f'<path class="trace" d="{d}" fill="none" stroke="{TRACE_COLOUR}" stroke-width="1" '
            'stroke-linejoin="round"/>'
        )
    return "".join(parts)


def _tick_value(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 else f"{v:.2f}"


def _value_range(frames: _Frames, signal: str) -> tuple[float, float]:
    """The y range of a lane. Signals in one unit share it (brow, cheek, mouth and jaw deflections of both
    sides; the three head angles) so amplitudes compare across sides and regions, and a minimum span keeps
    resting noise from filling the lane."""
    if signal in FIXED_RANGES:
        return FIXED_RANGES[signal]
    group, min_span = next(((g, span) for g, span in RANGE_GROUPS if signal in g), ((signal,), 0.0))
    names = [n for s in group for n in (f"{s}_left", f"{s}_right", s) if n in frames.columns]
    values = np.concatenate([frames.columns[n] for n in names])
    values = values[np.isfinite(values)]
    lo, hi = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    if hi - lo < min_span:  # widen around the data, keeping zero in view
        extra = min_span - (hi - lo)
        below = extra * (-lo / (hi - lo)) if hi > lo else extra / 2
        lo, hi = lo - below, hi + (extra - below)
    if hi - lo < 1e-9:
        hi = lo + 1.0
    pad = 0.05 * (hi - lo)
    return (lo - pad if lo < 0 else lo), hi + pad


def _trace_path(
    t: np.ndarray, v: np.ndarray, duration: float, plot_w: float, top: float, lo: float, hi: float
) -> str:
    """SVG path data of one trace; NaN and holes in time break the line; long traces become a min/max envelope."""
    ok = np.isfinite(t) & np.isfinite(v)
    if not ok.any():
        return ""
    idx = np.flatnonzero(ok)
    # A segment ends where a sample is missing or where time jumps (rows dropped during a gap).
    dt = np.diff(t[ok])
    step = float(np.median(dt)) if dt.size else 0.0
    breaks = (np.diff(idx) > 1) | (dt > max(5 * step, 0.25))
    seg_id = np.concatenate([[0], np.cumsum(breaks)])
    tt, vv = t[ok], np.clip(v[ok], lo, hi)
    if tt.size > 2 * _ENVELOPE_BINS:
        tt, vv, seg_id = _envelope(tt, vv, seg_id, duration)
    xs = _LEFT + plot_w * np.clip(tt, 0, duration) / duration
    ys = top + _LANE_H - (vv - lo) / (hi - lo) * _LANE_H
    starts = np.concatenate([[True], seg_id[1:] != seg_id[:-1]])
    return "".join(
        f"{'M' if s else 'L'}{x:.1f} {y:.1f}"
        for x, y, s in zip(xs.tolist(), ys.tolist(), starts.tolist(), strict=True)
    )


def _envelope(
    t: np.ndarray, v: np.ndarray, seg_id: np.ndarray, duration: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reduce to the minimum and maximum of each time bin (``_ENVELOPE_BINS`` bins), keeping segment breaks."""
    bins = np.clip((t / duration * _ENVELOPE_BINS).astype(np.int64), 0, _ENVELOPE_BINS - 1)
    # Group consecutive samples sharing a bin and a segment.
    key_change = np.concatenate([[True], (bins[1:] != bins[:-1]) | (seg_id[1:] != seg_id[:-1])])
    starts = np.flatnonzero(key_change)
    mins = np.minimum.reduceat(v, starts)
    maxs = np.maximum.reduceat(v, starts)
    # Draw each bin's extremes in the order they occur, so a rising edge stays a rising edge.
    argmin_first = np.array(
        [np.argmin(v[a:b]) <= np.argmax(v[a:b]) for a, b in zip(starts, [*starts[1:], len(v)], strict=True)]
    )
    first = np.where(argmin_first, mins, maxs)
    second = np.where(argmin_first, maxs, mins)
    centre = (bins[starts] + 0.5) * duration / _ENVELOPE_BINS
    out_t = np.repeat(centre, 2)
    out_v = np.column_stack([first, second]).ravel()
    out_seg = np.repeat(seg_id[starts], 2)
    return out_t, out_v, out_seg


def _nice_step(duration: float, target_ticks: int = 10) -> float:
    """A tick step giving about ``target_ticks`` ticks: 1-2-5 steps in seconds, clock-like steps from a minute."""
    raw = duration / target_ticks
    if duration >= 60:
        clock_steps = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
        return float(next((c for c in clock_steps if c >= raw), clock_steps[-1]))
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _axis(
    top: float, duration: float, plot_w: float, x_of: Callable[[float], float], lanes_bottom: float
) -> str:
    step = _nice_step(duration)
    parts = [
        f'<line x1="{_LEFT:.1f}" y1="{top:.1f}" x2="{_LEFT + plot_w:.1f}" y2="{top:.1f}" stroke="#1B1B1B" '
        'stroke-width="1"/>'
    ]
    n = int(duration / step + 1e-9)
    for k in range(n + 1):
        t = k * step
        x = x_of(t)
        label = f"{t:g} s" if duration < 60 else "{}:{:02d}".format(*divmod(round(t), 60))
        parts.append(
            f'<line x1="{x:.1f}" y1="{_TOP:.1f}" x2="{x:.1f}" y2="{lanes_bottom:.1f}" stroke="#000" '
            'stroke-opacity="0.08" stroke-width="1"/>'
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + 5:.1f}" stroke="#1B1B1B" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top + 18:.1f}" font-size="11" text-anchor="middle">{_e(label)}</text>'
        )
    unit = "time (s)" if duration < 60 else "time (m:ss)"
    parts.append(
        f'<text x="{_LEFT - 22:.1f}" y="{top + 18:.1f}" font-size="11" text-anchor="end" fill="#4A4A4A">{unit}</text>'
    )
    return "".join(parts)
