"""Recording life cycle: store an upload, queue its analysis, run it, retry it, recover it after a crash.

The analysis runs in a django-tasks worker (``manage.py analysis_worker``, a wrapper of ``db_worker``).
A worker killed hard (SIGKILL, power loss, OOM killer) leaves its task RUNNING for ever, so each running
recording records its worker (host, pid) and a heartbeat; :func:`recover_stale_recordings` re-queues those
whose worker is gone.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task

from facetwitch.clinic.recordings import results, storage
from facetwitch.clinic.recordings.access import CONSENT_WITHDRAWN, has_consent
from facetwitch.clinic.recordings.models import Recording
from facetwitch.clinic.recordings.probe import VideoProbe

logger = logging.getLogger(__name__)
Status = Recording.Status

PROGRESS_INTERVAL_S = 0.5


def stale_after() -> timedelta:
    """How long without a heartbeat before a running analysis on another host counts as lost."""
    return timedelta(seconds=getattr(settings, "FACETWITCH_ANALYSIS_STALE_S", 300))


def analysis_time_limit_s() -> float:
    """Wall-clock seconds one analysis may take; past it the recording fails with the engine's message."""
    return float(getattr(settings, "FACETWITCH_ANALYSIS_TIME_LIMIT_S", 3600))


def analysis_max_fps() -> float | None:
    """The most frames a second an analysis looks at (``FACETWITCH_ANALYSIS_MAX_FPS``); None: every frame."""
    return getattr(settings, "FACETWITCH_ANALYSIS_MAX_FPS", None)


def max_attempts() -> int:
    """Runs of one recording before it is failed (a video that kills its worker each time must stop)."""
    return getattr(settings, "FACETWITCH_ANALYSIS_MAX_ATTEMPTS", 3)


def create_recording(
    *,
    patient,
    chunks,
    original_name: str,
    probe: VideoProbe,
    uploaded_by=None,
    visit=None,
    recorded_on=None,
    mirrored: bool = False,
    notes: str = "",
    enqueue: bool = True,
    source: str = Recording.Source.UPLOAD,
    protocol_segments: list[dict] | None = None,
) -> Recording:
    """Store the video under a random name, create the recording and queue its analysis.

    ``chunks`` is an iterable of bytes (an UploadedFile's ``chunks()``); the file is streamed to disk.
    ``source`` says where the video came from (upload, in-browser recording in clinic, the patient's home link);
    ``protocol_segments`` are the guided tasks of an in-browser recording with their times in seconds.
    """
    if not has_consent(patient):
        raise PermissionError("The patient has not consented to video recording.")
    recording = Recording(
        patient=patient,
        visit=visit,
        uploaded_by=uploaded_by,
        original_name=Path(original_name).name[:255] or "video",
        mirrored=mirrored,
        notes=notes,
        source=source,
        protocol_segments=list(protocol_segments or []),
        content_type=probe.content_type,
        container=probe.container,
        codec=probe.codec,
        width=probe.width,
        height=probe.height,
        duration_s=probe.duration_s,
    )
    if recorded_on:
        recording.recorded_on = recorded_on
    recording.storage_key = os.urandom(16).hex()
    target = storage.recording_dir(recording.storage_key) / f"video{probe.extension}"
    recording.sha256, recording.size = storage.write_chunks(chunks, target)
    recording.video_file = storage.relative(target)
    recording.save()
    if enqueue:
        enqueue_analysis(recording)
    return recording


def enqueue_analysis(recording: Recording) -> Recording:
    """Queue (or re-queue) the analysis; the queue row and the recording change in one transaction."""
    with transaction.atomic():
        result = analyse_recording.enqueue(recording.pk)
        Recording.objects.filter(pk=recording.pk).update(
            status=Status.QUEUED,
            task_id=str(result.id),
            queued_at=timezone.now(),
            progress=0.0,
            frames_done=0,
            worker_host="",
            worker_pid=None,
            heartbeat_at=None,
        )
    recording.refresh_from_db()
    return recording


def retry(recording: Recording) -> Recording:
    """User-requested re-analysis of a failed recording (the attempt counter starts again)."""
    if recording.status != Status.FAILED:
        raise ValueError("Only a failed analysis can be retried.")
    if not has_consent(recording.patient):
        raise ValueError(CONSENT_WITHDRAWN)
    Recording.objects.filter(pk=recording.pk).update(attempts=0, error_message="")
    return enqueue_analysis(recording)


def void_recording(recording: Recording, *, reason: str, by) -> Recording:
    """Withdraw a recording from the record (kept with its files; never analysed again), with the reason."""
    from facetwitch.clinic.recordings.models import RecordingCorrection

    reason = reason.strip()
    if not reason:
        raise ValueError("Give the reason for voiding this recording.")
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.status == Status.VOIDED:
            raise ValueError("This recording is already voided.")
        RecordingCorrection.objects.create(
            recording=locked,
            action=RecordingCorrection.VOID,
            reason=reason[:300],
            by=by,
            previous_status=locked.status,
            from_patient=locked.patient,
        )
        Recording.objects.filter(pk=locked.pk).update(status=Status.VOIDED, task_id="")
    recording.refresh_from_db()
    return recording


