"""Clinic hours and visit lengths from settings, and the pure checks used by forms and ``Appointment.clean``.

settings.CLINIC_HOURS = {"weekdays": [0..6 Monday=0], "open": "HH:MM", "close": "HH:MM"} in settings.TIME_ZONE.
settings.CLINIC_VISIT_TYPES (optional) = {code: (label, minutes)} overrides the defaults below.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

SLOT_MINUTES = 15  # appointments start on the quarter hour; the booking grid has 15-minute cells

DEFAULT_VISIT_TYPES: dict[str, tuple[str, int]] = {
    "new": ("New consultation", 60),
    "follow_up": ("Follow-up", 30),
    "toxin": ("Botulinum toxin injection", 30),
    "video": ("Video recording", 15),
}


def visit_types() -> dict[str, tuple[str, int]]:
    return dict(getattr(settings, "CLINIC_VISIT_TYPES", None) or DEFAULT_VISIT_TYPES)


def visit_type_choices() -> list[tuple[str, str]]:
    return [(code, f"{label} ({minutes} min)") for code, (label, minutes) in visit_types().items()]


def visit_minutes(code: str) -> int:
    return visit_types()[code][1]


@dataclass(frozen=True)
class ClinicHours:
    weekdays: frozenset[int]
    open: time
    close: time
    tz: ZoneInfo

    def describe(self) -> str:
        """E.g. "Monday–Friday 08:30–17:00 (America/New_York)"."""
        days = sorted(self.weekdays)
        if not days:
            return "closed on every day (check CLINIC_HOURS)"
        names = [calendar.day_name[d] for d in days]
        contiguous = days == list(range(days[0], days[-1] + 1))
        span = f"{names[0]}–{names[-1]}" if contiguous and len(days) > 1 else ", ".join(names)
        return f"{span} {self.open:%H:%M}–{self.close:%H:%M} ({self.tz.key})"


def clinic_hours() -> ClinicHours:
    conf = getattr(settings, "CLINIC_HOURS", {}) or {}
    return ClinicHours(
        weekdays=frozenset(conf.get("weekdays", [0, 1, 2, 3, 4])),
        open=time.fromisoformat(conf.get("open", "08:30")),
        close=time.fromisoformat(conf.get("close", "17:00")),
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def local_datetime(day: date, at: time) -> datetime:
    """Aware datetime for a wall-clock time at the clinic (zoneinfo applies the right UTC offset, DST included)."""
    return datetime.combine(day, at, tzinfo=clinic_hours().tz)


def hours_problems(start: datetime, end: datetime) -> list[str]:
    """Why [start, end) cannot be booked under clinic hours; empty when it can. Arguments are aware datetimes."""
    hours = clinic_hours()
    problems: list[str] = []
    if end <= start:
        return ["The appointment must end after it starts."]
    ls, le = start.astimezone(hours.tz), end.astimezone(hours.tz)
    if ls.minute % SLOT_MINUTES or ls.second or ls.microsecond:
        problems.append(f"Appointments start on the quarter hour (:00, :15, :30, :45); {ls:%H:%M} does not.")
    if ls.weekday() not in hours.weekdays:
        problems.append(
            f"The clinic is closed on {calendar.day_name[ls.weekday()]}s. Clinic hours: {hours.describe()}."
        )
    elif le.date() != ls.date() or ls.time() < hours.open or le.time() > hours.close:
        problems.append(
            f"{ls:%H:%M}–{le:%H:%M} on {ls:%A %Y-%m-%d} is outside clinic hours: {hours.describe()}."
        )
    return problems


def day_slots(day: date, minutes: int) -> list[datetime]:
    """Start times (aware) of every ``minutes``-long visit that fits in clinic hours on ``day``."""
    hours = clinic_hours()
    if day.weekday() not in hours.weekdays:
        return []
    out = []
    cursor = local_datetime(day, hours.open)
    close = local_datetime(day, hours.close)
    while cursor + timedelta(minutes=minutes) <= close:
        out.append(cursor)
        cursor += timedelta(minutes=SLOT_MINUTES)
    return out
