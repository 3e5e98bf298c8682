"""Patient and visit forms: every rule a clinic would expect, each with a message that says what to fix."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone

from facetwitch.clinic.accounts.params import parse_int
from facetwitch.clinic.patients.models import HISTORY_FLAGS, Patient, Visit

EARLIEST_DATE = dt.date(1900, 1, 1)
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{5,40}$")
MRN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")

ADMIN_FIELDS = [
    "mrn",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "video_consent",
    "video_consent_date",
]
HISTORY_FIELDS = [
    "onset_date",
    "onset_side",
    "onset_region",
    "spread",
    "persists_in_sleep",
    "triggers",
    *HISTORY_FLAGS,
    "current_medications",
    "allergies",
    "notes",
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientForm(forms.ModelForm):
    """Demographics, contact and consent (staff and clinicians) plus the cause-relevant history (clinicians).

    ``with_history=False`` leaves the clinical fields out entirely, so a staff member's post cannot change them.
    """

    persists_in_sleep = forms.TypedChoiceField(
        label="Twitching persists in sleep",
        choices=[("", "Unknown"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
        help_text="As reported by a bed partner or family member.",
    )

    class Meta:
        model = Patient
        fields = ADMIN_FIELDS + HISTORY_FIELDS
        labels = {
            "mrn": "Medical record number (MRN)",
            "video_consent": "The patient consents to video recording of the face for measurement",
            "video_consent_date": "Date consent was given",
            "onset_date": "Onset date",
            "onset_side": "Side at onset",
            "onset_region": "Where it started",
            "spread": "Spread since onset",
            "current_medications": "Current medications",
            **HISTORY_FLAGS,
        }
        help_texts = {
            "mrn": "Letters, digits and . _ / - only; unique in this clinic.",
            "video_consent": "Required before any video can be uploaded.",
            "onset_side": "The patient's own side.",
            "onset_date": "An approximate date is fine (e.g. the 1st of the month).",
        }
        widgets = {
            "date_of_birth": DateInput(),
            "video_consent_date": DateInput(),
            "onset_date": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
            "spread": forms.Textarea(attrs={"rows": 2}),
            "triggers": forms.Textarea(attrs={"rows": 2}),
            "current_medications": forms.Textarea(attrs={"rows": 3}),
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, with_history: bool = True, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and "initial" not in kwargs:
            kwargs["initial"] = {
                "persists_in_sleep": {True: "yes", False: "no"}.get(instance.persists_in_sleep, "")
            }
        super().__init__(*args, **kwargs)
        self.with_history = with_history
        if not with_history:
            for name in HISTORY_FIELDS:
                self.fields.pop(name, None)
        today = timezone.localdate().isoformat()
        for name in ("date_of_birth", "video_consent_date", "onset_date"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"min": EARLIEST_DATE.isoformat(), "max": today})

    # Groups for the template (fieldsets): only fields this form has.
    def fieldsets(self) -> list[tuple[str, list]]:
        groups = [
            ("Identity", ["mrn", "given_name", "family_name", "date_of_birth", "sex"]),
            ("Contact", ["phone", "email", "address"]),
            ("Consent to video recording", ["video_consent", "video_consent_date"]),
            (
                "History relevant to the cause",
                ["onset_date", "onset_side", "onset_region", "spread", "persists_in_sleep", "triggers"],
            ),
            ("Related conditions", list(HISTORY_FLAGS)),
            ("Medications, allergies and notes", ["current_medications", "allergies", "notes"]),
        ]
        return [
            (title, [self[n] for n in names if n in self.fields])
            for title, names in groups
            if any(n in self.fields for n in names)
        ]

    def clean_mrn(self) -> str:
        mrn = self.cleaned_data["mrn"].strip()
        if not MRN_RE.match(mrn):
            raise forms.ValidationError(
                "Use letters, digits and . _ / - only (no spaces), at most 40 characters."
            )
        clash = Patient.objects.filter(mrn__iexact=mrn).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                f"Another patient already has the MRN {mrn}. Search for it in the patient list."
            )
        return mrn

    def clean_given_name(self) -> str:
        return self._clean_name("given_name")

    def clean_family_name(self) -> str:
        return self._clean_name("family_name")

    def _clean_name(self, field: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise forms.ValidationError("Enter a name (spaces alone do not count).")
        if any(ch.isdigit() for ch in value):
            raise forms.ValidationError("A name cannot contain digits.")
        return value

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                "Enter a phone number with digits, spaces and + ( ) - only, e.g. +1 555 010 2030."
            )
        return phone

    def clean_date_of_birth(self) -> dt.date:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born < EARLIEST_DATE:
            raise forms.ValidationError("The date of birth must be after 1900; check the year.")
        return born

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        born = data.get("date_of_birth")
        consent, consent_date = data.get("video_consent"), data.get("video_consent_date")
        if consent and not consent_date and "video_consent_date" not in self.errors:
            self.add_error("video_consent_date", "Enter the date the patient gave consent.")
        if consent_date and not consent:
            self.add_error(
                "video_consent",
                "A consent date is entered but consent is not ticked: tick it, or clear the date.",
            )
        if consent_date:
            if consent_date > today:
                self.add_error("video_consent_date", "The consent date cannot be in the future.")
            elif born and consent_date < born:
                self.add_error("video_consent_date", "The consent date cannot be before the date of birth.")
        onset = data.get("onset_date")
        if onset:
            if onset > today:
                self.add_error("onset_date", "The onset date cannot be in the future.")
            elif born and onset < born:
                self.add_error("onset_date", "The onset date cannot be before the date of birth.")
        return data


def _scale_field(label: str, lo: int, hi: int, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=lo,
        max_value=hi,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": lo, "max": hi, "step": 1, "inputmode": "numeric"}),
        error_messages={
            "invalid": f"Enter a whole number from {lo} to {hi}, or leave it empty.",
            "min_value": f"Enter a whole number from {lo} to {hi}, or leave it empty.",
            "max_value": f"Enter a whole number from {lo} to {hi}, or leave it empty.",
        },
    )


class VisitForm(forms.ModelForm):
    """A visit with clinician-entered scales. Questionnaires are stored as totals only (licensed wording is not
    part of the product; clinics add their licensed forms)."""

    jankovic_severity = _scale_field("Jankovic severity", 0, 4, "0–4.")
    jankovic_frequency = _scale_field("Jankovic frequency", 0, 4, "0–4.")
    smc_grade = _scale_field("SMC grade (hemifacial spasm)", 1, 4, "I–IV, entered as 1–4.")
    house_brackmann = _scale_field("House–Brackmann grade", 1, 6, "I–VI, entered as 1–6.")
    hfs7_total = _scale_field("HFS-7 total", 0, 28, "Total score 0–28.")
    hfs30_total = _scale_field("HFS-30 total", 0, 120, "Total score 0–120.")
    bsdi_total = _scale_field("BSDI total", 0, 24, "Total score 0–24.")

    class Meta:
        model = Visit
        fields = [
            "date",
            "jankovic_severity",
            "jankovic_frequency",
            "smc_grade",
            "house_brackmann",
            "hfs7_total",
            "hfs30_total",
            "bsdi_total",
            "notes",
        ]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 5})}
        labels = {"date": "Visit date", "notes": "Clinical notes"}

    CLINICIAN_SCALES = ("jankovic_severity", "jankovic_frequency", "smc_grade", "house_brackmann")
    QUESTIONNAIRES = ("hfs7_total", "hfs30_total", "bsdi_total")

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["date"].widget.attrs.update(
            {"min": patient.date_of_birth.isoformat(), "max": timezone.localdate().isoformat()}
        )

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                "A visit with scores cannot be in the future; book future consultations in the schedule."
            )
        if day < self.patient.date_of_birth:
            raise forms.ValidationError("The visit date cannot be before the patient's date of birth.")
        return day


def prefill_from_query(query) -> dict[str, int]:
    """Initial scale values from GET parameters (``?jankovic_severity=2&smc_grade=1``), e.g. the scales an
    analysis suggested. Values out of range or not numbers are ignored: the clinician still decides."""
    ranges = {"jankovic_severity": (0, 4), "jankovic_frequency": (0, 4), "smc_grade": (1, 4)}
    initial = {}
    for name, (lo, hi) in ranges.items():
        value = parse_int(query.get(name, ""), lo=lo, hi=hi)
        if value is not None:
            initial[name] = value
    return initial
