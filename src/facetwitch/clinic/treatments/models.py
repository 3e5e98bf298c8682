"""Treatments: botulinum toxin sessions per injection site, follow-up adverse effects, steroid injections,
medications with titration and monitoring, therapy sessions and surgical referral.

Sides are the patient's own. Toxin units belong to their product and are never added across products.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from facetwitch.clinic.treatments import dosing

INDICATION_CHOICES = [
    ("hfs", "Hemifacial spasm"),
    ("blepharospasm", "Blepharospasm"),
    ("synkinesis", "Synkinesis after facial palsy"),
    ("other", "Other"),
]


class ActiveSessions(models.Manager):
    """Sessions in force: a voided session (a correction) no longer feeds warnings, forecasts or exports."""

    def get_queryset(self):
        return super().get_queryset().filter(voided_at__isnull=True)


class ToxinSession(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="toxin_sessions")
    visit = models.ForeignKey(
        "patients.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="toxin_sessions"
    )
    date = models.DateField()
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    indication = models.CharField(max_length=20, choices=INDICATION_CHOICES)
    notes = models.TextField(blank=True)
    #: The dose/interval warnings shown when the session was saved and acknowledged by the clinician.
    acknowledged_warnings = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: A session recorded by mistake (wrong patient, duplicate, unit typo) is voided with the reason, never deleted.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    # The first manager is the default (also behind patient.toxin_sessions): voided sessions are left out.
    objects = ActiveSessions()
    all_objects = models.Manager()

    class Meta:
        ordering = ["-date", "-id"]
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voided_at__isnull=True) | ~models.Q(void_reason=""),
                name="toxin_session_void_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Toxin session {self.date} — {self.patient}"

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Units per product, then per side (``{"ona": {"right": 12.5, "left": 5, "total": 17.5}}``)."""
        return dosing.totals_by_product_and_side((i.product, i.side, i.units) for i in self.injections.all())


class ToxinInjection(models.Model):
    session = models.ForeignKey(ToxinSession, on_delete=models.CASCADE, related_name="injections")
    muscle = models.CharField(max_length=40, choices=dosing.MUSCLE_CHOICES)
    side = models.CharField(max_length=10, choices=dosing.SIDE_CHOICES)
    product = models.CharField(max_length=10, choices=dosing.PRODUCT_CHOICES)
    units = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(dosing.MAX_UNITS_PER_ROW)],
        help_text="Units of this product (never interchangeable with another product's units).",
    )
    lot = models.CharField("lot number", max_length=40, blank=True)
    concentration = models.DecimalField(
        "dilution (U/mL)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(dosing.MAX_CONCENTRATION_U_PER_ML)],
        help_text="Units per mL after reconstitution, e.g. 100 U in 4 mL = 25 U/mL.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(units__gt=0), name="toxin_injection_units_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_muscle_display()} {self.side}: {self.units} U {self.product}"

    @property
    def volume_ml(self) -> Decimal | None:
        """Injected volume in mL, from units and concentration."""
        if not self.concentration:
            return None
        return (self.units / self.concentration).quantize(Decimal("0.001"))


class ToxinSessionRevision(models.Model):
    """One correction of a toxin session: who changed it, when, why, and the values it had before.

    ``previous`` is the session as it stood before this edit (see ``services.session_snapshot``: date,
    indication, visit, notes, acknowledged warnings and every injection row); ``changes`` lists what changed,
    in words. The session itself always holds the corrected values that warnings, forecasts and exports use.
    """

    session = models.ForeignKey(ToxinSession, on_delete=models.CASCADE, related_name="revisions")
    revised_at = models.DateTimeField(auto_now_add=True)
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300)
    previous = models.JSONField()
    changes = models.TextField(blank=True)

    class Meta:
        ordering = ["-revised_at", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="toxin_revision_reason")]

    def __str__(self) -> str:
        return f"Revision of {self.session} at {self.revised_at:%Y-%m-%d %H:%M}"

    @property
    def change_lines(self) -> list[str]:
        return [line for line in self.changes.splitlines() if line]


