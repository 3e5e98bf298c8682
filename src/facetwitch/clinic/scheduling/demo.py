"""Demo appointments: a follow-up and a video recording in the next clinic days. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from facetwitch.clinic.scheduling.models import BOOKED, Appointment
from facetwitch.clinic.scheduling.services import clinicians, free_slots, save_appointment


def seed(patients) -> None:
    pool = list(clinicians())
    if not pool or not patients:
        return
    clinician = pool[0]
    now = timezone.now()
    plan = list(zip(patients[:2], ["follow_up", "video"], strict=False))
    for patient, visit_type in plan:
        if Appointment.objects.filter(patient=patient, status=BOOKED, start__gte=now).exists():
            continue
        day = timezone.localdate() + timedelta(days=1)
        for _ in range(14):
            slots = free_slots(clinician, day, visit_type, not_before=now)
            if slots:
                appt = Appointment(
                    patient=patient, clinician=clinician, visit_type=visit_type, notes="Demo booking."
                )
                appt.set_start(slots[len(slots) // 3])
                save_appointment(appt)
                break
            day += timedelta(days=1)
