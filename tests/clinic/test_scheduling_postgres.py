"""No double booking on PostgreSQL: the exclusion constraint (btree_gist, tstzrange &&) refuses overlaps written
without the form. Runs when the suite's database is PostgreSQL (scripts/run-tests.sh's postgres lane)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from facetwitch.clinic.scheduling.models import Appointment

NY = ZoneInfo("America/New_York")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("frozen_now"),
]


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(dt.date(2027, 3, 15), dt.time.fromisoformat(hhmm), tzinfo=NY)


def new(patient, clinician, start, minutes=30, status="booked"):
    return Appointment(
        patient=patient,
        clinician=clinician,
        visit_type="follow_up",
        start=at(start),
        end=at(start) + dt.timedelta(minutes=minutes),
        status=status,
    )


def test_exclusion_constraint_refuses_overlaps(patient, other_patient, clinician_user, staff_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://... (scripts/run-tests.sh runs this on PostgreSQL)")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = 'scheduling_appointment_no_overlap' AND contype = 'x'"
        )
        assert cur.fetchone() == (1,)
    new(patient, clinician_user, "09:00").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        new(other_patient, clinician_user, "09:15").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.bulk_create([new(other_patient, clinician_user, "08:45", 60)])
    new(other_patient, clinician_user, "09:30").save()  # back to back
    new(other_patient, staff_user, "09:00").save()  # another clinician
    new(other_patient, clinician_user, "09:00", status="cancelled").save()  # cancelled rows never block
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(start=at("09:30"), clinician=clinician_user).update(
            start=at("09:15"), end=at("09:45")
        )
    assert Appointment.objects.filter(clinician=clinician_user, status="booked").count() == 2


def test_patient_exclusion_constraint_refuses_overlaps(patient, other_patient, clinician_user, staff_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://... (scripts/run-tests.sh runs this on PostgreSQL)")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = 'scheduling_appointment_patient_no_overlap' "
            "AND contype = 'x'"
        )
        assert cur.fetchone() == (1,)
    new(patient, clinician_user, "09:00").save()
    with pytest.raises(IntegrityError, match="patient_no_overlap"), transaction.atomic():
        new(patient, staff_user, "09:15").save()
    new(patient, staff_user, "09:30").save()  # back to back
    new(other_patient, staff_user, "10:00").save()  # another patient
    new(patient, staff_user, "09:00", status="cancelled").save()  # cancelled rows never block
    assert Appointment.objects.filter(patient=patient, status="booked").count() == 2
