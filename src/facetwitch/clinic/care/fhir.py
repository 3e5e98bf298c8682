"""Export one patient's record as a FHIR Bundle built and validated with ``fhir.resources`` (pure Python).

FHIR version: the ``fhir.resources.R4B`` models (FHIR 4.3.0) of fhir.resources 8 (pydantic v2). R4B keeps the
R4 (4.0.1) structure of every resource used here (Patient, Condition, Observation, Procedure,
MedicationAdministration, MedicationRequest, Appointment, DetectedIssue, DocumentReference), so the JSON is
what an R4 server expects; the true-R4 package (fhir.resources 6.4) needs pydantic v1, which conflicts with the
rest of the product. Codes come only from :mod:`facetwitch.clinic.care.codes` (checked against cited sources);
causes without a verified standard code are sent as text with a local code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from facetwitch.clinic.care import codes
from facetwitch.clinic.care.differential import DECISION_SUPPORT, RedFlag, cause_labels
from facetwitch.clinic.care.plans import InjectionSite

FHIR_VERSION = "4.3.0 (R4B models; R4-compatible resources)"
_NAMESPACE = uuid.UUID("6f1c7f5e-5a8e-4d53-9a52-4d7b0c1f2e11")


@dataclass(frozen=True)
class ConditionEntry:
    cause: str  # differential cause id, or "bells_palsy" for the history
    side: str | None = None
    verification: str = "provisional"  # provisional | confirmed | differential
    clinical_status: str = "active"  # active | resolved | inactive
    recorded: date | None = None
    note: str = ""


@dataclass(frozen=True)
class ObservationEntry:
    code: str  # key of codes.LOCAL_OBSERVATIONS
    value: float
    on: date
    category: str = "exam"  # exam | survey | imaging
    note: str = ""


@dataclass(frozen=True)
class InjectionEntry:
    on: date
    product: str
    sites: tuple[InjectionSite, ...]
    key: str
    performer: str = ""
    lot: str = ""


@dataclass(frozen=True)
class MedicationRequestEntry:
    key: str
    medication: str
    dosage: str
    authored: date
    status: str = "draft"  # draft | active | on-hold | cancelled | completed | stopped
    intent: str = "proposal"  # proposal | plan | order
    note: str = ""


@dataclass(frozen=True)
class AppointmentEntry:
    key: str
    start: datetime
    end: datetime
    status: str  # proposed | pending | booked | arrived | fulfilled | cancelled | noshow ...
    description: str = ""


@dataclass(frozen=True)
class RecordingEntry:
    key: str
    on: date
    content_type: str
    title: str
    size: int | None = None


@dataclass(frozen=True)
class PatientRecord:
    id: str
    mrn: str
    given: str
    family: str
    birth_date: date
    sex: str = "unknown"
    conditions: tuple[ConditionEntry, ...] = ()
    observations: tuple[ObservationEntry, ...] = ()
    injections: tuple[InjectionEntry, ...] = ()
    medication_requests: tuple[MedicationRequestEntry, ...] = ()
    appointments: tuple[AppointmentEntry, ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    red_flags_on: date | None = None
    recordings: tuple[RecordingEntry, ...] = ()
    mrn_system: str = "https://fhir.facetwitch.invalid/NamingSystem/mrn"
    extra: dict[str, Any] = field(default_factory=dict)


def build_bundle(record: PatientRecord, *, generated: datetime | None = None) -> Bundle:
    """The validated ``Bundle`` (type "collection"); raises ``pydantic.ValidationError`` if anything is invalid."""
    b = _Builder(record)
    b.add("Patient", "patient", _patient(record))
    for i, cond in enumerate(record.conditions):
        b.add("Condition", f"condition-{i}", _condition(cond, b.patient_ref))
    for i, obs in enumerate(record.observations):
        b.add("Observation", f"observation-{i}", _observation(obs, b.patient_ref))
    for inj in record.injections:
        proc_ref = b.add("Procedure", f"procedure-{inj.key}", _procedure(inj, b.patient_ref))
        for j, site in enumerate(inj.sites):
            b.add(
                "MedicationAdministration",
                f"administration-{inj.key}-{j}",
                _administration(inj, site, b.patient_ref, proc_ref),
            )
    for req in record.medication_requests:
        b.add("MedicationRequest", f"medication-request-{req.key}", _medication_request(req, b.patient_ref))
    for appt in record.appointments:
        b.add("Appointment", f"appointment-{appt.key}", _appointment(appt, b.patient_ref))
    for flag in record.red_flags:
        b.add(
            "DetectedIssue", f"red-flag-{flag.id}", _detected_issue(flag, record.red_flags_on, b.patient_ref)
        )
    for rec in record.recordings:
        b.add("DocumentReference", f"recording-{rec.key}", _document(rec, b.patient_ref))
    stamp = (generated or datetime.now().astimezone()).isoformat(timespec="seconds")
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": str(uuid.uuid5(_NAMESPACE, f"bundle/{record.id}/{stamp}")),
            "identifier": {
                "system": "urn:ietf:rfc:3986",
                "value": f"urn:uuid:{uuid.uuid5(_NAMESPACE, stamp + record.id)}",
            },
            "type": "collection",
            "timestamp": stamp,
            "entry": b.entries,
        }
    )


def bundle_json(bundle: Bundle) -> str:
    return bundle.model_dump_json(exclude_none=True, indent=2)


def parse_bundle(text: str) -> Bundle:
    return Bundle.model_validate_json(text)


def exported_codings(bundle_dict: Any) -> list[tuple[str, str, str | None]]:
    """Every (system, code, display) coding anywhere in a bundle's JSON dict (for code checks)."""
    found: list[tuple[str, str, str | None]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "system" in node and "code" in node and isinstance(node.get("code"), str):
                found.append((node["system"], node["code"], node.get("display")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle_dict)
    return found


class _Builder:
    def __init__(self, record: PatientRecord) -> None:
        self.record = record
        self.entries: list[dict[str, Any]] = []
        self.patient_ref = self._url("patient")

    def _url(self, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.record.id}/{key}')}"

    def add(self, resource_type: str, key: str, resource: dict[str, Any]) -> str:
        url = self._url(key)
        resource = {"resourceType": resource_type, "id": url.removeprefix("urn:uuid:"), **resource}
        self.entries.append({"fullUrl": url, "resource": resource})
        return url


def _coding(system: str, code: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": codes.display(system, code)}


def _patient(r: PatientRecord) -> dict[str, Any]:
    gender = r.sex if r.sex in ("male", "female", "other", "unknown") else "unknown"
    return {
        "identifier": [{"system": r.mrn_system, "value": r.mrn}],
        "name": [{"family": r.family, "given": [r.given]}],
        "gender": gender,
        "birthDate": r.birth_date.isoformat(),
    }


def _condition(c: ConditionEntry, patient: str) -> dict[str, Any]:
    codings: list[dict[str, str]] = []
    if c.cause == "hemifacial_spasm":
        codings = [_coding(codes.SNOMED, "13753008"), _coding(codes.ICD10CM, codes.HFS_ICD_BY_SIDE[c.side])]
        text = "Hemifacial spasm" + (f", {c.side}" if c.side else "")
    elif c.cause == "blepharospasm":
        codings = [_coding(codes.ICD10CM, "G24.5")]
        text = "Blepharospasm"
    elif c.cause == "bells_palsy":
        codings = [_coding(codes.SNOMED, "193093009"), _coding(codes.ICD10CM, "G51.0")]
        text = "Bell's palsy" + (f", {c.side}" if c.side else "")
    else:
        label = cause_labels().get(c.cause)
        if label is None:
            raise ValueError(f"unknown cause {c.cause!r}")
        codings = [{"system": codes.LOCAL_CAUSE, "code": c.cause, "display": label}]
        text = label
    resource: dict[str, Any] = {
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL, "code": c.clinical_status}]},
        "verificationStatus": {"coding": [{"system": codes.CONDITION_VERIFICATION, "code": c.verification}]},
        "code": {"coding": codings, "text": text},
        "subject": {"reference": patient},
    }
    if c.recorded:
        resource["recordedDate"] = c.recorded.isoformat()
    if c.note:
        resource["note"] = [{"text": c.note}]
    return resource


