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


def test_void_a_recording_with_its_reason_kept_and_audited(clinician_client, staff_client, world):
    patient = world["patients"][0]
    recording = Recording.objects.get(pk=1)
    url = reverse("recordings:correct", args=[patient.pk, recording.pk])
    assert staff_client.post(url, {"action": "void", "reason": "x"}).status_code == 403  # clinical correction
    r = clinician_client.post(url, {"action": "void", "reason": "  "}, follow=True)
    assert "Give the reason for voiding" in r.content.decode()
    clinician_client.post(url, {"action": "void", "reason": "Another patient's video"})
    recording.refresh_from_db()
    assert recording.status == "voided"
    correction = recording.corrections.get()
    assert correction.reason == "Another patient's video" and correction.previous_status == "failed"
    assert AuditEntry.objects.filter(patient=patient, detail__startswith="voided: Another").exists()
    page = clinician_client.get(
        reverse("recordings:detail", args=[patient.pk, recording.pk])
    ).content.decode()
    assert "Voided" in page and "Another patient&#x27;s video" in page
    # Never analysed again, and Retry does not bring it back.
    assert services.run_analysis(recording.pk) == "skipped"
    with pytest.raises(ValueError):
        services.retry(recording)


def test_move_a_recording_to_the_right_patient_files_follow(clinician_client, world):
    wrong, right = world["patients"][0], world["patients"][1]
    recording = Recording.objects.get(pk=1)
    video_bytes = recording.private_path(recording.video_file).read_bytes()
    url = reverse("recordings:correct", args=[wrong.pk, recording.pk])
    r = clinician_client.post(url, {"action": "move", "mrn": "NOPE", "reason": "wrong patient"}, follow=True)
    assert "No patient has the MRN" in r.content.decode()
    r = clinician_client.post(
        url, {"action": "move", "mrn": right.mrn.lower(), "reason": "uploaded under W-1"}
    )
    assert r["Location"] == reverse("recordings:detail", args=[right.pk, recording.pk])
    recording.refresh_from_db()
    assert recording.patient == right and recording.visit is None
    # The old URL is gone for the wrong patient; the video plays under the right one.
    assert clinician_client.get(reverse("recordings:video", args=[wrong.pk, recording.pk])).status_code == 404
    moved = clinician_client.get(reverse("recordings:video", args=[right.pk, recording.pk]))
    assert b"".join(moved.streaming_content) == video_bytes
    for p in (wrong, right):
        assert AuditEntry.objects.filter(patient=p, object_id=str(recording.pk), action="update").exists()
    assert recording.corrections.get().from_patient == wrong


def test_voided_toxin_session_is_kept_but_no_longer_counts(clinician_client, patient, clinician_user):
    from facetwitch.clinic.treatments import services as treatments
    from facetwitch.clinic.treatments.models import ToxinSession

    today = timezone.localdate()
    first = ToxinSession.objects.create(
        patient=patient, date=today - dt.timedelta(weeks=14), clinician=clinician_user, indication="hfs"
    )
    typo = ToxinSession.objects.create(
        patient=patient, date=today - dt.timedelta(weeks=1), clinician=clinician_user, indication="hfs"
    )
    assert treatments.next_toxin_due(patient) == typo.date + dt.timedelta(weeks=12)
    url = reverse("treatments:toxin_void", args=[typo.pk])
    clinician_client.post(url, {"reason": ""})
    assert ToxinSession.objects.filter(pk=typo.pk).exists()  # no reason: nothing voided
    clinician_client.post(url, {"reason": "Entered under the wrong patient"})
    # Kept on file with the reason, shown as voided, audited; warnings and the next due date are recomputed.
    voided = ToxinSession.all_objects.get(pk=typo.pk)
    assert voided.voided_at and voided.void_reason == "Entered under the wrong patient"
    assert list(patient.toxin_sessions.all()) == [first]
    assert treatments.next_toxin_due(patient) == first.date + dt.timedelta(weeks=12)
    page = clinician_client.get(reverse("treatments:toxin_detail", args=[typo.pk])).content.decode()
    assert 'id="session-voided"' in page
    assert AuditEntry.objects.filter(patient=patient, detail__startswith="toxin session voided").exists()
