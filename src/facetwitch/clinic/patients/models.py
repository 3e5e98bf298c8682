"""Patients, their cause-relevant history, consent, and visits with clinician-entered scales."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

SIDE_CHOICES = [("left", "Left (patient's own)"), ("right", "Right (patient's own)"), ("both", "Both")]


class Patient(models.Model):
    mrn = models.CharField("medical record number", max_length=40, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(
        max_length=10,
        choices=[("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Unknown")],
        default="unknown",
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    # Consent to video recording is required before any upload.
    video_consent = models.BooleanField(default=False)
    video_consent_date = models.DateField(null=True, blank=True)

    # History relevant to the causes (decision support reads these).
    onset_date = models.DateField(null=True, blank=True)
    onset_side = models.CharField(max_length=5, choices=SIDE_CHOICES, blank=True)
    onset_region = models.CharField(
        max_length=20,
        blank=True,
        choices=[
            ("eyelid", "Eyelid / around the eye"),
            ("cheek", "Cheek"),
            ("mouth", "Mouth corner"),
            ("chin", "Chin / jaw"),
            ("whole_side", "Whole side of the face"),
        ],
    )
    spread = models.TextField(blank=True, help_text="How the twitching spread since onset")
    persists_in_sleep = models.BooleanField(null=True, blank=True)
    triggers = models.TextField(blank=True)
    prior_bells_palsy = models.BooleanField(default=False)
    facial_nerve_injury = models.BooleanField(default=False)
    multiple_sclerosis = models.BooleanField(default=False)
    hearing_loss = models.BooleanField(default=False)
    facial_weakness = models.BooleanField(default=False)
    family_history = models.BooleanField(default=False)
    current_medications = models.TextField(blank=True)
    allergies = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"


class Visit(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField()
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    # Clinician-entered scales; questionnaires store totals only (never their licensed wording).
    jankovic_severity = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    jankovic_frequency = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    smc_grade = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    house_brackmann = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    hfs7_total = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(28)])
    hfs30_total = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    bsdi_total = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(24)])
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"Visit {self.date} — {self.patient}"
