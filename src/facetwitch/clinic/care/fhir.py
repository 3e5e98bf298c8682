"""Export one patient's record as a FHIR Bundle built and validated with ``fhir.resources`` (pure Python).

FHIR version: the ``fhir.resources.R4B`` models (FHIR 4.3.0) of fhir.resources 8 (pydantic v2). R4B keeps the
R4 (4.0.1) structure of every resource used here, so the JSON is what an R4 server expects (the test suite also
validates it with an independent offline R4 validator, tools/fhir-validate). Codes come only from
:mod:`facetwitch.clinic.care.codes` (checked against cited sources); causes without a verified standard code
are sent as text with a local code.

Ids: every resource carries the globally unique, stable UUID kept with its record in the clinic database (never
a row number), as ``id``, as ``fullUrl`` (``urn:uuid:``) and as an identifier (system ``urn:ietf:rfc:3986``), so
a ``transaction`` bundle can create each resource once (``ifNoneExist`` on that identifier). Resources derived
from one record (a procedure per side, an administration per site) get UUIDv5 names under the record's UUID.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from html import escape
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from facetwitch.clinic.care import codes
from facetwitch.clinic.care.differential import DECISION_SUPPORT, RedFlag, cause_labels
from facetwitch.clinic.care.plans import InjectionSite

FHIR_VERSION = "4.3.0 (R4B models; R4-compatible resources)"
BUNDLE_TYPES = ("collection", "transaction")
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
#: US Core profiles claimed (only where tests/care/test_fhir.py checks the profile's required elements).
PROFILES = {
    "Patient": US_CORE + "us-core-patient",
    "Condition": US_CORE + "us-core-condition-problems-health-concerns",
    "Procedure": US_CORE + "us-core-procedure",
    "MedicationRequest": US_CORE + "us-core-medicationrequest",
    "CarePlan": US_CORE + "us-core-careplan",
}


@dataclass(frozen=True)
class ConditionEntry:
    uuid: str
    cause: str  # differential cause id, or "bells_palsy" for the history
    side: str | None = None
    verification: str = "provisional"  # provisional | differential | confirmed
    clinical_status: str = "active"  # active | resolved | inactive
    recorded: date | None = None
    note: str = ""
    #: Findings for this cause as (finding id, label) — exported as Condition.evidence.
    evidence: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ObservationEntry:
    uuid: str
    code: str  # key of codes.LOCAL_OBSERVATIONS
    value: float
    on: date
    category: str = "exam"  # exam | survey | imaging
    note: str = ""


@dataclass(frozen=True)
class InjectionEntry:
    uuid: str  # of the session's injections of one product
    on: date
    product: str
    sites: tuple[InjectionSite, ...]
    performer: str = ""
    lot: str = ""


@dataclass(frozen=True)
class MedicationRequestEntry:
    uuid: str
    medication: str
    dosage: str
    authored: date
    status: str = "draft"  # draft | active | on-hold | cancelled | completed | stopped
    intent: str = "proposal"  # proposal | plan | order
    note: str = ""
    drug: str = ""  # the clinic's drug key (codes.RXNORM_BY_DRUG)
    requester: str = ""


@dataclass(frozen=True)
class AppointmentEntry:
    uuid: str
    start: datetime
    end: datetime
    status: str  # proposed | pending | booked | arrived | fulfilled | cancelled | noshow ...
    description: str = ""


@dataclass(frozen=True)
class RecordingEntry:
    uuid: str
    on: date
    content_type: str
    title: str
    size: int | None = None


@dataclass(frozen=True)
class RedFlagEntry:
    flag: RedFlag
    on: date  # the date the flag was raised (the input that raised it), never the export date


@dataclass(frozen=True)
class CarePlanEntry:
    uuid: str
    title: str
    cause: str
    created: date
    version: int
    activities: tuple[str, ...]
    author: str = ""
    description: str = ""


@dataclass(frozen=True)
class PatientRecord:
    uuid: str
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
    red_flags: tuple[RedFlagEntry, ...] = ()
    recordings: tuple[RecordingEntry, ...] = ()
    care_plans: tuple[CarePlanEntry, ...] = ()
    mrn_system: str = "https://fhir.facetwitch.invalid/NamingSystem/mrn"
    extra: dict[str, Any] = field(default_factory=dict)


def derived_uuid(base: str, name: str) -> str:
    """A stable UUID for a resource derived from one record (UUIDv5 under the record's own random UUID)."""
    return str(uuid.uuid5(uuid.UUID(base), name))


def build_bundle(
    record: PatientRecord, *, generated: datetime | None = None, bundle_type: str = "collection"
) -> Bundle:
    """The validated ``Bundle``; raises ``pydantic.ValidationError`` if anything is invalid and ``ValueError``
    for an unknown code, bundle type or a duplicate id."""
    if bundle_type not in BUNDLE_TYPES:
        raise ValueError(f"bundle_type must be one of {BUNDLE_TYPES}, not {bundle_type!r}")
    b = _Builder(record, transaction=bundle_type == "transaction")
    b.add("Patient", record.uuid, _patient(record))
    condition_urls = {}
    for cond in record.conditions:
        condition_urls.setdefault(cond.cause, b.add("Condition", cond.uuid, _condition(cond, b.patient_ref)))
    for obs in record.observations:
        b.add("Observation", obs.uuid, _observation(obs, b.patient_ref))
    for inj in record.injections:
        for side, indices in _site_groups(inj.sites).items():
            proc_ref = b.add(
                "Procedure",
                derived_uuid(inj.uuid, f"procedure/{side}"),
                _procedure(inj, side, [inj.sites[j] for j in indices], b.patient_ref),
            )
            for j in indices:
                b.add(
                    "MedicationAdministration",
                    derived_uuid(inj.uuid, f"administration/{j}"),
                    _administration(inj, inj.sites[j], b.patient_ref, proc_ref),
                )
    for req in record.medication_requests:
        b.add("MedicationRequest", req.uuid, _medication_request(req, b.patient_ref))
    for appt in record.appointments:
        b.add("Appointment", appt.uuid, _appointment(appt, b.patient_ref))
    for entry in record.red_flags:
        key = derived_uuid(record.uuid, f"red-flag/{entry.flag.id}/{entry.on.isoformat()}")
        b.add("DetectedIssue", key, _detected_issue(entry, b.patient_ref))
    for rec in record.recordings:
        b.add("DocumentReference", rec.uuid, _document(rec, b.patient_ref))
    for plan in record.care_plans:
        b.add("CarePlan", plan.uuid, _care_plan(plan, b.patient_ref, condition_urls.get(plan.cause)))
    stamp = (generated or datetime.now().astimezone()).isoformat(timespec="seconds")
    export_id = str(uuid.uuid4())  # each export is a new bundle
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": export_id,
            "identifier": {"system": codes.URI, "value": f"urn:uuid:{export_id}"},
            "type": bundle_type,
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
    def __init__(self, record: PatientRecord, *, transaction: bool) -> None:
        self.record = record
        self.transaction = transaction
        self.entries: list[dict[str, Any]] = []
        self.urls: set[str] = set()
        self.patient_ref = f"urn:uuid:{uuid.UUID(record.uuid)}"

    def add(self, resource_type: str, key: str, resource: dict[str, Any]) -> str:
        rid = str(uuid.UUID(key))
        url = f"urn:uuid:{rid}"
        if url in self.urls:  # two records sharing an id would silently merge on a server
            raise ValueError(
                f"duplicate resource id {rid} ({resource_type}): every exported record needs its own"
            )
        self.urls.add(url)
        own = {"system": codes.URI, "value": url}
        identifiers = [own, *[i for i in resource.pop("identifier", []) if i != own]]
        resource = {"resourceType": resource_type, "id": rid, **resource, "identifier": identifiers}
        if resource_type in PROFILES:
            resource = {
                "resourceType": resource_type,
                "id": rid,
                "meta": {"profile": [PROFILES[resource_type]]},
                **resource,
            }
        entry: dict[str, Any] = {"fullUrl": url, "resource": resource}
        if self.transaction:
            # Conditional create: a server that already has this record (same identifier) keeps it.
            entry["request"] = {
                "method": "POST",
                "url": resource_type,
                "ifNoneExist": f"identifier={codes.URI}|{url}",
            }
        self.entries.append(entry)
        return url


def _coding(system: str, code: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": codes.display(system, code)}


def _site_groups(sites: tuple[InjectionSite, ...]) -> dict[str, list[int]]:
    """Site indices per procedure side: one group per lateral side; midline sites (e.g. procerus) join the first
    lateral side's procedure, or form their own when the session has no lateral site."""
    groups: dict[str, list[int]] = {}
    lateral = sorted({s.side for s in sites if s.side in ("left", "right")})
    for j, site in enumerate(sites):
        side = site.side if site.side in ("left", "right") or not lateral else lateral[0]
        groups.setdefault(side, []).append(j)
    return groups


def _laterality(side: str | None) -> list[dict[str, str]]:
    return [_coding(codes.SNOMED, codes.LATERALITY[side])] if side in codes.LATERALITY else []


def _patient(r: PatientRecord) -> dict[str, Any]:
    gender = r.sex if r.sex in ("male", "female", "other", "unknown") else "unknown"
    return {
        "identifier": [
            {"use": "usual", "type": {"coding": [codes.MRN_TYPE]}, "system": r.mrn_system, "value": r.mrn}
        ],
        "name": [{"family": r.family, "given": [r.given]}],
        "gender": gender,
        "birthDate": r.birth_date.isoformat(),
    }


def _cause_code(c: ConditionEntry) -> tuple[list[dict[str, str]], str]:
    if c.cause in ("hemifacial_spasm", "secondary_hfs"):
        text = cause_labels()[c.cause] + (f", {c.side}" if c.side else "")
        return [
            _coding(codes.SNOMED, "13753008"),
            _coding(codes.ICD10CM, codes.HFS_ICD_BY_SIDE[c.side]),
        ], text
    if c.cause == "blepharospasm":
        return [_coding(codes.ICD10CM, "G24.5")], "Blepharospasm"
    if c.cause == "bells_palsy":
        text = "Bell's palsy" + (f", {c.side}" if c.side else "")
        return [_coding(codes.SNOMED, "193093009"), _coding(codes.ICD10CM, "G51.0")], text
    label = cause_labels().get(c.cause)
    if label is None:
        raise ValueError(f"unknown cause {c.cause!r}")
    return [{"system": codes.LOCAL_CAUSE, "code": c.cause, "display": label}], label


def _condition(c: ConditionEntry, patient: str) -> dict[str, Any]:
    codings, text = _cause_code(c)
    resource: dict[str, Any] = {
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL, "code": c.clinical_status}]},
        "verificationStatus": {"coding": [{"system": codes.CONDITION_VERIFICATION, "code": c.verification}]},
        "category": [
            {
                "coding": [
                    {
                        "system": codes.CONDITION_CATEGORY,
                        "code": "problem-list-item",
                        "display": "Problem List Item",
                    }
                ]
            }
        ],
        "code": {"coding": codings, "text": text},
        "subject": {"reference": patient},
    }
    if c.side in codes.LATERALITY and c.cause not in ("hemifacial_spasm", "secondary_hfs", "bells_palsy"):
        resource["bodySite"] = [{"coding": _laterality(c.side), "text": f"Face, {c.side}"}]
    if c.recorded:
        resource["recordedDate"] = c.recorded.isoformat()
    if c.evidence:
        resource["evidence"] = [
            {
                "code": [
                    {
                        "coding": [{"system": codes.LOCAL_FINDING, "code": fid, "display": label}],
                        "text": label,
                    }
                    for fid, label in c.evidence
                ]
            }
        ]
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
                "system": codes.UCUM,
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