class ToxinFollowUp(models.Model):
    session = models.ForeignKey(ToxinSession, on_delete=models.CASCADE, related_name="follow_ups")
    date = models.DateField()
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ptosis = models.BooleanField(default=False)
    lagophthalmos = models.BooleanField(default=False)
    dry_eye = models.BooleanField(default=False)
    diplopia = models.BooleanField(default=False)
    facial_weakness = models.BooleanField(default=False)
    bruising = models.BooleanField(default=False)
    other_effects = models.CharField(max_length=200, blank=True)
    benefit_onset_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(60)], help_text="Days until the effect began"
    )
    benefit_duration_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(52)], help_text="Weeks the benefit lasted"
    )
    improvement_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)], help_text="Patient-rated improvement, %"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def adverse_effects(self) -> list[str]:
        effects = [label for code, label in dosing.ADVERSE_EFFECTS if getattr(self, code)]
        if self.other_effects:
            effects.append(self.other_effects)
        return effects


class SteroidInjection(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="steroid_injections"
    )
    date = models.DateField()
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drug = models.CharField(max_length=80, help_text="e.g. triamcinolone acetonide")
    dose_mg = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(200)],
    )
    site = models.CharField(max_length=120)
    side = models.CharField(max_length=10, choices=dosing.SIDE_CHOICES)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose_mg} mg {self.site} ({self.date})"


class Medication(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="medications")
    drug = models.CharField(max_length=20, choices=dosing.MEDICATION_CHOICES)
    other_name = models.CharField(max_length=80, blank=True, help_text="Name, when the drug is 'Other'")
    start_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True)
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    indication = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stop_date__isnull=True) | models.Q(stop_date__gte=models.F("start_date")),
                name="medication_stop_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} from {self.start_date}"

    @property
    def name(self) -> str:
        return self.other_name if self.drug == "other" else self.get_drug_display()

    @property
    def info(self) -> dosing.MedicationInfo | None:
        return dosing.MEDICATIONS.get(self.drug)

    @property
    def active(self) -> bool:
        from django.utils import timezone

        return self.stop_date is None or self.stop_date >= timezone.localdate()

    def current_step(self):
        from django.utils import timezone

        return (
            self.titration_steps.filter(start_date__lte=timezone.localdate()).order_by("-start_date").first()
        )


class TitrationStep(models.Model):
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="titration_steps")
    start_date = models.DateField()
    dose_mg = models.DecimalField(
        max_digits=7,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="mg per dose",
    )
    doses_per_day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(6)])
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date", "id"]

    @property
    def daily_mg(self) -> Decimal:
        return self.dose_mg * self.doses_per_day


class MonitoringResult(models.Model):
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="monitoring_results")
    code = models.CharField(max_length=20, help_text="Monitoring item code from dosing.MEDICATIONS")
    date = models.DateField()
    result = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-date", "-id"]

    @property
    def label(self) -> str:
        info = self.medication.info
        items = {i.code: i.label for i in info.monitoring} if info else {}
        return items.get(self.code, self.code)


THERAPY_CHOICES = [
    ("physical_therapy", "Physical therapy"),
    ("relaxation", "Relaxation training"),
    ("biofeedback", "Biofeedback"),
    ("mirror", "Mirror / neuromuscular retraining"),
]


class TherapySession(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="therapy_sessions")
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=THERAPY_CHOICES)
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(240)])
    therapist = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date} ({self.minutes} min)"


REFERRAL_STATUS = [
    ("referred", "Referred"),
    ("seen", "Seen by surgeon"),
    ("scheduled", "Surgery scheduled"),
    ("operated", "Operated"),
    ("declined", "Declined / not a candidate"),
]


class SurgicalReferral(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="surgical_referrals"
    )
    date = models.DateField(help_text="Date of referral")
    procedure = models.CharField(
        max_length=40,
        choices=[("mvd", "Microvascular decompression"), ("other", "Other")],
        default="mvd",
    )
    side = models.CharField(max_length=10, choices=dosing.SIDE_CHOICES)
    surgeon = models.CharField(max_length=120, help_text="Surgeon or centre")
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=REFERRAL_STATUS, default="referred")
    operation_date = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} referral {self.date}"
