"""The outcome timeline of a patient and the side-by-side comparison: data for the pages and their charts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from facetwitch.clinic.recordings import results
from facetwitch.clinic.recordings.charts import Series, outcome_chart
from facetwitch.clinic.recordings.models import Recording
from facetwitch.clinic.treatments import services as treatments


def treatment_markers(patient) -> list[tuple[date, str]]:
    """Dated treatment labels (toxin sessions in force, steroids, medications, surgery) from the treatments app."""
    return [(d, str(label)) for d, label in treatments.treatment_markers(patient) if d is not None]


@dataclass(frozen=True)
class OutcomeExtra:
    """What another app adds to the outcome timeline: dated table rows and charts drawn on the common axis.

    ``rows``: ``{"date", "label", "url", "detail"}``; ``charts(common)`` returns ``[(title, svg)]`` where
    ``common`` holds the timeline's ``markers``, ``start`` and ``end`` for :func:`outcome_chart`.
    """

    rows: list[dict] = field(default_factory=list)
    charts: Callable[[dict], list[tuple[str, object]]] = lambda common: []


# Apps above recordings (capture: biofeedback sessions) register providers ``provider(patient) -> OutcomeExtra``
# in their AppConfig.ready(); recordings never imports them, so dependencies stay one-way.
OUTCOME_PROVIDERS: list[Callable[[object], OutcomeExtra]] = []


def register_outcome_provider(provider: Callable[[object], OutcomeExtra]) -> None:
    if provider not in OUTCOME_PROVIDERS:
        OUTCOME_PROVIDERS.append(provider)


def _percent(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def outcome_context(patient) -> dict:
    """Charts and a table of video metrics and visit scales over time, with treatment markers."""
    recordings = list(patient.recordings.filter(status=Recording.Status.DONE).order_by("recorded_on", "id"))
    visits = list(patient.visits.order_by("date", "id"))
    markers = treatment_markers(patient)
    extras = [provider(patient) for provider in OUTCOME_PROVIDERS]
    extra_rows = [row for extra in extras for row in extra.rows]
    dates = [r.recorded_on for r in recordings] + [v.date for v in visits] + [d for d, _ in markers]
    dates += [row["date"] for row in extra_rows]
    start, end = (min(dates), max(dates)) if dates else (None, None)
    common = {"markers": markers, "start": start, "end": end}

    def points(attr: str, scale=lambda v: v):
        return [(r.recorded_on, scale(getattr(r, attr))) for r in recordings if getattr(r, attr) is not None]

    charts = [
        outcome_chart(
            [
                Series("Left", "left", points("episodes_per_min_left")),
                Series("Right", "right", points("episodes_per_min_right")),
                Series("Both (closures)", "both", points("episodes_per_min_both")),
            ],
            title="Spasm episodes per minute (video)",
            unit="episodes/min",
            **common,
        ),
        outcome_chart(
            [
                Series("Left", "left", points("spasm_time_fraction_left", _percent)),
                Series("Right", "right", points("spasm_time_fraction_right", _percent)),
            ],
            title="Time in spasm per side (video)",
            unit="% of time",
            **common,
        ),
        outcome_chart(
            [Series("Blinks", "blink", points("blink_rate_per_min"))],
            title="Blink rate (video)",
            unit="blinks/min",
            **common,
        ),
        outcome_chart(
            [
                Series(
                    "Jankovic total",
                    "jankovic",
                    [
                        (v.date, float(v.jankovic_severity + v.jankovic_frequency))
                        for v in visits
                        if v.jankovic_severity is not None and v.jankovic_frequency is not None
                    ],
                ),
                Series(
                    "SMC grade",
                    "smc",
                    [(v.date, float(v.smc_grade)) for v in visits if v.smc_grade is not None],
                ),
            ],
            title="Clinician-rated scales (visits)",
            unit="points",
            y_max=8,
            integer_axis=True,
            **common,
        ),
    ]
    titles = ["Episodes per minute", "Time in spasm per side", "Blink rate", "Scales at visits"]
    rows = (
        [
            {
                "date": r.recorded_on,
                "kind": "recording",
                "recording": r,
                "warnings": quality_warnings(results.load_analysis(r)),
            }
            for r in recordings
        ]
        + [{"date": v.date, "kind": "visit", "visit": v} for v in visits]
        + [{"date": d, "kind": "treatment", "label": label} for d, label in markers]
        + [{**row, "kind": "extra"} for row in extra_rows]
    )
    rows.sort(key=lambda row: (row["date"], ("treatment", "visit", "recording", "extra").index(row["kind"])))
    return {
        "charts": list(zip(titles, charts, strict=True))
        + [c for extra in extras for c in extra.charts(common)],
        "rows": rows,
        "recordings": recordings,
        "visits": visits,
        "markers": markers,
        "pending": patient.recordings.exclude(status=Recording.Status.DONE).count(),
    }


METRICS = [
    ("Recorded on", "recorded_on", None),
    ("Analysed time (s)", "analysed_duration_s", 1),
    ("Face found (% of video)", "face_found_fraction", "percent"),
    ("Eyelid travel in a blink, left (%)", "lid_travel_left", "percent"),
    ("Eyelid travel in a blink, right (%)", "lid_travel_right", "percent"),
    ("Blink rate (per min)", "blink_rate_per_min", 1),
    ("Left episodes (per min)", "episodes_per_min_left", 2),
    ("Right episodes (per min)", "episodes_per_min_right", 2),
    ("Bilateral closures (per min)", "episodes_per_min_both", 2),
    ("Time in spasm, left (%)", "spasm_time_fraction_left", "percent"),
    ("Time in spasm, right (%)", "spasm_time_fraction_right", "percent"),
    ("Suggested Jankovic severity", "suggested_jankovic_severity", 0),
    ("Suggested Jankovic frequency", "suggested_jankovic_frequency", 0),
    ("Suggested SMC grade", "suggested_smc_grade", 0),
]


def _show(value, how) -> str:
    if value is None:
        return "—"
    if how is None:
        return str(value)
    if how == "percent":
        return f"{100 * value:.1f}"
    return f"{value:.{how}f}"


def quality_warnings(analysis) -> tuple[str, ...]:
    """What limited a recording's measurement (its analysis's quality warnings; none without an analysis):
    numbers compared across recordings are read with them in view."""
    return analysis.quality.warnings if analysis is not None else ()


def comparison_context(a: Recording, b: Recording) -> dict:
    """A metrics table (with the change from A to B), both timelines and what limited each measurement."""
    rows = []
    for label, attr, how in METRICS:
        va, vb = getattr(a, attr), getattr(b, attr)
        change = ""
        if how not in (None,) and va is not None and vb is not None:
            delta = (vb - va) * (100 if how == "percent" else 1)
            change = f"{delta:+.{0 if how == 0 else 1 if how == 'percent' else how}f}"
        rows.append({"label": label, "a": _show(va, how), "b": _show(vb, how), "change": change})
    analyses = [results.load_analysis(rec) for rec in (a, b)]
    timelines = [results.timeline(rec, analysis) for rec, analysis in zip((a, b), analyses, strict=True)]
    warnings = [quality_warnings(analysis) for analysis in analyses]
    return {"rows": rows, "timelines": timelines, "warnings": warnings, "a": a, "b": b}


def _reverse_first(name: str, candidates: list[list]) -> str | None:
    for args in candidates:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def scales_url(recording: Recording) -> str | None:
    """The visit form pre-filled (GET parameters) with the suggested scales, for the clinician to confirm."""
    params = {
        key: value
        for key, value in (
            ("jankovic_severity", recording.suggested_jankovic_severity),
            ("jankovic_frequency", recording.suggested_jankovic_frequency),
            ("smc_grade", recording.suggested_smc_grade),
        )
        if value is not None
    }
    if not params:
        return None
    patient_id = recording.patient_id
    if recording.visit_id:
        url = _reverse_first("patients:visit_edit", [[patient_id, recording.visit_id], [recording.visit_id]])
    else:
        # A new visit made from this recording is linked to it (recordings:new_visit): a second click opens that
        # visit instead of making another one.
        url = reverse("recordings:new_visit", args=[patient_id, recording.pk])
    return f"{url}?{urlencode(params)}" if url else None
