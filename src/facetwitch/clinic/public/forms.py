"""The public consultation request form. Spam-safe without third parties: a honeypot field and a signed
timestamp (too fast or too old submissions are refused). Validation messages say what to fix."""

from __future__ import annotations

import re
import time

from django import forms
from django.core import signing
from django.utils import timezone

from facetwitch.clinic.public.models import DAY_CHOICES, ConsultationRequest

MIN_SECONDS = 3  # people take longer than this to fill the form; bots do not
MAX_AGE_SECONDS = 24 * 3600
SALT = "facetwitch.public.request-form"
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{7,25}$")
URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)


def form_token(now: float | None = None) -> str:
    return signing.dumps({"t": now if now is not None else time.time()}, salt=SALT)


class ConsultationRequestForm(forms.ModelForm):
    preferred_days = forms.MultipleChoiceField(
        choices=DAY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, label="Preferred days"
    )
    consent = forms.BooleanField(
        label="I agree that the clinic stores these details to contact me about an appointment.",
        error_messages={"required": "Please tick the box so that we may store your details and contact you."},
    )
    # Honeypot: hidden by the stylesheet; people leave it empty.
    website = forms.CharField(required=False, label="Leave this field empty")
    token = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = ConsultationRequest
        fields = ["full_name", "email", "phone", "date_of_birth", "reason", "details", "preferred_time"]
        labels = {"full_name": "Your name", "details": "Anything you would like us to know (optional)"}
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "details": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            "preferred_time": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["token"] = form_token()
        self.fields["email"].help_text = "Email or phone — at least one, so that we can reach you."
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2 or not re.search(r"[^\W\d_]", name):
            raise forms.ValidationError("Enter your name (letters, at least 2 characters).")
        return name

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                "Enter a phone number with digits only (spaces, +, - and brackets allowed)."
            )
        return phone

    def clean_date_of_birth(self):
        dob = self.cleaned_data.get("date_of_birth")
        if dob and (dob > timezone.localdate() or dob.year < 1900):
            raise forms.ValidationError("Enter your real date of birth (or leave it empty).")
        return dob

    def clean_details(self):
        details = self.cleaned_data["details"].strip()
        if URL_RE.search(details):
            raise forms.ValidationError("Please leave out web links; describe the twitching in words.")
        return details

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError("Your request could not be sent. Please leave the last field empty.")
        try:
            issued = signing.loads(cleaned.get("token") or "", salt=SALT, max_age=MAX_AGE_SECONDS)["t"]
        except (signing.BadSignature, KeyError, TypeError):
            raise forms.ValidationError(
                "This form has expired. Please reload the page and send it again."
            ) from None
        age = time.time() - issued
        if age > MAX_AGE_SECONDS:
            raise forms.ValidationError("This form has expired. Please reload the page and send it again.")
        if age < MIN_SECONDS:
            raise forms.ValidationError(
                "That was very fast — please check your details and send the form again."
            )
        if (
            not cleaned.get("email")
            and not cleaned.get("phone")
            and "email" not in self.errors
            and "phone" not in self.errors
        ):
            self.add_error("email", "Enter an email address or a phone number so that we can reach you.")
        return cleaned

    def save(self, commit=True):
        obj = super().save(commit=False)
        obj.preferred_days = ",".join(self.cleaned_data.get("preferred_days") or [])
        if commit:
            obj.save()
        return obj