def _observation(o: ObservationEntry, patient: str) -> dict[str, Any]:
    if o.code not in codes.LOCAL_OBSERVATIONS:
        raise ValueError(f"unknown observation code {o.code!r}")
    display, unit = codes.LOCAL_OBSERVATIONS[o.code]
    value: dict[str, Any]
    if unit is None:
        value = {"valueInteger": int(o.value)}
    else:
        value = {
            "valueQuantity": {
                "value": round(float(o.value), 6),
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            }
        }
    resource = {
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": o.category}]}],
        "code": {
            "coding": [{"system": codes.LOCAL_OBSERVATION, "code": o.code, "display": display}],
            "text": display,
        },
        "subject": {"reference": patient},
        "effectiveDateTime": o.on.isoformat(),
        **value,
    }
    if o.note:
        resource["note"] = [{"text": o.note}]
    return resource


def _procedure(inj: InjectionEntry, patient: str) -> dict[str, Any]:
    sides = sorted({s.side for s in inj.sites})
    resource: dict[str, Any] = {
        "status": "completed",
        "code": {
            "coding": [_coding(codes.CPT, "64612")],
            "text": f"Botulinum toxin injection ({inj.product})",
        },
        "subject": {"reference": patient},
        "performedDateTime": inj.on.isoformat(),
        "bodySite": [{"text": f"Muscles innervated by the facial nerve, {side}"} for side in sides],
        "note": [
            {
                "text": f"{len(inj.sites)} site(s), {sum(s.units for s in inj.sites):g} U {inj.product} in total"
            }
        ],
    }
    if inj.performer:
        resource["performer"] = [{"actor": {"display": inj.performer}}]
    return resource


