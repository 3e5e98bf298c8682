"""Personal home-recording links, resumable uploads, biofeedback programmes and their sessions.

Finished videos become recordings through ``recordings.services.create_recording`` (capture never writes the
recordings' tables). Tokens are stored only as their sha256.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class HomeLink(models.Model):
    """A personal link a patient opens without login to record at home or train (one patient, expiring)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="home_links")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    recordings_per_week = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(14)],
        help_text="Home recordings the clinician expects each week (adherence).",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="homelink_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(recordings_per_week__gte=1), name="homelink_expects_recordings"
            ),
        ]

    def __str__(self) -> str:
        return f"Home link {self.pk} of patient {self.patient_id}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_active() else "expired"


class Upload(models.Model):
    """A resumable upload: the client sends chunks at byte offsets and resumes from ``received`` after a drop."""

    class Status(models.TextChoices):
        RECEIVING = "receiving", "Receiving"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="capture_uploads")
    link = models.ForeignKey(
        HomeLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=10, choices=[("clinic", "Clinic"), ("home", "Home")])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    original_name = models.CharField(max_length=100, default="recording.webm")
    size_bytes = models.BigIntegerField(validators=[MinValueValidator(1)])
    received_bytes = models.BigIntegerField(default=0)
    protocol_segments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVING)
    error_message = models.CharField(max_length=500, blank=True)
    # The recording made from the finished upload (one, however many times the last chunk is re-sent).
    recording = models.OneToOneField(
        "recordings.Recording",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="capture_upload",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_bytes__gte=0) & Q(received_bytes__lte=models.F("size_bytes")),
                name="upload_received_within_size",
            ),
        ]

    def __str__(self) -> str:
        return f"Upload {self.id} ({self.received_bytes}/{self.size_bytes} bytes)"


class Programme(models.Model):
    """A biofeedback exercise the therapist sets for a patient, with its target."""

    class Kind(models.TextChoices):
        RELAX_REST = "relax_rest", "Relax the affected side at rest"
        EYE_OPEN_SMILE = "eye_open_smile", "Keep the eye open while smiling"
        SYMMETRIC_SMILE = "symmetric_smile", "Symmetric smile"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="biofeedback_programmes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    affected_side = models.CharField(
        max_length=5, choices=[("left", "Left (patient's own)"), ("right", "Right (patient's own)")]
    )
    # relax_rest: the affected side's activity stays below target; eye_open_smile: eye closure below target while
    # the smile is at least ``smile_min``; symmetric_smile: symmetry at least target while smiling.
    target = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    repetitions = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    hold_s = models.FloatField(default=3.0, validators=[MinValueValidator(0.5), MaxValueValidator(30.0)])
    instructions = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-active", "kind", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gte=0.0) & Q(target__lte=1.0), name="programme_target_0_1"
            ),
            models.CheckConstraint(condition=Q(hold_s__gt=0), name="programme_hold_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_affected_side_display()})"


class BiofeedbackSession(models.Model):
    """One measured training session (in clinic or from the home link)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="biofeedback_sessions"
    )
    source = models.CharField(max_length=10, choices=[("clinic", "Clinic"), ("home", "Home")])
    link = models.ForeignKey(
        HomeLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(default=timezone.now)
    duration_s = models.FloatField(validators=[MinValueValidator(0.0)])
    measured_s = models.FloatField(validators=[MinValueValidator(0.0)])  # time with a usable face
    time_in_target_s = models.FloatField(validators=[MinValueValidator(0.0)])
    repetitions_done = models.PositiveSmallIntegerField(default=0)
    amplitude_left = models.FloatField()  # mean activity of the exercise's measure, patient's left side
    amplitude_right = models.FloatField()
    symmetry = models.FloatField(
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )  # 1 = equal sides
    # Per-second trace for the plot: {"t_s": [...], "value": [...], "in_target": [...]}.
    trace = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_in_target_s__lte=models.F("measured_s") + 0.5),
                name="session_target_within_measured",
            ),
            models.CheckConstraint(
                condition=Q(symmetry__gte=0.0) & Q(symmetry__lte=1.0), name="session_symmetry_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Biofeedback session {self.pk} ({self.programme})"

    @property
    def fraction_in_target(self) -> float:
        return self.time_in_target_s / self.measured_s if self.measured_s > 0 else 0.0

    @property
    def recorded_on(self):
        return timezone.localdate(self.started_at)


def default_link_expiry():
    return timezone.now() + timedelta(days=90)
