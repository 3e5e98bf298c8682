"""Logins and failed logins go to the audit log; the admin role and Django's is_staff stay in step."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.accounts.roles import ADMIN


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


@receiver(m2m_changed, sender=User.groups.through)
def admin_role_opens_admin_site(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """The admin role is the only way into Django's admin site (user management): keep is_staff in step with it."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    users = [instance] if not reverse else list(User.objects.filter(pk__in=pk_set or []))
    if reverse and action == "post_clear":
        return  # the group itself is being emptied; its users were handled as they left
    for user in users:
        staff = user.is_superuser or user.groups.filter(name=ADMIN).exists()
        if user.is_staff != staff:
            User.objects.filter(pk=user.pk).update(is_staff=staff)
            user.is_staff = staff
