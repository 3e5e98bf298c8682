"""Biofeedback sessions on the patient's outcome timeline (registered with recordings at start-up)."""

from __future__ import annotations

from django.urls import reverse

from facetwitch.clinic.recordings.charts import Series, outcome_chart
from facetwitch.clinic.recordings.outcomes import OutcomeExtra, register_outcome_provider

# Chart line classes (recordings.css colours); one per exercise kind.
KIND_KEYS = {"relax_rest": "left", "eye_open_smile": "right", "symmetric_smile": "both"}


def biofeedback_extra(patient) -> OutcomeExtra:
    sessions = list(patient.biofeedback_sessions.select_related("programme").order_by("started_at"))
    if not sessions:
        return OutcomeExtra()
    rows = [
        {
            "date": s.recorded_on,
            "label": f"Biofeedback ({s.get_source_display().lower()}): {s.programme.get_kind_display()}",
            "url": reverse("capture:session", args=[patient.pk, s.pk]),
            "detail": (
                f"{100 * s.fraction_in_target:.0f}% of time in target · {s.repetitions_done} repetitions · "
                f"symmetry {s.symmetry:.2f}"
            ),
        }
        for s in sessions
    ]

    def charts(common: dict) -> list[tuple[str, object]]:
        series = []
        for kind, label in sessions[0].programme.Kind.choices:
            points = [
                (s.recorded_on, 100 * s.fraction_in_target) for s in sessions if s.programme.kind == kind
            ]
            if points:
                series.append(Series(label, KIND_KEYS[kind], points))
        chart = outcome_chart(
            series, title="Biofeedback: time in target per session", unit="% of time", y_max=100, **common
        )
        return [("Biofeedback sessions", chart)]

    return OutcomeExtra(rows=rows, charts=charts)


def register() -> None:
    register_outcome_provider(biofeedback_extra)
