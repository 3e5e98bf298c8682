"""Glue between the clinic's data and the pure decision-support core (differential, plans, forecast, FHIR).

Other apps (recordings, treatments, scheduling) are read through their models and public services, imported
openly (none of them imports care, so there is no circle).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from facetwitch.clinic.care import fhir
from facetwitch.clinic.care.differential import (
    DECISION_SUPPORT,
    Differential,
    Findings,
    cause_labels,
    evaluate,
)
from facetwitch.clinic.care.forecast import Forecast, forecast, timeline_points
from facetwitch.clinic.care.models import Assessment, CarePlan, ExportedId
from facetwitch.clinic.care.plans import (
    INSUFFICIENT_EFFECT_WEEKS,
    InjectionSite,
    PatientFactors,
    PlanSuggestion,
    ToxinSession,
    suggest_plan,
)
from facetwitch.clinic.recordings import results as recording_results
from facetwitch.clinic.recordings.models import Recording
from facetwitch.clinic.scheduling.models import Appointment
from facetwitch.clinic.treatments import dosing
from facetwitch.clinic.treatments import models as treatment_records

log = logging.getLogger(__name__)

ASSESSMENT_FINDINGS = (
    "bilateral_synchronous",
    "spread_to_lower_face",
    "other_babinski_sign",
    "sensory_trick",
    "synkinesis_with_voluntary_movement",
    "continuous_rippling",
    "tremor_present",
    "premonitory_urge",
    "suppressible",
    "stress_caffeine_fatigue",
    "other_cranial_nerve_signs",
    "rapid_progression",
    "suspected_ms",
    "facial_weakness",
    "weakness_explained",
    "dopamine_blocker_exposure",
    "orobuccolingual_stereotypy",
    "distractible_variable",
    "tonic_contractions",
    "jaw_deviation",
    "jaw_dystonia",
    "jaw_closing_muscles",
    "facial_hemiatrophy",
    "alternating_sides",
    "apraxia_lid_opening",
    "clonic_jerks",
    "limb_involvement",
    "hyperglycaemia",
)
#: Examination values that override what the video measured (empty / None = use the video).
ASSESSMENT_OVERRIDES = ("imaging_result", "regions", "blink_rate_per_min", "tremor_frequency_hz")
#: Findings the video measures: shown as "from video" when no examination value overrides them.
VIDEO_FINDINGS = (
    "side",
    "bilateral_synchronous",
    "regions",
    "spread_to_lower_face",
    "blink_rate_per_min",
    "tremor_present",
    "tremor_frequency_hz",
)
VIDEO_REGION_KEYS = ("left", "right", "both")
LOWER_FACE = {"cheek", "mouth", "jaw"}
TREATMENT_PRODUCTS = {code: product.generic for code, product in dosing.TOXIN_PRODUCTS.items()}
SOURCE_LABELS = {"history": "history", "examination": "examination", "video": "from video"}


def latest_assessment(patient) -> Assessment | None:
    return patient.care_assessments.order_by("-recorded_at", "-id").first()


@dataclass(frozen=True)
class VideoMetrics:
    """What the newest analysed recording measured (the engine's ``Analysis`` read through the recordings app)."""

    recording: Any
    on: date
    side: str | None
    blink_rate_per_min: float | None
    regions: tuple[str, ...]
    tremor_present: bool | None
    tremor_frequency_hz: float | None
    bilateral_synchronous: bool | None = None
    spread_to_lower_face: bool | None = None

    def values(self) -> dict[str, Any]:
        """The video's findings (None = the video does not decide it)."""
        return {
            "side": self.side,
            "bilateral_synchronous": self.bilateral_synchronous,
            "regions": self.regions or None,
            "spread_to_lower_face": self.spread_to_lower_face,
            "blink_rate_per_min": self.blink_rate_per_min,
            "tremor_present": self.tremor_present,
            "tremor_frequency_hz": self.tremor_frequency_hz,
        }


def latest_video_metrics(patient) -> VideoMetrics | None:
    """Metrics of the patient's newest analysed recording (None without one). An unreadable analysis.json leaves
    only the metrics stored on the recording (logged, never an error)."""
    rec = (
        Recording.objects.filter(patient=patient, status=Recording.Status.DONE)
        .order_by("-recorded_on", "-id")
        .first()
    )
    if rec is None:
        return None
    try:
        analysis = recording_results.load_analysis(rec)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # unreadable result: "no video data"
        log.warning("care: cannot read analysis of recording %s: %s", rec.pk, exc)
        analysis = None
    side = rec.affected_side or None
    if analysis is None:
        return VideoMetrics(rec, rec.recorded_on, _side(side), rec.blink_rate_per_min, (), None, None)
    summary = analysis.summary
    per_side = {"left": summary.left, "right": summary.right, "both": summary.both}
    regions: set[str] = set()
    for key in VIDEO_REGION_KEYS:
        regions |= set(per_side[key].regions)
    tremor = summary.tremor
    if tremor.present:
        regions |= set(tremor.regions)
    side = _side(summary.affected_side or side)
    spread = None
    if side in ("left", "right") and per_side[side].episodes:
        # Spread from the eye to the lower face on the affected side (brow alone is not the lower face).
        side_regions = set(per_side[side].regions)
        spread = bool("eye" in side_regions and side_regions & LOWER_FACE)
    return VideoMetrics(
        recording=rec,
        on=rec.recorded_on,
        side=side,
        blink_rate_per_min=analysis.measured_blink_rate_per_min,
        regions=tuple(sorted(regions)),
        tremor_present=tremor.present,
        tremor_frequency_hz=tremor.frequency_hz if tremor.present else None,
        bilateral_synchronous=_video_synchrony({k: v.episodes for k, v in per_side.items()}),
        spread_to_lower_face=spread,
    )


def _side(value: str | None) -> str | None:
    return value if value in ("left", "right", "both") else None


def _video_synchrony(counts: dict[str, int]) -> bool | None:
    """Do both eyes close together? The engine files closures of both eyes at once under "both" and
    one-sided spasms under "left"/"right": only "both" episodes -> synchronous; spasms on each side but
    none together -> asynchronous; a mix or no episodes -> not decided by the video (None)."""
    if counts["both"] and not (counts["left"] or counts["right"]):
        return True
    if not counts["both"] and counts["left"] and counts["right"]:
        return False
    return None


@dataclass(frozen=True)
class SourcedFindings:
    """Findings with where each came from: "history", "examination" or "video" (and the date of each input)."""

    findings: Findings
    sources: dict[str, str]
    dates: dict[str, date]

    def source_of(self, name: str) -> str | None:
        return self.sources.get(name)

    @property
    def from_video(self) -> tuple[str, ...]:
        return tuple(name for name in VIDEO_FINDINGS if self.sources.get(name) == "video")


def _history_values(patient) -> dict[str, Any]:
    age_at_onset = None
    if patient.onset_date and patient.date_of_birth:
        age_at_onset = (patient.onset_date - patient.date_of_birth).days / 365.25
    return {
        "side": patient.onset_side or None,
        "onset_region": patient.onset_region or None,
        "persists_in_sleep": patient.persists_in_sleep,
        # The history form records these as ticked or not: an unticked box counts as absent.
        "prior_bells_palsy": patient.prior_bells_palsy,
        "facial_nerve_injury": patient.facial_nerve_injury,
        "multiple_sclerosis": patient.multiple_sclerosis,
        "hearing_loss": patient.hearing_loss,
        "facial_weakness": patient.facial_weakness,
        "age_at_onset_years": age_at_onset,
    }


def _exam_values(assessment: Assessment) -> dict[str, Any]:
    values: dict[str, Any] = {"side": assessment.affected_side or None}
    for name in ASSESSMENT_FINDINGS:
        values[name] = getattr(assessment, name)
    values["imaging_result"] = assessment.imaging_result or None
    values["regions"] = tuple(assessment.regions or ()) or None
    values["blink_rate_per_min"] = assessment.blink_rate_per_min
    values["tremor_frequency_hz"] = assessment.tremor_frequency_hz
    return values


def _merge(layers: list[tuple[str, dict[str, Any]]]) -> tuple[Findings, dict[str, str]]:
    """Later layers win for every value they actually have (None / empty = not assessed there)."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, layer in layers:
        for name, value in layer.items():
            if value is None:
                continue
            values[name] = value
            sources[name] = source
    return Findings.from_dict(values), sources


def _layers(patient, assessment, video) -> list[tuple[str, date, dict[str, Any]]]:
    """Inputs in precedence order (lowest first): video < history < examination, each with its date."""
    layers = []
    if video is not None:
        layers.append(("video", video.on, video.values()))
    updated = getattr(patient, "updated_at", None)
    layers.append(("history", updated.date() if updated else date.today(), _history_values(patient)))
    if assessment is not None:
        layers.append(("examination", assessment.recorded_at.date(), _exam_values(assessment)))
    return layers


def sourced_findings(
    patient, assessment: Assessment | None = None, video: VideoMetrics | None = None
) -> SourcedFindings:
    """History (Patient) + examination (Assessment) + newest video. Examination > history > video."""
    assessment = assessment if assessment is not None else latest_assessment(patient)
    video = video if video is not None else latest_video_metrics(patient)
    layers = _layers(patient, assessment, video)
    findings, sources = _merge([(name, values) for name, _on, values in layers])
    return SourcedFindings(findings, sources, {name: on for name, on, _values in layers})


VIDEO_LABELS = {
    "side": "Side affected",
    "bilateral_synchronous": "Both eyes close together (synchronous)",
    "regions": "Regions involved",
    "spread_to_lower_face": "Spread from the eye to the lower face",
    "blink_rate_per_min": "Blink rate at rest (per minute)",
    "tremor_present": "Rhythmic tremor",
    "tremor_frequency_hz": "Tremor frequency (Hz)",
}


def _show(value: Any) -> str:
    if value is None or value == ():
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def video_finding_rows(sourced: SourcedFindings, video: VideoMetrics | None) -> list[dict[str, Any]]:
    """One row per finding the video measures: the video's value, the value used and where it came from."""
    if video is None:
        return []
    measured = video.values()
    rows = []
    for name in VIDEO_FINDINGS:
        source = sourced.source_of(name)
        rows.append(
            {
                "name": name,
                "label": VIDEO_LABELS[name],
                "video": _show(measured[name]),
                "used": _show(getattr(sourced.findings, name)),
                "source": SOURCE_LABELS.get(source, "not assessed"),
                "overridden": source in ("examination", "history") and measured[name] is not None,
            }
        )
    return rows


def findings_for(
    patient, assessment: Assessment | None = None, video: VideoMetrics | None = None
) -> Findings:
    return sourced_findings(patient, assessment, video).findings


def differential_for(patient) -> tuple[Differential, Findings, VideoMetrics | None, Assessment | None]:
    assessment = latest_assessment(patient)
    video = latest_video_metrics(patient)
    findings = findings_for(patient, assessment, video)
    return evaluate(findings), findings, video, assessment


def red_flag_dates(patient, assessment=None, video=None) -> dict[str, date]:
    """The date each current red flag was raised: the date of the input (history, examination, video) that first
    made it appear when the inputs are added in date order -- never the export date."""
    assessment = assessment if assessment is not None else latest_assessment(patient)
    video = video if video is not None else latest_video_metrics(patient)
    layers = _layers(patient, assessment, video)
    precedence = {name: i for i, (name, _on, _values) in enumerate(layers)}
    by_date = sorted(layers, key=lambda layer: (layer[1], precedence[layer[0]]))
    raised: dict[str, date] = {}
    for i in range(1, len(by_date) + 1):
        included = sorted(by_date[:i], key=lambda layer: precedence[layer[0]])
        findings, _sources = _merge([(name, values) for name, _on, values in included])
        for flag in evaluate(findings).red_flags:
            raised.setdefault(flag.id, by_date[i - 1][1])
    current = {flag.id for flag in evaluate(findings_for(patient, assessment, video)).red_flags}
    return {flag_id: on for flag_id, on in raised.items() if flag_id in current}


def factors_for(patient, assessment: Assessment | None) -> PatientFactors:
    age = None
    if patient.date_of_birth:
        age = int((date.today() - patient.date_of_birth).days // 365.25)
    side = (assessment.affected_side if assessment else "") or patient.onset_side or None
    if assessment is None:
        return PatientFactors(age_years=age, affected_side=side)
    return PatientFactors(
        age_years=age,
        affected_side=side,
        pregnant=assessment.pregnant,
        breastfeeding=assessment.breastfeeding,
        nmj_disorder=assessment.nmj_disorder,
        anticoagulated=assessment.anticoagulated,
        hla_risk_ancestry=assessment.hla_risk_ancestry,
        hla_b1502=assessment.hla_b1502,
        surgical_comorbidities=assessment.surgical_comorbidities,
    )


def _toxin_sessions(patient) -> list[treatment_records.ToxinSession]:
    """The patient's toxin sessions in force (voided ones left out), newest first."""
    return list(
        treatment_records.ToxinSession.objects.filter(patient=patient)
        .prefetch_related("injections")
        .order_by("-date", "-id")
    )


def _zone(muscle_code: str) -> str:
    code = muscle_code or ""
    if code.startswith("oo_") and code.endswith("upper") and "orbital" not in code:
        return "upper_lid"
    if code.startswith("oo_") and code.endswith("lower") and "orbital" not in code:
        return "lower_lid"
    if code in ("corrugator", "procerus", "frontalis", "oo_orbital_upper"):
        return "brow"
    if code.startswith("oo_"):
        return "other"
    return "lower_face"


def _session_record(session) -> ToxinSession | None:
    """A treatments ToxinSession as the plan core's ToxinSession (with the newest follow-up's findings)."""
    injections = list(session.injections.all())
    if not injections:
        return None
    products = {i.product for i in injections}
    product = (
        TREATMENT_PRODUCTS.get(next(iter(products)), next(iter(products))) if len(products) == 1 else "mixed"
    )
    sites = tuple(
        InjectionSite(
            muscle=i.get_muscle_display(),
            position=i.get_muscle_display(),
            side=i.side,
            units=float(i.units),
            zone=_zone(i.muscle),
        )
        for i in injections
    )
    follow_up = session.follow_ups.order_by("-date", "-id").first()
    adverse: tuple[str, ...] = ()
    effective = weeks = None
    if follow_up is not None:
        adverse = tuple(
            name
            for name in ("ptosis", "diplopia", "lagophthalmos", "dry_eye", "facial_weakness", "bruising")
            if getattr(follow_up, name)
        )
        weeks = follow_up.benefit_duration_weeks
        if weeks is not None:  # DS-2: an effect lasting 2 months or less is an insufficient response
            effective = weeks > INSUFFICIENT_EFFECT_WEEKS
    return ToxinSession(product, sites, session.date, effective, weeks, adverse)


def last_toxin_session(patient) -> ToxinSession | None:
    """The newest effective single-product session (else the newest one), with the newest adverse effects."""
    records = [
        r for r in map(_session_record, _toxin_sessions(patient)) if r is not None and r.product != "mixed"
    ]
    if not records:
        return None
    latest = records[0]
    base = next((r for r in records if r.effective is True), latest)
    return replace(base, adverse_effects=latest.adverse_effects)


def plan_suggestion(patient, cause: str, assessment: Assessment | None = None) -> PlanSuggestion:
    assessment = assessment if assessment is not None else latest_assessment(patient)
    return suggest_plan(cause, factors_for(patient, assessment), last_toxin_session(patient))


def plan_content(
    patient,
    cause: str,
    chosen: list[str],
    differential: Differential,
    site_units: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """The JSON stored in a CarePlan: chosen options (full detail and citations) and the differential snapshot.

    ``site_units`` are the clinician's units per injection site (option id -> units in site order); 0 drops a site.
    """
    suggestion = plan_suggestion(patient, cause)
    data = suggestion.to_dict()
    data["options"] = [o for o in data["options"] if o["id"] in chosen]
    for option in data["options"]:
        edits = (site_units or {}).get(option["id"])
        if not edits or len(edits) != len(option["sites"]):
            continue
        changed = [dict(site, units=units) for site, units in zip(option["sites"], edits, strict=True)]
        if [s["units"] for s in changed] != [s["units"] for s in option["sites"]]:
            option["sites"] = [s for s in changed if s["units"] > 0]
            option["adjustments"] = [*option["adjustments"], "Units edited by the clinician."]
    data["sources"] = sorted(
        {c for o in data["options"] for c in o["cite"]}, key=lambda s: int(s.split("-")[1])
    )
    data["differential"] = {
        "candidates": [
            {"id": c.id, "label": c.label, "score": c.score, "sources": list(c.sources)}
            for c in differential.candidates[:3]
        ],
        "red_flags": [
            {"id": f.id, "label": f.label, "workup": list(f.workup), "cite": list(f.cite)}
            for f in differential.red_flags
        ],
    }
    return data


# ----- forecast ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastInputs:
    metric_label: str
    measurements: list[tuple[date, float]]
    injections: list[date]


def forecast_inputs(patient) -> ForecastInputs:
    """Episodes per minute of the affected side (both sides: bilateral closures) against toxin session dates."""
    side = patient.onset_side or "both"
    measurements: list[tuple[date, float]] = []
    field = f"episodes_per_min_{side}"
    for rec in Recording.objects.filter(patient=patient, status=Recording.Status.DONE).order_by(
        "recorded_on"
    ):
        value = getattr(rec, field, None)
        if value is not None:
            measurements.append((rec.recorded_on, float(value)))
    injections = sorted({s.date for s in _toxin_sessions(patient)})
    label = {"left": "left-side", "right": "right-side", "both": "bilateral"}[side]
    return ForecastInputs(f"Spasm episodes per minute ({label}, from video)", measurements, injections)


def forecast_for(patient) -> tuple[Forecast, ForecastInputs]:
    inputs = forecast_inputs(patient)
    points = timeline_points(inputs.measurements, inputs.injections)
    last = inputs.injections[-1] if inputs.injections else None
    return forecast(points, last), inputs


# ----- FHIR -------------------------------------------------------------------------------------------------

VISIT_SCALES = (
    ("jankovic_severity", "jankovic-severity", "exam"),
    ("jankovic_frequency", "jankovic-frequency", "exam"),
    ("smc_grade", "smc-grade", "exam"),
    ("house_brackmann", "house-brackmann", "exam"),
    ("hfs7_total", "hfs7-total", "survey"),
    ("hfs30_total", "hfs30-total", "survey"),
    ("bsdi_total", "bsdi-total", "survey"),
)
RECORDING_METRICS = (
    ("blink_rate_per_min", "video-blink-rate"),
    ("episodes_per_min_left", "video-episodes-per-min-left"),
    ("episodes_per_min_right", "video-episodes-per-min-right"),
    ("episodes_per_min_both", "video-episodes-per-min-both"),
    ("spasm_time_fraction_left", "video-spasm-time-fraction-left"),
    ("spasm_time_fraction_right", "video-spasm-time-fraction-right"),
    ("spasm_time_fraction_both", "video-spasm-time-fraction-both"),
)
APPOINTMENT_STATUS = {"booked": "booked", "cancelled": "cancelled", "completed": "fulfilled"}


def _uid(obj) -> str:
    """The record's kept export UUID: its own field where it has one, else the care app's registry."""
    own = getattr(obj, "uuid", None)
    return str(own) if own else str(ExportedId.for_record(obj))


def fhir_record(patient) -> fhir.PatientRecord:
    assessment = latest_assessment(patient)
    video = latest_video_metrics(patient)
    differential = evaluate(findings_for(patient, assessment, video))
    patient_uid = _uid(patient)
    today = date.today()
    conditions = []
    care_plans = []
    signed = patient.care_plans.filter(status=CarePlan.SIGNED).order_by("-version").first()
    if signed is not None:
        signed_on = signed.signed_at.date() if signed.signed_at else today
        conditions.append(
            fhir.ConditionEntry(
                fhir.derived_uuid(str(signed.uuid), "condition"),
                signed.cause,
                side=patient.onset_side or None,
                verification=signed.diagnosis_status,
                recorded=signed_on,
                note=f"From signed care plan v{signed.version}.",
            )
        )
        care_plans.append(
            fhir.CarePlanEntry(
                str(signed.uuid),
                f"Care plan v{signed.version}: {cause_labels().get(signed.cause, signed.cause)}",
                signed.cause,
                signed_on,
                signed.version,
                tuple(o.get("title", o.get("id", "")) for o in signed.content.get("options", [])),
                author=_user_name(signed.signed_by),
                description=signed.clinician_notes,
            )
        )
    # The ranked differential: provisional (first) and differential (the next) Conditions with their evidence.
    assessed_on = max(
        [d for d in (assessment.recorded_at.date() if assessment else None, video.on if video else None) if d]
        or [patient.updated_at.date()]
    )
    ranked = [c for c in differential.candidates if c.score > 0][:3]
    for rank, cand in enumerate(ranked, start=1):
        if signed is not None and cand.id == signed.cause:
            continue  # already exported from the signed plan
        conditions.append(
            fhir.ConditionEntry(
                fhir.derived_uuid(patient_uid, f"differential/{cand.id}"),
                cand.id,
                side=patient.onset_side or None,
                verification="provisional" if rank == 1 else "differential",
                recorded=assessed_on,
                note=(
                    f"Differential rank {rank} (score {cand.score:g}; sources {', '.join(cand.sources)} in "
                    f"docs/clinical-sources.md). {DECISION_SUPPORT}."
                ),
                evidence=tuple((e.finding, e.label) for e in cand.supporting),
            )
        )
    if patient.prior_bells_palsy:
        conditions.append(
            fhir.ConditionEntry(
                fhir.derived_uuid(patient_uid, "history/bells_palsy"),
                "bells_palsy",
                verification="confirmed",
                clinical_status="resolved",
            )
        )
    observations = []
    for visit in patient.visits.all().order_by("date", "id"):
        visit_uid = _uid(visit)
        for field, code, category in VISIT_SCALES:
            value = getattr(visit, field, None)
            if value is not None:
                observations.append(
                    fhir.ObservationEntry(
                        fhir.derived_uuid(visit_uid, code), code, value, visit.date, category
                    )
                )
    recordings = []
    for rec in Recording.objects.filter(patient=patient).order_by("recorded_on", "id"):
        rec_uid = _uid(rec)
        recordings.append(
            fhir.RecordingEntry(
                rec_uid,
                rec.recorded_on,
                rec.content_type or "video/mp4",
                f"Facial video recording {rec.recorded_on:%Y-%m-%d}",
                rec.size,
            )
        )
        if rec.status != Recording.Status.DONE:
            continue
        note = "Measured from video by facetwitch."
        for field, code in RECORDING_METRICS:
            value = getattr(rec, field, None)
            if value is not None:
                observations.append(
                    fhir.ObservationEntry(
                        fhir.derived_uuid(rec_uid, code), code, value, rec.recorded_on, "exam", note
                    )
                )
        tremor_hz = _tremor_frequency(rec)
        if tremor_hz is not None:
            code = "video-tremor-frequency"
            observations.append(
                fhir.ObservationEntry(
                    fhir.derived_uuid(rec_uid, code), code, tremor_hz, rec.recorded_on, "exam", note
                )
            )
    injections = []
    for session in reversed(_toxin_sessions(patient)):
        session_uid = _uid(session)
        by_product: dict[str, list] = {}
        for row in session.injections.all().order_by("id"):
            by_product.setdefault(row.product, []).append(row)
        for product, product_rows in by_product.items():
            sites = tuple(
                InjectionSite(
                    row.get_muscle_display(),
                    row.get_muscle_display(),
                    row.side,
                    float(row.units),
                    _zone(row.muscle),
                )
                for row in product_rows
            )
            lots = sorted({row.lot for row in product_rows if row.lot})
            injections.append(
                fhir.InjectionEntry(
                    fhir.derived_uuid(session_uid, f"product/{product}"),
                    session.date,
                    TREATMENT_PRODUCTS.get(product, product),
                    sites,
                    performer=_user_name(session.clinician),
                    lot=", ".join(lots),
                )
            )
    requests = []
    for med in treatment_records.Medication.objects.filter(patient=patient).order_by("start_date", "id"):
        step = med.current_step()
        dosage = f"{step.dose_mg} mg {step.doses_per_day} times daily" if step else "See titration schedule"
        stopped = med.stop_date is not None and med.stop_date < today
        requests.append(
            fhir.MedicationRequestEntry(
                _uid(med),
                med.name,
                dosage,
                med.start_date,
                status="stopped" if stopped else "active",
                intent="order",
                drug=med.drug,
                requester=_user_name(med.prescriber),
            )
        )
    if signed is not None:
        for option in signed.content.get("options", []):
            if option.get("kind") == "medication":
                steps = "; ".join(
                    f"day {s['from_day']}: {s['dose']}" if s["from_day"] else s["dose"]
                    for s in option.get("titration", [])
                )
                requests.append(
                    fhir.MedicationRequestEntry(
                        fhir.derived_uuid(str(signed.uuid), f"medication/{option['id']}"),
                        option["title"],
                        steps or option["summary"],
                        signed.signed_at.date(),
                        status="active",
                        intent="plan",
                        note=f"Suggested in signed care plan v{signed.version}; not a prescription.",
                        drug=option["id"],
                        requester=_user_name(signed.signed_by),
                    )
                )
    appointments = []
    for appt in Appointment.objects.filter(patient=patient).order_by("start", "id"):
        status = APPOINTMENT_STATUS.get(appt.status, "booked")
        description = str(appt.visit_label or "")
        appointments.append(fhir.AppointmentEntry(_uid(appt), appt.start, appt.end, status, description))
    flag_dates = red_flag_dates(patient, assessment, video)
    return fhir.PatientRecord(
        uuid=patient_uid,
        mrn=patient.mrn,
        given=patient.given_name,
        family=patient.family_name,
        birth_date=patient.date_of_birth,
        sex=patient.sex,
        conditions=tuple(conditions),
        observations=tuple(observations),
        injections=tuple(injections),
        medication_requests=tuple(requests),
        appointments=tuple(appointments),
        red_flags=tuple(
            fhir.RedFlagEntry(flag, flag_dates.get(flag.id, assessed_on)) for flag in differential.red_flags
        ),
        recordings=tuple(recordings),
        care_plans=tuple(care_plans),
    )


def _tremor_frequency(rec) -> float | None:
    """The measured facial tremor frequency (Hz) of an analysed recording, from its stored Analysis."""
    try:
        analysis = recording_results.load_analysis(rec)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("care: cannot read analysis of recording %s: %s", rec.pk, exc)
        return None
    tremor = analysis.summary.tremor if analysis is not None else None
    return tremor.frequency_hz if tremor is not None and tremor.present else None


def fhir_bundle_json(patient, generated: datetime | None = None, bundle_type: str = "collection") -> str:
    return fhir.bundle_json(
        fhir.build_bundle(fhir_record(patient), generated=generated, bundle_type=bundle_type)
    )


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
