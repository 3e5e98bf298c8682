"""``report.html``: one self-contained page for the clinician (inline CSS and SVG, no scripts, no links out).

Sections: video and recording quality, the decision-support disclaimer, summary tables, suggested scales with
their rules, per-side timelines drawn from the per-frame table (events shaded, episodes marked), and the episode
and event tables. Sides are the patient's own. Long signals are reduced to a min/max envelope of at most
``2 * _ENVELOPE_BINS`` points per trace, so a ten-minute video still gives a small file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from html import escape
from importlib import resources
from pathlib import PurePath
from string import Template
from typing import Any

from facetwitch.records import (
    DISCLAIMER,
    SCHEMA_ID,
    Analysis,
    Episode,
    Event,
    Quality,
    ScaleSuggestion,
    SideSummary,
)
from facetwitch.timeline import LEGEND_INTRO, SIDE_LABELS, plot_duration, time_formatter, timeline_svg

__all__ = ["render_report"]


def render_report(analysis: Analysis) -> str:
    """Render ``analysis`` as a self-contained HTML page (UTF-8 text)."""
    fmt_t = time_formatter(plot_duration(analysis))
    name = PurePath(analysis.video.path).name or analysis.video.path
    body = "\n".join(
        [
            _header(analysis, name),
            _glance(analysis),
            _quality_section(analysis, fmt_t),
            _summary_section(analysis),
            _scales_section(analysis),
            _timelines_section(analysis),
            _episodes_section(analysis.episodes, fmt_t),
            _events_section(analysis.events, fmt_t),
            _footer(analysis),
        ]
    )
    template = Template(resources.files("facetwitch").joinpath("report_template.html").read_text("utf-8"))
    return template.substitute(title=_e(f"Facial twitching analysis — {name}"), body=body)


# ---------------------------------------------------------------------------------------------- text helpers


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.1f} %"


def _lid_travel(q: Quality) -> str:
    """Each eye's full-blink narrowing in the mesh, or why it is unknown."""
    if q.lid_travel_left is None or q.lid_travel_right is None:
        return "not measured"
    return f"{q.lid_travel_left:.0%}, {q.lid_travel_right:.0%} of the open eye"


def _regions(regions: Iterable[str]) -> str:
    items = list(regions)
    return ", ".join(items) if items else "—"


def _side(side: str | None) -> str:
    return SIDE_LABELS.get(side, "none") if side else "none"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _table(
    caption: str, head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Collection[int] = ()
) -> str:
    """A table; ``caption`` and cells are HTML already, ``numeric`` the indices of right-aligned columns."""

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    header = "".join(f'<th scope="col"{cls(i)}>{h}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{c}</th>' if i == 0 else f"<td{cls(i)}>{c}</td>") for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><caption>{caption}</caption><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


# -------------------------------------------------------------------------------------------------- sections


def _header(analysis: Analysis, name: str) -> str:
    v = analysis.video
    facts = [
        ("File", v.path),
        ("Duration", f"{v.duration_s:.1f} s"),
        ("Frames analysed", f"{v.frames}"),
        ("Frame rate (nominal)", f"{v.fps_nominal:.2f} fps"),
        (
            "Frames analysed a second",
            "every frame" if v.max_fps is None else f"at most {v.max_fps:g} (capped)",
        ),
        ("Resolution", f"{v.width} × {v.height} px"),
        ("Rotation applied", f"{v.rotation}°"),
        ("Mirrored (selfie) video", _yes_no(v.mirrored)),
    ]
    fact_html = _fact_items(facts)
    return (
        '<header><p class="brand">facetwitch</p>'
        "<h1>Facial twitching analysis</h1>"
        f'<p class="subtitle">{_e(name)}</p>'
        f'<p class="disclaimer" role="note">{_e(DISCLAIMER)}</p>'
        '<p class="sides-note">Left and right are the <strong>patient\'s own</strong> sides throughout '
        "(the patient's right appears on the viewer's left in an ordinary, unmirrored video).</p>"
        f'<h2 id="video">Video</h2><dl class="facts">{fact_html}</dl></header>'
    )


def _fact_items(items: list[tuple[str, str]]) -> str:
    """Term/value pairs as the inner items of a <dl>, escaped."""
    return "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in items)


def _incomplete(s) -> str:
    """The incomplete-blink share, shown beside the blink rate (nothing without blinks)."""
    if not s.blink_count or s.incomplete_blink_fraction is None:
        return ""
    return f", {s.incomplete_blink_count} incomplete ({_pct(s.incomplete_blink_fraction)})"


def _blink_rate(analysis: Analysis, unit: str) -> str:
    """The blink rate with its incomplete share, or why it is unknown (no blink moved the lids measurably)."""
    rate = analysis.measured_blink_rate_per_min
    if rate is None:
        return "unknown: no blink moved the eyelids measurably (see Warnings)"
    return f"{rate:.1f} {unit}{_incomplete(analysis.summary)}"


