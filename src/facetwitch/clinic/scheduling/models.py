"""Appointments. No double booking is enforced by the database itself (see migrations/0002_no_overlap.py):
an exclusion constraint on PostgreSQL, triggers on SQLite; forms and ``clean`` only give the friendly message."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from facetwitch.clinic.scheduling import hours

BOOKED, CANCELLED, COMPLETED = "booked", "cancelled", "completed"
STATUS_CHOICES = [(BOOKED, "Booked"), (CANCELLED, "Cancelled"), (COMPLETED, "Completed")]


class Appointment(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="appointments")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    visit_type = models.CharField(max_length=20, choices=hours.visit_type_choices)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=BOOKED)
    notes = models.TextField(blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["clinician", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[BOOKED, CANCELLED, COMPLETED]), name="appointment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        local = self.start.astimezone(hours.clinic_hours().tz)
        return f"{self.visit_label} {local:%Y-%m-%d %H:%M} — {self.patient}"

    @property
    def visit_label(self) -> str:
        """Visit type name without its length, e.g. "Follow-up"."""
        return hours.visit_types().get(self.visit_type, (self.visit_type, 0))[0]

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def set_start(self, start) -> None:
        """Move the appointment to ``start``, keeping the length of its visit type."""
        self.start = start
        self.end = start + timedelta(minutes=hours.visit_minutes(self.visit_type))

    def overlapping(self):
        """Active appointments of the same clinician that overlap this one."""
        qs = Appointment.objects.filter(
            clinician_id=self.clinician_id, start__lt=self.end, end__gt=self.start
        ).exclude(status=CANCELLED)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        return qs

    def patient_overlapping(self):
        """Active appointments of the same patient (with any clinician) that overlap this one."""
        qs = Appointment.objects.filter(
            patient_id=self.patient_id, start__lt=self.end, end__gt=self.start
        ).exclude(status=CANCELLED)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        return qs

    def clean(self):
        super().clean()
        if self.start is None or self.end is None:
            return
        if self.status == CANCELLED:
            return
        problems = hours.hours_problems(self.start, self.end)
        if problems:
            raise ValidationError(problems)
        if self.clinician_id and self.overlapping().exists():
            other = self.overlapping().first()
            raise ValidationError(
                f"{self.clinician.get_full_name() or self.clinician.get_username()} is already booked "
                f"{other.start.astimezone(hours.clinic_hours().tz):%H:%M}–"
                f"{other.end.astimezone(hours.clinic_hours().tz):%H:%M} that day. Choose another time."
            )
        if self.patient_id and self.patient_overlapping().exists():
            other = self.patient_overlapping().select_related("clinician").first()
            raise ValidationError(
                "This patient already has an appointment at this time "
                f"({other.start.astimezone(hours.clinic_hours().tz):%H:%M}–"
                f"{other.end.astimezone(hours.clinic_hours().tz):%H:%M} with "
                f"{other.clinician.get_full_name() or other.clinician.get_username()}). Choose another time, or "
                "reschedule or cancel the other appointment first."
            )


class CalendarFeedToken(models.Model):
    """A user's secret calendar subscription link (calendar apps cannot sign in).

    Only the SHA-256 of the token is stored: a copy of the database does not give working links, and the lookup
    by hash does not leak the secret through timing. The plain token is shown once, when it is made.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user.get_username()}"
