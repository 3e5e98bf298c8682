"""iCalendar (.ics, RFC 5545) export of appointments with the icalendar package."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC

from django.utils import timezone
from icalendar import Calendar, Event

from facetwitch.clinic.scheduling.models import CANCELLED, Appointment

PRODID = "-//facetwitch//clinic scheduling//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@facetwitch.clinic"


def build_calendar(appointments: Iterable[Appointment], *, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per appointment (UTC times); cancelled ones carry STATUS:CANCELLED.

    For signed-in downloads: the summary names the patient and the description gives the MRN and notes.
    """
    return _calendar(appointments, name=name, describe=_full_text)


def build_subscription_calendar(
    appointments: Iterable[Appointment], *, name: str, link: Callable[[Appointment], str]
) -> bytes:
    """The calendar behind a secret subscription link, with no patient identifiers.

    A subscribed feed leaves the clinic's control: calendar servers (Google, iCloud, Exchange) copy it, phones
    sync it and show it on lock screens, and the link is a bearer secret that can be forwarded. Names, MRNs and
    even initials (which HHS counts as identifiers for de-identification) therefore stay out: each event shows
    only the time block and the visit type, with a link back to the appointment that requires sign-in.
    """

    def describe(appt: Appointment) -> tuple[str, str]:
        return appt.visit_label, f"Patient details in facetwitch (sign-in required): {link(appt)}"

    return _calendar(appointments, name=name, describe=describe)


def _full_text(appt: Appointment) -> tuple[str, str]:
    clinician = appt.clinician.get_full_name() or appt.clinician.get_username()
    summary = f"{appt.visit_label}: {appt.patient.family_name}, {appt.patient.given_name}"
    description = f"MRN {appt.patient.mrn}. Clinician: {clinician}." + (
        f"\n{appt.notes}" if appt.notes else ""
    )
    return summary, description


def _calendar(
    appointments: Iterable[Appointment], *, name: str, describe: Callable[[Appointment], tuple[str, str]]
) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for appt in appointments:
        summary, description = describe(appt)
        event = Event()
        event.add("uid", appointment_uid(appt))
        event.add("dtstamp", stamp)
        event.add("dtstart", appt.start.astimezone(UTC))
        event.add("dtend", appt.end.astimezone(UTC))
        event.add("summary", summary)
        event.add("description", description)
        event.add("status", "CANCELLED" if appt.status == CANCELLED else "CONFIRMED")
        event.add("last-modified", appt.updated_at)
        cal.add_component(event)
    return cal.to_ical()
