"""No double booking, enforced by the database for every writer (forms, admin, bulk_create, raw SQL).

PostgreSQL: an exclusion constraint over (clinician, [start, end)) with btree_gist, ignoring cancelled rows.
SQLite: BEFORE INSERT / BEFORE UPDATE triggers that abort with a constraint error on any overlap.
Both report django.db.IntegrityError to the application.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE scheduling_appointment ADD CONSTRAINT scheduling_appointment_no_overlap
       EXCLUDE USING gist (clinician_id WITH =, tstzrange("start", "end", '[)') WITH &&)
       WHERE (status <> 'cancelled')""",
]
PG_REVERSE = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS scheduling_appointment_no_overlap"
]

_SQLITE_OVERLAP = """
    NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM scheduling_appointment AS a
        WHERE a.clinician_id = NEW.clinician_id AND a.status <> 'cancelled' AND a.id IS NOT NEW.id
          AND julianday(a."start") < julianday(NEW."end") AND julianday(NEW."start") < julianday(a."end"))
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER scheduling_appointment_no_overlap_insert BEFORE INSERT ON scheduling_appointment
        WHEN {_SQLITE_OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'scheduling_appointment_no_overlap: the clinician is already booked then'); END""",
    f"""CREATE TRIGGER scheduling_appointment_no_overlap_update
        BEFORE UPDATE OF "start", "end", clinician_id, status ON scheduling_appointment
        WHEN {_SQLITE_OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'scheduling_appointment_no_overlap: the clinician is already booked then'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS scheduling_appointment_no_overlap_insert",
    "DROP TRIGGER IF EXISTS scheduling_appointment_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(
                f"No double-booking constraint for database '{vendor}': use PostgreSQL or SQLite."
            )
        for sql in statements_by_vendor[vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
