"""Patients, their cause-relevant history, consent, and visits with clinician-entered scales."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from facetwitch.clinic.patients.search import search_text_for

# Yes/no history items and their labels (forms and summaries use the same words).
HISTORY_FLAGS = {
    "prior_bells_palsy": "Prior Bell's palsy",
    "facial_nerve_injury": "Facial nerve injury",
    "multiple_sclerosis": "Multiple sclerosis",
    "hearing_loss": "Hearing loss",
    "facial_weakness": "Facial weakness",
    "family_history": "Family history of facial twitching",
}
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
    #: MRN and names without accents, case-folded (patients/search.py); written by save(), searched by the list.
    search_text = models.CharField(max_length=260, blank=True, editable=False, db_index=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            # Consent counts only with its date; the form says so, the database makes sure.
            models.CheckConstraint(
                condition=models.Q(video_consent=False) | models.Q(video_consent_date__isnull=False),
                name="patient_consent_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_text_for(self.mrn, self.given_name, self.family_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"mrn", "given_name", "family_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("patients:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def has_video_consent(self) -> bool:
        """Videos may be uploaded only with recorded consent (a tick and its date)."""
        return self.video_consent and self.video_consent_date is not None

    def age_on(self, day: date) -> int:
        """Age in completed years on ``day``."""
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def history_flags(self) -> list[str]:
        """Labels of the yes/no history items that are present (for summaries)."""
        return [label for name, label in HISTORY_FLAGS.items() if getattr(self, name)]


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
        # The scales' ranges, enforced by the database too (forms validate first and explain).
        constraints = [
            models.CheckConstraint(
                condition=models.Q(jankovic_severity__isnull=True) | models.Q(jankovic_severity__lte=4),
                name="visit_jankovic_severity_0_4",
            ),
            models.CheckConstraint(
                condition=models.Q(jankovic_frequency__isnull=True) | models.Q(jankovic_frequency__lte=4),
                name="visit_jankovic_frequency_0_4",
            ),
            models.CheckConstraint(
                condition=models.Q(smc_grade__isnull=True) | models.Q(smc_grade__range=(1, 4)),
                name="visit_smc_grade_1_4",
            ),
            models.CheckConstraint(
                condition=models.Q(house_brackmann__isnull=True) | models.Q(house_brackmann__range=(1, 6)),
                name="visit_house_brackmann_1_6",
            ),
            models.CheckConstraint(
                condition=models.Q(hfs7_total__isnull=True) | models.Q(hfs7_total__lte=28),
                name="visit_hfs7_total_0_28",
            ),
            models.CheckConstraint(
                condition=models.Q(hfs30_total__isnull=True) | models.Q(hfs30_total__lte=120),
                name="visit_hfs30_total_0_120",
            ),
            models.CheckConstraint(
                condition=models.Q(bsdi_total__isnull=True) | models.Q(bsdi_total__lte=24),
                name="visit_bsdi_total_0_24",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit {self.date} — {self.patient}"

    def get_absolute_url(self) -> str:
        return reverse("patients:visit_edit", args=[self.patient_id, self.pk])

    @property
    def jankovic_total(self) -> int | None:
        """Jankovic Rating Scale total (severity + frequency), when both are entered."""
        if self.jankovic_severity is None or self.jankovic_frequency is None:
            return None
        return self.jankovic_severity + self.jankovic_frequency
