"""iCalendar (.ics, RFC 5545) export of appointments with the icalendar package."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.utils import timezone
from icalendar import Calendar, Event

from facetwitch.clinic.scheduling.models import CANCELLED, Appointment

PRODID = "-//facetwitch//clinic scheduling//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@facetwitch.clinic"


def build_calendar(appointments: Iterable[Appointment], *, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per appointment (UTC times); cancelled ones carry STATUS:CANCELLED."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for appt in appointments:
        event = Event()
        event.add("uid", appointment_uid(appt))
        event.add("dtstamp", stamp)
        event.add("dtstart", appt.start.astimezone(UTC))
        event.add("dtend", appt.end.astimezone(UTC))
        event.add(
            "summary",
            f"{appt.visit_label}: {appt.patient.family_name}, {appt.patient.given_name}",
        )
        clinician = appt.clinician.get_full_name() or appt.clinician.get_username()
        event.add(
            "description",
            f"MRN {appt.patient.mrn}. Clinician: {clinician}." + (f"\n{appt.notes}" if appt.notes else ""),
        )
        event.add("status", "CANCELLED" if appt.status == CANCELLED else "CONFIRMED")
        event.add("last-modified", appt.updated_at)
        cal.add_component(event)
    return cal.to_ical()