def move_recording(recording: Recording, *, to_patient, reason: str, by) -> Recording:
    """Move a recording uploaded under the wrong patient to the right one, with the reason.

    The files stay where they are (their private path does not name the patient), so they follow the recording;
    the visit link is dropped (the visit belongs to the other patient). The new patient must have consented."""
    from facetwitch.clinic.recordings.models import RecordingCorrection

    reason = reason.strip()
    if not reason:
        raise ValueError("Give the reason for moving this recording.")
    if to_patient.pk == recording.patient_id:
        raise ValueError("The recording already belongs to this patient.")
    if not has_consent(to_patient):
        raise ValueError(f"{to_patient} has no consent to video recording on file: record it first.")
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        RecordingCorrection.objects.create(
            recording=locked,
            action=RecordingCorrection.MOVE,
            reason=reason[:300],
            by=by,
            previous_status=locked.status,
            from_patient_id=locked.patient_id,
            to_patient=to_patient,
        )
        Recording.objects.filter(pk=locked.pk).update(patient=to_patient, visit=None)
    recording.refresh_from_db()
    return recording


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_gone(recording: Recording, *, now=None) -> bool:
    """True when the worker running this recording is dead (same host) or silent too long (any host)."""
    now = now or timezone.now()
    if (
        recording.worker_host == socket.gethostname()
        and recording.worker_pid
        and recording.worker_pid != os.getpid()
        and not _pid_alive(recording.worker_pid)
    ):
        return True
    last_sign = recording.heartbeat_at or recording.started_at
    return last_sign is None or now - last_sign > stale_after()


def recover_stale_recordings() -> list[int]:
    """Re-queue running recordings whose worker is gone; fail those that used up their attempts.

    Also marks the abandoned queue rows failed so they do not stay RUNNING. Returns the recovered ids.
    """
    from django_tasks_db.models import DBTaskResult

    recovered = []
    for recording in Recording.objects.filter(status=Status.RUNNING):
        if not worker_gone(recording):
            continue
        lost_worker = f"{recording.worker_host}:{recording.worker_pid}"
        with transaction.atomic():
            claimed = Recording.objects.filter(
                pk=recording.pk, status=Status.RUNNING, task_id=recording.task_id
            ).update(status=Status.QUEUED)
            if not claimed:  # another recovery got there first, or it finished meanwhile
                continue
            DBTaskResult.objects.filter(id=recording.task_id, status="RUNNING").update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path="facetwitch.clinic.recordings.WorkerLost",
                traceback=f"Worker {lost_worker} stopped while running this task; recording re-queued.",
            )
        if recording.attempts >= max_attempts():
            _fail(
                recording.pk,
                f"The analysis was interrupted {recording.attempts} times because the analysis worker stopped "
                "(for example out of memory). Check the server, then press Retry.",
            )
            logger.warning("Recording %s failed after %s lost workers", recording.pk, recording.attempts)
        else:
            enqueue_analysis(recording)
            logger.warning("Recording %s re-queued: worker %s is gone", recording.pk, lost_worker)
        recovered.append(recording.pk)
    recovered += _requeue_orphans()
    return recovered


def _requeue_orphans() -> list[int]:
    """Queued recordings whose queue row cannot run any more: taken by a worker that died before it marked
    the recording running (RUNNING for over a minute), finished without it, or deleted (pruned)."""
    from django_tasks_db.models import DBTaskResult

    orphans = []
    cutoff = timezone.now() - timedelta(seconds=60)
    for recording in Recording.objects.filter(status=Status.QUEUED):
        task = DBTaskResult.objects.filter(id=recording.task_id).first() if recording.task_id else None
        if task is not None and (
            task.status == "READY" or (task.status == "RUNNING" and task.started_at > cutoff)
        ):
            continue
        with transaction.atomic():
            if task is not None and task.status == "RUNNING":
                DBTaskResult.objects.filter(id=task.id, status="RUNNING").update(
                    status="FAILED",
                    finished_at=timezone.now(),
                    exception_class_path="facetwitch.clinic.recordings.WorkerLost",
                    traceback="The worker stopped before it started this recording; recording re-queued.",
                )
            if not Recording.objects.filter(
                pk=recording.pk, status=Status.QUEUED, task_id=recording.task_id
            ).exists():
                continue
            enqueue_analysis(recording)
        logger.warning("Recording %s re-queued: its queue entry could not run any more", recording.pk)
        orphans.append(recording.pk)
    return orphans


