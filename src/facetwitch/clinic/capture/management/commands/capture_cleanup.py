"""``manage.py capture_cleanup``: remove uploads abandoned for a week, with their partial video files (run daily)."""

from django.core.management.base import BaseCommand

from facetwitch.clinic.capture import services


class Command(BaseCommand):
    help = "Delete in-browser uploads that stopped a week ago or more, and their partial video files."

    def handle(self, *args, **options) -> None:
        removed = services.purge_abandoned_uploads()
        self.stdout.write(f"Removed {removed} abandoned upload(s).")
