"""The clinic's secret key: generated on first start and kept in the data dir, never a fixed key in the code.

``FACETWITCH_SECRET_KEY`` still wins when set (e.g. several web hosts sharing one key). Otherwise the key is read
from ``<data dir>/secret_key``; on first start that file is created with a fresh random key, readable by this
account only (0600), without a race between the web server and the worker starting at once (O_EXCL).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def load_or_create(data_dir: Path) -> str:
    path = Path(data_dir) / FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 50:
            raise RuntimeError(
                f"The secret key file {path} is empty or too short: delete it to have a new one made "
                "(signed-in users will have to sign in again)."
            ) from None
        return key
    key = secrets.token_urlsafe(64)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    return key
