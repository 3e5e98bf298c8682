"""``manage.py backup_clinic OUT.tar.gz`` / ``manage.py backup_clinic --restore IN.tar.gz``: the whole clinic
(database and private files) in one archive, and back.

The database is dumped first, inside one transaction (a consistent snapshot on SQLite and PostgreSQL alike, in
Django's portable JSON), then the private files (videos, analysis results) are added: a file is always written
before the row that names it, so every row in the dump finds its file. The archive is written to a temporary
name and renamed when complete. Restore refuses a non-empty clinic unless ``--replace`` is given, then loads the
rows and puts the files back.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

FORMAT = "facetwitch-clinic-backup/1"
#: Tables rebuilt by Django or that hold nothing worth keeping (sessions expire; content types/permissions are
#: made by migrate).
EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


class Command(BaseCommand):
    help = "Back up the clinic (database + private files) to one archive, or restore one (--restore)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar.gz archive to write, or to read with --restore.")
        parser.add_argument("--restore", action="store_true", help="Restore the archive into this clinic.")
        parser.add_argument(
            "--replace", action="store_true", help="With --restore: replace a clinic that already has data."
        )

    def handle(self, *args, archive, restore, replace, **options):
        path = Path(archive)
        if restore:
            self._restore(path, replace)
        else:
            self._backup(path)

    def _backup(self, path: Path) -> None:
        private = Path(settings.PRIVATE_MEDIA_ROOT)
        dump = io.StringIO()
        with transaction.atomic():
            # Natural keys for users and groups: they match the role groups a fresh install already made.
            call_command(
                "dumpdata",
                exclude=EXCLUDE,
                natural_foreign=True,
                natural_primary=True,
                stdout=dump,
                indent=None,
            )
        data = dump.getvalue().encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".backup-", dir=path.parent)
        os.close(fd)
        try:
            with tarfile.open(tmp, "w:gz") as tar:
                meta = json.dumps({"format": FORMAT}).encode()
                for name, payload in (("FORMAT.json", meta), ("database.json", data)):
                    info = tarfile.TarInfo(name)
                    info.size = len(payload)
                    tar.addfile(info, io.BytesIO(payload))
                if private.is_dir():
                    tar.add(private, arcname="private")
            os.chmod(tmp, 0o600)  # health data
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stdout.write(f"Backed up the clinic to {path} ({path.stat().st_size} bytes).")

    def _restore(self, path: Path, replace: bool) -> None:
        from facetwitch.clinic.patients.models import Patient

        if not path.is_file():
            raise CommandError(f"{path}: no such backup archive.")
        with tarfile.open(path, "r:gz") as tar:
            try:
                meta = json.loads(tar.extractfile("FORMAT.json").read())
            except (KeyError, AttributeError, ValueError) as exc:
                raise CommandError(f"{path} is not a facetwitch clinic backup ({exc}).") from exc
            if meta.get("format") != FORMAT:
                raise CommandError(f"{path}: unknown backup format {meta.get('format')!r}.")
            if Patient.objects.exists() and not replace:
                raise CommandError(
                    "This clinic already has patients: restore into an empty clinic, or add --replace."
                )
            with tempfile.TemporaryDirectory() as tmp:
                tar.extractall(tmp, filter="data")
                with transaction.atomic():
                    if replace:
                        call_command("flush", interactive=False, verbosity=0)
                    call_command("loaddata", str(Path(tmp) / "database.json"), verbosity=0)
                extracted = Path(tmp) / "private"
                target = Path(settings.PRIVATE_MEDIA_ROOT)
                if extracted.is_dir():
                    for source in extracted.rglob("*"):
                        destination = target / source.relative_to(extracted)
                        if source.is_dir():
                            destination.mkdir(parents=True, exist_ok=True)
                        else:
                            destination.parent.mkdir(parents=True, exist_ok=True)
                            os.replace(source, destination)
        self.stdout.write(f"Restored the clinic from {path}.")
