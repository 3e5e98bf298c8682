"""FHIR export: the Bundle validates with fhir.resources (R4B models), round-trips, and uses only verified codes."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from pydantic import ValidationError

from facetwitch.clinic.care import codes, fhir
from facetwitch.clinic.care.differential import Findings, evaluate
from facetwitch.clinic.care.plans import default_periocular_sites


def record(**overrides) -> fhir.PatientRecord:
    flags = evaluate(
        Findings(side="left", onset_region="eyelid", hearing_loss=True, facial_weakness=True)
    ).red_flags
    data = dict(
        id="42",
        mrn="MRN-42",
        given="Ana",
        family="Silva",
        birth_date=date(1958, 3, 9),
        sex="female",
        conditions=(
            fhir.ConditionEntry("hemifacial_spasm", "left", "confirmed", recorded=date(2026, 1, 5)),
            fhir.ConditionEntry("bells_palsy", "left", "confirmed", "resolved"),
            fhir.ConditionEntry("tics", verification="differential"),
        ),
        observations=(
            fhir.ObservationEntry("jankovic-severity", 3, date(2026, 1, 5)),
            fhir.ObservationEntry("smc-grade", 2, date(2026, 1, 5)),
            fhir.ObservationEntry("hfs7-total", 14, date(2026, 1, 5), category="survey"),
            fhir.ObservationEntry("video-episodes-per-min-left", 4.25, date(2026, 1, 6)),
            fhir.ObservationEntry("video-blink-rate", 18.0, date(2026, 1, 6)),
        ),
        injections=(
            fhir.InjectionEntry(
                date(2026, 1, 6), "onabotulinumtoxinA", default_periocular_sites(("left",)), "s1"
            ),
            fhir.InjectionEntry(
                date(2026, 4, 8), "onabotulinumtoxinA", default_periocular_sites(("left",), 2.5), "s2"
            ),
        ),
        medication_requests=(
            fhir.MedicationRequestEntry(
                "p1",
                "Baclofen 5 mg tablet",
                "5 mg three times daily",
                date(2026, 1, 6),
                status="active",
                intent="plan",
            ),
        ),
        appointments=(
            fhir.AppointmentEntry("a1", datetime(2026, 7, 1, 9, 0), datetime(2026, 7, 1, 9, 30), "booked"),
        ),
        red_flags=flags,
        red_flags_on=date(2026, 1, 5),
        recordings=(
            fhir.RecordingEntry("r1", date(2026, 1, 6), "video/mp4", "Clinic video 2026-01-06", 1234567),
        ),
    )
    data.update(overrides)
    return fhir.PatientRecord(**data)


def resources(bundle_dict, kind):
    return [e["resource"] for e in bundle_dict["entry"] if e["resource"]["resourceType"] == kind]


def test_bundle_contains_every_resource_kind():
    bundle = fhir.build_bundle(record())
    data = json.loads(fhir.bundle_json(bundle))
    assert data["resourceType"] == "Bundle" and data["type"] == "collection"
    counts = {}
    for entry in data["entry"]:
        counts[entry["resource"]["resourceType"]] = counts.get(entry["resource"]["resourceType"], 0) + 1
    assert counts == {
        "Patient": 1,
        "Condition": 3,
        "Observation": 5,
        "Procedure": 2,
        "MedicationAdministration": 6,
        "MedicationRequest": 1,
        "Appointment": 1,
        "DetectedIssue": 2,
        "DocumentReference": 1,
    }


def test_one_medication_administration_per_injection_site_linked_to_its_procedure():
    data = json.loads(fhir.bundle_json(fhir.build_bundle(record())))
    procedures = {e["fullUrl"] for e in data["entry"] if e["resource"]["resourceType"] == "Procedure"}
    admins = resources(data, "MedicationAdministration")
    assert len(admins) == 6
    assert all(a["partOf"][0]["reference"] in procedures for a in admins)
    assert {a["dosage"]["dose"]["value"] for a in admins} == {1.25, 2.5}
    assert all(a["dosage"]["dose"]["unit"] == "U" and "system" not in a["dosage"]["dose"] for a in admins)
    assert all("left" in a["dosage"]["site"]["text"] for a in admins)


def test_round_trip_json_to_model_to_json_is_identical():
    text = fhir.bundle_json(fhir.build_bundle(record()))
    again = fhir.bundle_json(fhir.parse_bundle(text))
    assert json.loads(again) == json.loads(text)


def test_all_references_resolve_inside_the_bundle():
    data = json.loads(fhir.bundle_json(fhir.build_bundle(record())))
    urls = {e["fullUrl"] for e in data["entry"]}
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                refs.append(node["reference"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    assert refs and set(refs) <= urls


def test_standard_codes_are_only_verified_ones():
    data = json.loads(fhir.bundle_json(fhir.build_bundle(record())))
    standard = [c for c in fhir.exported_codings(data) if c[0] in (codes.SNOMED, codes.ICD10CM, codes.CPT)]
    assert standard
    for system, code, display in standard:
        assert codes.is_verified(system, code), (system, code)
        assert display == codes.display(system, code)
    hfs = next(c for c in resources(data, "Condition") if "Hemifacial" in c["code"]["text"])
    assert {(c["system"], c["code"]) for c in hfs["code"]["coding"]} == {
        (codes.SNOMED, "13753008"),
        (codes.ICD10CM, "G51.32"),
    }
    tics = next(c for c in resources(data, "Condition") if c["code"]["text"] == "Tics")
    assert tics["code"]["coding"][0]["system"] == codes.LOCAL_CAUSE  # no guessed standard code


@pytest.mark.parametrize(
    "side,code", [("right", "G51.31"), ("left", "G51.32"), ("both", "G51.33"), (None, "G51.39")]
)
def test_hfs_icd10cm_code_follows_laterality(side, code):
    data = json.loads(
        fhir.bundle_json(
            fhir.build_bundle(record(conditions=(fhir.ConditionEntry("hemifacial_spasm", side),)))
        )
    )
    coding = resources(data, "Condition")[0]["code"]["coding"]
    assert (codes.ICD10CM, code) in {(c["system"], c["code"]) for c in coding}


def test_observation_values_and_local_codes():
    data = json.loads(fhir.bundle_json(fhir.build_bundle(record())))
    obs = {o["code"]["coding"][0]["code"]: o for o in resources(data, "Observation")}
    assert obs["jankovic-severity"]["valueInteger"] == 3
    assert obs["video-episodes-per-min-left"]["valueQuantity"] == {
        "value": 4.25,
        "unit": "/min",
        "system": "http://unitsofmeasure.org",
        "code": "/min",
    }
    assert all(o["code"]["coding"][0]["system"] == codes.LOCAL_OBSERVATION for o in obs.values())
    assert obs["hfs7-total"]["category"][0]["coding"][0]["code"] == "survey"


def test_red_flags_become_detected_issues_with_sources_and_wording():
    data = json.loads(fhir.bundle_json(fhir.build_bundle(record())))
    issues = resources(data, "DetectedIssue")
    assert {i["code"]["coding"][0]["code"] for i in issues} == {"hearing_loss", "facial_weakness"}
    for issue in issues:
        assert issue["status"] == "preliminary" and issue["severity"] == "high"
        assert "DS-" in issue["detail"] and "the clinician decides" in issue["detail"]
        assert "MRI" in issue["detail"]


def test_invalid_values_are_refused_by_validation():
    with pytest.raises(ValidationError):
        fhir.build_bundle(
            record(
                appointments=(
                    fhir.AppointmentEntry("x", datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10), "booked"),
                ),
                recordings=(fhir.RecordingEntry("r", date(2026, 1, 1), "video/mp4", "x", -5),),
            )
        )
    with pytest.raises(ValueError, match="unknown observation"):
        fhir.build_bundle(record(observations=(fhir.ObservationEntry("weight", 70, date(2026, 1, 1)),)))
    with pytest.raises(ValueError, match="unknown cause"):
        fhir.build_bundle(record(conditions=(fhir.ConditionEntry("gout"),)))


def test_unverified_code_cannot_be_exported():
    with pytest.raises(KeyError):
        codes.display(codes.SNOMED, "12345678")
