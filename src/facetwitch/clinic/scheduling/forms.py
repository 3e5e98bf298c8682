"""Booking forms: clinic hours and overlaps checked here for a clear message; the database has the last word."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from facetwitch.clinic.patients.models import Patient
from facetwitch.clinic.scheduling import hours
from facetwitch.clinic.scheduling.models import Appointment
from facetwitch.clinic.scheduling.services import clinicians


class _WhenMixin(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        help_text="Clinic time; appointments start on the quarter hour.",
    )

    def start_datetime(self) -> datetime | None:
        day, at = self.cleaned_data.get("date"), self.cleaned_data.get("time")
        if day is None or at is None:
            return None
        return hours.local_datetime(day, at)

    def check_when(self, appointment: Appointment, *, validate: bool = True) -> None:
        """Apply the new start to ``appointment``; with ``validate``, report hours/overlap problems on "time".

        ModelForms leave ``validate`` off: their own model validation runs ``Appointment.clean`` afterwards.
        """
        start = self.start_datetime()
        if start is None:
            return
        if start < timezone.now():
            self.add_error("date", "That time has already passed: choose a future date and time.")
            return
        appointment.set_start(start)
        if not validate:
            return
        try:
            appointment.clean()
        except ValidationError as exc:
            for message in exc.messages:
                self.add_error("time", message)


class AppointmentForm(_WhenMixin, forms.ModelForm):
    class Meta:
        model = Appointment
        fields = ["patient", "clinician", "visit_type", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    field_order = ["patient", "clinician", "visit_type", "date", "time", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()
        self.fields["clinician"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["patient"].queryset = Patient.objects.all()
        self.fields["visit_type"].choices = hours.visit_type_choices()
        self.fields["time"].help_text = f"Clinic hours: {hours.clinic_hours().describe()}."

    def clean(self):
        cleaned = super().clean()
        if not self.errors and cleaned.get("clinician") and cleaned.get("visit_type"):
            self.instance.clinician = cleaned["clinician"]
            self.instance.visit_type = cleaned["visit_type"]
            self.instance.patient = cleaned.get("patient")
            self.check_when(self.instance, validate=False)
        return cleaned


class RescheduleForm(_WhenMixin):
    clinician = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, appointment: Appointment, **kwargs):
        super().__init__(*args, **kwargs)
        self.appointment = appointment
        self.fields["clinician"].queryset = clinicians()
        self.fields["clinician"].initial = appointment.clinician_id
        self.fields["clinician"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["time"].help_text = f"Clinic hours: {hours.clinic_hours().describe()}."

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self.appointment.clinician = cleaned["clinician"]
            self.check_when(self.appointment)
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=200, help_text="Why the appointment is cancelled (kept in the record)."
    )
