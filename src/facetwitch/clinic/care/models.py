"""Care app: examination findings and patient factors for decision support, and versioned, signed care plans.

A signed plan is immutable: editing it creates a new draft version whose ``parent`` is the signed one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

SIDE_CHOICES = [("left", "Left (patient's own)"), ("right", "Right (patient's own)"), ("both", "Both sides")]
HLA_CHOICES = [("unknown", "Not tested"), ("negative", "Negative"), ("positive", "Positive")]
IMAGING_CHOICES = [
    ("normal", "MRI normal (no lesion, no neurovascular contact)"),
    ("neurovascular_contact", "MRI: neurovascular contact at the facial nerve root exit zone"),
    ("lesion_cpa", "Lesion at the cerebellopontine angle (tumour, vascular malformation)"),
    ("lesion_brainstem", "Lesion in the brainstem (pons)"),
    ("lesion_other", "Other structural lesion"),
]
REGION_CHOICES = [
    ("brow", "Brow"),
    ("eye", "Eye"),
    ("cheek", "Cheek"),
    ("mouth", "Mouth"),
    ("jaw", "Jaw / chin"),
]


class Assessment(models.Model):
    """One clinician's examination findings and patient factors; the newest one feeds the differential.

    ``None`` in a yes/no finding means "not assessed", which the differential keeps apart from "absent".
    """

    #: Globally unique, stable id for exports (random: never derived from the row number).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="care_assessments")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    affected_side = models.CharField("side affected now", max_length=5, choices=SIDE_CHOICES, blank=True)
    bilateral_synchronous = models.BooleanField(
        "both eyes close together (synchronous)", null=True, blank=True
    )
    spread_to_lower_face = models.BooleanField("spread from the eye to the lower face", null=True, blank=True)
    other_babinski_sign = models.BooleanField(
        '"other Babinski sign" (brow rises as the eye closes)', null=True, blank=True
    )
    sensory_trick = models.BooleanField("sensory trick relieves the spasms", null=True, blank=True)
    synkinesis_with_voluntary_movement = models.BooleanField(
        "eye closes with voluntary mouth movement (or vice versa)", null=True, blank=True
    )
    continuous_rippling = models.BooleanField("fine, continuous, rippling movement", null=True, blank=True)
    tremor_present = models.BooleanField("rhythmic tremor of lips, chin or jaw", null=True, blank=True)
    premonitory_urge = models.BooleanField("premonitory urge before the movement", null=True, blank=True)
    suppressible = models.BooleanField("can be suppressed for a while", null=True, blank=True)
    stress_caffeine_fatigue = models.BooleanField(
        "brought on by stress, fatigue or caffeine", null=True, blank=True
    )
    other_cranial_nerve_signs = models.BooleanField("other cranial nerve signs", null=True, blank=True)
    rapid_progression = models.BooleanField("rapid progression", null=True, blank=True)
    suspected_ms = models.BooleanField("suspected demyelinating disease", null=True, blank=True)
    # Findings for the mimics (care owns them: they live here, not in the patient's history).
    facial_weakness = models.BooleanField("facial weakness on examination", null=True, blank=True)
    weakness_explained = models.BooleanField(
        "weakness explained by a known prior palsy or surgery", null=True, blank=True
    )
    imaging_result = models.CharField(
        "imaging result", max_length=24, choices=IMAGING_CHOICES, blank=True, default=""
    )
    dopamine_blocker_exposure = models.BooleanField(
        "exposure to dopamine-blocking drugs (antipsychotics, metoclopramide and others)",
        null=True,
        blank=True,
    )
    orobuccolingual_stereotypy = models.BooleanField(
        "repetitive chewing, lip-smacking or tongue movements", null=True, blank=True
    )
    distractible_variable = models.BooleanField(
        "distractible, variable, with unexplained remissions", null=True, blank=True
    )
    tonic_contractions = models.BooleanField("tonic, sustained contractions", null=True, blank=True)
    jaw_deviation = models.BooleanField("lip pulled and jaw deviated to one side", null=True, blank=True)
    jaw_dystonia = models.BooleanField("dystonic jaw opening, closing or deviation", null=True, blank=True)
    jaw_closing_muscles = models.BooleanField(
        "jaw-closing muscles (masseter, temporalis) contract", null=True, blank=True
    )
    facial_hemiatrophy = models.BooleanField("facial hemiatrophy or morphea", null=True, blank=True)
    alternating_sides = models.BooleanField(
        "twitching alternates between the sides (one at a time)", null=True, blank=True
    )
    apraxia_lid_opening = models.BooleanField(
        "cannot open the eyes at will without visible spasm (apraxia of lid opening)", null=True, blank=True
    )
    clonic_jerks = models.BooleanField("regular, rhythmic clonic jerks (seizure-like)", null=True, blank=True)
    limb_involvement = models.BooleanField("arm or leg on the same side jerks too", null=True, blank=True)
    hyperglycaemia = models.BooleanField("hyperglycaemia", null=True, blank=True)
    # Overrides of what the video measured (empty = use the newest analysed video).
    regions = models.JSONField("regions involved (overrides the video)", default=list, blank=True)
    blink_rate_per_min = models.FloatField(
        "blink rate at rest, per minute (overrides the video)", null=True, blank=True
    )
    tremor_frequency_hz = models.FloatField(
        "tremor frequency in Hz (overrides the video)", null=True, blank=True
    )

    pregnant = models.BooleanField(default=False)
    breastfeeding = models.BooleanField(default=False)
    nmj_disorder = models.BooleanField(
        "neuromuscular junction disorder (myasthenia gravis, Lambert-Eaton, ALS)", default=False
    )
    anticoagulated = models.BooleanField("takes anticoagulants", default=False)
    surgical_comorbidities = models.BooleanField("comorbidities relevant to surgery", default=False)
    hla_risk_ancestry = models.BooleanField(
        "ancestry from areas where HLA-B*15:02 is present (broad areas of Asia)", null=True, blank=True
    )
    hla_b1502 = models.CharField("HLA-B*15:02 result", max_length=8, choices=HLA_CHOICES, default="unknown")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Assessment {self.recorded_at:%Y-%m-%d} — {self.patient}"


class CarePlan(models.Model):
    DRAFT, SIGNED = "draft", "signed"
    STATUS_CHOICES = [(DRAFT, "Draft"), (SIGNED, "Signed")]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="care_plans")
    version = models.PositiveIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    cause = models.CharField(max_length=40)
    diagnosis_status = models.CharField(
        max_length=12,
        choices=[("provisional", "Provisional"), ("confirmed", "Confirmed")],
        default="provisional",
    )
    #: The chosen options (with sites, titration, monitoring, citations) and the differential they came from.
    content = models.JSONField(default=dict)
    clinician_notes = models.TextField("changes and notes by the clinician", blank=True)
    patient_notes = models.TextField("extra words for the patient", blank=True)
    status = models.CharField(max_length=6, choices=STATUS_CHOICES, default=DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="care_plan_unique_version"),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(signed_by__isnull=False, signed_at__isnull=False),
                name="care_plan_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"Care plan v{self.version} ({self.get_status_display()}) — {self.patient}"

    @property
    def is_signed(self) -> bool:
        return self.status == self.SIGNED

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = CarePlan.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.SIGNED:
                raise ValidationError(
                    "A signed care plan cannot be changed; edit it to create a new version."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_signed:
            raise ValidationError("A signed care plan cannot be deleted.")
        return super().delete(*args, **kwargs)

    def sign(self, user) -> None:
        """Sign the draft (the caller checks the clinician role). Signed plans never change afterwards."""
        if self.is_signed:
            raise ValidationError("This plan is already signed.")
        CarePlan.objects.filter(pk=self.pk, status=self.DRAFT).update(
            status=self.SIGNED, signed_by=user, signed_at=timezone.now()
        )
        self.refresh_from_db()

    @classmethod
    def next_version(cls, patient) -> int:
        last = cls.objects.filter(patient=patient).aggregate(models.Max("version"))["version__max"]
        return (last or 0) + 1

    def revise(self, user) -> CarePlan:
        """A new draft version copying this plan (used to edit a signed plan)."""
        with transaction.atomic():
            return CarePlan.objects.create(
                patient=self.patient,
                version=CarePlan.next_version(self.patient),
                parent=self,
                cause=self.cause,
                diagnosis_status=self.diagnosis_status,
                content=self.content,
                clinician_notes=self.clinician_notes,
                patient_notes=self.patient_notes,
                created_by=user,
            )


class ExportedId(models.Model):
    """The stable, random UUID under which a record of another app (patient, recording, toxin session ...) is
    exported: created on first export (or by the data migration) and kept, so ids never derive from row numbers
    and two installations never share them. ``record`` is "<app_label>.<model>:<pk>"."""

    record = models.CharField(max_length=120, unique=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.record} -> {self.uuid}"

    @classmethod
    def for_record(cls, obj) -> uuid.UUID:
        """The kept UUID of ``obj`` (a saved model instance), created on first use."""
        key = f"{obj._meta.label_lower}:{obj.pk}"
        found = cls.objects.filter(record=key).values_list("uuid", flat=True).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return cls.objects.create(record=key).uuid
        except IntegrityError:  # created by a concurrent export: use that one
            return cls.objects.get(record=key).uuid
