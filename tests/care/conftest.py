"""Reuse the clinic's shared fixtures (users per role, logged-in clients, ``patient``, data dir) in tests/care."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_shared = Path(__file__).resolve().parents[1] / "clinic" / "conftest.py"
_spec = importlib.util.spec_from_file_location("facetwitch_clinic_shared_conftest", _shared)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
globals().update({name: value for name, value in vars(_module).items() if not name.startswith("_")})
