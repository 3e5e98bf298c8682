"""Capture's logic: the guided protocol, personal home links (hashed tokens), resumable uploads handed to
recordings, biofeedback programmes and sessions, adherence.

Views stay thin: they check access, call these functions and audit.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from facetwitch.clinic.capture.models import BiofeedbackSession, HomeLink, Programme, Upload
from facetwitch.clinic.recordings import services as recording_services
from facetwitch.clinic.recordings.access import has_consent
from facetwitch.clinic.recordings.probe import NotAVideo, probe_video

# ----- the guided protocol ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolStep:
    task: str
    label: str
    prompt: str
    duration_s: float


# The standard tasks for synkinesis and spasm review: rest first (spontaneous spasms and blinks), then the
# voluntary movements that reveal synkinesis (eye closure pulling the mouth, smiling closing the eye).
PROTOCOL = (
    ProtocolStep(
        "rest", "Rest, eyes open", "Relax your face and look at the camera with your eyes open.", 10.0
    ),
    ProtocolStep("eye_closure", "Gentle eye closure", "Close your eyes gently, as if asleep.", 4.0),
    ProtocolStep("smile", "Smile", "Smile broadly, showing your teeth.", 4.0),
    ProtocolStep("pucker", "Pucker", "Pucker your lips as if to whistle.", 4.0),
)
TASKS = {step.task for step in PROTOCOL}


def protocol_steps() -> list[dict]:
    """The protocol for the page's script; ``FACETWITCH_CAPTURE_PROTOCOL_SCALE`` shortens it (tests, demos)."""
    scale = float(getattr(settings, "FACETWITCH_CAPTURE_PROTOCOL_SCALE", 1.0))
    return [
        {"task": s.task, "label": s.label, "prompt": s.prompt, "duration_s": round(s.duration_s * scale, 2)}
        for s in PROTOCOL
    ]


class InvalidInput(ValueError):
    """Input from the page that cannot be stored; the message says which field and what to do."""


def clean_segments(raw) -> list[dict]:
    """Validate the protocol segments the page sends: known tasks, finite increasing times in seconds."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise InvalidInput("protocol_segments must be a list of at most 20 segments.")
    labels = {s.task: s.label for s in PROTOCOL}
    out, last_end = [], 0.0
    for i, seg in enumerate(raw):
        if not isinstance(seg, dict) or seg.get("task") not in TASKS:
            raise InvalidInput(f"protocol_segments[{i}]: task must be one of {sorted(TASKS)}.")
        try:
            start, end = float(seg["start_s"]), float(seg["end_s"])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(
                f"protocol_segments[{i}]: start_s and end_s must be numbers (seconds)."
            ) from None
        if (
            not (math.isfinite(start) and math.isfinite(end))
            or start < last_end - 0.05
            or end <= start
            or end > 3600
        ):
            raise InvalidInput(
                f"protocol_segments[{i}]: times must increase, within the recording (seconds)."
            )
        out.append(
            {
                "task": seg["task"],
                "label": labels[seg["task"]],
                "start_s": round(start, 3),
                "end_s": round(end, 3),
            }
        )
        last_end = end
    return out


# ----- personal links --------------------------------------------------------------------------------------

TOKEN_BYTES = 32
LINK_DAYS = 90


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(
    patient, *, created_by, days: int = LINK_DAYS, recordings_per_week: int = 1
) -> tuple[HomeLink, str]:
    """A new personal link; returns it and its token (shown once to the clinician, only the hash is stored)."""
    if not has_consent(patient):
        raise PermissionError("The patient has not consented to video recording: no home link can be sent.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    link = HomeLink.objects.create(
        patient=patient,
        token_sha256=hash_token(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=days),
        recordings_per_week=recordings_per_week,
    )
    return link, token


def revoke_link(link: HomeLink) -> None:
    HomeLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db()


def resolve_token(token: str) -> HomeLink | None:
    """The active link of ``token``; None for unknown (forged), expired or revoked tokens, or without consent."""
    if not token or len(token) > 128:
        return None
    link = HomeLink.objects.select_related("patient").filter(token_sha256=hash_token(token)).first()
    if link is None or not link.is_active() or not has_consent(link.patient):
        return None
    HomeLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    return link


# ----- resumable uploads -----------------------------------------------------------------------------------

MAX_CHUNK_BYTES = 8 * 1024 * 1024


def upload_dir() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT).resolve() / "capture-uploads"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def upload_path(upload: Upload) -> Path:
    return upload_dir() / f"{upload.id.hex}.part"


def start_upload(patient, *, size_bytes: int, source: str, segments, link=None, user=None, name="") -> Upload:
    if not has_consent(patient):
        raise PermissionError("The patient has not consented to video recording.")
    max_bytes = settings.FACETWITCH_MAX_UPLOAD_MB * 1024 * 1024
    if not isinstance(size_bytes, int) or size_bytes <= 0:
        raise InvalidInput("size_bytes must be the video's size in bytes (a positive whole number).")
    if size_bytes > max_bytes:
        raise InvalidInput(
            f"The video is larger than {settings.FACETWITCH_MAX_UPLOAD_MB} MB: record a shorter one."
        )
    upload = Upload.objects.create(
        patient=patient,
        link=link,
        created_by=user,
        source=source,
        size_bytes=size_bytes,
        protocol_segments=clean_segments(segments),
        original_name=(Path(name).name or "recording.webm")[:100],
    )
    upload_path(upload).touch(mode=0o600)
    return upload


def write_chunk(upload: Upload, offset: int, data: bytes) -> Upload:
    """Append ``data`` at ``offset``; the offset must equal the bytes already received (a resumed client asks
    for that first). Re-sending a chunk that is already stored is accepted and changes nothing."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.status != Upload.Status.RECEIVING:
            if offset + len(data) <= upload.received_bytes:
                return upload  # a retry of the last chunk after the upload finished: analysed once
            raise InvalidInput("This upload is already complete.")
        if len(data) > MAX_CHUNK_BYTES:
            raise InvalidInput(f"Chunks must be at most {MAX_CHUNK_BYTES} bytes.")
        if offset + len(data) > upload.received_bytes:  # else: a chunk already stored, sent again
            if offset != upload.received_bytes:
                raise OffsetMismatch(upload.received_bytes)
            if offset + len(data) > upload.size_bytes:
                raise InvalidInput("The chunk goes past the size announced when the upload started.")
            with open(upload_path(upload), "r+b") as f:
                f.truncate(offset)  # drop bytes of a chunk whose request broke after they were written
                f.seek(offset)
                f.write(data)
            upload.received_bytes = offset + len(data)
            upload.save(update_fields=["received_bytes", "updated_at"])
    # Complete: hand it over (also when an earlier hand-over was interrupted and the client sends the end again).
    if upload.received_bytes == upload.size_bytes:
        upload = finish_upload(upload)
    return upload


