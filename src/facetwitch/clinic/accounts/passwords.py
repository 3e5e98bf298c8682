"""Accounts that must choose a new password first: every page but the password form sends them there."""

from __future__ import annotations

from django.shortcuts import redirect

from facetwitch.clinic.accounts.models import PasswordChangeRequired

#: Pages a user who must change their password may still open.
ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/accounts/login/", "/static/")


def require_change(user) -> None:
    PasswordChangeRequired.objects.get_or_create(user=user)


def changed(user) -> None:
    PasswordChangeRequired.objects.filter(user=user).delete()


def must_change(user) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and PasswordChangeRequired.objects.filter(user=user).exists()
    )


class ForcedPasswordChangeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(ALLOWED_PREFIXES) and must_change(getattr(request, "user", None)):
            return redirect("accounts:password_change")
        return self.get_response(request)
