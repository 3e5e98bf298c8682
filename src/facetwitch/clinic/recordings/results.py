"""The one place where the clinic stores and reads an engine result.

The worker stores a finished ``facetwitch.Analysis`` (its files under the recording's private results folder and
the few numbers lists and charts filter on); pages read the analysis back through :func:`load_analysis`.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from facetwitch.clinic.recordings import storage
from facetwitch.clinic.recordings.models import Recording

Status = Recording.Status


def engine_version(analysis) -> str:
    """The engine version recorded in an analysis (its typed ``engine_info``; ``engine["facetwitch"]`` in
    facetwitch.analysis/1)."""
    return analysis.engine_info.version[:40]


def _paths_by_suffix(paths) -> dict[str, Path]:
    if isinstance(paths, dict):
        values = list(paths.values())
    elif isinstance(paths, list | tuple):
        values = list(paths)
    else:
        values = [getattr(paths, name, None) for name in ("json", "parquet", "html")]
    return {Path(p).suffix: Path(p) for p in values if p is not None}


def store_result(pk: int, analysis, paths) -> None:
    """Mark the recording done with the engine's output files and headline numbers (one update)."""
    files = _paths_by_suffix(paths)
    summary = analysis.summary
    scales = analysis.suggested_scales
    Recording.objects.filter(pk=pk).update(
        status=Status.DONE,
        progress=1.0,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        error_message="",
        analysis_json=storage.relative(files[".json"]),
        frames_parquet=storage.relative(files[".parquet"]) if ".parquet" in files else "",
        report_html=storage.relative(files[".html"]) if ".html" in files else "",
        engine_version=engine_version(analysis),
        analysed_duration_s=summary.analysed_duration_s,
        face_found_fraction=analysis.quality.face_found_fraction,
        lid_travel_left=analysis.quality.lid_travel_left,
        lid_travel_right=analysis.quality.lid_travel_right,
        blink_rate_per_min=analysis.measured_blink_rate_per_min,
        episodes_per_min_left=summary.left.episodes_per_min,
        episodes_per_min_right=summary.right.episodes_per_min,
        episodes_per_min_both=summary.both.episodes_per_min,
        spasm_time_fraction_left=summary.left.spasm_time_fraction,
        spasm_time_fraction_right=summary.right.spasm_time_fraction,
        spasm_time_fraction_both=summary.both.spasm_time_fraction,
        affected_side=summary.affected_side or "",
        suggested_jankovic_severity=scales.jankovic_severity.value,
        suggested_jankovic_frequency=scales.jankovic_frequency.value,
        suggested_smc_grade=scales.smc_grade.value,
    )


def load_analysis(recording: Recording):
    """The stored ``facetwitch.Analysis`` of a finished recording (without the frame table).

    Parsed once per process and file version: pages such as the outcome timeline and the care plan read every
    recording of a patient on each view. A re-analysis writes a new file (atomically), so its inode, modification
    time and size key a fresh parse. Each caller gets its own copy of the mutable parts.
    """
    if recording.status != Status.DONE or not recording.analysis_json:
        return None
    path = recording.private_path(recording.analysis_json)
    stat = path.stat()
    parsed = _parsed_analysis(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return dataclasses.replace(
        parsed, events=list(parsed.events), episodes=list(parsed.episodes), engine=dict(parsed.engine)
    )


@functools.lru_cache(maxsize=256)
def _parsed_analysis(path: str, inode: int, mtime_ns: int, size: int):
    import facetwitch

    return facetwitch.Analysis.from_json(Path(path).read_text(encoding="utf-8"))


def timeline(recording: Recording, analysis) -> SafeString:
    """The engine's event/episode timeline of a recording, to embed in a page (ids unique per recording)."""
    import facetwitch

    # The engine escapes every text it draws and writes presentation attributes only (no scripts, no styles).
    return mark_safe(facetwitch.timeline_svg(analysis, id_prefix=f"recording-{recording.pk}-timeline"))
