"""A cohort of videos for ``facetwitch batch``: its inputs, the work done per video, and the cohort dataset.

No Dask here: :func:`process_video` is the whole job of one video and runs wherever a worker runs it.

Inputs are video files, folders (searched recursively), glob patterns and manifest CSVs (``path`` column;
optional ``subject_id``, ``visit_date`` as YYYY-MM-DD, ``mirrored``; any other column is carried through as
text). Each video gets a stable ``video_id`` (its file stem and a hash of its absolute path), used for its
output folder ``OUTDIR/<video_id>/`` and its files in the cohort dataset::

    OUTDIR/cohort/videos/<video_id>.parquet    one row: manifest columns + summary metrics
    OUTDIR/cohort/events/<video_id>.parquet    one row per event
    OUTDIR/cohort/episodes/<video_id>.parquet  one row per episode

Each file is written under a hidden temporary name and renamed, the ``videos`` row last, so a video is either
wholly in the dataset or not at all, and re-running it replaces its rows instead of adding to them. Readers
(pandas, pyarrow, dask.dataframe) skip the hidden names.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pandas as pd

    from facetwitch.landmarks import FaceLandmarker
    from facetwitch.records import Analysis

DATASET_DIR = "cohort"
TABLES = ("videos", "events", "episodes")
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp", ".mts", ".m2ts", ".mpg", ".mpeg", ".wmv"}
)
MANIFEST_COLUMNS = ("path", "subject_id", "visit_date", "mirrored")
DUPLICATE = "listed twice"
_TRUE, _FALSE = {"1", "true", "yes", "y", "t"}, {"0", "false", "no", "n", "f", ""}

Status = Literal["ok", "failed", "skipped", "interrupted"]


class InputError(ValueError):
    """The inputs cannot be read at all (no such file or folder, a glob that matches nothing, a manifest
    without a ``path`` column); the message names the input and says what to do."""


@dataclass(frozen=True)
class VideoJob:
    """One video to analyse. ``row``: 1-based position in the run; ``source``: where it was listed.
    ``problem``: why it cannot be run at all (a bad manifest field), reported as its failure."""

    row: int
    path: str
    video_id: str
    source: str
    subject_id: str | None = None
    visit_date: dt.date | None = None
    mirrored: bool = False
    extra: tuple[tuple[str, str | None], ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class VideoResult:
    """What became of one video. ``seconds``: wall time of its analysis; ``worker``: the process that ran it."""

    row: int
    video_id: str
    status: Status
    message: str = ""
    input_sha256: str | None = None
    engine_version: str | None = None
    frames: int | None = None
    duration_s: float | None = None
    seconds: float | None = None
    worker: str | None = None
    output_dir: str | None = None


# ---------------------------------------------------------------------------------------------- inputs


def video_id(path: str | Path) -> str:
    """Stable, unique folder name for a video: its stem (made file-name safe) and 8 hex of its path's hash."""
    path = Path(path)
    stem = re.sub(r"[^\w.-]+", "_", path.stem, flags=re.UNICODE).strip("._") or "video"
    return f"{stem[:60]}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"


