"""``manage.py analysis_worker``: django-tasks' ``db_worker`` plus crash recovery of recordings.

Before taking tasks it re-queues recordings whose worker died (SIGKILL, OOM, power loss leave their task
RUNNING for ever), then keeps checking every ``--recover-every`` seconds in a background thread so that
several workers cover for each other. All ``db_worker`` options work (``--batch``, ``--interval``, ...).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from facetwitch.clinic.recordings.services import recover_stale_recordings

logger = logging.getLogger("facetwitch.clinic.recordings")


def _recover_quietly() -> None:
    try:
        recovered = recover_stale_recordings()
        if recovered:
            logger.warning("Re-queued recordings whose worker was gone: %s", recovered)
    except Exception:  # the worker must keep running; the next round tries again
        logger.exception("Recovery of stale recordings failed")


class Command(DbWorkerCommand):
    help = "Run the analysis worker: recover recordings of dead workers, then process the task queue."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--recover-every",
            type=float,
            default=60.0,
            help="Seconds between checks for recordings whose worker died (0: only at start).",
        )

    def handle(self, *args, recover_every: float, **options) -> None:
        self.configure_logging(options["verbosity"])
        _recover_quietly()
        stop = threading.Event()
        if recover_every > 0 and not options.get("batch"):
            threading.Thread(
                target=self._recover_periodically, args=(stop, recover_every), daemon=True, name="recovery"
            ).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

    @staticmethod
    def _recover_periodically(stop: threading.Event, every: float) -> None:
        while not stop.wait(every):
            close_old_connections()
            _recover_quietly()
        connection.close()
