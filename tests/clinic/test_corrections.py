"""Corrections and consent: no completing a future appointment; withdrawn video consent stops serving and
analysing the patient's videos (with the reason shown and audited) and re-consent restores access."""

from __future__ import annotations

import datetime as dt

import pytest
import urlwalk
from django.urls import reverse
from django.utils import timezone

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.recordings import services
from facetwitch.clinic.recordings.models import Recording
from facetwitch.clinic.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(clinician_user):
    return urlwalk.build_world(clinician_user)


def test_a_future_appointment_cannot_be_completed(staff_client, world):
    future = Appointment.objects.get(pk=1)
    assert future.start > timezone.now()
    r = staff_client.post(reverse("scheduling:complete", args=[future.pk]), follow=True)
    assert "can be marked completed only once it has begun" in r.content.decode()
    future.refresh_from_db()
    assert future.status == "booked"
    Appointment.objects.filter(pk=1).update(
        start=timezone.now() - dt.timedelta(hours=1), end=timezone.now() - dt.timedelta(minutes=30)
    )
    staff_client.post(reverse("scheduling:complete", args=[future.pk]))
    future.refresh_from_db()
    assert future.status == "completed"


def test_withdrawn_consent_stops_serving_and_analysing_and_reconsent_restores(clinician_client, world):
    patient = world["patients"][0]
    recording = Recording.objects.get(pk=1)
    video_url = reverse("recordings:video", args=[patient.pk, recording.pk])
    assert clinician_client.get(video_url).status_code == 200

    patient.video_consent, patient.video_consent_date = False, None
    patient.save()
    refused = clinician_client.get(video_url)
    assert (
        refused.status_code == 403 and "consent to video recording is not on file" in refused.content.decode()
    )
    assert AuditEntry.objects.filter(
        patient=patient, object_id=str(recording.pk), detail="refused: no video consent on file"
    ).exists()
    page = clinician_client.get(
        reverse("recordings:detail", args=[patient.pk, recording.pk])
    ).content.decode()
    assert 'id="consent-withdrawn"' in page and video_url not in page
    # Retry is refused with the reason; a queued analysis fails with it before the engine runs.
    with pytest.raises(ValueError, match="consent"):
        services.retry(recording)
    Recording.objects.filter(pk=recording.pk).update(status="queued", task_id="")
    assert services.run_analysis(recording.pk) == "failed"
    recording.refresh_from_db()
    assert "consent" in recording.error_message

    patient.video_consent, patient.video_consent_date = True, timezone.localdate()
    patient.save()
    assert clinician_client.get(video_url).status_code == 200
