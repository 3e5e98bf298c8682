"""FHIR export: the Bundle validates with fhir.resources (R4B models), round-trips, uses only verified codes,
unique ids (lists, not sets), per-side procedures, real red-flag dates, the differential and the signed plan."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import date, datetime

import pytest
from pydantic import ValidationError

from facetwitch.clinic.care import codes, fhir
from facetwitch.clinic.care.differential import Findings, evaluate
from facetwitch.clinic.care.plans import InjectionSite, default_periocular_sites

PATIENT = "0f9d4c1e-8a55-4b53-9d0e-2f5b8d7c6a11"


def uid(n: int) -> str:
    return str(uuid.UUID(int=0x5A5A0000_0000_4000_8000_000000000000 + n))


def record(**overrides) -> fhir.PatientRecord:
    flags = evaluate(
        Findings(side="left", onset_region="eyelid", hearing_loss=True, facial_weakness=True)
    ).red_flags
    bilateral = default_periocular_sites(("left", "right"))
    data = dict(
        uuid=PATIENT,
        mrn="MRN-42",
        given="Ana",
        family="Silva",
        birth_date=date(1958, 3, 9),
        sex="female",
        conditions=(
            fhir.ConditionEntry(uid(1), "hemifacial_spasm", "left", "confirmed", recorded=date(2026, 1, 5)),
            fhir.ConditionEntry(uid(2), "bells_palsy", "left", "confirmed", "resolved"),
            fhir.ConditionEntry(
                uid(3),
                "secondary_hfs",
                "left",
                "differential",
                recorded=date(2026, 1, 5),
                evidence=(("hearing_loss", "Hearing loss"), ("unilateral", "Twitching on one side only")),
            ),
        ),
        observations=(
            fhir.ObservationEntry(uid(10), "jankovic-severity", 3, date(2026, 1, 5)),
            fhir.ObservationEntry(uid(11), "smc-grade", 2, date(2026, 1, 5)),
            fhir.ObservationEntry(uid(12), "hfs7-total", 14, date(2026, 1, 5), category="survey"),
            fhir.ObservationEntry(uid(13), "video-episodes-per-min-left", 4.25, date(2026, 1, 6)),
            fhir.ObservationEntry(uid(14), "video-blink-rate", 18.0, date(2026, 1, 6)),
            fhir.ObservationEntry(uid(15), "video-tremor-frequency", 5.6, date(2026, 1, 6)),
        ),
        injections=(
            fhir.InjectionEntry(
                uid(20), date(2026, 1, 6), "onabotulinumtoxinA", default_periocular_sites(("left",))
            ),
            fhir.InjectionEntry(uid(21), date(2026, 4, 8), "onabotulinumtoxinA", bilateral),
        ),
        medication_requests=(
            fhir.MedicationRequestEntry(
                uid(30),
                "Baclofen",
                "5 mg three times daily",
                date(2026, 1, 6),
                status="active",
                intent="plan",
                drug="baclofen",
                requester="Dr Neuro",
            ),
            fhir.MedicationRequestEntry(
                uid(31), "Clonazepam", "0.5 mg at night", date(2026, 1, 6), drug="clonazepam"
            ),
        ),
        appointments=(
            fhir.AppointmentEntry(uid(40), datetime(2026, 7, 1, 9, 0), datetime(2026, 7, 1, 9, 30), "booked"),
        ),
        red_flags=tuple(fhir.RedFlagEntry(f, date(2026, 1, 5)) for f in flags),
        recordings=(fhir.RecordingEntry(uid(50), date(2026, 1, 6), "video/mp4", "Clinic video", 1234567),),
        care_plans=(
            fhir.CarePlanEntry(
                uid(60),
                "Care plan v1: Hemifacial spasm",
                "hemifacial_spasm",
                date(2026, 1, 7),
                1,
                ("Botulinum toxin (onabotulinumtoxinA)", "Baclofen"),
                author="Dr Neuro",
            ),
        ),
    )
    data.update(overrides)
    return fhir.PatientRecord(**data)


def as_dict(rec=None, **kw):
    return json.loads(fhir.bundle_json(fhir.build_bundle(rec or record(), **kw)))


def resources(bundle_dict, kind):
    return [e["resource"] for e in bundle_dict["entry"] if e["resource"]["resourceType"] == kind]


def test_bundle_contains_every_resource_kind_with_procedures_per_side():
    data = as_dict()
    assert data["resourceType"] == "Bundle" and data["type"] == "collection"
    counts = Counter(e["resource"]["resourceType"] for e in data["entry"])
    assert counts == {
        "Patient": 1,
        "Condition": 3,
        "Observation": 6,
        "Procedure": 3,  # one unilateral session + a bilateral one reported per side
        "MedicationAdministration": 9,
        "MedicationRequest": 2,
        "Appointment": 1,
        "DetectedIssue": 2,
        "DocumentReference": 1,
        "CarePlan": 1,
    }


def test_full_urls_and_ids_are_unique_uuids_as_lists_not_sets():
    data = as_dict()
    urls = [e["fullUrl"] for e in data["entry"]]
    ids = [e["resource"]["id"] for e in data["entry"]]
    assert len(urls) == len(set(urls)) and len(ids) == len(set(ids))
    for entry in data["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{uuid.UUID(entry['resource']['id'])}"
        own = {"system": "urn:ietf:rfc:3986", "value": entry["fullUrl"]}
        assert own in entry["resource"]["identifier"]


def test_two_injection_groups_with_the_same_uuid_are_refused_not_merged():
    sites = default_periocular_sites(("left",))
    twice = (
        fhir.InjectionEntry(uid(20), date(2026, 1, 6), "onabotulinumtoxinA", sites),
        fhir.InjectionEntry(uid(20), date(2026, 4, 6), "onabotulinumtoxinA", sites),
    )
    with pytest.raises(ValueError, match="duplicate resource id"):
        fhir.build_bundle(record(injections=twice))


def test_ids_are_stable_across_exports_and_not_row_numbers():
    a, b = as_dict(), as_dict()
    assert [e["fullUrl"] for e in a["entry"]] == [e["fullUrl"] for e in b["entry"]]
    assert a["id"] != b["id"]  # each export is a new bundle
    assert resources(a, "Patient")[0]["id"] == PATIENT


def test_bilateral_session_is_two_unilateral_cpt_procedures_with_snomed_laterality():
    data = as_dict()
    procs = [p for p in resources(data, "Procedure") if p["performedDateTime"] == "2026-04-08"]
    assert len(procs) == 2
    sides = {p["bodySite"][0]["coding"][0]["code"] for p in procs}
    assert sides == {"7771000", "24028007"}
    assert all(p["code"]["coding"] == [fhir._coding(codes.CPT, "64612")] for p in procs)
    assert all("modifier 50" in p["note"][0]["text"] for p in procs)
    urls = {e["fullUrl"]: e["resource"] for e in data["entry"]}
    for admin in resources(data, "MedicationAdministration"):
        proc = urls[admin["partOf"][0]["reference"]]
        assert admin["dosage"]["site"]["coding"][0]["code"] == proc["bodySite"][0]["coding"][0]["code"]


def test_toxin_units_are_an_annotated_ucum_unit_and_drugs_carry_verified_rxnorm():
    data = as_dict()
    admins = resources(data, "MedicationAdministration")
    assert {a["dosage"]["dose"]["value"] for a in admins} == {1.25}
    assert all(
        {k: a["dosage"]["dose"][k] for k in ("unit", "system", "code")}
        == {"unit": "U", "system": "http://unitsofmeasure.org", "code": "{U}"}
        for a in admins
    )
    requests = {r["medicationCodeableConcept"]["text"]: r for r in resources(data, "MedicationRequest")}
    assert requests["Baclofen"]["medicationCodeableConcept"]["coding"] == [
        {"system": codes.RXNORM, "code": "197391", "display": "baclofen 10 MG Oral Tablet"}
    ]
    assert "coding" not in requests["Clonazepam"]["medicationCodeableConcept"]  # no verified code: text only


def test_midline_sites_join_a_lateral_procedure_or_form_their_own():
    site = InjectionSite("procerus", "midline", "midline", 2.5, "brow")
    mixed = (*default_periocular_sites(("left",)), site)
    data = as_dict(
        record(injections=(fhir.InjectionEntry(uid(20), date(2026, 1, 6), "onabotulinumtoxinA", mixed),))
    )
    assert len(resources(data, "Procedure")) == 1 and len(resources(data, "MedicationAdministration")) == 4
    alone = as_dict(record(injections=(fhir.InjectionEntry(uid(20), date(2026, 1, 6), "abo", (site,)),)))
    proc = resources(alone, "Procedure")[0]
    assert "coding" not in proc["bodySite"][0] and "midline" in proc["bodySite"][0]["text"]


def test_round_trip_json_to_model_to_json_is_identical():
    for kind in ("collection", "transaction"):
        text = fhir.bundle_json(fhir.build_bundle(record(), bundle_type=kind))
        again = fhir.bundle_json(fhir.parse_bundle(text))
        assert json.loads(again) == json.loads(text)


def test_transaction_bundle_posts_with_conditional_create_on_the_identifier():
    data = as_dict(bundle_type="transaction")
    assert data["type"] == "transaction"
    for entry in data["entry"]:
        request = entry["request"]
        assert request["method"] == "POST" and request["url"] == entry["resource"]["resourceType"]
        assert request["ifNoneExist"] == f"identifier=urn:ietf:rfc:3986|{entry['fullUrl']}"
    assert all("request" not in e for e in as_dict()["entry"])
    with pytest.raises(ValueError, match="bundle_type"):
        fhir.build_bundle(record(), bundle_type="batch-response")


def test_all_references_resolve_inside_the_bundle():
    data = as_dict()
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
    data = as_dict()
    standard = [
        c
        for c in fhir.exported_codings(data)
        if c[0] in (codes.SNOMED, codes.ICD10CM, codes.CPT, codes.RXNORM)
    ]
    assert standard
    for system, code, display in standard:
        assert codes.is_verified(system, code), (system, code)
        assert display == codes.display(system, code)
    hfs = next(c for c in resources(data, "Condition") if c["code"]["text"] == "Hemifacial spasm, left")
    assert {(c["system"], c["code"]) for c in hfs["code"]["coding"]} == {
        (codes.SNOMED, "13753008"),
        (codes.ICD10CM, "G51.32"),
    }


@pytest.mark.parametrize(
    "side,code", [("right", "G51.31"), ("left", "G51.32"), ("both", "G51.33"), (None, "G51.39")]
)
def test_hfs_icd10cm_code_follows_laterality(side, code):
    data = as_dict(record(conditions=(fhir.ConditionEntry(uid(1), "hemifacial_spasm", side),), care_plans=()))
    coding = resources(data, "Condition")[0]["code"]["coding"]
    assert (codes.ICD10CM, code) in {(c["system"], c["code"]) for c in coding}


def test_differential_condition_is_provisional_or_differential_with_evidence():
    data = as_dict()
    cond = next(
        c
        for c in resources(data, "Condition")
        if c["code"]["coding"][0].get("code") == "13753008" and "Secondary" in c["code"]["text"]
    )
    assert cond["verificationStatus"]["coding"][0]["code"] == "differential"
    evidence = [c["coding"][0]["code"] for c in cond["evidence"][0]["code"]]
    assert evidence == ["hearing_loss", "unilateral"]


def test_observation_values_local_codes_and_tremor_frequency():
    data = as_dict()
    obs = {o["code"]["coding"][0]["code"]: o for o in resources(data, "Observation")}
    assert obs["jankovic-severity"]["valueInteger"] == 3
    assert obs["video-episodes-per-min-left"]["valueQuantity"] == {
        "value": 4.25,
        "unit": "/min",
        "system": "http://unitsofmeasure.org",
        "code": "/min",
    }
    assert obs["video-tremor-frequency"]["valueQuantity"]["value"] == 5.6
    assert obs["video-tremor-frequency"]["valueQuantity"]["code"] == "Hz"
    assert all(o["code"]["coding"][0]["system"] == codes.LOCAL_OBSERVATION for o in obs.values())
    assert obs["hfs7-total"]["category"][0]["coding"][0]["code"] == "survey"


def test_red_flags_are_detected_issues_dated_when_raised_with_workup():
    data = as_dict()
    issues = resources(data, "DetectedIssue")
    assert {i["code"]["coding"][0]["code"] for i in issues} == {"hearing_loss", "facial_weakness"}
    for issue in issues:
        assert issue["identifiedDateTime"] == "2026-01-05"  # the date it was raised, not the export date
        assert issue["status"] == "preliminary" and issue["severity"] == "high"
        assert "DS-" in issue["detail"] and "the clinician decides" in issue["detail"]
        assert any("MRI" in m["action"]["text"] for m in issue["mitigation"])


def test_signed_plan_is_a_us_core_careplan_addressing_its_condition():
    data = as_dict()
    plan = resources(data, "CarePlan")[0]
    assert plan["meta"]["profile"] == [fhir.PROFILES["CarePlan"]]
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["text"]["status"] == "generated" and plan["text"]["div"].startswith("<div xmlns=")
    assert plan["category"][0]["coding"][0]["code"] == "assess-plan"
    hfs_url = next(e["fullUrl"] for e in data["entry"] if e["resource"]["id"] == uid(1))
    assert plan["addresses"] == [{"reference": hfs_url}]
    assert [a["detail"]["description"] for a in plan["activity"]] == [
        "Botulinum toxin (onabotulinumtoxinA)",
        "Baclofen",
    ]


def test_us_core_required_elements_where_a_profile_is_claimed():
    data = as_dict()
    claimed = [e["resource"] for e in data["entry"] if "meta" in e["resource"]]
    assert {r["resourceType"] for r in claimed} == set(fhir.PROFILES)
    for r in claimed:
        assert r["meta"]["profile"] == [fhir.PROFILES[r["resourceType"]]]
        kind = r["resourceType"]
        if kind == "Patient":
            assert r["identifier"] and all(i["system"] and i["value"] for i in r["identifier"])
            assert r["name"][0]["family"] and r["gender"] and r["birthDate"]
            mrn = next(i for i in r["identifier"] if i["system"].endswith("/mrn"))
            assert mrn["type"]["coding"][0]["code"] == "MR"
        elif kind == "Condition":
            assert r["category"][0]["coding"][0]["code"] in ("problem-list-item", "health-concern")
            assert r["code"] and r["subject"] and r["clinicalStatus"] and r["verificationStatus"]
        elif kind == "Procedure":
            assert r["status"] and r["code"] and r["subject"] and r["performedDateTime"]
        elif kind == "MedicationRequest":
            assert r["status"] and r["intent"] and r["medicationCodeableConcept"] and r["subject"]
            assert r["authoredOn"]
        elif kind == "CarePlan":
            assert r["text"]["div"] and r["status"] and r["intent"] and r["category"] and r["subject"]


def test_invalid_values_are_refused_by_validation():
    with pytest.raises(ValidationError):
        fhir.build_bundle(
            record(recordings=(fhir.RecordingEntry(uid(50), date(2026, 1, 1), "video/mp4", "x", -5),))
        )
    with pytest.raises(ValueError, match="unknown observation"):
        fhir.build_bundle(
            record(observations=(fhir.ObservationEntry(uid(10), "weight", 70, date(2026, 1, 1)),))
        )
    with pytest.raises(ValueError, match="unknown cause"):
        fhir.build_bundle(record(conditions=(fhir.ConditionEntry(uid(1), "gout"),)))


def test_unverified_code_cannot_be_exported():
    with pytest.raises(KeyError):
        codes.display(codes.SNOMED, "12345678")
    with pytest.raises(KeyError):
        codes.display(codes.RXNORM, "999999")
