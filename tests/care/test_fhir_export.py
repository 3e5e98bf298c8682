"""FHIR export from the clinic's real records: three realistic patients validated with 0 errors by an independent
offline R4 validator (Medplum's, tools/fhir-validate, installed by `make setup` through its package-lock.json),
stable random ids kept per record (two installations never share them), and the UUID data migration."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from care_video import analysis_json, side
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from facetwitch.clinic.care import services
from facetwitch.clinic.care.models import Assessment, CarePlan, ExportedId

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "tools" / "fhir-validate"


def _hfs_patient(patient, clinician_user):
    """Left HFS: three unilateral toxin sessions, a visit with scales, a video, a signed plan with carbamazepine."""
    from facetwitch.clinic.patients.models import Visit
    from facetwitch.clinic.recordings.models import Recording
    from facetwitch.clinic.scheduling.models import Appointment
    from facetwitch.clinic.treatments.models import ToxinInjection, ToxinSession

    Visit.objects.create(
        patient=patient,
        date=dt.date(2026, 2, 3),
        clinician=clinician_user,
        jankovic_severity=2,
        jankovic_frequency=3,
        smc_grade=2,
    )
    for day in (dt.date(2025, 1, 6), dt.date(2025, 4, 28)):
        session = ToxinSession.objects.create(
            patient=patient, date=day, clinician=clinician_user, indication="hfs"
        )
        for muscle, units in (
            ("oo_pretarsal_upper", "2.5"),
            ("oo_pretarsal_upper", "2.5"),
            ("zygomaticus_major", "5"),
        ):
            # The same muscle twice in one session (two points): ids must still be unique.
            ToxinInjection.objects.create(
                session=session, muscle=muscle, side="left", product="ona", units=Decimal(units), lot="L123"
            )
    Recording.objects.create(
        patient=patient,
        recorded_on=dt.date(2026, 2, 3),
        original_name="v.mp4",
        video_file="v.mp4",
        sha256="0" * 64,
        size=1000,
        status="done",
        blink_rate_per_min=16.0,
        episodes_per_min_left=3.5,
    )
    start = timezone.make_aware(dt.datetime(2026, 3, 3, 10, 0))
    Appointment.objects.create(
        patient=patient,
        clinician=clinician_user,
        visit_type="follow_up",
        start=start,
        end=start + dt.timedelta(minutes=20),
    )
    content = services.plan_content(
        patient, "hemifacial_spasm", ["toxin", "carbamazepine"], services.differential_for(patient)[0]
    )
    plan = CarePlan.objects.create(
        patient=patient,
        version=1,
        cause="hemifacial_spasm",
        content=content,
        diagnosis_status="confirmed",
        created_by=clinician_user,
    )
    plan.sign(clinician_user)
    return plan


def _blepharospasm_patient(clinician_user, settings):
    """Blepharospasm with a jaw tremor on video, bilateral sessions with a midline procerus point, two products."""
    from facetwitch.clinic.patients.models import Patient
    from facetwitch.clinic.recordings.models import Recording
    from facetwitch.clinic.treatments.models import ToxinInjection, ToxinSession

    p = Patient.objects.create(
        mrn="MRN-3003",
        given_name="Grace",
        family_name="Ng",
        sex="female",
        date_of_birth=dt.date(1950, 5, 1),
        onset_side="both",
        onset_region="eyelid",
        video_consent=True,
        video_consent_date=dt.date(2026, 1, 1),
    )
    session = ToxinSession.objects.create(
        patient=p, date=dt.date(2025, 11, 3), clinician=clinician_user, indication="blepharospasm"
    )
    for lateral in ("left", "right"):
        for muscle in ("oo_pretarsal_upper", "oo_pretarsal_lower"):
            ToxinInjection.objects.create(
                session=session, muscle=muscle, side=lateral, product="inco", units=Decimal("2.5")
            )
    ToxinInjection.objects.create(
        session=session, muscle="procerus", side="midline", product="inco", units=Decimal("2.5")
    )
    ToxinInjection.objects.create(
        session=session, muscle="corrugator", side="left", product="abo", units=Decimal("10")
    )
    rel = "results/grace/analysis.json"
    path = settings.PRIVATE_MEDIA_ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        analysis_json(
            {
                "left": side(),
                "right": side(),
                "both": side(["eye"], 20),
                "tremor": {"present": True, "frequency_hz": 5.4, "time_fraction": 0.3, "regions": ["jaw"]},
                "affected_side": "both",
            },
            30.0,
        ),
        encoding="utf-8",
    )
    Recording.objects.create(
        patient=p,
        recorded_on=dt.date(2026, 1, 20),
        original_name="g.mp4",
        video_file="g.mp4",
        sha256="1" * 64,
        size=2000,
        status="done",
        analysis_json=rel,
        blink_rate_per_min=30.0,
        episodes_per_min_both=20.0,
        affected_side="both",
    )
    Assessment.objects.create(
        patient=p, recorded_by=clinician_user, sensory_trick=True, apraxia_lid_opening=True
    )
    return p


def _tardive_patient(clinician_user):
    """Orofacial dyskinesia on a dopamine blocker, with MRI, medications and red flags."""
    from facetwitch.clinic.patients.models import Patient
    from facetwitch.clinic.treatments.models import Medication

    p = Patient.objects.create(
        mrn="MRN-4004",
        given_name="Tom",
        family_name="Berg",
        sex="male",
        date_of_birth=dt.date(1958, 2, 2),
        onset_date=dt.date(2025, 6, 1),
        hearing_loss=True,
    )
    Assessment.objects.create(
        patient=p,
        recorded_by=clinician_user,
        affected_side="both",
        dopamine_blocker_exposure=True,
        orobuccolingual_stereotypy=True,
        imaging_result="lesion_other",
        regions=["mouth", "jaw"],
    )
    Medication.objects.create(
        patient=p, drug="baclofen", start_date=dt.date(2025, 7, 1), prescriber=clinician_user
    )
    Medication.objects.create(
        patient=p,
        drug="clonazepam",
        start_date=dt.date(2025, 7, 1),
        stop_date=dt.date(2025, 9, 1),
        prescriber=clinician_user,
    )
    return p


def _validate(paths: list[Path]) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed for the FHIR validator: install nodejs (scripts/system-deps.sh)"
    assert (VALIDATOR / "node_modules" / "@medplum" / "core").is_dir(), (
        "The offline FHIR validator is not installed: run `make setup` (npm ci in tools/fhir-validate)"
    )
    run = subprocess.run(
        [node, "validate.mjs", *map(str, paths)], cwd=VALIDATOR, capture_output=True, text=True, timeout=120
    )
    assert run.returncode in (0, 1), run.stderr[-2000:]
    return json.loads(run.stdout)


@pytest.mark.postgres
def test_three_realistic_patients_validate_with_no_errors(patient, clinician_user, settings, tmp_path):
    _hfs_patient(patient, clinician_user)
    grace = _blepharospasm_patient(clinician_user, settings)
    tom = _tardive_patient(clinician_user)
    paths = []
    bundles = {}
    for p, kind in ((patient, "collection"), (grace, "collection"), (tom, "transaction")):
        text = services.fhir_bundle_json(p, bundle_type=kind)
        bundles[p.mrn] = json.loads(text)
        path = tmp_path / f"{p.mrn}.json"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    # The validator is not a rubber stamp: the same export with a Condition lacking its subject is an error.
    broken = json.loads(json.dumps(bundles["MRN-1001"]))
    next(e["resource"] for e in broken["entry"] if e["resource"]["resourceType"] == "Condition").pop(
        "subject"
    )
    broken_path = tmp_path / "broken.json"
    broken_path.write_text(json.dumps(broken), encoding="utf-8")
    report = _validate([*paths, broken_path])
    assert any("subject" in e["path"] for e in report.pop(str(broken_path))["errors"])
    assert all(r["errors"] == [] for r in report.values()), json.dumps(report, indent=1)[:4000]
    assert [r["resources"] for r in report.values()] == [
        len(bundles[p.mrn]["entry"]) for p in (patient, grace, tom)
    ]

    # What the records hold reaches the export.
    kinds = {mrn: [e["resource"]["resourceType"] for e in b["entry"]] for mrn, b in bundles.items()}
    assert (
        kinds["MRN-1001"].count("Procedure") == 2 and kinds["MRN-1001"].count("MedicationAdministration") == 6
    )
    assert kinds["MRN-1001"].count("CarePlan") == 1
    grace_res = [e["resource"] for e in bundles["MRN-3003"]["entry"]]
    procs = [r for r in grace_res if r["resourceType"] == "Procedure"]
    assert sorted(p["bodySite"][0]["coding"][0]["code"] for p in procs) == ["24028007", "7771000", "7771000"]
    tremor = [
        r
        for r in grace_res
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "video-tremor-frequency"
    ]
    assert [t["valueQuantity"]["value"] for t in tremor] == [5.4]
    tom_res = [e["resource"] for e in bundles["MRN-4004"]["entry"]]
    assert {r["code"]["coding"][0]["code"] for r in tom_res if r["resourceType"] == "DetectedIssue"} == {
        "drug_exposure",
        "structural_lesion",
        "hearing_loss",
    }
    top = next(
        r
        for r in tom_res
        if r["resourceType"] == "Condition" and r["verificationStatus"]["coding"][0]["code"] == "provisional"
    )
    assert top["code"]["coding"][0]["code"] == "tardive_orofacial_dyskinesia" and top["evidence"]
    meds = {
        r["medicationCodeableConcept"]["text"]: r for r in tom_res if r["resourceType"] == "MedicationRequest"
    }
    assert meds["Baclofen"]["medicationCodeableConcept"]["coding"][0]["code"] == "197391"
    assert meds["Clonazepam"]["status"] == "stopped"
    for b in bundles.values():
        urls = [e["fullUrl"] for e in b["entry"]]
        assert len(urls) == len(set(urls))


def test_ids_are_stable_and_two_installations_never_share_them(patient):
    first = json.loads(services.fhir_bundle_json(patient))
    again = json.loads(services.fhir_bundle_json(patient))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in again["entry"]]
    patient_id = first["entry"][0]["resource"]["id"]
    assert str(patient.pk) not in patient_id.split("-")
    # A second installation: the same row number, its own random ids.
    ExportedId.objects.all().delete()
    other = json.loads(services.fhir_bundle_json(patient))
    assert other["entry"][0]["resource"]["id"] != patient_id
    assert not {e["fullUrl"] for e in other["entry"]} & {e["fullUrl"] for e in first["entry"]}


def test_transaction_export_from_the_view(clinician_client, patient):
    from django.urls import reverse

    url = reverse("care:fhir_export", args=[patient.pk])
    response = clinician_client.get(url + "?type=transaction")
    assert response.status_code == 200 and "transaction" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["type"] == "transaction" and all(e["request"]["method"] == "POST" for e in data["entry"])
    assert clinician_client.get(url + "?type=history").status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_uuid_migration_gives_existing_rows_distinct_ids(clinician_user):
    from facetwitch.clinic.patients.models import Patient

    executor = MigrationExecutor(connection)
    executor.migrate([("care", "0001_initial")])
    old = executor.loader.project_state([("care", "0001_initial")]).apps
    OldAssessment = old.get_model("care", "Assessment")
    p = Patient.objects.create(
        mrn="MRN-9", given_name="A", family_name="B", date_of_birth=dt.date(1970, 1, 1)
    )
    for _ in range(3):
        OldAssessment.objects.create(patient_id=p.pk, recorded_by_id=clinician_user.pk)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("care"))
    ids = list(Assessment.objects.values_list("uuid", flat=True))
    assert len(ids) == 3 and len(set(ids)) == 3 and all(ids)
    assert ExportedId.objects.filter(record=f"patients.patient:{p.pk}").exists()
