"""Logins and failed logins go to the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from facetwitch.clinic.accounts.models import AuditEntry


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs) -> None:
    AuditEntry.objects.create(
        user=user, username=user.get_username(), action="login", ip_address=_ip(request)
    )


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    AuditEntry.objects.create(username=username, action="login_failed", ip_address=_ip(request))