def _glance(analysis: Analysis) -> str:
    s = analysis.summary
    scales = analysis.suggested_scales
    total = scales.jankovic_total
    items = [
        ("Affected side", _side(s.affected_side)),
        ("Spasm episodes", f"{s.episodes_total}"),
        ("Longest episode", f"{s.longest_episode_s:.1f} s"),
        ("Blink rate", _blink_rate(analysis, "/min")),
        (
            "Tremor",
            f"{s.tremor.frequency_hz:.1f} Hz"
            if s.tremor.present and s.tremor.frequency_hz
            else ("present" if s.tremor.present else "none detected"),
        ),
        ("Jankovic total (suggested)", "—" if total is None else f"{total} / 8"),
    ]
    cells = _fact_items(items)
    return f'<section aria-labelledby="glance"><h2 id="glance">At a glance</h2><dl class="glance">{cells}</dl></section>'


def _quality_section(analysis: Analysis, fmt_t: Callable[[float], str]) -> str:
    q = analysis.quality
    facts = [
        ("Face found", _pct(q.face_found_fraction)),
        ("Face brightness", "—" if q.face_brightness is None else f"{q.face_brightness:.0f} of 255"),
        ("Eyelid travel in a full blink (left, right)", _lid_travel(q)),
        ("Analysed time (usable face)", f"{analysis.summary.analysed_duration_s:.1f} s"),
        ("Gaps without a usable face", f"{len(q.gaps)}"),
        ("Time in gaps", f"{sum(g.end_s - g.start_s for g in q.gaps):.1f} s"),
    ]
    parts = [
        '<section aria-labelledby="quality"><h2 id="quality">Recording quality</h2>',
        '<dl class="facts">' + _fact_items(facts) + "</dl>",
    ]
    if q.gaps:
        spans = ", ".join(f"{fmt_t(g.start_s)}–{fmt_t(g.end_s)}" for g in q.gaps)
        parts.append(f"<p><strong>Gaps:</strong> {_e(spans)}</p>")
    if q.warnings:
        items = "".join(f"<li>{_e(w)}</li>" for w in q.warnings)
        parts.append(f'<div role="note"><h3>Warnings</h3><ul class="warnings">{items}</ul></div>')
    else:
        parts.append('<p class="ok">No quality warnings.</p>')
    parts.append("</section>")
    return "".join(parts)


def _summary_section(analysis: Analysis) -> str:
    s = analysis.summary
    li = s.laterality_index
    if li is None:
        li_text = "— (no one-sided spasm)"
    else:
        leaning = "right-dominant" if li > 0.05 else "left-dominant" if li < -0.05 else "balanced"
        li_text = f"{li:+.2f} ({leaning})"
    if s.tremor.present:
        freq = (
            f"{s.tremor.frequency_hz:.1f} Hz"
            if s.tremor.frequency_hz is not None
            else "frequency not measured"
        )
        tremor = (
            f"{freq}; {_pct(s.tremor.time_fraction)} of analysed time; regions: {_regions(s.tremor.regions)}"
        )
    else:
        tremor = "none detected"
    whole = [
        ("Analysed time", f"{s.analysed_duration_s:.1f} s"),
        ("Blinks", f"{s.blink_count} found; rate {_blink_rate(analysis, 'per minute')}"),
        ("Spasm episodes, all sides", f"{s.episodes_total}"),
        ("Affected side", _side(s.affected_side)),
        ("Laterality index", li_text),
        ("Longest episode", f"{s.longest_episode_s:.1f} s"),
        ("Tremor", tremor),
    ]
    whole_table = _table(
        'Whole recording <span class="hint">(rates per minute of analysed time; laterality index = '
        "(right − left) / (right + left) of time in spasm: +1 all right, −1 all left)</span>",
        ["Measure", "Value"],
        [[_e(k), _e(v)] for k, v in whole],
    )
    sides: list[tuple[str, SideSummary]] = [("right", s.right), ("left", s.left), ("both", s.both)]

    def row(label: str, value: Callable[[SideSummary], str]) -> list[str]:
        return [_e(label), *(_e(value(ss)) for _, ss in sides)]

    side_rows = [
        row("Spasm episodes", lambda ss: f"{ss.episodes}"),
        row("Episodes per minute", lambda ss: f"{ss.episodes_per_min:.2f}"),
        row("Time in spasm (episodes)", lambda ss: _pct(ss.spasm_time_fraction)),
        row("Eye closure (fraction of time)", lambda ss: _pct(ss.eye_closure_fraction)),
        row("Regions involved", lambda ss: _regions(ss.regions)),
        row("Spread beyond the eye", lambda ss: _yes_no(ss.spread_beyond_eye)),
    ]
    side_table = _table(
        'By side <span class="hint">("both sides": bilateral closures such as blepharospasm)</span>',
        ["Measure", *(_e(SIDE_LABELS[k]) for k, _ in sides)],
        side_rows,
        numeric={1, 2, 3},
    )
    return (
        f'<section aria-labelledby="summary"><h2 id="summary">Summary</h2>{whole_table}{side_table}</section>'
    )


