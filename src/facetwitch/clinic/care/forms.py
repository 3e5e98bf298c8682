"""Forms of the care app: examination findings / patient factors, and the plan editor."""

from __future__ import annotations

from django import forms

from facetwitch.clinic.care.differential import cause_labels
from facetwitch.clinic.care.models import REGION_CHOICES, Assessment, CarePlan
from facetwitch.clinic.care.services import ASSESSMENT_FINDINGS, ASSESSMENT_OVERRIDES

TRI_STATE = [("", "Not assessed"), ("true", "Yes"), ("false", "No")]


# Patient factors that shape the plan (toxin contraindications, carbamazepine screening, surgery risk).
PATIENT_FACTOR_FIELDS = (
    "pregnant",
    "breastfeeding",
    "nmj_disorder",
    "anticoagulated",
    "surgical_comorbidities",
    "hla_risk_ancestry",
    "hla_b1502",
    "notes",
)


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["affected_side", *ASSESSMENT_FINDINGS, *ASSESSMENT_OVERRIDES, *PATIENT_FACTOR_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (*ASSESSMENT_FINDINGS, "hla_risk_ancestry"):
            field = self.fields[name]
            self.fields[name] = forms.NullBooleanField(
                label=field.label[:1].upper() + field.label[1:],
                required=False,
                widget=forms.Select(choices=TRI_STATE),
            )
        self.fields[
            "affected_side"
        ].help_text = "Leave empty to use the history's onset side, else the side the video measured."
        self.fields["regions"] = forms.MultipleChoiceField(
            label="Regions involved (overrides the video)",
            choices=REGION_CHOICES,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Leave all unticked to use the regions the video measured.",
        )
        self.fields["imaging_result"].help_text = "Leave empty when no imaging has been done or seen."
        self.fields["blink_rate_per_min"].validators.append(_range(0, 200, "blinks per minute"))
        self.fields["tremor_frequency_hz"].validators.append(_range(0.5, 30, "Hz"))

    def clean(self):
        data = super().clean()
        if data.get("pregnant") and data.get("breastfeeding") is None:
            data["breastfeeding"] = False
        if data.get("hla_b1502") == "positive" and data.get("hla_risk_ancestry") is False:
            self.add_error(
                "hla_risk_ancestry", "A positive HLA-B*15:02 result contradicts 'No' here: please check."
            )
        return data

    def clean_regions(self):
        return sorted(set(self.cleaned_data.get("regions") or ()))

    @property
    def finding_fields(self):
        return [self[name] for name in ("affected_side", *ASSESSMENT_FINDINGS)]

    @property
    def override_fields(self):
        return [self[name] for name in ASSESSMENT_OVERRIDES]

    @property
    def factor_fields(self):
        return [self[name] for name in PATIENT_FACTOR_FIELDS]


def _range(low: float, high: float, unit: str):
    def check(value):
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(f"Enter a value from {low:g} to {high:g} {unit}, or leave it empty.")

    return check


class PlanForm(forms.Form):
    """Choose the cause and the options to keep; the clinician's edits go into the notes fields."""

    cause = forms.ChoiceField(label="Cause this plan treats")
    diagnosis_status = forms.ChoiceField(choices=CarePlan._meta.get_field("diagnosis_status").choices)
    options = forms.MultipleChoiceField(
        label="Options to include",
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": "Choose at least one option for the plan."},
    )
    clinician_notes = forms.CharField(
        label="Changes and notes (doses, sites, schedule) by the clinician",
        widget=forms.Textarea,
        required=False,
        max_length=5000,
    )
    patient_notes = forms.CharField(
        label="Extra words for the patient (printed on their plan)",
        widget=forms.Textarea,
        required=False,
        max_length=3000,
    )

    def __init__(self, *args, option_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = list(cause_labels().items())
        self.fields["options"].choices = list(option_choices)
