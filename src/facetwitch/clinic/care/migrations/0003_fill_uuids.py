"""Data migration: a fresh random UUID for every existing assessment and care plan, and export ids for existing
patients. Separate from the schema steps (PostgreSQL cannot alter a table with pending updates in one transaction)."""

import uuid

from django.db import migrations


def fill_uuids(apps, schema_editor):
    """A fresh random UUID for every existing row (unique per row and per installation); existing patients get
    their export id now, other records on first export."""
    for name in ("Assessment", "CarePlan"):
        model = apps.get_model("care", name)
        for pk in model.objects.filter(uuid__isnull=True).values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())
    exported_id = apps.get_model("care", "ExportedId")
    patient = apps.get_model("patients", "Patient")
    exported_id.objects.bulk_create(
        [
            exported_id(record=f"patients.patient:{pk}", uuid=uuid.uuid4())
            for pk in patient.objects.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0002_assessment_findings_uuids"),
        ("patients", "0002_constraints"),
    ]

    operations = [migrations.RunPython(fill_uuids, migrations.RunPython.noop)]
