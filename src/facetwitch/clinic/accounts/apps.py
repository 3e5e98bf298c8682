from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_role_groups(sender, using="default", **kwargs) -> None:
    from facetwitch.clinic.accounts.groups import ensure_role_groups

    ensure_role_groups(using=using)


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "facetwitch.clinic.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        from facetwitch.clinic.accounts import signals  # noqa: F401  (connects the audit receivers)

        # After every migrate (and test-database flush): the role groups exist, with the admin role's rights.
        post_migrate.connect(_create_role_groups, sender=self, dispatch_uid="facetwitch-role-groups")
