"""Scheduling: clinic hours (weekends, DST dates), database-enforced no double booking (SQLite here; PostgreSQL in
test_scheduling_postgres.py), booking views, reschedule/cancel, .ics export parsed back, suggested follow-up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar

from facetwitch.clinic.scheduling import hours
from facetwitch.clinic.scheduling.models import Appointment

NY = ZoneInfo("America/New_York")
# Named 2027 days must stay in the future (the form refuses past times): the clock is fixed before them.
pytestmark = pytest.mark.usefixtures("frozen_now")
UTC = dt.UTC


def at(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), tzinfo=NY)


def appt(patient, clinician, start: dt.datetime, minutes=30, status="booked", visit_type="follow_up"):
    return Appointment(
        patient=patient,
        clinician=clinician,
        visit_type=visit_type,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        status=status,
    )


@pytest.mark.parametrize(
    ("start", "minutes", "ok"),
    [
        (at("2027-03-01", "08:30"), 60, True),  # Monday, opening time
        (at("2027-03-01", "16:30"), 30, True),  # ends at closing time
        (at("2027-03-01", "16:30"), 60, False),  # ends 17:30
        (at("2027-03-01", "08:15"), 15, False),  # before opening
        (at("2027-03-13", "10:00"), 30, False),  # Saturday
        (at("2027-03-14", "10:00"), 30, False),  # Sunday (and the DST change day)
        (at("2027-03-01", "09:10"), 30, False),  # not on the quarter hour
    ],
)
def test_clinic_hours(start, minutes, ok):
    problems = hours.hours_problems(start, start + dt.timedelta(minutes=minutes))
    assert (problems == []) is ok, problems


def test_hours_follow_local_time_across_dst():
    # 08:30 New York is 12:30 UTC in summer time (after 2027-03-14) and 13:30 UTC in winter (after 2027-11-07).
    summer = dt.datetime(2027, 3, 15, 12, 30, tzinfo=UTC)
    winter = dt.datetime(2027, 11, 8, 13, 30, tzinfo=UTC)
    for start in (summer, winter):
        assert hours.hours_problems(start, start + dt.timedelta(minutes=30)) == []
    # The same UTC wall time one side of the change is 07:30 local: refused.
    early = dt.datetime(2027, 11, 8, 12, 30, tzinfo=UTC)
    problems = hours.hours_problems(early, early + dt.timedelta(minutes=30))
    assert problems and "07:30" in problems[0] and "America/New_York" in problems[0]
    assert hours.local_datetime(dt.date(2027, 3, 15), dt.time(8, 30)).astimezone(UTC).hour == 12
    assert hours.local_datetime(dt.date(2027, 11, 8), dt.time(8, 30)).astimezone(UTC).hour == 13


def test_hours_are_configurable(settings):
    settings.CLINIC_HOURS = {"weekdays": [5], "open": "10:00", "close": "12:00"}
    assert hours.hours_problems(at("2027-03-13", "10:00"), at("2027-03-13", "11:00")) == []  # Saturday clinic
    assert hours.hours_problems(at("2027-03-01", "10:00"), at("2027-03-01", "11:00"))  # Monday closed
    assert hours.clinic_hours().describe() == "Saturday 10:00–12:00 (America/New_York)"


@pytest.mark.django_db(transaction=True)
def test_database_refuses_double_booking_without_the_form(patient, other_patient, clinician_user, staff_user):
    appt(patient, clinician_user, at("2027-03-01", "09:00")).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            patient=other_patient,
            clinician=clinician_user,
            visit_type="follow_up",
            start=at("2027-03-01", "09:15"),
            end=at("2027-03-01", "09:45"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.bulk_create([appt(other_patient, clinician_user, at("2027-03-01", "08:45"), 60)])
    # Back to back is fine, a different clinician is fine, a cancelled slot is free again.
    appt(other_patient, clinician_user, at("2027-03-01", "09:30")).save()
    appt(other_patient, staff_user, at("2027-03-01", "09:00")).save()
    first = Appointment.objects.get(start=at("2027-03-01", "09:00"), clinician=clinician_user)
    first.status = "cancelled"
    first.save()
    appt(patient, clinician_user, at("2027-03-01", "09:00")).save()
    # Moving an appointment onto another one is refused too (UPDATE).
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(start=at("2027-03-01", "09:30"), clinician=clinician_user).update(
            start=at("2027-03-01", "09:15"), end=at("2027-03-01", "09:45")
        )
    assert Appointment.objects.filter(clinician=clinician_user).exclude(status="cancelled").count() == 2


@pytest.mark.django_db(transaction=True)
def test_database_refuses_one_patient_with_two_clinicians_at_once(
    patient, other_patient, clinician_user, staff_user
):
    appt(patient, clinician_user, at("2027-03-01", "09:00")).save()
    with pytest.raises(IntegrityError, match="patient_no_overlap"), transaction.atomic():
        appt(patient, staff_user, at("2027-03-01", "09:15")).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.bulk_create([appt(patient, staff_user, at("2027-03-01", "08:45"), 60)])
    appt(patient, staff_user, at("2027-03-01", "09:30")).save()  # back to back
    appt(other_patient, staff_user, at("2027-03-01", "10:00")).save()  # another patient
    appt(patient, staff_user, at("2027-03-01", "09:00"), status="cancelled").save()  # cancelled never blocks
    with pytest.raises(IntegrityError), transaction.atomic():  # moving onto the patient's other visit
        Appointment.objects.filter(patient=patient, clinician=staff_user, status="booked").update(
            start=at("2027-03-01", "09:10"), end=at("2027-03-01", "09:40")
        )


@pytest.mark.django_db
def test_booking_form_explains_a_patient_double_booking(staff_client, patient, clinician_user):
    from django.contrib.auth.models import Group, User

    second = User.objects.create_user("drtwo", password="unused-pw-42", first_name="Otto")
    second.groups.add(Group.objects.get_or_create(name="clinician")[0])
    assert _book(staff_client, patient, clinician_user, "2027-03-15", "09:00").status_code == 302
    r = _book(staff_client, patient, second, "2027-03-15", "09:30")
    assert (
        r.status_code == 200 and "This patient already has an appointment at this time" in r.content.decode()
    )
    assert Appointment.objects.count() == 1


def _book(client, patient, clinician, day, time, visit_type="new"):
    return client.post(
        "/clinic/scheduling/new/",
        {
            "patient": patient.pk,
            "clinician": clinician.pk,
            "visit_type": visit_type,
            "date": day,
            "time": time,
            "notes": "",
        },
    )


@pytest.mark.django_db
def test_booking_form_in_and_out_of_hours(patient, other_patient, clinician_user, staff_client):
    r = _book(staff_client, patient, clinician_user, "2027-03-15", "08:30")
    assert r.status_code == 302
    booked = Appointment.objects.get()
    assert booked.start == dt.datetime(2027, 3, 15, 12, 30, tzinfo=UTC) and booked.minutes == 60
    for day, time, message in [
        ("2027-03-13", "10:00", "closed on Saturdays"),
        ("2027-03-15", "16:30", "outside clinic hours"),
        ("2027-03-15", "09:00", "already booked"),
        ("2020-03-16", "09:00", "already passed"),
        ("2027-03-15", "25:00", "Enter a valid time"),
    ]:
        r = _book(staff_client, other_patient, clinician_user, day, time)
        assert r.status_code == 200 and message in r.content.decode(), message
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_booking_roles(patient, clinician_user, clinician_client, norole_client, client):
    assert _book(clinician_client, patient, clinician_user, "2027-03-15", "10:00").status_code == 302
    assert _book(norole_client, patient, clinician_user, "2027-03-15", "11:00").status_code == 403
    assert _book(client, patient, clinician_user, "2027-03-15", "11:00").status_code == 302  # to login
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_reschedule_cancel_complete(patient, other_patient, clinician_user, staff_client):
    a = appt(patient, clinician_user, at("2027-03-15", "10:00"))
    a.save()
    b = appt(other_patient, clinician_user, at("2027-03-15", "11:00"))
    b.save()
    url = f"/clinic/scheduling/{a.pk}/reschedule/"
    r = staff_client.post(url, {"date": "2027-03-15", "time": "11:15", "clinician": clinician_user.pk})
    assert "already booked" in r.content.decode()
    a.refresh_from_db()
    assert a.start == at("2027-03-15", "10:00")
    r = staff_client.post(url, {"date": "2027-03-16", "time": "14:00", "clinician": clinician_user.pk})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.start == at("2027-03-16", "14:00") and a.end == at("2027-03-16", "14:30")
    assert staff_client.post(f"/clinic/scheduling/{a.pk}/cancel/", {"reason": ""}).status_code == 302
    a.refresh_from_db()
    assert a.status == "booked"
    staff_client.post(f"/clinic/scheduling/{a.pk}/cancel/", {"reason": "Patient unwell"})
    a.refresh_from_db()
    assert a.status == "cancelled" and a.cancel_reason == "Patient unwell"
    staff_client.post(f"/clinic/scheduling/{b.pk}/complete/")
    b.refresh_from_db()
    assert b.status == "booked"  # not yet begun: cannot be completed
    past = timezone.now() - dt.timedelta(hours=1)
    Appointment.objects.filter(pk=b.pk).update(start=past, end=past + dt.timedelta(minutes=30))
    staff_client.post(f"/clinic/scheduling/{b.pk}/complete/")
    b.refresh_from_db()
    assert b.status == "completed"


@pytest.mark.django_db
def test_ics_export_parses_back(patient, clinician_user, staff_user, clinician_client, staff_client, client):
    a = appt(patient, clinician_user, at("2027-11-08", "08:30"), visit_type="toxin")
    a.save()
    r = staff_client.get(f"/clinic/scheduling/{a.pk}/appointment.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(r.content).walk("VEVENT")
    assert len(events) == 1
    ev = events[0]
    assert ev.decoded("dtstart") == dt.datetime(2027, 11, 8, 13, 30, tzinfo=UTC)
    assert ev.decoded("dtend") - ev.decoded("dtstart") == dt.timedelta(minutes=30)
    assert (
        str(ev["summary"]) == "Botulinum toxin injection: Lopez, Maria" and str(ev["status"]) == "CONFIRMED"
    )
    assert str(ev["uid"]) == f"appointment-{a.pk}@facetwitch.clinic"
    feed_url = f"/clinic/scheduling/feed/{clinician_user.pk}.ics"
    assert client.get(feed_url).status_code == 302  # login required
    assert clinician_client.get(f"/clinic/scheduling/feed/{staff_user.pk}.ics").status_code == 403
    feed = Calendar.from_ical(clinician_client.get(feed_url).content)
    assert [str(e["uid"]) for e in feed.walk("VEVENT")] == [f"appointment-{a.pk}@facetwitch.clinic"]
    a.status = "cancelled"
    a.save()
    feed = Calendar.from_ical(staff_client.get(feed_url).content)  # staff may read any clinician's feed
    assert [str(e["status"]) for e in feed.walk("VEVENT")] == ["CANCELLED"]  # calendar apps drop it


@pytest.mark.django_db
def test_suggested_followup_when_toxin_cycle_is_due(patient, clinician_user, staff_client):
    from django.utils import timezone

    from facetwitch.clinic.scheduling.services import suggest_toxin_followup
    from facetwitch.clinic.treatments.models import ToxinSession

    assert suggest_toxin_followup(patient) is None
    last = ToxinSession.objects.create(
        patient=patient,
        date=timezone.localdate() - dt.timedelta(weeks=10),
        clinician=clinician_user,
        indication="hfs",
    )
    s = suggest_toxin_followup(patient)
    assert s.due == last.date + dt.timedelta(weeks=12)
    local = s.start.astimezone(NY)
    assert local.date() >= s.due and local.weekday() < 5 and dt.time(8, 30) <= local.time() <= dt.time(16, 30)
    assert s.clinician == clinician_user
    # Booking that slot uses it up; the next suggestion is gone (a toxin visit is booked after the due date).
    r = _book(
        staff_client, patient, clinician_user, local.date().isoformat(), local.strftime("%H:%M"), "toxin"
    )
    assert r.status_code == 302
    assert suggest_toxin_followup(patient) is None


@pytest.mark.django_db
def test_patient_page_suggests_next_toxin_cycle(patient, clinician_user, staff_client):
    from django.utils import timezone

    from facetwitch.clinic.treatments.models import ToxinSession

    last = ToxinSession.objects.create(
        patient=patient,
        date=timezone.localdate() - dt.timedelta(weeks=11),
        clinician=clinician_user,
        indication="hfs",
    )
    page = staff_client.get(f"/clinic/patients/{patient.pk}/").content.decode()
    assert 'id="scheduling-section"' in page and 'id="suggested-followup"' in page
    assert f"due from <strong>{last.date + dt.timedelta(weeks=12):%Y-%m-%d}</strong>" in page
    assert "visit_type=toxin" in page and f"clinician={clinician_user.pk}" in page


@pytest.mark.django_db
def test_day_view_lists_local_times(patient, clinician_user, staff_client):
    appt(patient, clinician_user, at("2027-11-08", "08:30")).save()
    page = staff_client.get("/clinic/scheduling/?date=2027-11-08").content.decode()
    assert "08:30–09:00" in page and "Lopez, Maria" in page
    assert (
        "No appointments this day" in staff_client.get("/clinic/scheduling/?date=2027-11-09").content.decode()
    )
    assert staff_client.get("/clinic/scheduling/?date=garbage").status_code == 200
