"""Care views on a real database: permissions, audit, differential panel, plans (versions, signing), PDF,
forecast panel and FHIR export, with data from the recordings, treatments and scheduling apps."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.care.models import Assessment, CarePlan

DISCLAIMER = "decision support — the clinician decides"
pytestmark = pytest.mark.django_db


def make_plan(client, patient, cause="hemifacial_spasm", options=("toxin", "mvd_referral")):
    response = client.post(
        reverse("care:plan_new", args=[patient.pk]),
        {
            "cause": cause,
            "diagnosis_status": "confirmed",
            "options": list(options),
            "clinician_notes": "Start low.",
            "patient_notes": "Bring your questions to the next visit.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return CarePlan.objects.filter(patient=patient).order_by("-version").first()


def sign(client, plan):
    return client.post(reverse("care:plan_sign", args=[plan.pk]), {"confirm": "yes"})


def test_roles_and_login(client, staff_client, norole_client, clinician_client, admin_client_, patient):
    url = reverse("care:patient", args=[patient.pk])
    assert client.get(url).status_code == 302  # anonymous -> login
    assert staff_client.get(url).status_code == 403
    assert norole_client.get(url).status_code == 403
    assert clinician_client.get(url).status_code == 200
    assert admin_client_.get(url).status_code == 200
    assert staff_client.get(reverse("care:fhir_export", args=[patient.pk])).status_code == 403
    assert clinician_client.get(reverse("care:index")).status_code == 200
    assert staff_client.get(reverse("care:index")).status_code == 403
    assert admin_client_.get(reverse("care:assessment_new", args=[patient.pk])).status_code == 403


def test_differential_panel_shows_sources_wording_and_is_audited(clinician_client, patient):
    response = clinician_client.get(reverse("care:patient", args=[patient.pk]))
    html = response.content.decode()
    assert DISCLAIMER in html
    assert "Hemifacial spasm" in html and "DS-3" in html
    assert "red-flag-alert" not in html  # the fixture patient has no red flag
    assert AuditEntry.objects.filter(patient=patient, action="view").exists()


def test_red_flags_raise_a_visible_alert_with_work_up(clinician_client, patient):
    patient.hearing_loss = True
    patient.save()
    html = clinician_client.get(reverse("care:patient", args=[patient.pk])).content.decode()
    assert 'role="alert"' in html and "red-flag-alert" in html
    assert "Hearing loss" in html and "thin-slice" in html and "ENT referral" in html


def test_examination_form_changes_the_differential(clinician_client, patient):
    url = reverse("care:assessment_new", args=[patient.pk])
    assert clinician_client.get(url).status_code == 200
    response = clinician_client.post(
        url,
        {
            "affected_side": "both",
            "bilateral_synchronous": "true",
            "sensory_trick": "true",
            "other_babinski_sign": "false",
            "hla_b1502": "unknown",
            "spread_to_lower_face": "false",
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get(patient=patient)
    assert assessment.sensory_trick is True and assessment.premonitory_urge is None  # not assessed stays None
    html = clinician_client.get(reverse("care:patient", args=[patient.pk])).content.decode()
    assert html.index("<strong>Blepharospasm</strong>") < html.index("<strong>Hemifacial spasm</strong>")
    assert AuditEntry.objects.filter(patient=patient, action="create", object_type="Assessment").exists()


def test_examination_form_rejects_contradictions(clinician_client, patient):
    response = clinician_client.post(
        reverse("care:assessment_new", args=[patient.pk]),
        {
            "hla_b1502": "positive",
            "hla_risk_ancestry": "false",
        },
    )
    assert response.status_code == 200
    assert "contradicts" in response.content.decode()
    assert not Assessment.objects.filter(patient=patient).exists()


@pytest.mark.postgres
def test_plan_draft_sign_and_versions(clinician_client, admin_client_, patient, clinician_user):
    plan = make_plan(clinician_client, patient)
    assert plan.version == 1 and plan.status == "draft"
    assert [o["id"] for o in plan.content["options"]] == ["toxin", "mvd_referral"]
    assert (
        plan.content["sources"] and plan.content["differential"]["candidates"][0]["id"] == "hemifacial_spasm"
    )
    detail = clinician_client.get(reverse("care:plan", args=[plan.pk])).content.decode()
    assert DISCLAIMER in detail and "DS-10" in detail and "Sign plan v1" in detail

    # An administrator without the clinician role cannot sign.
    assert sign(admin_client_, plan).status_code == 403
    # Signing needs the explicit confirmation.
    clinician_client.post(reverse("care:plan_sign", args=[plan.pk]), {})
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert sign(clinician_client, plan).status_code == 302
    plan.refresh_from_db()
    assert plan.is_signed and plan.signed_by == clinician_user and plan.signed_at

    # Immutable once signed, at the model level too.
    plan.clinician_notes = "changed"
    with pytest.raises(ValidationError):
        plan.save()
    with pytest.raises(ValidationError):
        CarePlan.objects.get(pk=plan.pk).delete()

    # Editing a signed plan creates a new draft version with the signed one as parent.
    response = clinician_client.post(reverse("care:plan_edit", args=[plan.pk]))
    v2 = CarePlan.objects.get(patient=patient, version=2)
    assert response.status_code == 302 and v2.parent_id == plan.pk and v2.status == "draft"
    response = clinician_client.post(
        reverse("care:plan_edit", args=[v2.pk]),
        {
            "cause": "hemifacial_spasm",
            "diagnosis_status": "confirmed",
            "options": ["toxin", "baclofen"],
            "clinician_notes": "Add baclofen.",
            "patient_notes": "",
        },
    )
    assert response.status_code == 302
    v2.refresh_from_db()
    assert [o["id"] for o in v2.content["options"]] == ["toxin", "baclofen"]
    assert CarePlan.objects.get(pk=plan.pk).clinician_notes == "Start low."
    assert AuditEntry.objects.filter(patient=patient, action="update", detail__contains="signed").exists()


def test_plan_needs_at_least_one_option(clinician_client, patient):
    response = clinician_client.post(
        reverse("care:plan_new", args=[patient.pk]),
        {"cause": "hemifacial_spasm", "diagnosis_status": "provisional"},
    )
    assert response.status_code == 200
    assert "Choose at least one option" in response.content.decode()
    assert not CarePlan.objects.exists()


def test_patient_factors_reach_the_plan_editor(clinician_client, patient, clinician_user):
    Assessment.objects.create(
        patient=patient,
        recorded_by=clinician_user,
        pregnant=True,
        hla_risk_ancestry=True,
        hla_b1502="unknown",
    )
    html = clinician_client.get(reverse("care:plan_new", args=[patient.pk])).content.decode()
    assert "Pregnancy" in html and "HLA-B*15:02" in html
    plan = make_plan(clinician_client, patient, options=("toxin",))
    assert plan.content["options"][0]["line"] == "avoid"


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing: scripts/system-deps.sh"
)
def test_patient_pdf_is_plain_language_with_the_disclaimer(clinician_client, patient, tmp_path):
    plan = make_plan(clinician_client, patient, options=("toxin", "baclofen"))
    draft = clinician_client.get(reverse("care:plan_pdf", args=[plan.pk]))
    assert draft.status_code == 302  # drafts are not printed for patients
    sign(clinician_client, plan)
    response = clinician_client.get(reverse("care:plan_pdf", args=[plan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "plan.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "decision support — the clinician decides" in flat
    assert "Maria Lopez" in flat and "Hemifacial spasm" in flat
    assert "Never stop it suddenly" in flat  # baclofen in plain words
    assert "Day 4" in flat and "10 mg three times daily" in flat
    assert "DS-2" in flat
    assert AuditEntry.objects.filter(patient=patient, action="download").exists()


def _treatment_history(patient, clinician_user):
    from facetwitch.clinic.treatments.models import ToxinFollowUp, ToxinInjection, ToxinSession

    sessions = []
    for day in (dt.date(2025, 1, 6), dt.date(2025, 4, 28), dt.date(2025, 8, 18)):
        session = ToxinSession.objects.create(
            patient=patient, date=day, clinician=clinician_user, indication="hfs"
        )
        for muscle, units in (
            ("oo_pretarsal_upper", "2.5"),
            ("oo_pretarsal_lower", "2.5"),
            ("zygomaticus_major", "5"),
        ):
            ToxinInjection.objects.create(
                session=session, muscle=muscle, side="left", product="ona", units=Decimal(units), lot="L123"
            )
        sessions.append(session)
    ToxinFollowUp.objects.create(
        session=sessions[-1],
        date=dt.date(2025, 9, 1),
        clinician=clinician_user,
        ptosis=True,
        benefit_duration_weeks=12,
        improvement_percent=70,
    )
    return sessions


def _recordings(patient, sessions):
    from facetwitch.clinic.recordings.models import Recording

    # Episodes/min of the left side: 6 before treatment, ~1.5 at the peak, back towards 6 by ~100 days.
    def value(days):
        if days < 3:
            return 6.0
        if days < 14:
            return 6.0 - 4.5 * (days - 3) / 11
        if days < 70:
            return 1.5
        if days < 105:
            return 1.5 + 4.5 * (days - 70) / 35
        return 6.0

    rows = [(sessions[0].date - dt.timedelta(days=10), 6.1)]
    for i, s in enumerate(sessions[:2]):
        for offset, noise in zip(
            (5, 12, 30, 60, 80, 95, 110), (0.1, -0.1, 0.05, 0.0, -0.1, 0.1, 0.0), strict=True
        ):
            if i == 0 and offset == 110:
                continue
            rows.append((s.date + dt.timedelta(days=offset), value(offset) + noise))
    for n, (when, episodes) in enumerate(rows):
        Recording.objects.create(
            patient=patient,
            recorded_on=when,
            original_name=f"v{n}.mp4",
            video_file=f"v{n}.mp4",
            sha256="0" * 64,
            size=1000 + n,
            status="done",
            episodes_per_min_left=episodes,
            episodes_per_min_right=0.0,
            episodes_per_min_both=0.0,
            blink_rate_per_min=16.0,
        )


def test_forecast_panel_and_last_session_from_treatments(clinician_client, patient, clinician_user):
    sessions = _treatment_history(patient, clinician_user)
    _recordings(patient, sessions)
    html = clinician_client.get(reverse("care:patient", args=[patient.pk])).content.decode()
    assert "Suggested next session" in html and "Never under 12 weeks" in html
    assert 'class="forecast-chart"' in html
    from facetwitch.clinic.care.services import forecast_for, last_toxin_session

    result, _inputs = forecast_for(patient)
    assert result.status == "ok"
    assert result.recommended_interval_days >= 84
    assert 85 <= result.params.wear_off_day <= 95  # truth: half-way between day 70 and day 105 = 87.5
    last = last_toxin_session(patient)
    assert last.adverse_effects == ("ptosis",) and last.product == "onabotulinumtoxinA"
    plan_html = clinician_client.get(reverse("care:plan_new", args=[patient.pk])).content.decode()
    assert "Ptosis reported" in plan_html


def test_forecast_panel_says_not_enough_data(clinician_client, patient):
    html = clinician_client.get(reverse("care:patient", args=[patient.pk])).content.decode()
    assert "Not enough data" in html


@pytest.mark.postgres
def test_fhir_export_validates_and_is_audited(clinician_client, patient, clinician_user, visit):
    from facetwitch.clinic.scheduling.models import Appointment

    sessions = _treatment_history(patient, clinician_user)
    _recordings(patient, sessions)
    start = timezone.make_aware(dt.datetime(2026, 3, 3, 10, 0))
    Appointment.objects.create(
        patient=patient,
        clinician=clinician_user,
        visit_type="follow_up",
        start=start,
        end=start + dt.timedelta(minutes=20),
    )
    plan = make_plan(clinician_client, patient, options=("toxin", "carbamazepine"))
    sign(clinician_client, plan)
    response = clinician_client.get(reverse("care:fhir_export", args=[patient.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)
    data = json.loads(response.content)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("Procedure") == 3 and kinds.count("MedicationAdministration") == 9
    assert kinds.count("Appointment") == 1 and kinds.count("DocumentReference") == 14
    assert "Condition" in kinds and "MedicationRequest" in kinds
    assert any(
        e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "jankovic-severity"
        for e in data["entry"]
    )
    hfs = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Condition")
    assert {c["code"] for c in hfs["code"]["coding"]} == {"13753008", "G51.32"}
    assert hfs["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert json.loads(bundle.model_dump_json(exclude_none=True)) == data  # round trip
    assert AuditEntry.objects.filter(patient=patient, action="export").exists()


def test_clinician_edits_units_per_site_and_bad_numbers_are_refused(clinician_client, patient):
    url = reverse("care:plan_new", args=[patient.pk])
    base = {"cause": "hemifacial_spasm", "diagnosis_status": "provisional", "options": ["toxin"]}
    html = clinician_client.get(url).content.decode()
    assert 'name="units-toxin-0"' in html and 'name="units-toxin-2"' in html
    response = clinician_client.post(url, {**base, "units-toxin-0": "abc"})
    assert response.status_code == 200 and "units must be a number" in response.content.decode()
    assert not CarePlan.objects.exists()
    response = clinician_client.post(url, {**base, "units-toxin-0": "2.5", "units-toxin-1": "0"})
    assert response.status_code == 302
    plan = CarePlan.objects.get(patient=patient)
    sites = plan.content["options"][0]["sites"]
    assert [s["units"] for s in sites] == [2.5, 1.25]  # second site removed, third unchanged
    assert "Units edited by the clinician." in plan.content["options"][0]["adjustments"]
    # The editor of the draft shows the stored units, including the removed site as 0.
    html = clinician_client.get(reverse("care:plan_edit", args=[plan.pk])).content.decode()
    assert 'name="units-toxin-0" value="2.5"' in html and 'name="units-toxin-1" value="0"' in html


def test_examination_records_imaging_drugs_and_regions_and_the_page_shows_them(clinician_client, patient):
    url = reverse("care:assessment_new", args=[patient.pk])
    html = clinician_client.get(url).content.decode()
    assert (
        'name="imaging_result"' in html and 'name="regions"' in html and 'name="jaw_closing_muscles"' in html
    )
    response = clinician_client.post(
        url,
        {
            "hla_b1502": "unknown",
            "imaging_result": "lesion_cpa",
            "regions": ["eye", "mouth"],
            "dopamine_blocker_exposure": "true",
            "blink_rate_per_min": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assessment = Assessment.objects.get(patient=patient)
    assert assessment.imaging_result == "lesion_cpa" and assessment.regions == ["eye", "mouth"]
    assert assessment.jaw_closing_muscles is None  # not assessed stays None
    html = clinician_client.get(reverse("care:patient", args=[patient.pk])).content.decode()
    assert html.index("<strong>Secondary hemifacial spasm") < html.index("<strong>Hemifacial spasm</strong>")
    assert "Structural lesion on imaging" in html and "Medication review" in html
    bad = clinician_client.post(url, {"hla_b1502": "unknown", "tremor_frequency_hz": "300"})
    assert bad.status_code == 200 and "Enter a value from 0.5 to 30 Hz" in bad.content.decode()


def test_care_page_marks_video_findings_from_video(clinician_client, patient, settings):
    from care_video import HFS_VIDEO, analysed_recording

    analysed_recording(patient, settings, HFS_VIDEO, blink_rate_per_min=19.0, affected_side="left")
    html = clinician_client.get(reverse("care:patient", args=[patient.pk])).content.decode()
    assert "Findings measured by the video" in html
    row = html[html.index('data-finding="spread_to_lower_face"') :]
    row = row[: row.index("</tr>")]
    assert "from video" in row and "yes" in row
