"""Patients and visits: forms' rules, views, search, audit, and other patients' data behind URLs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.patients.forms import PatientForm, VisitForm, prefill_from_query
from facetwitch.clinic.patients.models import Patient, Visit

pytestmark = pytest.mark.django_db


class InDays(int):
    """A date this many days from today, resolved when the test runs (not at import: the clock may be moved)."""

    def iso(self) -> str:
        return (timezone.localdate() + dt.timedelta(days=self)).isoformat()


def patient_data(**overrides) -> dict:
    data = {
        "mrn": "MRN-3003",
        "given_name": "Ana",
        "family_name": "Silva",
        "date_of_birth": "1970-05-17",
        "sex": "female",
        "phone": "+1 555 010 7788",
        "email": "ana@example.org",
        "video_consent": "on",
        "video_consent_date": "2026-01-05",
        "onset_date": "2020-03-01",
        "onset_side": "right",
        "onset_region": "eyelid",
        "persists_in_sleep": "yes",
        "prior_bells_palsy": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def visit_data(**overrides) -> dict:
    data = {"date": "2026-02-10", "jankovic_severity": "2", "jankovic_frequency": "3", "smc_grade": "2"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Forms --------------------------------------------------------------------------------------------------


def test_valid_patient_form_saves_every_group():
    form = PatientForm(patient_data())
    assert form.is_valid(), form.errors
    patient = form.save()
    assert patient.has_video_consent and patient.persists_in_sleep is True and patient.prior_bells_palsy
    assert patient.history_flags == ["Prior Bell's palsy"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_of_birth": InDays(1)}, "date_of_birth", "future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "after 1900"),
        ({"date_of_birth": "31/02/1970"}, "date_of_birth", "valid date"),
        ({"video_consent_date": None}, "video_consent_date", "date the patient gave consent"),
        ({"video_consent": None}, "video_consent", "consent is not ticked"),
        ({"video_consent_date": "1960-01-01"}, "video_consent_date", "before the date of birth"),
        ({"video_consent_date": InDays(3)}, "video_consent_date", "future"),
        ({"onset_date": "1969-12-31"}, "onset_date", "before the date of birth"),
        ({"onset_date": InDays(30)}, "onset_date", "future"),
        ({"mrn": "has space"}, "mrn", "no spaces"),
        ({"mrn": ""}, "mrn", "required"),
        ({"given_name": "   "}, "given_name", "required"),
        ({"family_name": "Silva2"}, "family_name", "digits"),
        ({"phone": "call me maybe"}, "phone", "phone number"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"onset_side": "up"}, "onset_side", "valid choice"),
    ],
)
def test_patient_form_rejects_bad_input_with_a_clear_message(overrides, field, message):
    overrides = {k: v.iso() if isinstance(v, InDays) else v for k, v in overrides.items()}
    form = PatientForm(patient_data(**overrides))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_mrn_is_unique_case_insensitively(patient):
    form = PatientForm(patient_data(mrn=patient.mrn.lower()))
    assert not form.is_valid()
    assert "already has the MRN" in form.errors["mrn"][0]


def test_editing_a_patient_keeps_its_own_mrn(patient):
    form = PatientForm(patient_data(mrn=patient.mrn), instance=patient)
    assert form.is_valid(), form.errors


def test_staff_form_has_no_clinical_fields():
    form = PatientForm(with_history=False)
    assert "mrn" in form.fields and "video_consent" in form.fields
    assert not {"onset_date", "current_medications", "allergies", "prior_bells_palsy"} & set(form.fields)


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("jankovic_severity", "4", True),
        ("jankovic_severity", "5", False),
        ("jankovic_frequency", "-1", False),
        ("smc_grade", "0", False),
        ("smc_grade", "4", True),
        ("house_brackmann", "6", True),
        ("house_brackmann", "7", False),
        ("hfs7_total", "28", True),
        ("hfs7_total", "29", False),
        ("hfs30_total", "120", True),
        ("hfs30_total", "121", False),
        ("bsdi_total", "2.5", False),
        ("smc_grade", "II", False),
    ],
)
def test_visit_scales_are_range_checked(patient, field, value, ok):
    form = VisitForm(visit_data(**{field: value}), patient=patient)
    assert form.is_valid() is ok
    if not ok:
        assert "Enter a whole number from" in form.errors[field][0]


def test_visit_date_rules(patient):
    future = VisitForm(visit_data(date=InDays(1).iso()), patient=patient)
    assert not future.is_valid() and "future" in future.errors["date"][0]
    unborn = VisitForm(visit_data(date="1950-01-01"), patient=patient)
    assert not unborn.is_valid() and "date of birth" in unborn.errors["date"][0]


def test_visit_prefill_accepts_only_valid_scale_values():
    assert prefill_from_query({"jankovic_severity": "3", "jankovic_frequency": "2", "smc_grade": "1"}) == {
        "jankovic_severity": 3,
        "jankovic_frequency": 2,
        "smc_grade": 1,
    }
    assert prefill_from_query({"jankovic_severity": "9", "smc_grade": "0", "jankovic_frequency": "x"}) == {}


# --- Views --------------------------------------------------------------------------------------------------


def test_create_patient_through_the_form_is_audited(clinician_client, clinician_user):
    response = clinician_client.post(reverse("patients:create"), patient_data())
    patient = Patient.objects.get(mrn="MRN-3003")
    assert response.status_code == 302 and response["Location"] == patient.get_absolute_url()
    entry = AuditEntry.objects.get(action="create", patient=patient)
    assert entry.user == clinician_user and entry.object_type == "Patient"


def test_invalid_patient_post_changes_nothing_and_explains(clinician_client, patient):
    before = Patient.objects.count()
    response = clinician_client.post(
        reverse("patients:create"), patient_data(date_of_birth="2999-01-01", video_consent_date=None)
    )
    assert response.status_code == 200 and Patient.objects.count() == before
    page = response.content.decode()
    assert "The patient was not saved" in page
    assert "The date of birth cannot be in the future." in page
    assert "Enter the date the patient gave consent." in page
    assert 'value="Ana"' in page  # what was typed is kept for correcting


def test_failed_edit_leaves_the_patient_unchanged(clinician_client, patient):
    url = reverse("patients:edit", args=[patient.pk])
    response = clinician_client.post(
        url, patient_data(mrn=patient.mrn, given_name="Changed", onset_date="1900-01-02")
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.given_name == "Maria"
    assert not AuditEntry.objects.filter(action="update").exists()


def test_edit_patient_records_changed_fields(clinician_client, patient):
    url = reverse("patients:edit", args=[patient.pk])
    data = patient_data(mrn=patient.mrn, given_name="Maria", family_name="Lopez", date_of_birth="1961-04-12")
    data["phone"] = "+1 555 999 0000"
    response = clinician_client.post(url, data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+1 555 999 0000"
    entry = AuditEntry.objects.get(action="update", patient=patient)
    assert "phone" in entry.detail


def test_staff_edit_cannot_touch_clinical_history(staff_client, patient):
    url = reverse("patients:edit", args=[patient.pk])
    data = patient_data(mrn=patient.mrn, given_name="Maria", family_name="Lopez", date_of_birth="1961-04-12")
    data.update({"phone": "+1 555 111 2222", "allergies": "Injected by staff", "onset_side": "right"})
    assert staff_client.post(url, data).status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+1 555 111 2222"
    assert patient.allergies == "" and patient.onset_side == "left"


def test_detail_shows_history_visits_and_is_audited(clinician_client, patient, visit):
    response = clinician_client.get(reverse("patients:detail", args=[patient.pk]))
    page = response.content.decode()
    assert "Lopez" in page and "Persists in sleep" in page and "Left (patient&#x27;s own)" in page
    assert "2/3 (5)" in page  # Jankovic severity/frequency and total of the visit
    assert AuditEntry.objects.filter(action="view", patient=patient, object_type="Patient").count() == 1


def test_detail_warns_when_there_is_no_consent(clinician_client, other_patient):
    page = clinician_client.get(reverse("patients:detail", args=[other_patient.pk])).content.decode()
    assert "No consent to video recording is on file" in page


def test_search_by_name_and_mrn(clinician_client, patient, other_patient):
    url = reverse("patients:list")
    by_name = clinician_client.get(url, {"q": "lop"}).content.decode()
    assert "MRN-1001" in by_name and "MRN-2002" not in by_name
    by_mrn = clinician_client.get(url, {"q": "mrn-2002"}).content.decode()
    assert "MRN-2002" in by_mrn and "MRN-1001" not in by_mrn
    both_words = clinician_client.get(url, {"q": "John Okafor"}).content.decode()
    assert "MRN-2002" in both_words and "MRN-1001" not in both_words
    nothing = clinician_client.get(url, {"q": "zzz"}).content.decode()
    assert "No patient matches" in nothing


def test_htmx_search_returns_only_the_results_fragment(clinician_client, patient):
    response = clinician_client.get(
        reverse("patients:list"), {"q": "Maria"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="patient-results"
    )
    page = response.content.decode()
    assert "MRN-1001" in page and "<html" not in page


def test_create_visit_with_scales(clinician_client, clinician_user, patient):
    url = reverse("patients:visit_create", args=[patient.pk])
    response = clinician_client.post(url, visit_data(hfs30_total="45", notes="Doing better."))
    assert response.status_code == 302
    visit = Visit.objects.get(patient=patient)
    assert (visit.jankovic_severity, visit.jankovic_frequency, visit.smc_grade, visit.hfs30_total) == (
        2,
        3,
        2,
        45,
    )
    assert visit.clinician == clinician_user and visit.jankovic_total == 5
    assert AuditEntry.objects.filter(action="create", patient=patient, object_type="Visit").exists()


def test_bad_visit_post_saves_nothing(clinician_client, patient):
    url = reverse("patients:visit_create", args=[patient.pk])
    response = clinician_client.post(url, visit_data(smc_grade="9", house_brackmann="0"))
    assert response.status_code == 200 and not Visit.objects.exists()
    page = response.content.decode()
    assert "Please correct 2 fields" in page and "Enter a whole number from 1 to 4" in page


def test_visit_form_prefilled_from_suggested_scales(clinician_client, patient):
    url = reverse("patients:visit_create", args=[patient.pk])
    page = clinician_client.get(url, {"jankovic_severity": "3", "smc_grade": "2"}).content.decode()
    assert 'name="jankovic_severity" value="3"' in page and 'name="smc_grade" value="2"' in page
    assert "decision support" in page
    assert "licensed" in page  # the questionnaires' note


def test_edit_visit(clinician_client, patient, visit):
    url = reverse("patients:visit_edit", args=[patient.pk, visit.pk])
    assert clinician_client.get(url).status_code == 200
    response = clinician_client.post(url, visit_data(date="2026-02-03", jankovic_severity="1"))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.jankovic_severity == 1
    assert "jankovic_severity" in AuditEntry.objects.get(action="update", object_type="Visit").detail


def test_edit_visit_prefilled_from_suggested_scales_until_saved(clinician_client, patient, visit):
    url = reverse("patients:visit_edit", args=[patient.pk, visit.pk])
    page = clinician_client.get(url, {"jankovic_severity": "4", "smc_grade": "3"}).content.decode()
    assert 'name="jankovic_severity" value="4"' in page and 'name="smc_grade" value="3"' in page
    visit.refresh_from_db()
    assert visit.jankovic_severity == 2  # showing a suggestion changes nothing until the clinician saves


def test_another_patients_visit_is_not_found_and_unchanged(clinician_client, patient, other_patient, visit):
    url = reverse("patients:visit_edit", args=[other_patient.pk, visit.pk])
    assert clinician_client.get(url).status_code == 404
    assert clinician_client.post(url, visit_data(jankovic_severity="0")).status_code == 404
    visit.refresh_from_db()
    assert visit.jankovic_severity == 2
    assert not AuditEntry.objects.filter(object_type="Visit").exists()


@pytest.mark.parametrize("name", ["patients:detail", "patients:edit", "patients:visit_create"])
def test_missing_patient_is_a_clear_404(clinician_client, name):
    response = clinician_client.get(reverse(name, args=[999999]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_non_numeric_patient_id_is_404(clinician_client):
    assert clinician_client.get("/clinic/patients/abc/").status_code == 404


def test_post_for_missing_patient_creates_no_visit(clinician_client):
    response = clinician_client.post(reverse("patients:visit_create", args=[424242]), visit_data())
    assert response.status_code == 404 and not Visit.objects.exists()


def test_patient_sections_of_other_apps_are_included_when_present(
    clinician_client, patient, tmp_path, settings
):
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "_patient_section.html").write_text(
        '<section class="card" id="rec-section">Recordings of {{ patient.mrn }}</section>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    page = clinician_client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "Recordings of MRN-1001" in page
