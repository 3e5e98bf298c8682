"""Roles of clinic users and the permission matrix.

Roles are Django groups. ``admin`` can do everything; ``clinician`` manages clinical data (scales, treatments,
plans, signing); ``staff`` handles patients' administrative data, uploads and scheduling. Superusers count as admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied

CLINICIAN, STAFF, ADMIN = "clinician", "staff", "admin"
ROLES = (CLINICIAN, STAFF, ADMIN)


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return {ADMIN}
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def has_role(user, *roles: str) -> bool:
    """True when the user holds one of ``roles`` (admin holds every role)."""
    held = user_roles(user)
    return ADMIN in held or bool(held & set(roles))


def role_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to the login page, users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based view twin of :func:`role_required`: set ``allowed_roles``."""

    allowed_roles: Iterable[str] = ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)


__all__ = [
    "ADMIN",
    "CLINICIAN",
    "ROLES",
    "STAFF",
    "RoleRequiredMixin",
    "has_role",
    "role_required",
    "user_roles",
]
