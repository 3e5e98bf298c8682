"""Consultation requests sent from the public site; staff confirm them into appointments."""

from __future__ import annotations

from django.conf import settings
from django.db import models

REASON_CHOICES = [
    ("eyelid", "Eyelid twitching or closing (one or both eyes)"),
    ("one_side", "Twitching of one side of the face"),
    ("after_palsy", "Twitching or tightness after Bell's palsy / facial nerve injury"),
    ("other", "Other facial movements"),
]
TIME_CHOICES = [("morning", "Morning"), ("afternoon", "Afternoon"), ("any", "Any time")]
DAY_CHOICES = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
]
STATUS_CHOICES = [("new", "New"), ("confirmed", "Confirmed"), ("declined", "Declined")]


class ConsultationRequest(models.Model):
    full_name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=REASON_CHOICES)
    details = models.TextField(blank=True, max_length=2000)
    preferred_days = models.CharField(max_length=40, blank=True, help_text="Comma-separated day codes")
    preferred_time = models.CharField(max_length=10, choices=TIME_CHOICES, default="any")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default="new")
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_request",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="") | ~models.Q(phone=""), name="consultation_request_has_contact"
            )
        ]

    def __str__(self) -> str:
        return f"Request from {self.full_name} ({self.created_at:%Y-%m-%d})"

    def family_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name.split() else ""

    def reason_text(self) -> str:
        return self.get_reason_display() + (f" — {self.details[:150]}" if self.details else "")

    def preferred_days_display(self) -> str:
        names = dict(DAY_CHOICES)
        return ", ".join(names[d] for d in self.preferred_days.split(",") if d in names) or "any day"
