"""Forms of the clinician's side: a personal link and a biofeedback programme."""

from __future__ import annotations

from django import forms

from facetwitch.clinic.capture.models import Programme


class HomeLinkForm(forms.Form):
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=180, initial=56)
    recordings_per_week = forms.IntegerField(
        label="Recordings expected per week", min_value=1, max_value=14, initial=1
    )


# Sensible default targets per exercise (the therapist adjusts them): see Programme.target.
DEFAULT_TARGETS = {"relax_rest": 0.15, "eye_open_smile": 0.25, "symmetric_smile": 0.8}


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["kind", "affected_side", "target", "repetitions", "hold_s", "instructions"]
        labels = {
            "kind": "Exercise",
            "affected_side": "Affected side",
            "target": "Target (0–1)",
            "hold_s": "Hold each repetition (s)",
        }
        help_texts = {
            "target": "Relax at rest: the affected side's activity stays below this. Eye open while smiling: eye "
            "closure stays below this. Symmetric smile: symmetry (1 = equal sides) at least this.",
        }
