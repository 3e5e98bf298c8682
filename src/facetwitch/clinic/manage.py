"""``python -m facetwitch.clinic.manage`` (or ``facetwitch clinic ...``): Django's manage.py for the clinic."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facetwitch.clinic.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["facetwitch clinic", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
