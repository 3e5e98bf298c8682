"""``{% scheduling_summary patient as sched %}`` for the patient page section."""

from __future__ import annotations

from django import template
from django.utils import timezone

from facetwitch.clinic.scheduling.models import BOOKED
from facetwitch.clinic.scheduling.services import suggest_toxin_followup

register = template.Library()


@register.simple_tag
def scheduling_summary(patient) -> dict:
    upcoming = patient.appointments.filter(status=BOOKED, end__gte=timezone.now()).select_related("clinician")
    return {"upcoming": list(upcoming[:5]), "suggestion": suggest_toxin_followup(patient)}