class OffsetMismatch(InvalidInput):
    def __init__(self, expected: int) -> None:
        super().__init__(f"Upload-Offset must be {expected}: resume from there.")
        self.expected = expected


def finish_upload(upload: Upload) -> Upload:
    """Probe the complete file and hand it to recordings (once, even when called twice at the same time)."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.status != Upload.Status.RECEIVING or upload.received_bytes != upload.size_bytes:
            return upload
        path = upload_path(upload)
        try:
            probe = probe_video(path)
        except NotAVideo as exc:
            upload.status, upload.error_message = Upload.Status.FAILED, str(exc)[:500]
            upload.save(update_fields=["status", "error_message", "updated_at"])
            path.unlink(missing_ok=True)
            return upload
        with open(path, "rb") as f:
            recording = recording_services.create_recording(
                patient=upload.patient,
                chunks=iter(lambda: f.read(1024 * 1024), b""),
                original_name=upload.original_name,
                probe=probe,
                uploaded_by=upload.created_by,
                mirrored=False,  # getUserMedia frames are the camera's own view; only the preview is mirrored
                source=upload.source,
                protocol_segments=upload.protocol_segments,
                notes="Recorded at home with the personal link"
                if upload.source == "home"
                else "Recorded in clinic",
            )
        upload.status, upload.recording = Upload.Status.DONE, recording
        upload.save(update_fields=["status", "recording", "updated_at"])
    path.unlink(missing_ok=True)
    return upload


ABANDONED_AFTER = timedelta(days=7)


def purge_abandoned_uploads(now=None) -> int:
    """Delete uploads that stopped receiving long ago, with their partial files (health data kept no longer than
    needed; a patient resumes within days or records again). Returns how many were removed."""
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    stale = list(Upload.objects.filter(updated_at__lt=cutoff).exclude(status=Upload.Status.DONE))
    for upload in stale:
        upload_path(upload).unlink(missing_ok=True)
        upload.delete()
    return len(stale)


# ----- biofeedback -----------------------------------------------------------------------------------------

METRIC_FIELDS = (
    "duration_s",
    "measured_s",
    "time_in_target_s",
    "amplitude_left",
    "amplitude_right",
    "symmetry",
)


def store_session(
    programme: Programme, data: dict, *, source: str, link=None, user=None
) -> BiofeedbackSession:
    """Validate and store one session's measures sent by the page (seconds, 0..1 amplitudes and symmetry)."""
    values = {}
    for name in METRIC_FIELDS:
        try:
            value = float(data[name])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(f"{name} must be a number.") from None
        if not math.isfinite(value) or value < 0:
            raise InvalidInput(f"{name} must be a finite number ≥ 0.")
        values[name] = value
    if values["duration_s"] > 3600 or values["measured_s"] > values["duration_s"] + 0.5:
        raise InvalidInput("measured_s must not exceed duration_s (at most an hour).")
    if values["time_in_target_s"] > values["measured_s"] + 0.5:
        raise InvalidInput("time_in_target_s must not exceed measured_s.")
    if values["symmetry"] > 1:
        raise InvalidInput("symmetry must be between 0 and 1.")
    try:
        reps = int(data.get("repetitions_done", 0))
    except (TypeError, ValueError):
        raise InvalidInput("repetitions_done must be a whole number.") from None
    if not 0 <= reps <= 500:
        raise InvalidInput("repetitions_done must be between 0 and 500.")
    trace = data.get("trace") or {}
    if not isinstance(trace, dict) or any(
        not isinstance(trace.get(k, []), list) or len(trace.get(k, [])) > 3600
        for k in ("t_s", "value", "in_target")
    ):
        raise InvalidInput("trace must hold lists t_s, value, in_target (one point per second at most).")
    trace = {
        "t_s": [round(float(v), 2) for v in trace.get("t_s", [])],
        "value": [None if v is None else round(float(v), 4) for v in trace.get("value", [])],
        "in_target": [bool(v) for v in trace.get("in_target", [])],
    }
    if not has_consent(programme.patient):
        raise PermissionError("The patient has not consented to video recording.")
    return BiofeedbackSession.objects.create(
        programme=programme,
        patient=programme.patient,
        source=source,
        link=link,
        recorded_by=user,
        repetitions_done=reps,
        trace=trace,
        **values,
    )