def _scales_section(analysis: Analysis) -> str:
    sc = analysis.suggested_scales

    def value(v: int | None, scale_max: int) -> str:
        return "—" if v is None else f"{v} / {scale_max}"

    def row(name: str, suggestion: ScaleSuggestion, scale_max: int) -> list[str]:
        return [
            _e(name),
            f'<span class="scale-value">{_e(value(suggestion.value, scale_max))}</span>',
            f'<span class="rule">{_e(suggestion.rule)}</span>',
        ]

    total = sc.jankovic_total
    rows = [
        row("Jankovic Rating Scale — severity", sc.jankovic_severity, 4),
        row("Jankovic Rating Scale — frequency", sc.jankovic_frequency, 4),
        [
            _e("Jankovic Rating Scale — total"),
            f'<span class="scale-value">{_e(value(total, 8))}</span>',
            '<span class="rule">severity + frequency</span>',
        ],
        row("SMC grade (hemifacial spasm)", sc.smc_grade, 4),
    ]
    caption = f'Suggested clinical scales <span class="label-badge">{_e(sc.label)}</span>'
    return (
        '<section aria-labelledby="scales"><h2 id="scales">Suggested scales</h2>'
        + _table(caption, ["Scale", "Suggested value", "Rule that produced it"], rows)
        + f'<p class="rule">Each value is {_e(sc.label)}; “—” means the video gives no basis for a grade.</p>'
        + "</section>"
    )


def _episodes_section(episodes: Sequence[Episode], fmt_t: Callable[[float], str]) -> str:
    head = '<section aria-labelledby="episodes"><h2 id="episodes">Spasm episodes</h2>'
    if not episodes:
        return head + '<p class="empty">No spasm episodes detected.</p></section>'
    rows = [
        [
            f"{i}",
            _e(fmt_t(ep.start_s)),
            _e(fmt_t(ep.end_s)),
            f"{ep.duration_s:.2f} s",
            _e(SIDE_LABELS[ep.side]),
            _e(ep.pattern),
            f"{ep.contractions}",
            _e(_regions(ep.regions)),
        ]
        for i, ep in enumerate(episodes, 1)
    ]
    table = _table(
        f"{len(episodes)} episode{'s' if len(episodes) != 1 else ''} "
        '<span class="hint">(clonic: brief contractions; tonic: one sustained contraction; mixed: both)</span>',
        ["#", "Start", "End", "Duration", "Side", "Pattern", "Contractions", "Regions"],
        rows,
        numeric={1, 2, 3, 6},
    )
    return head + table + "</section>"


def _events_section(events: Sequence[Event], fmt_t: Callable[[float], str]) -> str:
    head = '<section aria-labelledby="events"><h2 id="events">Events</h2>'
    if not events:
        return head + '<p class="empty">No events detected.</p></section>'
    counts = {k: sum(e.kind == k for e in events) for k in ("blink", "contraction", "tremor")}
    rows = [
        [
            f"{i}",
            _e(ev.kind),
            _e(fmt_t(ev.start_s)),
            _e(fmt_t(ev.end_s)),
            f"{ev.duration_s:.2f} s",
            _e(SIDE_LABELS[ev.side]),
            _e(_regions(ev.regions)),
            f"{ev.peak:.2f}",
            "—" if ev.frequency_hz is None else f"{ev.frequency_hz:.1f} Hz",
        ]
        for i, ev in enumerate(events, 1)
    ]
    table = _table(
        f"{len(events)} event{'s' if len(events) != 1 else ''}: {counts['blink']} blinks, "
        f"{counts['contraction']} contractions, {counts['tremor']} tremor "
        '<span class="hint">(peak: eye closure 0–1 for blinks and eye contractions, largest normalised '
        "deflection otherwise; tremor: peak-to-peak amplitude in inter-ocular distances)</span>",
        ["#", "Kind", "Start", "End", "Duration", "Side", "Regions", "Peak", "Frequency"],
        rows,
        numeric={2, 3, 4, 7, 8},
    )
    return head + f"<details open><summary>Show or hide the event list</summary>{table}</details></section>"


def _footer(analysis: Analysis) -> str:
    engine = ", ".join(f"{k} {v}" for k, v in sorted(analysis.engine.items())) or "unknown"
    return (
        f"<footer><p>Schema {_e(SCHEMA_ID)}. Engine: {_e(engine)}.</p>"
        "<p>Measurements come from facial landmarks tracked in the video; they depend on lighting, head pose "
        "and camera. Review the timelines against the video before acting on any number.</p></footer>"
    )


def _timelines_section(analysis: Analysis) -> str:
    return (
        '<section aria-labelledby="timelines"><h2 id="timelines">Timelines</h2>'
        f"<p>{_e(LEGEND_INTRO)}</p>{timeline_svg(analysis)}</section>"
    )
