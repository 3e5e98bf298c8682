"""Where recordings and their results live: random names under ``settings.PRIVATE_MEDIA_ROOT``.

Nothing here is ever under STATIC_ROOT or MEDIA_ROOT; files reach users only through access-checked views.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings


def private_root() -> Path:
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def recording_dir(storage_key: str) -> Path:
    """``<private>/recordings/<key>/``: one folder per recording, created private (0700)."""
    path = private_root() / "recordings" / storage_key
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def relative(path: Path) -> str:
    return str(path.resolve().relative_to(private_root()))


def write_chunks(chunks: Iterable[bytes], target: Path) -> tuple[str, int]:
    """Stream chunks to ``target`` through a temporary file and an atomic rename; returns (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    tmp = target.with_name(target.name + ".part")
    try:
        with open(tmp, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def results_dir(storage_key: str) -> Path:
    path = recording_dir(storage_key) / "results"
    path.mkdir(exist_ok=True, mode=0o700)
    return path