# ----- adherence -------------------------------------------------------------------------------------------


# A protocol step counts as done when its segment lasted at least this share of its planned time: the page
# ends a step on a 0.2-s tick, and a recording the patient stopped early is kept but is not a complete one.
STEP_DONE_SHARE = 0.9


def protocol_complete(segments: list[dict]) -> bool:
    """Whether a recording's protocol segments cover every step of the guided protocol, each for at least
    ``STEP_DONE_SHARE`` of its planned duration (seconds, as :func:`protocol_steps` plans them)."""
    done: dict[str, float] = {}
    for seg in segments or []:
        try:
            length = float(seg["end_s"]) - float(seg["start_s"])
        except (KeyError, TypeError, ValueError):
            continue
        done[seg.get("task")] = done.get(seg.get("task"), 0.0) + length
    return all(
        done.get(step["task"], 0.0) >= STEP_DONE_SHARE * step["duration_s"] for step in protocol_steps()
    )


@dataclass(frozen=True)
class WeekAdherence:
    """One calendar week of home recording: ``received`` counts recordings with the whole guided protocol done
    (:func:`protocol_complete`); ``partial`` those that arrived without it (stopped early, no segments)."""

    week_start: date  # Monday
    expected: int
    received: int
    partial: int = 0

    @property
    def met(self) -> bool:
        return self.received >= self.expected


def adherence(patient, *, today: date | None = None, weeks: int = 8) -> list[WeekAdherence]:
    """Home recordings expected (from the links active that week) versus received with the protocol complete
    (and partial ones apart), per calendar week, newest first."""
    from facetwitch.clinic.recordings.models import Recording

    today = today or timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    links = list(patient.home_links.all())
    if not links:
        return []
    home = [
        (timezone.localdate(uploaded), protocol_complete(segments))
        for uploaded, segments in Recording.objects.filter(
            patient=patient, source=Recording.Source.HOME
        ).values_list("uploaded_at", "protocol_segments")
    ]
    first_link_day = min(timezone.localdate(link.created_at) for link in links)
    out = []
    for i in range(weeks):
        monday = this_monday - timedelta(weeks=i)
        sunday = monday + timedelta(days=6)
        if sunday < first_link_day - timedelta(days=first_link_day.weekday()):
            break
        expected = max(
            (
                link.recordings_per_week
                for link in links
                if timezone.localdate(link.created_at) <= sunday
                and timezone.localdate(link.revoked_at or link.expires_at) >= monday
            ),
            default=0,
        )
        week = [complete for day, complete in home if monday <= day <= sunday]
        out.append(WeekAdherence(monday, expected, received=sum(week), partial=len(week) - sum(week)))
    return out