def _fail(pk: int, message: str) -> None:
    Recording.objects.filter(pk=pk).update(
        status=Status.FAILED, error_message=message[:2000], finished_at=timezone.now()
    )


def _claim(pk: int, task_id: str | None) -> Recording | None:
    """Mark the recording running for this worker; None when this task is no longer the current one."""
    now = timezone.now()
    with transaction.atomic():
        query = Recording.objects.select_for_update().filter(pk=pk)
        recording = query.first()
        if recording is None or recording.status in (Status.DONE, Status.FAILED, Status.VOIDED):
            return None
        if task_id is not None and recording.task_id and recording.task_id != task_id:
            return None  # superseded by a newer queue entry (retry or recovery)
        recording.status = Status.RUNNING
        recording.attempts += 1
        recording.started_at = now
        recording.heartbeat_at = now
        recording.finished_at = None
        recording.error_message = ""
        recording.progress = 0.0
        recording.frames_done = 0
        recording.worker_host = socket.gethostname()
        recording.worker_pid = os.getpid()
        recording.save()
    return recording


class _Progress:
    """Frames done / expected, written by the engine's threads and read by the task's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done, self.total = 0, None

    def __call__(self, done: int, total: int | None) -> None:
        with self._lock:
            self.done, self.total = done, total

    def read(self) -> tuple[int, int | None]:
        with self._lock:
            return self.done, self.total


def _write_progress(pk: int, progress: _Progress) -> None:
    done, total = progress.read()
    fraction = min(done / total, 1.0) if total else 0.0
    Recording.objects.filter(pk=pk, status=Status.RUNNING).update(
        progress=fraction, frames_done=done, frames_total=total, heartbeat_at=timezone.now()
    )


def analyse_with_heartbeat(
    pk: int, video: Path, *, mirrored: bool, name: str | None = None, interval_s: float = PROGRESS_INTERVAL_S
):
    """Run ``facetwitch.analyze`` in a helper thread; this thread writes progress and a heartbeat every
    ``interval_s`` seconds.

    The engine reports progress from its own worker threads, so only this (the task's) thread touches the
    database, and the heartbeat keeps beating while the engine loads its model or post-processes. The helper
    thread is a daemon: a worker that is told to stop does not wait for it.
    """
    import facetwitch

    progress = _Progress()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["analysis"] = facetwitch.analyze(
                str(video),
                mirrored=mirrored,
                progress=progress,
                name=name,
                time_limit_s=analysis_time_limit_s(),
                max_fps=analysis_max_fps(),
            )
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"analysis-{pk}", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(interval_s)
        _write_progress(pk, progress)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["analysis"]


def run_analysis(pk: int, task_id: str | None = None) -> str:
    """Analyse one recording with the engine and store its results. Returns the final status.

    Engine errors (bad video, no face) fail the recording with the engine's message. A worker shutdown
    (SystemExit, KeyboardInterrupt) puts it back in the queue so it is not lost.
    """
    recording = _claim(pk, task_id)
    if recording is None:
        return "skipped"
    if not has_consent(recording.patient):
        _fail(pk, CONSENT_WITHDRAWN)
        return Status.FAILED
    import facetwitch

    try:
        video = recording.private_path(recording.video_file)
        if not video.is_file():
            raise FileNotFoundError("The uploaded video file is missing from the private store.")
        # The engine names the video by the file the clinic knows, never the private store's internal path.
        analysis = analyse_with_heartbeat(
            pk, video, mirrored=recording.mirrored, name=recording.original_name
        )
        paths = facetwitch.write_outputs(analysis, storage.results_dir(recording.storage_key))
        results.store_result(pk, analysis, paths)
    except facetwitch.AnalysisError as exc:
        # The engine's reason (which names no file) beside the uploaded file's name.
        _fail(pk, f"{recording.original_name}: {exc.reason}")
        return Status.FAILED
    except Exception as exc:
        logger.exception("Analysis of recording %s failed", pk)
        _fail(
            pk,
            f"The analysis failed unexpectedly ({type(exc).__name__}: {exc}). Press Retry; if it fails "
            "again, report it to the clinic's administrator.",
        )
        raise
    except BaseException:
        # Graceful or forced worker stop: back to the queue, to be picked up by the next worker.
        logger.warning("Worker stopping during recording %s: re-queued", pk)
        Recording.objects.filter(pk=pk, status=Status.RUNNING).update(status=Status.QUEUED)
        enqueue_analysis(Recording.objects.get(pk=pk))
        raise
    return Status.DONE


@task(takes_context=True)
def analyse_recording(context: TaskContext, recording_id: int) -> str:
    """The background task (run by ``manage.py analysis_worker``): analyse one uploaded recording; the queue
    row id guards against running a superseded entry. Defined here, beside the code that queues it, so that
    queueing and running need no import circle."""
    return run_analysis(recording_id, task_id=str(context.task_result.id))
