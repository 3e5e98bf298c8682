"""Write an analysis to disk: ``analysis.json``, ``frames.parquet`` and ``report.html``, all or nothing.

Every file is first written completely to a hidden temporary file in the target directory, flushed to disk,
and only then renamed over its final name (``os.replace``, atomic on one file system). If anything fails before
the renames, the temporaries are removed and the user's existing files are untouched. ``analysis.json`` is
renamed last, so a complete new ``analysis.json`` always sits beside the frames and report it belongs to.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from facetwitch.records import SCHEMA_ID, Analysis
from facetwitch.report import render_report
from facetwitch.schema import validate_analysis

__all__ = ["JSON_NAME", "PARQUET_NAME", "REPORT_NAME", "OutputPaths", "write_outputs"]

JSON_NAME = "analysis.json"
PARQUET_NAME = "frames.parquet"
REPORT_NAME = "report.html"


def _read_umask() -> int:
    # os.umask can only be read by setting it; do that once, at import, not while worker threads write files.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


@dataclass(frozen=True)
class OutputPaths:
    """Where the outputs were written. ``parquet`` is ``None`` when the analysis has no frames table."""

    json: Path
    parquet: Path | None
    html: Path


def write_outputs(analysis: Analysis, directory: str | Path) -> OutputPaths:
    """Write ``analysis.json`` (validated), ``frames.parquet`` (zstd) and ``report.html`` into ``directory``.

    The directory is created if needed. ``frames.parquet`` is written only when ``analysis.frames`` is a
    ``pyarrow.Table`` (an analysis loaded back from JSON has none; an existing ``frames.parquet`` is then
    left as it is). Raises :class:`facetwitch.schema.AnalysisSchemaError` for an invalid analysis, ``TypeError``
    for a frames object that is not a table, and ``OSError`` when the directory cannot be written; in every
    case no partial or temporary file is left behind.
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"output directory {str(out)!r} exists and is not a directory")
    frames = analysis.frames
    if frames is not None and not isinstance(frames, pa.Table):
        raise TypeError(f"analysis.frames must be a pyarrow.Table or None, not {type(frames).__name__}")

    # Everything that can fail for reasons of content happens before the first byte is written.
    doc = analysis.to_dict()
    validate_analysis(doc)
    json_text = analysis.to_json(indent=2) + "\n"
    html_text = render_report(analysis)

    out.mkdir(parents=True, exist_ok=True)
    paths = OutputPaths(
        json=out / JSON_NAME,
        parquet=out / PARQUET_NAME if frames is not None else None,
        html=out / REPORT_NAME,
    )
    targets = [p for p in (paths.parquet, paths.html, paths.json) if p is not None]
    for target in targets:
        if target.is_dir():
            raise IsADirectoryError(
                f"cannot write {target.name}: {str(target)!r} is a directory; move it away"
            )

    staged: list[tuple[Path, Path]] = []
    try:
        if paths.parquet is not None:
            staged.append((_stage(out, PARQUET_NAME, lambda f: _write_parquet(frames, f)), paths.parquet))
        staged.append((_stage(out, REPORT_NAME, lambda f: f.write(html_text.encode("utf-8"))), paths.html))
        staged.append((_stage(out, JSON_NAME, lambda f: f.write(json_text.encode("utf-8"))), paths.json))
        for temp, final in staged:
            os.replace(temp, final)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    _fsync_directory(out)
    return paths


def _stage(directory: Path, name: str, write: Callable[[IO[bytes]], object]) -> Path:
    """Write a temporary sibling of ``directory/name`` with ``write`` and flush it to disk; return its path."""
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes 0600 files; give the outputs the permissions of an ordinary new file.
        os.chmod(temp, 0o666 & ~_UMASK)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _write_parquet(frames: pa.Table, f: IO[bytes]) -> None:
    metadata = dict(frames.schema.metadata or {})
    metadata[b"facetwitch.schema"] = SCHEMA_ID.encode()
    pq.write_table(frames.replace_schema_metadata(metadata), f, compression="zstd")


def _fsync_directory(directory: Path) -> None:
    """Make the renames durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
