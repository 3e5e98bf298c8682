"""A patient's video recording, its background analysis state and the key metrics of its result."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class Recording(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Analysing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        #: Withdrawn from the record by a correction (wrong patient's video, unusable): kept, never analysed,
        #: left out of results, outcome timelines and comparisons; see RecordingCorrection for who and why.
        VOIDED = "voided", "Voided"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="recordings")
    visit = models.ForeignKey(
        "patients.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="recordings"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    recorded_on = models.DateField(default=timezone.localdate)
    mirrored = models.BooleanField(
        default=False, help_text="Front (selfie) camera video: left and right are swapped in the picture."
    )
    notes = models.CharField(max_length=300, blank=True)

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded file"
        CLINIC = "clinic", "Recorded in clinic"
        HOME = "home", "Recorded at home"

    # Where the video came from (capture app: in-browser recording in clinic, or the patient's home link).
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD, db_index=True)
    # Guided protocol of an in-browser recording: [{"task": "rest", "label": ..., "start_s": 0.0, "end_s": 8.0}].
    protocol_segments = models.JSONField(default=list, blank=True)

    # The stored file: a random name under PRIVATE_MEDIA_ROOT, never a public path.
    storage_key = models.CharField(max_length=64, unique=True, default="", editable=False)
    original_name = models.CharField(max_length=255)
    video_file = models.CharField(max_length=300, help_text="Path relative to PRIVATE_MEDIA_ROOT")
    content_type = models.CharField(max_length=60, default="video/mp4")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    # What probing the content found at upload.
    container = models.CharField(max_length=60, blank=True)
    codec = models.CharField(max_length=40, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)

    # Background analysis.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    frames_done = models.PositiveIntegerField(default=0)
    frames_total = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    # Result files, relative to PRIVATE_MEDIA_ROOT.
    analysis_json = models.CharField(max_length=300, blank=True)
    frames_parquet = models.CharField(max_length=300, blank=True)
    report_html = models.CharField(max_length=300, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)

    # Key metrics copied from the summary for lists and the outcome timeline (per minute of analysed time).
    analysed_duration_s = models.FloatField(null=True, blank=True)
    face_found_fraction = models.FloatField(null=True, blank=True)
    # How far a full blink narrows each eye's opening in the face mesh (0-1; the engine warns under its limit that
    # faint one-sided twitches may be missed): what a comparison of two recordings reads its eyelid numbers against.
    lid_travel_left = models.FloatField(null=True, blank=True)
    lid_travel_right = models.FloatField(null=True, blank=True)
    blink_rate_per_min = models.FloatField(null=True, blank=True)
    episodes_per_min_left = models.FloatField(null=True, blank=True)
    episodes_per_min_right = models.FloatField(null=True, blank=True)
    episodes_per_min_both = models.FloatField(null=True, blank=True)
    spasm_time_fraction_left = models.FloatField(null=True, blank=True)
    spasm_time_fraction_right = models.FloatField(null=True, blank=True)
    spasm_time_fraction_both = models.FloatField(null=True, blank=True)
    affected_side = models.CharField(max_length=5, blank=True)
    suggested_jankovic_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    suggested_jankovic_frequency = models.PositiveSmallIntegerField(null=True, blank=True)
    suggested_smc_grade = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_on", "-id"]
        indexes = [models.Index(fields=["patient", "recorded_on"])]

    def __str__(self) -> str:
        return f"Recording {self.pk} of {self.patient_id} ({self.recorded_on}, {self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        if not self.storage_key:
            self.storage_key = uuid.uuid4().hex
        super().save(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.VOIDED)

    @property
    def progress_percent(self) -> int:
        return round(100 * min(max(self.progress, 0.0), 1.0))

    @property
    def waiting_too_long(self) -> bool:
        """Queued for over a minute, or running without a heartbeat for 30 s: is a worker running?"""
        now = timezone.now()
        if self.status == self.Status.QUEUED and self.queued_at:
            return (now - self.queued_at).total_seconds() > 60
        if self.status == self.Status.RUNNING and self.heartbeat_at:
            return (now - self.heartbeat_at).total_seconds() > 30
        return False

    @property
    def has_suggested_scales(self) -> bool:
        return any(
            v is not None
            for v in (
                self.suggested_jankovic_severity,
                self.suggested_jankovic_frequency,
                self.suggested_smc_grade,
            )
        )

    def private_path(self, relative: str) -> Path:
        """Absolute path of one of this recording's files under PRIVATE_MEDIA_ROOT."""
        root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
        path = (root / relative).resolve()
        if root not in path.parents:
            raise ValueError("path outside the private media root")
        return path


class RecordingCorrection(models.Model):
    """The history of corrections to a recording: voided, or moved to another patient (with the reason)."""

    VOID, MOVE = "void", "move"
    recording = models.ForeignKey(Recording, on_delete=models.PROTECT, related_name="corrections")
    action = models.CharField(max_length=10, choices=[(VOID, "Voided"), (MOVE, "Moved to another patient")])
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    previous_status = models.CharField(max_length=10, blank=True)
    from_patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="recording_correction_reason")
        ]
