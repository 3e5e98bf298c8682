"""Background analysis: the django-tasks queue, heartbeats and crash recovery — with real worker processes.

Tests marked ``postgres`` also run against a real PostgreSQL server (scripts/run-tests.sh). The crash test starts ``manage.py analysis_worker`` as a real subprocess on a real SQLite file database,
kills it with SIGKILL in the middle of an analysis, starts another worker and checks that the recording is
picked up again and completes.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from facetwitch.clinic.recordings import services
from facetwitch.clinic.recordings.models import Recording
from facetwitch.clinic.recordings.probe import probe_video

# The queued clip is rendered by the simulator, which measures its face photo with MediaPipe.
pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory) -> Path:
    from facetwitch.simulate import Blink, Scenario, Spasm, render

    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    render(Scenario(duration_s=4.0, size=(320, 240), events=[Blink(0.8), Spasm(2.0, "left")]), path)
    return path


@pytest.fixture
def queued(patient, short_clip) -> Recording:
    return services.create_recording(
        patient=patient,
        chunks=[short_clip.read_bytes()],
        original_name="clip.mp4",
        probe=probe_video(short_clip),
    )


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def mark_running(recording: Recording, *, host: str, pid: int, heartbeat_age_s: float) -> None:
    DBTaskResult.objects.filter(id=recording.task_id).update(status="RUNNING", started_at=timezone.now())
    Recording.objects.filter(pk=recording.pk).update(
        status="running",
        attempts=1,
        worker_host=host,
        worker_pid=pid,
        started_at=timezone.now() - dt.timedelta(seconds=heartbeat_age_s),
        heartbeat_at=timezone.now() - dt.timedelta(seconds=heartbeat_age_s),
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_recovery_requeues_a_recording_whose_local_worker_process_is_dead(queued):
    old_task = queued.task_id
    mark_running(queued, host=socket.gethostname(), pid=dead_pid(), heartbeat_age_s=1)
    assert services.recover_stale_recordings() == [queued.pk]
    queued.refresh_from_db()
    assert queued.status == "queued" and queued.task_id != old_task
    assert DBTaskResult.objects.get(id=queued.task_id).status == "READY"
    lost = DBTaskResult.objects.get(id=old_task)
    assert lost.status == "FAILED" and lost.exception_class_path.endswith("WorkerLost")
    assert services.recover_stale_recordings() == []  # idempotent


@pytest.mark.postgres
@pytest.mark.django_db
def test_recovery_leaves_live_workers_alone(queued, settings):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        mark_running(queued, host=socket.gethostname(), pid=sleeper.pid, heartbeat_age_s=5)
        assert services.recover_stale_recordings() == []
        mark_running(queued, host="other-host", pid=12345, heartbeat_age_s=5)
        assert services.recover_stale_recordings() == []
        queued.refresh_from_db()
        assert queued.status == "running"
        # A worker on another host that stopped beating longer than the limit is presumed dead.
        settings.FACETWITCH_ANALYSIS_STALE_S = 60
        mark_running(queued, host="other-host", pid=12345, heartbeat_age_s=61)
        assert services.recover_stale_recordings() == [queued.pk]
        queued.refresh_from_db()
        assert queued.status == "queued"
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_video_that_keeps_killing_its_worker_is_failed_after_the_attempt_limit(queued, settings):
    settings.FACETWITCH_ANALYSIS_MAX_ATTEMPTS = 3
    mark_running(queued, host=socket.gethostname(), pid=dead_pid(), heartbeat_age_s=1)
    Recording.objects.filter(pk=queued.pk).update(attempts=3)
    services.recover_stale_recordings()
    queued.refresh_from_db()
    assert queued.status == "failed"
    assert "interrupted 3 times" in queued.error_message
    assert queued.private_path(queued.video_file).is_file()  # the video is kept for a retry


@pytest.mark.postgres
@pytest.mark.django_db
def test_recovery_requeues_a_queued_recording_whose_queue_entry_can_no_longer_run(queued):
    # The worker took the queue row and died before it marked the recording running.
    old_task = queued.task_id
    DBTaskResult.objects.filter(id=old_task).update(
        status="RUNNING", started_at=timezone.now() - dt.timedelta(seconds=5)
    )
    assert services.recover_stale_recordings() == []  # a live worker would mark it running in milliseconds
    DBTaskResult.objects.filter(id=old_task).update(started_at=timezone.now() - dt.timedelta(minutes=2))
    assert services.recover_stale_recordings() == [queued.pk]
    queued.refresh_from_db()
    assert queued.status == "queued" and queued.task_id != old_task
    assert DBTaskResult.objects.get(id=old_task).status == "FAILED"
    assert DBTaskResult.objects.get(id=queued.task_id).status == "READY"
    # A pruned queue table loses nothing either.
    DBTaskResult.objects.all().delete()
    assert services.recover_stale_recordings() == [queued.pk]
    queued.refresh_from_db()
    assert DBTaskResult.objects.get(id=queued.task_id).status == "READY"


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_superseded_queue_entry_does_not_run(queued):
    assert services.run_analysis(queued.pk, task_id="not-the-current-task") == "skipped"
    queued.refresh_from_db()
    assert queued.status == "queued" and queued.attempts == 0


@pytest.mark.django_db
def test_missing_video_file_fails_with_a_message(queued):
    queued.private_path(queued.video_file).unlink()
    with pytest.raises(FileNotFoundError):
        services.run_analysis(queued.pk, task_id=queued.task_id)
    queued.refresh_from_db()
    assert queued.status == "failed"
    assert "video file is missing" in queued.error_message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks, as in production
def test_worker_runs_the_queued_task_with_progress_and_heartbeat(queued):
    from django.core.management import call_command

    assert DBTaskResult.objects.get(id=queued.task_id).status == "READY"
    call_command("analysis_worker", "--batch", "--no-startup-delay", verbosity=0)
    queued.refresh_from_db()
    assert queued.status == "done", queued.error_message
    assert queued.progress == 1.0
    assert queued.frames_total == queued.frames_done == 120  # 4 s at 30 fps
    assert queued.heartbeat_at >= queued.started_at
    assert queued.worker_pid == os.getpid() and queued.worker_host == socket.gethostname()
    assert queued.affected_side == "left" and queued.episodes_per_min_left > 0
    assert DBTaskResult.objects.get(id=queued.task_id).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_a_clinic_s_frame_rate_cap_reaches_the_analysis(queued, settings):
    from facetwitch.clinic.recordings.results import load_analysis

    settings.FACETWITCH_ANALYSIS_MAX_FPS = 20.0
    assert services.run_analysis(queued.pk, task_id=queued.task_id) == "done"
    queued.refresh_from_db()
    assert queued.status == "done", queued.error_message
    assert queued.frames_total == queued.frames_done == 80  # 4 s at 20 of the clip's 30 frames a second
    analysis = load_analysis(queued)
    assert analysis.video.max_fps == 20.0 and analysis.video.frames == 80
    assert queued.affected_side == "left"


# --- the real thing: kill -9 a worker process in the middle of an analysis -------------------------------------


def _env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "facetwitch.clinic.settings",
        "FACETWITCH_CLINIC_DATA": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'clinic.sqlite3'}",
        "FACETWITCH_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }


def _manage(env, *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "facetwitch.clinic.manage", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _start_worker(env, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "facetwitch.clinic.manage", "analysis_worker", "--no-startup-delay"]
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*command, "--interval", "0.2"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _row(db: Path, sql: str, *params):
    with sqlite3.connect(db, timeout=20) as con:
        return con.execute(sql, params).fetchone()


def _task_statuses(db: Path) -> dict[str, str]:
    """Queue rows by id (without dashes: SQLite stores UUIDs as 32 hex digits)."""
    from django_tasks_db.models import DBTaskResult

    with sqlite3.connect(db, timeout=20) as con:
        rows = con.execute(f"SELECT id, status FROM {DBTaskResult._meta.db_table}").fetchall()
    return {str(i).replace("-", ""): status for i, status in rows}


def _wait_for(predicate, timeout: float, what: str, worker: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        assert worker.poll() is None, f"worker exited while waiting for {what}:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_a_worker_killed_mid_analysis_is_recovered_by_the_next_worker(tmp_path):
    """SIGKILL (crash) and a forced stop (SIGTERM twice) mid-analysis: the recording is analysed in the end."""
    from facetwitch.simulate import Blink, Scenario, Spasm, render

    data = tmp_path / "clinic"
    data.mkdir()
    env = _env(data)
    db = data / "clinic.sqlite3"
    video = tmp_path / "long.mp4"
    # Long enough that each stop lands mid-analysis: about 16 s of analysis on an idle machine, and a stop is sent
    # in its first 30 %, so at least 11 s of it remain. With a 36-s clip stopped before half-way (3 s left) the
    # analysis once finished on a loaded CI machine between "seen mid-analysis" and the forced stop.
    render(
        Scenario(
            duration_s=90.0,
            size=(320, 240),
            events=[Blink(1.0), Spasm(3.0, "right"), Spasm(8.0, "right"), Spasm(20.0, "right")],
        ),
        video,
    )
    _manage(env, "migrate", "--noinput", "-v", "0")
    script = textwrap.dedent(
        f"""
        import datetime as dt
        from facetwitch.clinic.patients.models import Patient
        from facetwitch.clinic.recordings import services
        from facetwitch.clinic.recordings.probe import probe_video
        p = Patient.objects.create(mrn="K-1", given_name="Kim", family_name="Crash", date_of_birth=dt.date(1970, 1, 1),
                                   video_consent=True, video_consent_date=dt.date(2026, 1, 1))
        r = services.create_recording(patient=p, chunks=[open({str(video)!r}, "rb").read()], original_name="long.mp4",
                                      probe=probe_video({str(video)!r}))
        print("RECORDING", r.pk, r.task_id)
        """
    )
    out = _manage(env, "shell", "-c", script)
    pk, first_task = out.split("RECORDING", 1)[1].split()
    log = tmp_path / "worker.log"

    def mid_analysis(worker: subprocess.Popen, attempt: int, what: str) -> None:
        row = _wait_for(
            lambda: _row(
                db,
                "SELECT worker_pid, progress FROM recordings_recording WHERE id=? AND status='running' "
                # In the first 30 %, so the stop lands long before the analysis can end.
                "AND attempts=? AND progress > 0.02 AND progress < 0.3",
                pk,
                attempt,
            ),
            90,
            what,
            worker,
            log,
        )
        assert row[0] == worker.pid and row[1] < 0.3

    # 1. SIGKILL in the middle of the analysis.
    first = _start_worker(env, log)
    try:
        mid_analysis(first, 1, "the first worker to be mid-analysis")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    # The hard kill leaves both the queue row and the recording "running" with nobody working on them.
    status, progress = _row(db, "SELECT status, progress FROM recordings_recording WHERE id=?", pk)
    assert status == "running" and progress < 1.0
    assert _task_statuses(db)[first_task.replace("-", "")] == "RUNNING"

    # 2. The next worker recovers it at start; then it is stopped by force (SIGTERM twice) mid-analysis:
    #    the recording goes straight back to the queue.
    second = _start_worker(env, log)
    try:
        mid_analysis(second, 2, "the second worker to resume the analysis")
        statuses = _task_statuses(db)
        assert statuses[first_task.replace("-", "")] == "FAILED"  # marked lost, not RUNNING for ever
        second_task = _row(db, "SELECT task_id FROM recordings_recording WHERE id=?", pk)[0]
        # The second SIGTERM only after the worker has handled the first: two signals pending at once (a busy
        # machine) are delivered as one, and one SIGTERM is a graceful stop that lets the analysis finish.
        seen = log.read_bytes().count(b"shutting down gracefully")
        second.send_signal(signal.SIGTERM)
        _wait_for(lambda: log.read_bytes().count(b"shutting down gracefully") > seen or None, 30,
                  "the second worker to take the first SIGTERM", second, log)  # fmt: skip
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=90)
    finally:
        if second.poll() is None:
            second.kill()
    status, task_id = _row(db, "SELECT status, task_id FROM recordings_recording WHERE id=?", pk)
    assert status == "queued" and task_id not in (first_task, second_task)
    assert _task_statuses(db)[task_id.replace("-", "")] == "READY"

    # 3. A third worker completes it.
    third = _start_worker(env, log)
    try:
        _wait_for(
            lambda: _row(
                db, "SELECT 1 FROM recordings_recording WHERE id=? AND status IN ('done', 'failed')", pk
            ),
            240,
            "the third worker to finish the analysis",
            third,
            log,
        )
        rec = _row(
            db,
            "SELECT status, error_message, attempts, worker_pid, progress, analysis_json, episodes_per_min_right, "
            "affected_side, task_id FROM recordings_recording WHERE id=?",
            pk,
        )
        status, error, attempts, worker_pid, progress, analysis_json, right_rate, side, final_task = rec
        assert status == "done", error
        assert attempts == 3 and worker_pid == third.pid and progress == 1.0
        assert final_task == task_id
        assert (data / "private" / analysis_json).is_file()
        assert side == "right" and right_rate > 0
        assert _task_statuses(db)[final_task.replace("-", "")] == "SUCCESSFUL"
        assert "re-queued" in log.read_text()
    finally:
        third.send_signal(signal.SIGTERM)
        try:
            third.wait(timeout=20)
        except subprocess.TimeoutExpired:
            third.kill()


@pytest.mark.parametrize(("value", "ok"), [("30", True), ("", True), ("12", False), ("thirty", False)])
def test_the_frame_rate_cap_setting_is_checked_at_start(tmp_path, value, ok):
    env = {**_env(tmp_path), "FACETWITCH_ANALYSIS_MAX_FPS": value}
    result = subprocess.run(
        [sys.executable, "-m", "facetwitch.clinic.manage", "check"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if ok:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0
        assert f"FACETWITCH_ANALYSIS_MAX_FPS='{value}' is not a frame rate of 20 frames a second or more" in (
            result.stderr
        )
