"""``{% treatments_summary patient as tx %}`` for the patient page section; ``{% retreatment_weeks %}`` prints the
label retreatment interval defined once in treatments/dosing.py (templates never hard-code it)."""

from __future__ import annotations

from django import template

from facetwitch.clinic.accounts.roles import CLINICIAN, has_role
from facetwitch.clinic.treatments import dosing, services

register = template.Library()


@register.simple_tag
def retreatment_weeks() -> int:
    """The minimum weeks between two toxin sessions (TX-1, TX-2, TX-3)."""
    return dosing.MIN_RETREATMENT_WEEKS


@register.simple_tag(takes_context=True)
def treatments_summary(context, patient) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    last = services.last_toxin_session(patient)
    return {
        "last": last,
        "last_totals": services.totals_table(last) if last else [],
        "next_due": services.next_toxin_due(patient),
        "active_medications": [m for m in patient.medications.all() if m.active],
        "reminders": services.monitoring_reminders(patient),
        "can_record": user is not None and has_role(user, CLINICIAN),
    }
