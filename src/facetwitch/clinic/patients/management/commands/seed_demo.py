from django.core.management.base import BaseCommand

from facetwitch.clinic.patients.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo clinic: one user per role, demo patients with history and visits, and "
        "each app's demo data (recordings, treatments, ...). Idempotent."
    )

    def handle(self, *args, **options):
        result = seed_demo(report=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS(f"Demo clinic ready: {len(result['patients'])} demo patients.")
        )
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<10} role {user.role}")