def _administration(inj: InjectionEntry, site: InjectionSite, patient: str, procedure: str) -> dict[str, Any]:
    # Toxin units are product-specific biological units, not UCUM "[U]" enzyme units: sent as a plain unit.
    resource: dict[str, Any] = {
        "status": "completed",
        "medicationCodeableConcept": {"text": inj.product},
        "subject": {"reference": patient},
        "partOf": [{"reference": procedure}],
        "effectiveDateTime": inj.on.isoformat(),
        "dosage": {
            "site": {"text": f"{site.muscle}, {site.position}, {site.side}"},
            "route": {"text": "intramuscular"},
            "dose": {"value": float(site.units), "unit": "U"},
        },
    }
    if inj.lot:
        resource["note"] = [{"text": f"Lot {inj.lot}"}]
    return resource


def _medication_request(m: MedicationRequestEntry, patient: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "status": m.status,
        "intent": m.intent,
        "medicationCodeableConcept": {"text": m.medication},
        "subject": {"reference": patient},
        "authoredOn": m.authored.isoformat(),
        "dosageInstruction": [{"text": m.dosage}],
    }
    if m.note:
        resource["note"] = [{"text": m.note}]
    return resource


def _appointment(a: AppointmentEntry, patient: str) -> dict[str, Any]:
    return {
        "status": a.status,
        "description": a.description or "Consultation",
        "start": _instant(a.start),
        "end": _instant(a.end),
        "participant": [{"actor": {"reference": patient}, "status": "accepted"}],
    }


def _detected_issue(flag: RedFlag, on: date | None, patient: str) -> dict[str, Any]:
    detail = (
        f"Red flag: {flag.label}. Triggered by: {'; '.join(flag.triggered_by)}. "
        f"Suggested work-up: {'; '.join(flag.workup)}. Sources: {', '.join(flag.cite)} "
        f"(docs/clinical-sources.md). {DECISION_SUPPORT}."
    )
    resource: dict[str, Any] = {
        "status": "preliminary",
        "code": {
            "coding": [{"system": codes.LOCAL_RED_FLAG, "code": flag.id, "display": flag.label}],
            "text": flag.label,
        },
        "severity": "high",
        "patient": {"reference": patient},
        "detail": detail,
    }
    if on:
        resource["identifiedDateTime"] = on.isoformat()
    return resource


def _document(r: RecordingEntry, patient: str) -> dict[str, Any]:
    attachment: dict[str, Any] = {
        "contentType": r.content_type,
        "title": r.title,
        "creation": r.on.isoformat(),
    }
    if r.size is not None:
        attachment["size"] = int(r.size)
    return {
        "status": "current",
        "type": {"text": "Facial video recording (analysed by facetwitch)"},
        "subject": {"reference": patient},
        "date": _instant(datetime.combine(r.on, time(12, 0)).astimezone()),
        "description": "Video kept in the clinic's access-controlled store; not embedded in this export.",
        "content": [{"attachment": attachment}],
    }


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.astimezone()
    return value.isoformat(timespec="seconds")
