"""``{% clinic_nav %}``: the main navigation, showing only sections that exist and that the user's role may open."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from facetwitch.clinic.accounts.roles import ADMIN, CLINICIAN, ROLES, can, has_role, user_roles

register = template.Library()

# (label, URL name, roles that see it). Sections of apps that are not installed or have no such URL are skipped,
# so each app appears in the menu as soon as it provides its index URL.
NAV_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Patients", "patients:list", ROLES),
    ("Schedule", "scheduling:index", ROLES),
    ("Treatments", "treatments:index", (CLINICIAN, ADMIN)),
    ("Recordings", "recordings:index", ROLES),
    ("Care plans", "care:index", (CLINICIAN, ADMIN)),
    ("Audit log", "accounts:audit", (ADMIN,)),
    ("Users", "admin:auth_user_changelist", (ADMIN,)),
)


def _reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@register.inclusion_tag("accounts/_nav.html", takes_context=True)
def clinic_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for label, name, roles in NAV_ITEMS:
            url = _reverse(name)
            if url is not None and has_role(user, *roles):
                items.append({"label": label, "url": url, "current": False})
        # Sections share the "/clinic/" prefix: the longest matching URL is the current section.
        matching = [i for i in items if request.path.startswith(i["url"])]
        if matching:
            max(matching, key=lambda i: len(i["url"]))["current"] = True
    return {
        "items": items,
        "user": user,
        "roles": sorted(user_roles(user)) if user is not None else [],
        "request": request,
    }


@register.filter
def role_label(roles: list[str]) -> str:
    """Human label of a user's roles: ``["clinician"]`` -> ``"Clinician"``."""
    return ", ".join(r.capitalize() for r in roles) or "No role"


__all__ = ["NAV_ITEMS", "can_filter", "clinic_nav", "role_label"]


@register.filter(name="can")
def can_filter(user, action: str) -> bool:
    """``{% if user|can:"visit.edit" %}``: the permission matrix in templates."""
    return can(user, action)
