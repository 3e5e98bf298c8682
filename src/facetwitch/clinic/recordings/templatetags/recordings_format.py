"""``{% load recordings_format %}``: ``{{ fraction|percent }}`` -> ``"12.5"`` (or an em dash when unknown)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(fraction, digits: int = 1) -> str:
    """A 0..1 fraction as a percentage number without the sign."""
    if fraction is None or fraction == "":
        return "—"
    try:
        return f"{100 * float(fraction):.{int(digits)}f}"
    except (TypeError, ValueError):
        return "—"
