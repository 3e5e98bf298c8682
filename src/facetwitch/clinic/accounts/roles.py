"""Roles of clinic users and the permission matrix.

Roles are Django groups. ``admin`` can do everything; ``clinician`` manages clinical data (scales, treatments,
plans, signing); ``staff`` handles patients' administrative data, uploads and scheduling. Superusers count as admin.

The matrix :data:`PERMISSIONS` maps an action (``"<area>.<verb>"``) to the roles allowed to do it; views check it
with ``action_required("visit.edit")`` (or ``role_required(*roles)`` directly) and templates with
``{% if user|can:"visit.edit" %}`` (``{% load clinic_nav %}``). Other apps may add their actions here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

CLINICIAN, STAFF, ADMIN = "clinician", "staff", "admin"
ROLES = (CLINICIAN, STAFF, ADMIN)

# action -> roles allowed. Admin is allowed everything anyway (see has_role); listing it keeps the table readable.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "patient.view": (CLINICIAN, STAFF, ADMIN),
    "patient.create": (CLINICIAN, STAFF, ADMIN),
    # Contact details and consent; staff may keep them up to date.
    "patient.edit": (CLINICIAN, STAFF, ADMIN),
    # Cause-relevant history, medications, allergies: clinical data.
    "patient.edit_history": (CLINICIAN, ADMIN),
    "visit.view": (CLINICIAN, STAFF, ADMIN),
    "visit.create": (CLINICIAN, ADMIN),
    "visit.edit": (CLINICIAN, ADMIN),
    "audit.view": (ADMIN,),
    "users.manage": (ADMIN,),
}


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return {ADMIN}
    cached = getattr(user, "_clinic_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._clinic_roles = cached  # one query per request, not one per menu item
    return set(cached)


def has_role(user, *roles: str) -> bool:
    """True when the user holds one of ``roles`` (admin holds every role)."""
    held = user_roles(user)
    return ADMIN in held or bool(held & set(roles))


def can(user, action: str) -> bool:
    """True when the permission matrix lets ``user`` do ``action``; unknown actions are denied."""
    return action in PERMISSIONS and has_role(user, *PERMISSIONS[action])


def _to_login(request) -> HttpResponse:
    """The login page, then back here. An htmx request (e.g. after the session expired) gets HX-Redirect so the
    whole page goes to the login form instead of the form being swapped into a fragment."""
    from django.contrib.auth.views import redirect_to_login

    if getattr(request, "htmx", False):
        current = request.htmx.current_url_abs_path or request.get_full_path()
        response = redirect_to_login(current)
        return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return redirect_to_login(request.get_full_path())


def role_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to the login page, users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to_login(request)
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def action_required(action: str) -> Callable:
    """View decorator from the matrix: ``@action_required("visit.edit")``."""
    return role_required(*PERMISSIONS[action])


class RoleRequiredMixin(AccessMixin):
    """Class-based view twin of :func:`role_required`: set ``allowed_roles``."""

    allowed_roles: Iterable[str] = ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _to_login(request)
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)


__all__ = [
    "ADMIN",
    "CLINICIAN",
    "PERMISSIONS",
    "ROLES",
    "STAFF",
    "RoleRequiredMixin",
    "action_required",
    "can",
    "has_role",
    "role_required",
    "user_roles",
]
