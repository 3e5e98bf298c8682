"""Who may do what with recordings, and lookups that never cross patients."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from facetwitch.clinic.accounts.roles import ADMIN, CLINICIAN, STAFF, has_role
from facetwitch.clinic.recordings.models import Recording

# Staff handle uploads and watch the queue; clinicians and staff both see results (as they see visit scales).
VIEW_ROLES = (CLINICIAN, STAFF, ADMIN)
UPLOAD_ROLES = (CLINICIAN, STAFF, ADMIN)
# Confirming suggested scales edits a visit: clinical data.
SCALES_ROLES = (CLINICIAN, ADMIN)


def get_patient(patient_id: int):
    from facetwitch.clinic.patients.models import Patient

    return get_object_or_404(Patient, pk=patient_id)


def get_recording(patient_id: int, pk: int) -> Recording:
    """The recording ``pk`` of patient ``patient_id``; 404 when it belongs to anyone else."""
    try:
        return Recording.objects.select_related("patient", "visit").get(pk=pk, patient_id=patient_id)
    except Recording.DoesNotExist:
        raise Http404("No such recording for this patient.") from None


def has_consent(patient) -> bool:
    """Consent to video recording on file (clinic-core's rule: the tick and its date)."""
    return bool(getattr(patient, "has_video_consent", patient.video_consent))


CONSENT_WITHDRAWN = (
    "The patient's consent to video recording is not on file (withdrawn or never given), so this video and its "
    "analysis are not served or analysed. Record the consent again on the patient's page to restore access."
)


def refuse_without_consent(request, recording: Recording):
    """A 403 that says why, audited, when the recording's patient has no video consent on file; else None."""
    from django.http import HttpResponseForbidden

    from facetwitch.clinic.accounts.audit import audit

    if has_consent(recording.patient):
        return None
    audit(
        request, "view", patient=recording.patient, obj=recording, detail="refused: no video consent on file"
    )
    return HttpResponseForbidden(CONSENT_WITHDRAWN, content_type="text/plain; charset=utf-8")


def can_apply_scales(user) -> bool:
    return has_role(user, *SCALES_ROLES)
