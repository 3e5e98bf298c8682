"""Audit log: who viewed or changed which patient's data, when."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    ACTIONS = [
        ("view", "Viewed"),
        ("create", "Created"),
        ("update", "Changed"),
        ("delete", "Deleted"),
        ("download", "Downloaded"),
        ("export", "Exported"),
        ("login", "Logged in"),
        ("login_failed", "Failed login"),
    ]
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)  # kept if the user is deleted
    action = models.CharField(max_length=20, choices=ACTIONS)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    #: The page asked for (so that even an entry the middleware wrote says what was opened).
    path = models.CharField(max_length=300, blank=True)
    #: Every patient a list page showed (the patient list, search results, schedules, queues).
    listed_patients = models.ManyToManyField("patients.Patient", blank=True, related_name="audit_listings")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"


class PasswordChangeRequired(models.Model):
    """A user who must choose a new password before anything else (an account created with a known password,
    e.g. seeded outside the demo). Removed when they change it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(auto_now_add=True)
