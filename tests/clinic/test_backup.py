"""Backup -> wipe -> restore brings back the same patients, recordings (their videos play) and audit entries."""

from __future__ import annotations

import shutil

import pytest
import urlwalk
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.patients.models import Patient
from facetwitch.clinic.recordings.models import Recording

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_wipe_restore_gives_back_a_working_clinic(
    clinician_user, clinician_client, settings, tmp_path
):
    world = urlwalk.build_world(clinician_user)
    patient = world["patients"][0]
    clinician_client.get(reverse("patients:detail", args=[patient.pk]))
    video = Recording.objects.get(pk=1)
    video_bytes = video.private_path(video.video_file).read_bytes()
    before = {
        "patients": sorted(Patient.objects.values_list("mrn", "given_name", "family_name", "search_text")),
        "recordings": sorted(Recording.objects.values_list("pk", "patient__mrn", "sha256", "video_file")),
        "audit": sorted(
            AuditEntry.objects.values_list("pk", "user__username", "action", "patient_id", "detail")
        ),
    }
    archive = tmp_path / "backups" / "clinic.tar.gz"
    call_command("backup_clinic", str(archive))
    assert archive.stat().st_mode & 0o777 == 0o600

    # Wipe: the database and the private files.
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.PRIVATE_MEDIA_ROOT)
    assert not Patient.objects.exists()

    call_command("backup_clinic", str(archive), "--restore")
    after = {
        "patients": sorted(Patient.objects.values_list("mrn", "given_name", "family_name", "search_text")),
        "recordings": sorted(Recording.objects.values_list("pk", "patient__mrn", "sha256", "video_file")),
        "audit": sorted(
            AuditEntry.objects.values_list("pk", "user__username", "action", "patient_id", "detail")
        ),
    }
    assert after == before
    from django.contrib.auth.models import User

    # Sessions are not backed up: sign in again (users are restored by username, their ids may differ).
    clinician_client.force_login(User.objects.get(username=clinician_user.username))
    played = clinician_client.get(reverse("recordings:video", args=[patient.pk, video.pk]))
    assert played.status_code == 200 and b"".join(played.streaming_content) == video_bytes
    # A second restore over data needs --replace.
    with pytest.raises(CommandError, match="already has patients"):
        call_command("backup_clinic", str(archive), "--restore")
    call_command("backup_clinic", str(archive), "--restore", "--replace")
    assert Patient.objects.count() == len(before["patients"])
