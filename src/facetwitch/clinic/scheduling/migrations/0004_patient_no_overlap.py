"""One patient in one place at a time, enforced by the database like the clinician rule of 0002_no_overlap:
no two active (not cancelled) appointments of the same patient may overlap, whoever the clinicians are.

PostgreSQL: an exclusion constraint over (patient, [start, end)) with btree_gist, ignoring cancelled rows.
SQLite: BEFORE INSERT / BEFORE UPDATE triggers that abort with a constraint error on any overlap.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE scheduling_appointment ADD CONSTRAINT scheduling_appointment_patient_no_overlap
       EXCLUDE USING gist (patient_id WITH =, tstzrange("start", "end", '[)') WITH &&)
       WHERE (status <> 'cancelled')""",
]
PG_REVERSE = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS scheduling_appointment_patient_no_overlap"
]

_SQLITE_OVERLAP = """
    NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM scheduling_appointment AS a
        WHERE a.patient_id = NEW.patient_id AND a.status <> 'cancelled' AND a.id IS NOT NEW.id
          AND julianday(a."start") < julianday(NEW."end") AND julianday(NEW."start") < julianday(a."end"))
"""
_MESSAGE = "scheduling_appointment_patient_no_overlap: the patient already has an appointment then"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER scheduling_appointment_patient_no_overlap_insert BEFORE INSERT ON scheduling_appointment
        WHEN {_SQLITE_OVERLAP}
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
    f"""CREATE TRIGGER scheduling_appointment_patient_no_overlap_update
        BEFORE UPDATE OF "start", "end", patient_id, status ON scheduling_appointment
        WHEN {_SQLITE_OVERLAP}
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS scheduling_appointment_patient_no_overlap_insert",
    "DROP TRIGGER IF EXISTS scheduling_appointment_patient_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(
                f"No patient double-booking constraint for database '{vendor}': use PostgreSQL or SQLite."
            )
        for sql in statements_by_vendor[vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_calendarfeedtoken")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
