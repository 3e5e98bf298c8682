from django.core.management.base import BaseCommand

from facetwitch.clinic.accounts.groups import ensure_role_groups


class Command(BaseCommand):
    help = "Create the role groups clinician, staff and admin (idempotent)."

    def handle(self, *args, **options):
        created = ensure_role_groups()
        self.stdout.write(f"Role groups ready (created: {', '.join(created) or 'none'}).")
