"""The patient's printable plan: plain language, rendered to PDF with WeasyPrint (fonts and Pango from Debian)."""

from __future__ import annotations

from django.template.loader import render_to_string

from facetwitch.clinic.care.differential import DECISION_SUPPORT, cause_labels
from facetwitch.clinic.care.sources import source_entries

PATIENT_LINES = {
    "first": "Suggested first",
    "next": "If the first step is not enough",
    "adjunct": "Can help alongside",
    "referral": "Specialist referral to discuss",
    "avoid": "Not suggested for you at the moment",
}


def plan_pdf(plan, request=None) -> bytes:
    """PDF bytes of a (signed) care plan in plain language, with the decision-support wording and sources."""
    from weasyprint import HTML  # imported lazily: it loads Pango at import time

    options = [
        dict(o, line_label=PATIENT_LINES.get(o.get("line"), "")) for o in plan.content.get("options", [])
    ]
    html = render_to_string(
        "care/plan_pdf.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "cause_label": cause_labels().get(plan.cause, plan.cause),
            "options": options,
            "sources": source_entries(plan.content.get("sources", [])),
            "disclaimer": DECISION_SUPPORT,
        },
    )
    return HTML(string=html, base_url=None).write_pdf()