def _procedure(inj: InjectionEntry, side: str, sites: list[InjectionSite], patient: str) -> dict[str, Any]:
    """One Procedure per side: CPT 64612 is unilateral (a bilateral session is reported per side, or with
    modifier 50 on a claim, DS-36/DS-57); the side is a SNOMED laterality qualifier in bodySite."""
    bilateral = {"left", "right"} <= {s.side for s in inj.sites}
    resource: dict[str, Any] = {
        "status": "completed",
        "code": {
            "coding": [_coding(codes.CPT, "64612")],
            "text": f"Botulinum toxin injection ({inj.product}), {side} side",
        },
        "subject": {"reference": patient},
        "performedDateTime": inj.on.isoformat(),
        "bodySite": [
            {"coding": _laterality(side), "text": f"Muscles innervated by the facial nerve, {side}"}
        ],
        "note": [
            {
                "text": f"{len(sites)} site(s), {sum(s.units for s in sites):g} U {inj.product} on the {side} side"
                + ("; bilateral session: 64612 per side (modifier 50 on a claim)." if bilateral else ".")
            }
        ],
    }
    if inj.performer:
        resource["performer"] = [{"actor": {"display": inj.performer}}]
    return resource


def _administration(inj: InjectionEntry, site: InjectionSite, patient: str, procedure: str) -> dict[str, Any]:
    # Toxin units are product-specific biological units, not UCUM enzyme units [U]: an annotated unity {U}.
    resource: dict[str, Any] = {
        "status": "completed",
        "medicationCodeableConcept": {"text": inj.product},
        "subject": {"reference": patient},
        "partOf": [{"reference": procedure}],
        "effectiveDateTime": inj.on.isoformat(),
        "dosage": {
            "site": {
                "coding": _laterality(site.side),
                "text": f"{site.muscle}, {site.position}, {site.side}",
            },
            "route": {"text": "intramuscular"},
            "dose": {"value": float(site.units), **codes.TOXIN_UNIT},
        },
    }
    if inj.lot:
        resource["note"] = [{"text": f"Lot {inj.lot}"}]
    return resource


