"""The three role groups and the Django-admin permissions of the admin role (user management only)."""

from __future__ import annotations

from facetwitch.clinic.accounts.roles import ROLES

# Administrators manage accounts in Django's admin site; patient data is never edited there (it is not audited).
ADMIN_MODEL_PERMISSIONS = (
    ("auth", "user", ("add", "change", "view")),
    ("auth", "group", ("view",)),
    ("accounts", "auditentry", ("view",)),
)


def ensure_role_groups(using: str = "default") -> list[str]:
    """Create the groups clinician/staff/admin if missing and grant admin its admin-site rights.

    Idempotent; runs after every ``migrate`` (post_migrate) and from ``manage.py create_role_groups``.
    Returns the names of the groups it created.
    """
    from django.contrib.auth.models import Group, Permission

    created = []
    for name in ROLES:
        _, was_created = Group.objects.using(using).get_or_create(name=name)
        if was_created:
            created.append(name)
    admin = Group.objects.using(using).get(name="admin")
    for app_label, model, verbs in ADMIN_MODEL_PERMISSIONS:
        codenames = [f"{verb}_{model}" for verb in verbs]
        perms = Permission.objects.using(using).filter(
            content_type__app_label=app_label, content_type__model=model, codename__in=codenames
        )
        admin.permissions.add(*perms)
    return created
