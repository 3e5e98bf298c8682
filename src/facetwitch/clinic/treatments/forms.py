"""Forms of the treatments app. Bad input gets a message naming the field and what to enter instead."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone

from facetwitch.clinic.treatments import dosing
from facetwitch.clinic.treatments.models import (
    Medication,
    MonitoringResult,
    SteroidInjection,
    SurgicalReferral,
    TherapySession,
    TitrationStep,
    ToxinFollowUp,
    ToxinInjection,
    ToxinSession,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_future(value, label="Date"):
    if value and value > timezone.localdate():
        raise forms.ValidationError(
            f"{label} is in the future — record treatments on or after the day they happen."
        )
    return value


class PatientDatedForm(forms.ModelForm):
    """A form for a record of one patient, with a date that cannot be in the future or before birth."""

    date_field = "date"

    def __init__(self, *args, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get(self.date_field)
        if value:
            try:
                _not_future(value)
            except forms.ValidationError as exc:
                self.add_error(self.date_field, exc)
            dob = getattr(self.patient, "date_of_birth", None)
            if dob and value < dob:
                self.add_error(self.date_field, "Date is before the patient's date of birth.")
        return cleaned


class ToxinSessionForm(PatientDatedForm):
    acknowledge_warnings = forms.BooleanField(
        required=False,
        label="I have reviewed the dose and interval warnings and want to save this session.",
    )

    #: Asked only when correcting a saved session (``editing=True``); kept with the previous values.
    correction_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason for the correction",
        help_text="Kept in the session's history with the previous values, e.g. 'units typed as 25, were 2.5'.",
    )

    class Meta:
        model = ToxinSession
        fields = ["date", "indication", "visit", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, patient=None, editing: bool = False, **kwargs):
        super().__init__(*args, patient=patient, **kwargs)
        self.editing = editing
        if editing:
            self.fields["correction_reason"].required = True
            self.fields["correction_reason"].error_messages["required"] = (
                "Give the reason for the correction (it is kept with the previous values)."
            )
        else:
            del self.fields["correction_reason"]
        self.fields["visit"].required = False
        self.fields["visit"].queryset = (
            patient.visits.all() if patient is not None else self.fields["visit"].queryset.none()
        )

    def clean_date(self):
        value = self.cleaned_data["date"]
        if self.editing and self.instance.pk:
            first = self.instance.follow_ups.order_by("date").first()
            if first is not None and value > first.date:
                raise forms.ValidationError(
                    f"A follow-up of this session is recorded on {first.date:%Y-%m-%d}: the session cannot be "
                    "after it. Correct the follow-up first, or choose an earlier date."
                )
        return value


class ToxinInjectionForm(forms.ModelForm):
    class Meta:
        model = ToxinInjection
        fields = ["muscle", "side", "product", "units", "lot", "concentration"]
        widgets = {
            "units": forms.NumberInput(attrs={"step": "0.25", "min": "0.25", "class": "units"}),
            "concentration": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "lot": forms.TextInput(attrs={"size": 10}),
        }

    def clean(self):
        cleaned = super().clean()
        muscle, side = cleaned.get("muscle"), cleaned.get("side")
        if muscle and side:
            if muscle in dosing.MIDLINE_ONLY and side != "midline":
                self.add_error(
                    "side", f"{dosing.MUSCLE_LABELS[muscle]} is a midline muscle: choose side 'Midline'."
                )
            elif side == "midline" and muscle not in dosing.MIDLINE_ALLOWED:
                self.add_error(
                    "side",
                    f"{dosing.MUSCLE_LABELS[muscle]} has a left and a right: choose the patient's own side.",
                )
        return cleaned


class BaseInjectionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        live = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not live:
            raise forms.ValidationError("Add at least one injection site (click the face map or fill a row).")


InjectionFormSet = inlineformset_factory(
    ToxinSession,
    ToxinInjection,
    form=ToxinInjectionForm,
    formset=BaseInjectionFormSet,
    extra=3,
    can_delete=True,
    max_num=60,
    validate_max=True,
)


class ToxinFollowUpForm(forms.ModelForm):
    class Meta:
        model = ToxinFollowUp
        fields = [
            "date",
            "ptosis",
            "lagophthalmos",
            "dry_eye",
            "diplopia",
            "facial_weakness",
            "bruising",
            "other_effects",
            "benefit_onset_days",
            "benefit_duration_weeks",
            "improvement_percent",
            "notes",
        ]
        widgets = {"date": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session

    def clean_date(self):
        value = _not_future(self.cleaned_data["date"])
        if self.session and value < self.session.date:
            raise forms.ValidationError(
                f"A follow-up cannot be before the injection session ({self.session.date:%Y-%m-%d})."
            )
        return value


class SteroidInjectionForm(PatientDatedForm):
    class Meta:
        model = SteroidInjection
        fields = ["date", "drug", "dose_mg", "site", "side", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class TherapySessionForm(PatientDatedForm):
    class Meta:
        model = TherapySession
        fields = ["date", "kind", "minutes", "therapist", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class SurgicalReferralForm(PatientDatedForm):
    class Meta:
        model = SurgicalReferral
        fields = ["date", "procedure", "side", "surgeon", "reason", "status", "operation_date", "outcome"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2}), "outcome": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        op, ref = cleaned.get("operation_date"), cleaned.get("date")
        if op and ref and op < ref:
            self.add_error("operation_date", "The operation date cannot be before the referral date.")
        if cleaned.get("status") == "operated" and not op:
            self.add_error("operation_date", "Enter the operation date for status 'Operated'.")
        return cleaned


class MedicationForm(PatientDatedForm):
    date_field = "start_date"

    class Meta:
        model = Medication
        fields = ["drug", "other_name", "start_date", "stop_date", "indication", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("drug") == "other" and not cleaned.get("other_name", "").strip():
            self.add_error("other_name", "Enter the drug's name when you choose 'Other'.")
        start, stop = cleaned.get("start_date"), cleaned.get("stop_date")
        if start and stop and stop < start:
            self.add_error("stop_date", "The stop date cannot be before the start date.")
        return cleaned


class TitrationStepForm(forms.ModelForm):
    class Meta:
        model = TitrationStep
        fields = ["start_date", "dose_mg", "doses_per_day", "note"]
        labels = {"start_date": "From", "dose_mg": "mg per dose"}
        widgets = {"start_date": DATE_WIDGET}

    def __init__(self, *args, medication=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.medication = medication

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        med = self.medication
        if med and value < med.start_date:
            raise forms.ValidationError(
                f"A step cannot start before the medication ({med.start_date:%Y-%m-%d})."
            )
        if med and med.stop_date and value > med.stop_date:
            raise forms.ValidationError(
                f"A step cannot start after the stop date ({med.stop_date:%Y-%m-%d})."
            )
        return value


class MonitoringResultForm(forms.ModelForm):
    class Meta:
        model = MonitoringResult
        fields = ["code", "date", "result"]
        widgets = {"date": DATE_WIDGET}

    def __init__(self, *args, medication=None, **kwargs):
        super().__init__(*args, **kwargs)
        items = medication.info.monitoring if medication is not None and medication.info else ()
        self.fields["code"] = forms.ChoiceField(label="Check", choices=[(i.code, i.label) for i in items])

    def clean_date(self):
        return _not_future(self.cleaned_data["date"])
