"""Booking services: free slots, the suggested toxin follow-up, and saving with the database as the judge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from facetwitch.clinic.scheduling import hours
from facetwitch.clinic.scheduling.models import CANCELLED, Appointment
from facetwitch.clinic.treatments.services import last_toxin_session, next_toxin_due

DOUBLE_BOOKED = "That clinician is already booked at this time (someone may have just taken the slot). Choose another time."
PATIENT_DOUBLE_BOOKED = (
    "This patient already has an appointment at this time (perhaps with another clinician). Choose another "
    "time, or reschedule or cancel the other appointment first."
)


class DoubleBooking(Exception):
    """The database refused an overlapping appointment."""


def save_appointment(appointment: Appointment) -> Appointment:
    """Save, translating the database's overlap refusal into :class:`DoubleBooking` (nothing is saved)."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        which = PATIENT_DOUBLE_BOOKED if "patient_no_overlap" in str(exc) else DOUBLE_BOOKED
        raise DoubleBooking(which) from exc
    return appointment


FEED_PAST_DAYS = 30  # calendar feeds keep the last month so that recent visits stay visible


def feed_appointments(clinician):
    """A clinician's appointments for a calendar feed: those ending in the last month and all future ones."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    return Appointment.objects.filter(clinician=clinician, end__gte=since).select_related(
        "patient", "clinician"
    )


def clinicians():
    """Users in the clinician group, by name."""
    return (
        get_user_model()
        .objects.filter(groups__name="clinician", is_active=True)
        .order_by("last_name", "username")
    )


def free_slots(
    clinician, day: date, visit_type: str, *, not_before: datetime | None = None
) -> list[datetime]:
    """Start times on ``day`` where ``clinician`` is free for a whole visit of ``visit_type``."""
    minutes = hours.visit_minutes(visit_type)
    candidates = hours.day_slots(day, minutes)
    if not candidates:
        return []
    busy = list(
        Appointment.objects.filter(
            clinician=clinician, start__lt=candidates[-1] + timedelta(minutes=minutes), end__gt=candidates[0]
        )
        .exclude(status=CANCELLED)
        .values_list("start", "end")
    )
    out = []
    for start in candidates:
        end = start + timedelta(minutes=minutes)
        if not_before and start < not_before:
            continue
        if all(not (b_start < end and start < b_end) for b_start, b_end in busy):
            out.append(start)
    return out


@dataclass(frozen=True)
class FollowUpSuggestion:
    due: date
    start: datetime | None
    clinician: object | None
    visit_type: str = "toxin"


def suggest_toxin_followup(patient, *, search_days: int = 60) -> FollowUpSuggestion | None:
    """When the next toxin cycle is due (treatments.next_toxin_due) and the first free injection slot from then.

    Prefers the clinician of the last toxin session. ``None`` when the patient has no toxin session, or already
    has a booked toxin appointment on or after the due date.
    """
    due = next_toxin_due(patient)
    if due is None:
        return None
    already = Appointment.objects.filter(
        patient=patient, visit_type="toxin", status="booked", start__date__gte=due
    ).exists()
    if already:
        return None
    last = last_toxin_session(patient)
    preferred = [last.clinician] if last and last.clinician.is_active else []
    pool = preferred + [c for c in clinicians() if c not in preferred]
    now = timezone.now()
    first_day = max(due, timezone.localdate())
    for offset in range(search_days):
        day = first_day + timedelta(days=offset)
        for clinician in pool:
            slots = free_slots(clinician, day, "toxin", not_before=now)
            if slots:
                return FollowUpSuggestion(due=due, start=slots[0], clinician=clinician)
    return FollowUpSuggestion(due=due, start=None, clinician=None)
