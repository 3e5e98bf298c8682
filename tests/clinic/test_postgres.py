"""Database-level behaviour that must hold on SQLite and on PostgreSQL.

Marked ``postgres``: scripts/run-tests.sh runs these a second time with DATABASE_URL pointing at a real,
throwaway PostgreSQL server (and they run on SQLite in the main run).
"""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from facetwitch.clinic.patients.models import Patient, Visit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_configured_database_is_the_one_in_use():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_all_migrations_are_applied_and_models_have_no_unmigrated_changes():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    out = StringIO()
    # --check exits non-zero when a model change lacks its migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_scale_ranges_are_enforced_by_the_database(patient):
    for field, value in [
        ("smc_grade", 0),
        ("smc_grade", 5),
        ("jankovic_severity", 5),
        ("house_brackmann", 7),
        ("hfs7_total", 29),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Visit.objects.create(patient=patient, date=dt.date(2026, 1, 1), **{field: value})
    assert not Visit.objects.exists()


def test_consent_without_date_is_refused_by_the_database(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(video_consent_date=None)
    patient.refresh_from_db()
    assert patient.has_video_consent


def test_mrn_is_unique(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(
            mrn=patient.mrn, given_name="X", family_name="Y", date_of_birth=dt.date(1990, 1, 1)
        )


def test_deleting_a_patient_removes_visits_but_keeps_the_audit_trail(clinician_client, patient, visit):
    from facetwitch.clinic.accounts.models import AuditEntry

    clinician_client.get(reverse("patients:detail", args=[patient.pk]))
    entry = AuditEntry.objects.get(patient=patient, action="view")
    patient.delete()
    assert not Visit.objects.exists()
    entry.refresh_from_db()
    assert entry.patient is None and entry.username == "clinician"


def test_patient_and_visit_crud_through_the_views(clinician_client):
    create = clinician_client.post(
        reverse("patients:create"),
        {
            "mrn": "PG-1",
            "given_name": "Zoë",
            "family_name": "Ångström",
            "date_of_birth": "1980-02-29",
            "sex": "female",
            "video_consent": "on",
            "video_consent_date": "2026-01-02",
            "onset_side": "left",
        },
    )
    assert create.status_code == 302
    patient = Patient.objects.get(mrn="PG-1")
    assert patient.family_name == "Ångström"  # UTF-8 round trip
    # Case-insensitive search with non-ASCII letters.
    page = clinician_client.get(reverse("patients:list"), {"q": "zoë"}).content.decode()
    assert "PG-1" in page
    visit = clinician_client.post(
        reverse("patients:visit_create", args=[patient.pk]),
        {"date": "2026-02-01", "jankovic_severity": "3", "jankovic_frequency": "2", "smc_grade": "1"},
    )
    assert visit.status_code == 302
    saved = Visit.objects.get(patient=patient)
    edit = clinician_client.post(
        reverse("patients:visit_edit", args=[patient.pk, saved.pk]),
        {"date": "2026-02-01", "jankovic_severity": "1", "jankovic_frequency": "1"},
    )
    assert edit.status_code == 302
    saved.refresh_from_db()
    assert (saved.jankovic_severity, saved.jankovic_frequency, saved.smc_grade) == (1, 1, None)


def test_seed_demo_is_idempotent(monkeypatch):
    from django.contrib.auth.models import User

    from facetwitch.clinic.patients import demo

    monkeypatch.setattr(demo, "APP_HOOKS", ())  # the other apps' demo data have their own tests

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    counts = (User.objects.count(), Patient.objects.count(), Visit.objects.count())
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert (User.objects.count(), Patient.objects.count(), Visit.objects.count()) == counts
    assert Patient.objects.filter(mrn__startswith="DEMO-").count() == 4
