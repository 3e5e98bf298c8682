"""Template helpers of the care app."""

from __future__ import annotations

from django import template

from facetwitch.clinic.accounts.roles import ADMIN, CLINICIAN, has_role

register = template.Library()


@register.filter
def care_viewer(user) -> bool:
    """``{% if user|care_viewer %}``: clinicians and admins see decision support; staff do not."""
    return has_role(user, CLINICIAN, ADMIN)


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{100 * float(value):.0f}%"


@register.filter
def days(value) -> str:
    return "—" if value is None else f"{float(value):.0f}"
