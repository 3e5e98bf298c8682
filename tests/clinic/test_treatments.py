"""Treatments: toxin warnings (interval, per-product label limits), units never mixed, permissions, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from facetwitch.clinic.treatments import dosing, services
from facetwitch.clinic.treatments.models import Medication, TitrationStep, ToxinInjection, ToxinSession
from facetwitch.clinic.treatments.services import InjectionRow

D = Decimal


def make_session(patient, clinician, day, rows):
    session = ToxinSession.objects.create(patient=patient, date=day, clinician=clinician, indication="hfs")
    for muscle, side, product, units in rows:
        ToxinInjection.objects.create(
            session=session, muscle=muscle, side=side, product=product, units=D(units)
        )
    return session


def codes(warnings):
    return sorted(w.code for w in warnings)


@pytest.mark.django_db
def test_interval_under_12_weeks_warns_and_12_weeks_does_not(patient, clinician_user):
    make_session(patient, clinician_user, dt.date(2026, 1, 5), [("oo_pretarsal_upper", "left", "ona", "2.5")])
    rows = [InjectionRow("oo_pretarsal_upper", "left", "ona", D("2.5"))]
    eight_weeks = services.toxin_warnings(patient, dt.date(2026, 3, 2), rows)
    assert codes(eight_weeks) == ["interval"]
    assert "8 weeks" in eight_weeks[0].message and eight_weeks[0].citation == "TX-1"
    assert services.toxin_warnings(patient, dt.date(2026, 3, 30), rows) == []  # exactly 12 weeks later


@pytest.mark.django_db
def test_label_limits_are_checked_per_product(patient):
    # BOTOX: over 5 U at one site (TX-1); 40 U around one eye is fine for ona (its label gives no per-eye limit).
    w = services.toxin_warnings(
        patient,
        dt.date(2026, 5, 1),
        [InjectionRow("oo_pretarsal_upper", "right", "ona", D("6"))]
        + [InjectionRow("oo_orbital_lateral", "right", "ona", D("5"))] * 7,
    )
    assert codes(w) == ["per_site"]
    # XEOMIN: 55 U around the right eye is over its 50 U per eye (TX-2); the left eye (20 U) is not.
    w = services.toxin_warnings(
        patient,
        dt.date(2026, 5, 1),
        [
            InjectionRow("oo_pretarsal_upper", "right", "inco", D("30")),
            InjectionRow("corrugator", "right", "inco", D("25")),
            InjectionRow("oo_pretarsal_upper", "left", "inco", D("20")),
        ],
    )
    assert codes(w) == ["per_eye"] and "right eye" in w[0].message and w[0].citation == "TX-2"
    # Dysport: 100 U per eye is under its 120 U (TX-3) — the same number would be far over XEOMIN's.
    assert (
        services.toxin_warnings(
            patient, dt.date(2026, 5, 1), [InjectionRow("oo_pretarsal_upper", "left", "abo", D("100"))]
        )
        == []
    )
    # Lower-face units do not count toward the per-eye total.
    assert (
        services.toxin_warnings(
            patient, dt.date(2026, 5, 1), [InjectionRow("zygomaticus_major", "left", "inco", D("60"))]
        )
        == []
    )


@pytest.mark.django_db
def test_cumulative_30_days_counts_only_the_same_product(patient, clinician_user):
    make_session(
        patient,
        clinician_user,
        dt.date(2026, 5, 1),
        [("platysma", "left", "ona", "150"), ("platysma", "right", "abo", "300")],
    )
    rows = [InjectionRow("platysma", "right", "ona", D("60"))]
    w = services.toxin_warnings(patient, dt.date(2026, 5, 20), rows)
    assert "cumulative_30d" in codes(w)
    assert "210" in next(
        x.message for x in w if x.code == "cumulative_30d"
    )  # 150 + 60 ona; the 300 abo never added
    w = services.toxin_warnings(
        patient, dt.date(2026, 5, 20), [InjectionRow("platysma", "right", "ona", D("40"))]
    )
    assert "cumulative_30d" not in codes(w)


@pytest.mark.django_db
def test_totals_per_product_and_side_never_mix_units(patient, clinician_user):
    s = make_session(
        patient,
        clinician_user,
        dt.date(2026, 4, 1),
        [
            ("oo_pretarsal_upper", "left", "ona", "2.5"),
            ("oo_pretarsal_lower", "left", "ona", "2.5"),
            ("zygomaticus_major", "left", "abo", "10"),
            ("procerus", "midline", "ona", "2.5"),
            ("oo_pretarsal_upper", "right", "ona", "1.25"),
        ],
    )
    totals = s.totals()
    assert totals["ona"] == {"left": D("5.0"), "right": D("1.25"), "midline": D("2.5"), "total": D("8.75")}
    assert totals["abo"] == {"left": D("10"), "total": D("10")}
    assert set(totals) == {"ona", "abo"}


@pytest.mark.django_db
def test_next_due_and_markers(patient, clinician_user):
    assert services.next_toxin_due(patient) is None
    make_session(patient, clinician_user, dt.date(2026, 1, 5), [("mentalis", "left", "ona", "2.5")])
    last = make_session(patient, clinician_user, dt.date(2026, 4, 6), [("mentalis", "left", "inco", "2.5")])
    assert services.last_toxin_session(patient) == last
    assert services.next_toxin_due(patient) == dt.date(2026, 6, 29)  # + 12 weeks
    Medication.objects.create(
        patient=patient,
        drug="baclofen",
        start_date=dt.date(2026, 2, 1),
        stop_date=dt.date(2026, 3, 1),
        prescriber=clinician_user,
    )
    markers = services.treatment_markers(patient)
    assert [d for d, _ in markers] == sorted(d for d, _ in markers)
    labels = dict(markers)
    assert labels[dt.date(2026, 4, 6)] == "Toxin: 2.5 U incobotulinumtoxinA"
    assert labels[dt.date(2026, 3, 1)] == "Stopped Baclofen"


@pytest.mark.django_db
def test_medication_reminders_and_limits(patient, clinician_user):
    med = Medication.objects.create(
        patient=patient, drug="carbamazepine", start_date=dt.date(2026, 1, 1), prescriber=clinician_user
    )
    TitrationStep.objects.create(
        medication=med, start_date=dt.date(2026, 1, 1), dose_mg=D("100"), doses_per_day=2
    )
    TitrationStep.objects.create(
        medication=med, start_date=dt.date(2026, 2, 1), dose_mg=D("700"), doses_per_day=2
    )
    reminders = services.monitoring_reminders(patient)
    assert {r.citation for r in reminders} == {"TX-4"}
    assert {"hla_b1502", "cbc", "lft", "sodium"} == {
        i.code for i in dosing.MEDICATIONS["carbamazepine"].monitoring
    }
    assert all(r.due for r in reminders) and len(reminders) == 4
    warnings = services.medication_warnings(med)
    assert [w.code for w in warnings] == ["max_daily"] and "1400" in warnings[0].message
    med.stop_date = dt.date(2026, 3, 1)
    med.drug = "baclofen"
    assert "stopping" in [w.code for w in services.medication_warnings(med)]


def _post_data(rows, **session):
    data = {
        "date": session.get("date", "2026-03-02"),
        "indication": session.get("indication", "hfs"),
        "notes": "",
        "inj-TOTAL_FORMS": str(len(rows)),
        "inj-INITIAL_FORMS": "0",
        "inj-MIN_NUM_FORMS": "0",
        "inj-MAX_NUM_FORMS": "60",
    }
    if session.get("ack"):
        data["acknowledge_warnings"] = "on"
    for i, (muscle, side, product, units) in enumerate(rows):
        data.update(
            {
                f"inj-{i}-muscle": muscle,
                f"inj-{i}-side": side,
                f"inj-{i}-product": product,
                f"inj-{i}-units": units,
                f"inj-{i}-lot": "C1234",
                f"inj-{i}-concentration": "25",
            }
        )
    return data


@pytest.mark.django_db
def test_recording_a_session_is_a_clinician_action(patient, clinician_client, staff_client):
    url = f"/clinic/treatments/patient/{patient.pk}/toxin/new/"
    data = _post_data([("oo_pretarsal_upper", "left", "ona", "2.5"), ("procerus", "midline", "ona", "2.5")])
    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url, data).status_code == 403
    assert ToxinSession.objects.count() == 0
    response = clinician_client.post(url, data)
    assert response.status_code == 302
    session = ToxinSession.objects.get()
    assert session.injections.count() == 2 and session.acknowledged_warnings == ""
    # Staff can read it.
    assert staff_client.get(f"/clinic/treatments/toxin/{session.pk}/").status_code == 200


@pytest.mark.django_db
def test_warnings_must_be_acknowledged_and_are_kept(patient, clinician_user, clinician_client):
    make_session(patient, clinician_user, dt.date(2026, 2, 2), [("mentalis", "left", "ona", "2.5")])
    url = f"/clinic/treatments/patient/{patient.pk}/toxin/new/"
    data = _post_data([("oo_pretarsal_upper", "left", "ona", "7.5")], date="2026-03-02")
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "under the 12-week retreatment interval" in text and "over 5 U per site" in text
    assert "tick this box to save" in text
    assert ToxinSession.objects.count() == 1  # nothing new saved
    response = clinician_client.post(url, {**data, "acknowledge_warnings": "on"})
    assert response.status_code == 302
    saved = ToxinSession.objects.order_by("-id").first()
    assert "[TX-1]" in saved.acknowledged_warnings and "per site" in saved.acknowledged_warnings


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "session", "message"),
    [
        ([("oo_pretarsal_upper", "left", "ona", "0")], {}, "greater than or equal to 0.01"),
        ([("oo_pretarsal_upper", "left", "ona", "abc")], {}, "Enter a number"),
        ([("procerus", "left", "ona", "2.5")], {}, "midline muscle"),
        ([("zygomaticus_major", "midline", "ona", "2.5")], {}, "choose the patient&#x27;s own side"),
        ([("oo_pretarsal_upper", "left", "botox-generic", "2.5")], {}, "Select a valid choice"),
        ([], {}, "Add at least one injection site"),
        ([("oo_pretarsal_upper", "left", "ona", "2.5")], {"date": "2099-01-01"}, "in the future"),
        ([("oo_pretarsal_upper", "left", "ona", "2.5")], {"date": "1950-01-01"}, "before the patient"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(patient, clinician_client, rows, session, message):
    response = clinician_client.post(
        f"/clinic/treatments/patient/{patient.pk}/toxin/new/", _post_data(rows, **session)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ToxinSession.objects.count() == 0 and ToxinInjection.objects.count() == 0


@pytest.mark.django_db
def test_medication_titration_and_monitoring_views(patient, clinician_client, staff_client):
    response = clinician_client.post(
        f"/clinic/treatments/patient/{patient.pk}/medication/new/",
        {"drug": "carbamazepine", "start_date": "2026-01-10", "indication": "HFS"},
    )
    med = Medication.objects.get()
    assert response.status_code == 302
    url = f"/clinic/treatments/medication/{med.pk}/"
    r = clinician_client.post(
        url,
        {"action": "step", "step-start_date": "2026-01-01", "step-dose_mg": "100", "step-doses_per_day": "2"},
    )
    assert "cannot start before the medication" in r.content.decode() and med.titration_steps.count() == 0
    clinician_client.post(
        url,
        {"action": "step", "step-start_date": "2026-01-10", "step-dose_mg": "100", "step-doses_per_day": "2"},
    )
    clinician_client.post(
        url, {"action": "check", "check-code": "cbc", "check-date": "2026-01-10", "check-result": "Normal"}
    )
    assert med.titration_steps.count() == 1 and med.monitoring_results.count() == 1
    page = staff_client.get(url).content.decode()
    assert "HLA-B*15:02" in page and "not recorded" in page and "Normal" in page
    assert (
        staff_client.post(
            url,
            {
                "action": "step",
                "step-start_date": "2026-01-11",
                "step-dose_mg": "1",
                "step-doses_per_day": "1",
            },
        ).status_code
        == 403
    )
    overview = staff_client.get(f"/clinic/treatments/patient/{patient.pk}/").content.decode()
    assert "Monitoring reminders" in overview and "Record toxin session" not in overview


@pytest.mark.django_db
def test_simple_records_and_referral_validation(patient, clinician_client):
    base = f"/clinic/treatments/patient/{patient.pk}/"
    r = clinician_client.post(
        base + "referral/new/",
        {
            "date": "2026-03-01",
            "procedure": "mvd",
            "side": "left",
            "surgeon": "Dr N",
            "reason": "HFS",
            "status": "operated",
        },
    )
    assert "Enter the operation date" in r.content.decode() and patient.surgical_referrals.count() == 0
    r = clinician_client.post(
        base + "therapy/new/", {"date": "2026-03-01", "kind": "biofeedback", "minutes": "45"}
    )
    assert r.status_code == 302 and patient.therapy_sessions.count() == 1
    r = clinician_client.post(
        base + "steroid/new/",
        {"date": "2026-03-01", "drug": "triamcinolone", "dose_mg": "-4", "site": "cheek", "side": "left"},
    )
    assert r.status_code == 200 and patient.steroid_injections.count() == 0
    assert clinician_client.get(base + "unknown/new/").status_code == 404


@pytest.mark.django_db
def test_follow_up_adverse_effects(patient, clinician_user, clinician_client, staff_client):
    session = make_session(
        patient, clinician_user, dt.date(2026, 3, 2), [("oo_pretarsal_upper", "left", "ona", "2.5")]
    )
    url = f"/clinic/treatments/toxin/{session.pk}/follow-up/new/"
    r = clinician_client.post(url, {"date": "2026-03-01", "ptosis": "on"})
    assert "cannot be before the injection session" in r.content.decode() and session.follow_ups.count() == 0
    assert staff_client.post(url, {"date": "2026-03-20", "ptosis": "on"}).status_code == 403
    r = clinician_client.post(
        url, {"date": "2026-03-20", "ptosis": "on", "diplopia": "on", "benefit_duration_weeks": "11"}
    )
    assert r.status_code == 302
    follow_up = session.follow_ups.get()
    assert follow_up.adverse_effects() == ["Ptosis (drooping eyelid)", "Diplopia (double vision)"]
    page = staff_client.get(f"/clinic/treatments/toxin/{session.pk}/").content.decode()
    assert "Ptosis (drooping eyelid), Diplopia (double vision)" in page and "benefit 11 weeks" in page


@pytest.mark.django_db
def test_views_are_audited_and_need_a_role(patient, clinician_user, clinician_client, norole_client, client):
    from facetwitch.clinic.accounts.models import AuditEntry

    session = make_session(
        patient, clinician_user, dt.date(2026, 3, 2), [("oo_pretarsal_upper", "left", "ona", "2.5")]
    )
    url = f"/clinic/treatments/toxin/{session.pk}/"
    assert client.get(url).status_code == 302
    assert norole_client.get(url).status_code == 403
    assert clinician_client.get(url).status_code == 200
    entry = AuditEntry.objects.filter(action="view", patient=patient).latest("at")
    assert entry.object_type == "ToxinSession" and entry.object_id == str(session.pk)


@pytest.mark.django_db
def test_patient_page_shows_treatment_section(patient, clinician_user, clinician_client, staff_client):
    make_session(patient, clinician_user, dt.date(2026, 3, 2), [("oo_pretarsal_upper", "left", "ona", "2.5")])
    med = Medication.objects.create(
        patient=patient, drug="carbamazepine", start_date=dt.date(2026, 1, 1), prescriber=clinician_user
    )
    TitrationStep.objects.create(
        medication=med, start_date=dt.date(2026, 1, 1), dose_mg=D("200"), doses_per_day=2
    )
    page = clinician_client.get(f"/clinic/patients/{patient.pk}/").content.decode()
    assert 'id="treatments-section"' in page
    assert "next cycle due from <strong>2026-05-25</strong>" in page
    assert "Carbamazepine 200 mg × 2/day" in page and "Complete blood count" in page
    assert "Record toxin session" in page
    assert "Record toxin session" not in staff_client.get(f"/clinic/patients/{patient.pk}/").content.decode()


@pytest.mark.django_db
def test_demo_seed_is_idempotent(patient, other_patient, clinician_user):
    from facetwitch.clinic.scheduling import demo as scheduling_demo
    from facetwitch.clinic.scheduling.models import Appointment
    from facetwitch.clinic.treatments import demo

    for _ in range(2):
        demo.seed([patient, other_patient])
        scheduling_demo.seed([patient, other_patient])
    assert patient.toxin_sessions.count() == 2 and other_patient.medications.count() == 1
    assert services.next_toxin_due(patient) is not None
    assert Appointment.objects.count() == 2
    for appointment in Appointment.objects.all():
        appointment.full_clean()  # inside clinic hours, no overlap


@pytest.mark.django_db
def test_index_lists_patients_due_for_next_cycle(
    patient, other_patient, clinician_user, clinician_client, staff_client
):
    from django.utils import timezone

    today = timezone.localdate()
    make_session(
        patient, clinician_user, today - dt.timedelta(weeks=11), [("mentalis", "left", "ona", "2.5")]
    )
    make_session(
        other_patient, clinician_user, today - dt.timedelta(weeks=2), [("mentalis", "left", "ona", "2.5")]
    )
    page = clinician_client.get("/clinic/treatments/").content.decode()
    due_table = page.split("Recent toxin sessions")[0]
    assert "Lopez, Maria" in due_table and "Okafor" not in due_table
    assert f"{today + dt.timedelta(weeks=1):%Y-%m-%d}" in due_table
    assert staff_client.get("/clinic/treatments/").status_code == 403  # treatments index is clinical
