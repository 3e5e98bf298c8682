from django.core.management.base import BaseCommand

from facetwitch.clinic.patients.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo clinic: one user per role, demo patients with history and visits, and "
        "each app's demo data (recordings, treatments, ...). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict", action="store_true", help="Fail when an app's demo data cannot be seeded."
        )
        parser.add_argument(
            "--core-only",
            action="store_true",
            help="Only users, patients and visits: skip the apps' demo data (recordings analysed from "
            "simulated videos take a minute or more).",
        )

    def handle(self, *args, **options):
        result = seed_demo(
            report=lambda line: self.stdout.write(line),
            warn=lambda line: self.stderr.write(self.style.WARNING(line)),
            strict=options["strict"],
            with_apps=not options["core_only"],
        )
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {len(result['patients'])} demo patients."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<10} role {user.role}")