def collect_inputs(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    manifest: str | os.PathLike[str] | None = None,
    mirrored: bool = False,
) -> list[VideoJob]:
    """The videos named by ``inputs`` (files, folders, globs, ``.csv`` manifests) and ``manifest``, in order.

    ``mirrored`` applies to videos not listed in a manifest. A video listed twice runs once; the second
    listing is reported as skipped. Raises :class:`InputError` when an input cannot be read at all.
    """
    listed: list[dict[str, Any]] = []
    for item in [*inputs, *([manifest] if manifest is not None else [])]:
        text = str(item)
        path = Path(text).expanduser()
        if path.is_file() and path.suffix.lower() == ".csv":
            listed += _read_manifest(path, mirrored)
        elif path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES and not _hidden(p.relative_to(path))
            )
            if not found:
                raise InputError(
                    f"{text}: the folder holds no video files ({', '.join(sorted(VIDEO_SUFFIXES))})"
                )
            listed += [{"path": p, "source": text, "mirrored": mirrored} for p in found]
        elif path.is_file():
            listed.append({"path": path, "source": text, "mirrored": mirrored})
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(os.path.expanduser(text), recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                raise InputError(f"{text}: the pattern matches no files; check it (quote it for the shell)")
            listed += [{"path": p, "source": text, "mirrored": mirrored} for p in files]
        else:
            raise InputError(f"{text}: no such file or folder")
    if not listed:
        raise InputError("no videos given: name video files, folders, glob patterns or a manifest CSV")

    jobs: list[VideoJob] = []
    first_row: dict[str, int] = {}
    for row, entry in enumerate(listed, start=1):
        path = os.path.abspath(Path(entry["path"]).expanduser())  # normalised: a/../a.mp4 is a.mp4
        problem = entry.get("problem")
        if problem is None and path in first_row:
            problem = f"{DUPLICATE}: the same file as run row {first_row[path]}, analysed there"
        first_row.setdefault(path, row)
        jobs.append(
            VideoJob(
                row=row,
                path=path,
                video_id=video_id(path),
                source=entry["source"],
                subject_id=entry.get("subject_id"),
                visit_date=entry.get("visit_date"),
                mirrored=bool(entry.get("mirrored", False)),
                extra=tuple(entry.get("extra", ())),
                problem=problem,
            )
        )
    return jobs


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _column_name(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lower())


def _read_manifest(path: Path, default_mirrored: bool) -> list[dict[str, Any]]:
    """Rows of a manifest CSV; a bad field fails its row only (``problem``), never the others."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc}); save it as a UTF-8 CSV") from exc
    if not rows:
        raise InputError(f"{path}: the manifest is empty; its first line must name the columns (path, ...)")
    header = [_column_name(h) for h in rows[0]]
    if "path" not in header:
        raise InputError(
            f"{path}: the manifest has no 'path' column (found: {', '.join(header) or 'none'}); "
            "add one with each video's file path, relative to the manifest's folder or absolute"
        )
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise InputError(f"{path}: column(s) {', '.join(duplicates)} appear more than once; keep one of each")
    extras = [h for h in header if h not in MANIFEST_COLUMNS and h not in _RESERVED]
    renamed = {h: f"manifest_{h}" for h in header if h in _RESERVED and h not in MANIFEST_COLUMNS}
    listed = []
    for line_no, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        cells = dict(zip(header, [v.strip() for v in values], strict=False))
        where = f"{path.name} line {line_no}"
        entry: dict[str, Any] = {"source": where, "mirrored": default_mirrored}
        problems = []
        if len(values) > len(header):
            problems.append(f"{len(values)} fields but the header names {len(header)}")
        raw_path = cells.get("path", "")
        if not raw_path:
            problems.append("the 'path' field is empty")
        video = Path(raw_path).expanduser()
        entry["path"] = video if video.is_absolute() else path.parent / video
        entry["subject_id"] = cells.get("subject_id") or None
        if cells.get("visit_date"):
            try:
                entry["visit_date"] = dt.date.fromisoformat(cells["visit_date"])
            except ValueError:
                problems.append(f"visit_date {cells['visit_date']!r} is not a date; write it as YYYY-MM-DD")
        if "mirrored" in cells:
            flag = cells["mirrored"].lower()
            if flag in _TRUE:
                entry["mirrored"] = True
            elif flag in _FALSE:
                entry["mirrored"] = default_mirrored if flag == "" else False
            else:
                problems.append(
                    f"mirrored {cells['mirrored']!r} is not yes/no (use true/false, yes/no or 1/0)"
                )
        entry["extra"] = [(h, cells.get(h) or None) for h in extras] + [
            (new, cells.get(old) or None) for old, new in renamed.items()
        ]
        if problems:
            entry["problem"] = f"{where}: " + "; ".join(problems)
        listed.append(entry)
    if not listed:
        raise InputError(f"{path}: the manifest lists no videos (only its header line)")
    return listed


# ------------------------------------------------------------------------------------- one video's work

_LOCAL = threading.local()
_ALL: list[FaceLandmarker] = []
_ALL_LOCK = threading.Lock()


def worker_landmarker(model: str | None) -> FaceLandmarker:
    """The landmarker of this worker thread, created on first use and kept for every later video."""
    from facetwitch import model as model_mod
    from facetwitch.landmarks import DEFAULT_BACKEND, open_landmarker

    cache: dict[str | None, FaceLandmarker] = _LOCAL.__dict__.setdefault("landmarkers", {})
    if model not in cache:
        cache[model] = open_landmarker(DEFAULT_BACKEND, model_mod.resolve(model, fetch=False))
        with _ALL_LOCK:
            _ALL.append(cache[model])
    return cache[model]


def close_landmarkers() -> None:
    """Close every landmarker of this process (a worker shutting down), while MediaPipe can still do it.

    A closed landmarker stays usable: its next video restarts it."""
    with _ALL_LOCK:
        for landmarker in _ALL:
            landmarker.close()


def engine_version() -> str:
    """Engine, landmark backend and model versions in one string: a video analysed by another one is redone."""
    from facetwitch.pipeline import engine_info

    return engine_info().describe()


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def process_video(
    job: VideoJob,
    output: str,
    *,
    model: str | None = None,
    resume: bool = False,
    time_limit_s: float | None = None,
    max_fps: float | None = None,
) -> VideoResult:
    """Analyse one video and write its outputs and cohort rows; what ``facetwitch analyze`` does, plus rows.

    Bad input (unreadable file, no face) is a ``failed`` result with its message, never an exception; an
    exception means something went wrong with the machine (the caller may retry it elsewhere). With
    ``resume``, a video whose rows show the same input sha256, mirroring, engine version and frame-rate cap
    (``max_fps``, as ``facetwitch.analyze``'s) is ``skipped``.
    """
    from facetwitch.errors import AnalysisError
    from facetwitch.model import ModelError
    from facetwitch.outputs import write_outputs
    from facetwitch.pipeline import analyze

    if job.problem:
        status = "skipped" if job.problem.startswith(DUPLICATE) else "failed"
        return VideoResult(row=job.row, video_id=job.video_id, status=status, message=job.problem)
    worker = f"{os.uname().nodename}:{os.getpid()}"
    result = VideoResult(row=job.row, video_id=job.video_id, status="failed", worker=worker)
    try:
        sha = file_sha256(job.path)
    except FileNotFoundError:
        return replace(result, message=f"{job.path}: no such file (listed in {job.source})")
    except OSError as exc:
        return replace(result, message=f"{job.path}: cannot be read ({exc.strerror or exc})")
    version = engine_version()
    result = replace(result, input_sha256=sha, engine_version=version, output_dir=job.video_id)
    root = Path(output)
    if resume:
        done = done_record(root, job.video_id)
        same = (sha, version, job.mirrored, max_fps)
        if (
            done
            and (done["input_sha256"], done["engine_version"], done["mirrored"], done.get("max_fps")) == same
        ):
            message = "already analysed (same input sha256, mirroring, engine version and frame-rate cap)"
            skipped = replace(result, status="skipped", frames=done["frames"], duration_s=done["duration_s"])
            columns = video_schema(name for name, _ in job.extra).names
            if _manifest_columns(done) == _manifest_columns(job) and list(done) == columns:
                return replace(skipped, message=message)
            if _refresh_rows(root, job, sha, version):
                return replace(
                    skipped,
                    message=f"{message}; its cohort rows were rewritten with the manifest's and today's columns",
                )
            # Its analysis.json is gone: analyse it again.
    try:
        landmarker = worker_landmarker(model)
    except ModelError as exc:
        return replace(result, message=f"face model unavailable on worker {worker}: {exc}")
    started = time.perf_counter()
    try:
        analysis = analyze(
            job.path, mirrored=job.mirrored, landmarker=landmarker, time_limit_s=time_limit_s, max_fps=max_fps
        )
    except AnalysisError as exc:
        return replace(result, message=str(exc))
    seconds = time.perf_counter() - started
    try:
        write_outputs(analysis, root / job.video_id)
        write_rows(root, job.video_id, cohort_tables(job, analysis, sha, version))
    except OSError as exc:
        return replace(result, message=f"{job.path}: could not write its results under {root}: {exc}")
    return replace(
        result,
        status="ok",
        frames=analysis.video.frames,
        duration_s=analysis.video.duration_s,
        seconds=seconds,
    )


# ------------------------------------------------------------------------------------------- dataset

_MANIFEST_FIELDS = [
    pa.field("video_id", pa.string(), nullable=False),
    pa.field("subject_id", pa.string()),
    pa.field("visit_date", pa.date32()),
]
_SIDE_FIELDS = [
    ("episodes", pa.int64()),
    ("episodes_per_min", pa.float64()),
    ("spasm_time_fraction", pa.float64()),
    ("eye_closure_fraction", pa.float64()),
    ("regions", pa.string()),
    ("spread_beyond_eye", pa.bool_()),
]
VIDEO_FIELDS = [
    pa.field("path", pa.string()),
    pa.field("mirrored", pa.bool_()),
    pa.field("input_sha256", pa.string()),
    pa.field("engine_version", pa.string()),
    pa.field("output_dir", pa.string()),
    pa.field("duration_s", pa.float64()),
    pa.field("frames", pa.int64()),
    pa.field("fps", pa.float64()),
    pa.field("max_fps", pa.float64()),
    pa.field("width", pa.int64()),
    pa.field("height", pa.int64()),
    pa.field("face_found_fraction", pa.float64()),
    pa.field("face_brightness", pa.float64()),
    pa.field("lid_travel_left", pa.float64()),
    pa.field("lid_travel_right", pa.float64()),
    pa.field("warnings", pa.string()),
    pa.field("analysed_duration_s", pa.float64()),
    pa.field("blink_count", pa.int64()),
    pa.field("blink_rate_per_min", pa.float64()),
    pa.field("lid_range_measured", pa.bool_()),
    pa.field("episodes_total", pa.int64()),
    *[pa.field(f"{side}_{name}", kind) for side in ("left", "right", "both") for name, kind in _SIDE_FIELDS],
    pa.field("laterality_index", pa.float64()),
    pa.field("affected_side", pa.string()),
    pa.field("longest_episode_s", pa.float64()),
    pa.field("tremor_present", pa.bool_()),
    pa.field("tremor_frequency_hz", pa.float64()),
    pa.field("tremor_time_fraction", pa.float64()),
    pa.field("tremor_regions", pa.string()),
    pa.field("jankovic_severity", pa.int64()),
    pa.field("jankovic_frequency", pa.int64()),
    pa.field("jankovic_total", pa.int64()),
    pa.field("smc_grade", pa.int64()),
]
_RESERVED = frozenset(f.name for f in [*_MANIFEST_FIELDS, *VIDEO_FIELDS])
EVENT_SCHEMA = pa.schema(
    [
        *_MANIFEST_FIELDS,
        pa.field("kind", pa.string()),
        pa.field("side", pa.string()),
        pa.field("start_s", pa.float64()),
        pa.field("end_s", pa.float64()),
        pa.field("duration_s", pa.float64()),
        pa.field("regions", pa.string()),
        pa.field("peak", pa.float64()),
        pa.field("frequency_hz", pa.float64()),
    ]
)
EPISODE_SCHEMA = pa.schema(
    [
        *_MANIFEST_FIELDS,
        pa.field("side", pa.string()),
        pa.field("pattern", pa.string()),
        pa.field("start_s", pa.float64()),
        pa.field("end_s", pa.float64()),
        pa.field("duration_s", pa.float64()),
        pa.field("contractions", pa.int64()),
        pa.field("regions", pa.string()),
    ]
)


def video_schema(extra_columns: Iterable[str] = ()) -> pa.Schema:
    """The ``videos`` table: manifest columns (extra ones as text), then the summary metrics."""
    extras = [pa.field(name, pa.string()) for name in extra_columns]
    return pa.schema([*_MANIFEST_FIELDS, *extras, *VIDEO_FIELDS])


def cohort_tables(job: VideoJob, analysis: Analysis, sha: str, version: str) -> dict[str, pa.Table]:
    """The video's rows of the three cohort tables (regions as comma-separated text, times in seconds)."""
    ids = {"video_id": job.video_id, "subject_id": job.subject_id, "visit_date": job.visit_date}
    s, scales, video = analysis.summary, analysis.suggested_scales, analysis.video
    row: dict[str, Any] = {**ids, **dict(job.extra)}
    row |= {
        "path": job.path,
        "mirrored": job.mirrored,
        "input_sha256": sha,
        "engine_version": version,
        "output_dir": job.video_id,
        "duration_s": video.duration_s,
        "frames": video.frames,
        "fps": video.fps_nominal,
        "max_fps": video.max_fps,
        "width": video.width,
        "height": video.height,
        "face_found_fraction": analysis.quality.face_found_fraction,
        "face_brightness": analysis.quality.face_brightness,
        "lid_travel_left": analysis.quality.lid_travel_left,
        "lid_travel_right": analysis.quality.lid_travel_right,
        "warnings": " | ".join(analysis.quality.warnings),
        "analysed_duration_s": s.analysed_duration_s,
        "blink_count": s.blink_count,
        "blink_rate_per_min": analysis.measured_blink_rate_per_min,
        "lid_range_measured": analysis.quality.lid_range_measured,
        "episodes_total": s.episodes_total,
        "laterality_index": s.laterality_index,
        "affected_side": s.affected_side,
        "longest_episode_s": s.longest_episode_s,
        "tremor_present": s.tremor.present,
        "tremor_frequency_hz": s.tremor.frequency_hz,
        "tremor_time_fraction": s.tremor.time_fraction,
        "tremor_regions": ",".join(s.tremor.regions),
        "jankovic_severity": scales.jankovic_severity.value,
        "jankovic_frequency": scales.jankovic_frequency.value,
        "jankovic_total": scales.jankovic_total,
        "smc_grade": scales.smc_grade.value,
    }
    for side in ("left", "right", "both"):
        side_summary = getattr(s, side)
        for name, _ in _SIDE_FIELDS:
            value = getattr(side_summary, name)
            row[f"{side}_{name}"] = ",".join(value) if name == "regions" else value
    events = [
        {**ids, "kind": e.kind, "side": e.side, "start_s": e.start_s, "end_s": e.end_s,
         "duration_s": e.duration_s, "regions": ",".join(e.regions), "peak": e.peak,
         "frequency_hz": e.frequency_hz}
        for e in analysis.events
    ]  # fmt: skip
    episodes = [
        {**ids, "side": e.side, "pattern": e.pattern, "start_s": e.start_s, "end_s": e.end_s,
         "duration_s": e.duration_s, "contractions": e.contractions, "regions": ",".join(e.regions)}
        for e in analysis.episodes
    ]  # fmt: skip
    return {
        "videos": pa.Table.from_pylist([row], schema=video_schema(name for name, _ in job.extra)),
        "events": pa.Table.from_pylist(events, schema=EVENT_SCHEMA),
        "episodes": pa.Table.from_pylist(episodes, schema=EPISODE_SCHEMA),
    }


def write_rows(root: Path, video: str, tables: dict[str, pa.Table]) -> None:
    """Write the video's file of each table atomically; ``videos`` last, as the sign the video is done."""
    for name in sorted(tables, key=lambda n: n == "videos"):
        directory = root / DATASET_DIR / name
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{video}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pq.write_table(tables[name], f, compression="zstd")
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, directory / f"{video}.parquet")
        finally:
            Path(temp).unlink(missing_ok=True)


def done_record(root: Path, video: str) -> dict[str, Any] | None:
    """The ``videos`` row of an analysed video (its sha256, mirroring, engine version, ...), or ``None``."""
    path = root / DATASET_DIR / "videos" / f"{video}.parquet"
    try:
        rows = pq.read_table(path).to_pylist()
    except (OSError, pa.ArrowInvalid):
        return None
    return rows[0] if len(rows) == 1 and "input_sha256" in rows[0] else None


def _manifest_columns(source: VideoJob | dict[str, Any]) -> dict[str, Any]:
    """What a video's rows carry from the manifest: subject, visit date and the extra columns."""
    if isinstance(source, VideoJob):
        return {"subject_id": source.subject_id, "visit_date": source.visit_date, **dict(source.extra)}
    extra = {k: v for k, v in source.items() if k not in _RESERVED}
    return {"subject_id": source.get("subject_id"), "visit_date": source.get("visit_date"), **extra}


def _refresh_rows(root: Path, job: VideoJob, sha: str, version: str) -> bool:
    """Rewrite a done video's cohort rows from its analysis.json (the manifest's columns, or the tables', changed)."""
    from facetwitch.outputs import JSON_NAME
    from facetwitch.records import Analysis

    try:
        analysis = Analysis.from_json((root / job.video_id / JSON_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    write_rows(root, job.video_id, cohort_tables(job, analysis, sha, version))
    return True


RUN_MANIFEST = "run-manifest.csv"


def run_manifest(jobs: Sequence[VideoJob], results: dict[int, VideoResult]) -> pd.DataFrame:
    """One row per listed video, in input order: its manifest columns and what became of it.

    A video without a result (the run stopped first) is ``interrupted``."""
    import pandas as pd

    records = []
    for job in jobs:
        result = results.get(job.row) or VideoResult(
            row=job.row, video_id=job.video_id, status="interrupted",
            message="not analysed: the run was stopped first; run again with --resume to finish",
        )  # fmt: skip
        records.append(
            {
                "row": job.row,
                "video_id": job.video_id,
                "path": job.path,
                "source": job.source,
                "subject_id": job.subject_id,
                "visit_date": job.visit_date.isoformat() if job.visit_date else None,
                "mirrored": job.mirrored,
                **dict(job.extra),
                "status": result.status,
                "message": result.message,
                "input_sha256": result.input_sha256,
                "engine_version": result.engine_version,
                "frames": result.frames,
                "duration_s": result.duration_s,
                "seconds": result.seconds,
                "worker": result.worker,
                "output_dir": result.output_dir if result.status in ("ok", "skipped") else None,
            }
        )
    frame = pd.DataFrame.from_records(records)
    return frame.astype({"frames": "Int64", "duration_s": "Float64", "seconds": "Float64"})


def write_run_manifest(frame: pd.DataFrame, root: Path) -> Path:
    """Write the run manifest CSV atomically (a temporary file renamed over the old one)."""
    target = root / RUN_MANIFEST
    fd, temp = tempfile.mkstemp(dir=root, prefix=f".{RUN_MANIFEST}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            frame.to_csv(f, index=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    finally:
        Path(temp).unlink(missing_ok=True)
    return target
