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


def can_apply_scales(user) -> bool:
    return has_role(user, *SCALES_ROLES)