def _medication_request(m: MedicationRequestEntry, patient: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": m.medication}
    rxcui = codes.RXNORM_BY_DRUG.get(m.drug)
    if rxcui:
        concept["coding"] = [_coding(codes.RXNORM, rxcui)]
    resource: dict[str, Any] = {
        "status": m.status,
        "intent": m.intent,
        "medicationCodeableConcept": concept,
        "subject": {"reference": patient},
        "authoredOn": m.authored.isoformat(),
        "dosageInstruction": [{"text": m.dosage}],
    }
    if m.requester:
        resource["requester"] = {"display": m.requester}
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


def _detected_issue(entry: RedFlagEntry, patient: str) -> dict[str, Any]:
    flag = entry.flag
    detail = (
        f"Red flag: {flag.label}. Triggered by: {'; '.join(flag.triggered_by)}. "
        f"Suggested work-up: {'; '.join(flag.workup)}. Sources: {', '.join(flag.cite)} "
        f"(docs/clinical-sources.md). {DECISION_SUPPORT}."
    )
    return {
        "status": "preliminary",
        "code": {
            "coding": [{"system": codes.LOCAL_RED_FLAG, "code": flag.id, "display": flag.label}],
            "text": flag.label,
        },
        "severity": "high",
        "patient": {"reference": patient},
        "identifiedDateTime": entry.on.isoformat(),
        "detail": detail,
        "mitigation": [{"action": {"text": w}} for w in flag.workup],
    }


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


def _care_plan(p: CarePlanEntry, patient: str, condition: str | None) -> dict[str, Any]:
    items = "".join(f"<li>{escape(a)}</li>" for a in p.activities)
    resource: dict[str, Any] = {
        "text": {
            "status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(p.title)} (signed care plan '
            f"v{p.version}; {escape(DECISION_SUPPORT)})</p><ul>{items}</ul></div>",
        },
        "status": "active",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {
                        "system": codes.CAREPLAN_CATEGORY_US_CORE,
                        "code": "assess-plan",
                        "display": "Assessment and Plan of Treatment",
                    }
                ]
            }
        ],
        "title": p.title,
        "subject": {"reference": patient},
        "created": p.created.isoformat(),
        "activity": [{"detail": {"status": "not-started", "description": a}} for a in p.activities],
    }
    if p.description:
        resource["description"] = p.description
    if p.author:
        resource["author"] = {"display": p.author}
    if condition:
        resource["addresses"] = [{"reference": condition}]
    return resource


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.astimezone()
    return value.isoformat(timespec="seconds")
