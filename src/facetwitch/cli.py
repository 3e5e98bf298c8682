"""The ``facetwitch`` command line: analyze, demo, simulate, model, clinic."""

from __future__ import annotations

import argparse
import sys

from facetwitch import model as model_mod

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3


def _model_command(args: argparse.Namespace) -> int:
    try:
        if args.action == "fetch":
            path = model_mod.resolve(args.model)
        elif args.action == "path":
            path = model_mod.resolve(args.model, fetch=False)
        else:
            path = model_mod.resolve(args.model, fetch=False)
            model_mod.verify(path)
            print(f"ok: sha256 {model_mod.MODEL_SHA256}")
    except model_mod.ModelError as exc:
        print(f"facetwitch: {exc}", file=sys.stderr)
        return EXIT_MODEL
    print(path)
    return EXIT_OK


def _clinic_command(args: argparse.Namespace) -> int:
    from facetwitch.clinic.manage import main as manage

    manage(args.manage_args)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facetwitch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("model", help="provision and check the MediaPipe face model")
    p.add_argument("action", choices=["fetch", "path", "verify"])
    p.add_argument("--model", help="use this model file instead of the cache (also $FACETWITCH_MODEL)")
    p.set_defaults(func=_model_command)

    p = sub.add_parser("clinic", help="the clinic web app (Django manage.py commands)", add_help=False)
    p.add_argument("manage_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_clinic_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
