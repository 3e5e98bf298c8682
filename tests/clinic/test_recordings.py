"""Recordings: upload validation with real bad files, private storage, access control, result pages.

Videos are real files: a clip rendered by facetwitch.simulate from a real photograph (with a known right-side
spasm and a blink), and broken files made here (empty, text, audio only, truncated, an image, no face).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
from html import escape
from pathlib import Path

import av
import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import facetwitch
from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.recordings import results, services
from facetwitch.clinic.recordings.models import Recording

# Their videos are rendered from a real face photo (the simulator measures it with MediaPipe) and analysed by the real engine.
pytestmark = pytest.mark.e2e

# --- real test files -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sim_video(tmp_path_factory) -> Path:
    """4 s of a real face with a blink at 0.8 s and a right-side spasm at 2 s (patient's own side)."""
    from facetwitch.simulate import Blink, Scenario, Spasm, render

    path = tmp_path_factory.mktemp("sim") / "patient clip.mp4"
    render(Scenario(duration_s=4.0, size=(320, 240), events=[Blink(0.8), Spasm(2.0, "right")]), path)
    return path


@pytest.fixture(scope="session")
def bad_files(tmp_path_factory, sim_video) -> dict[str, tuple[str, bytes]]:
    """name -> (uploaded file name, content) of files that must be refused."""
    folder = tmp_path_factory.mktemp("bad")
    audio = folder / "voice.mp4"
    with av.open(str(audio), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = (np.sin(np.arange(16000) / 16000 * 2 * np.pi * 440) * 0.3).astype(np.float32)
        for start in range(0, 16000, 1024):
            frame = av.AudioFrame.from_ndarray(
                samples[None, start : start + 1024], format="flt", layout="mono"
            )
            frame.sample_rate = 16000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    png = io.BytesIO()
    from PIL import Image

    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(png, format="PNG")
    video = sim_video.read_bytes()
    return {
        "empty": ("empty.mp4", b""),
        "text": ("notes.mp4", b"This is a text file with a video extension.\n" * 50),
        "audio_only": ("voice.mp4", audio.read_bytes()),
        "truncated": ("cut.mp4", video[: len(video) // 3]),
        "image": ("photo.mp4", png.getvalue()),
    }


@pytest.fixture(scope="session")
def faceless_video(tmp_path_factory) -> Path:
    """A valid 2 s video of grey noise: decodes fine, but has no face for the engine."""
    path = tmp_path_factory.mktemp("noface") / "wall.mp4"
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for _ in range(30):
            pixels = rng.integers(90, 110, (120, 160, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def upload(client, patient, path_or_bytes, name: str = "clip.mp4", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    data = {"recorded_on": "2026-03-01", "notes": "", **fields}
    data["video"] = SimpleUploadedFile(name, content, content_type="video/mp4")
    return client.post(reverse("recordings:upload", args=[patient.pk]), data)


def private_files(settings) -> list[Path]:
    return [p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file()]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def make_done_recording(patient, sim_video, **kwargs) -> Recording:
    """Store the simulated clip like an upload and run the real analysis synchronously."""
    from facetwitch.clinic.recordings.probe import probe_video

    recording = services.create_recording(
        patient=patient,
        chunks=[sim_video.read_bytes()],
        original_name=sim_video.name,
        probe=probe_video(sim_video),
        enqueue=False,
        **kwargs,
    )
    assert services.run_analysis(recording.pk) == "done"
    recording.refresh_from_db()
    return recording


# --- upload ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_stores_privately_under_a_random_name_and_queues_the_analysis(
    staff_client, patient, sim_video, settings
):
    response = upload(staff_client, patient, sim_video, name="Maria Lopez 2026-03-01.mp4", mirrored="on")
    assert response.status_code == 302
    recording = Recording.objects.get()
    assert response["Location"] == reverse("recordings:detail", args=[patient.pk, recording.pk])
    stored = recording.private_path(recording.video_file)
    # Random name, inside the private root, nothing of the patient's name on disk, content intact.
    assert stored.parent.parent.parent == Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert "Maria" not in str(stored) and "Lopez" not in str(stored)
    assert stored.read_bytes() == sim_video.read_bytes()
    assert recording.sha256 == hashlib.sha256(sim_video.read_bytes()).hexdigest()
    assert recording.size == sim_video.stat().st_size
    assert recording.original_name == "Maria Lopez 2026-03-01.mp4"
    assert recording.mirrored is True
    assert recording.recorded_on == dt.date(2026, 3, 1)
    assert (recording.width, recording.height) == (320, 240)
    assert recording.content_type == "video/mp4"
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    # Queued in the real database queue.
    assert recording.status == "queued"
    task = DBTaskResult.objects.get(id=recording.task_id)
    assert task.status == "READY"
    assert task.args_kwargs["args"] == [recording.pk]
    assert AuditEntry.objects.filter(action="create", patient=patient, object_id=str(recording.pk)).exists()
    # Only the video remains: no partial file, no upload scratch file.
    assert private_files(settings) == [stored]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("empty", "The file is empty (0 bytes)"),
        ("text", "not a video that can be read"),
        ("audio_only", "an audio-only file cannot be analysed"),
        ("truncated", "not a video that can be read"),
        ("image", "not a video"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_change_nothing(
    staff_client, patient, bad_files, settings, kind, message
):
    name, content = bad_files[kind]
    response = upload(staff_client, patient, content, name=name)
    assert response.status_code == 400
    assert message in text_of(response)
    assert Recording.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert private_files(settings) == []


@pytest.mark.django_db
def test_a_phone_video_stored_sideways_is_recorded_upright(staff_client, patient, tmp_path):
    """The clinic describes uploads with the engine's probe: the display rotation is applied."""
    path = tmp_path / "portrait.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"  # stored landscape
        stream.set_display_rotation(-90)  # shown turned a quarter clockwise: upright portrait
        for i in range(15):
            frame = av.VideoFrame.from_ndarray(np.full((96, 160, 3), 8 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    assert upload(staff_client, patient, path, name="portrait.mp4").status_code == 302
    recording = Recording.objects.get()
    assert (recording.width, recording.height) == (96, 160)


@pytest.mark.django_db
def test_upload_over_the_size_limit_is_refused(staff_client, patient, settings):
    settings.FACETWITCH_MAX_UPLOAD_MB = 1
    response = upload(staff_client, patient, b"\0" * (1024 * 1024 + 4096), name="big.mp4")
    assert response.status_code == 400
    assert "larger than the limit of 1 MB" in text_of(response)
    assert Recording.objects.count() == 0
    assert private_files(settings) == []


@pytest.mark.django_db
def test_upload_without_video_consent_is_refused(staff_client, other_patient, sim_video, settings):
    page = staff_client.get(reverse("recordings:upload", args=[other_patient.pk]))
    assert "No consent to video recording is on file" in text_of(page)
    assert 'type="file"' not in page.content.decode()
    response = upload(staff_client, other_patient, sim_video)
    assert response.status_code == 400
    assert "has not consented to video recording" in text_of(response)
    assert Recording.objects.count() == 0
    assert private_files(settings) == []


@pytest.mark.django_db
def test_upload_form_rejects_another_patients_visit_and_future_dates(
    staff_client, patient, other_patient, sim_video, clinician_user
):
    from facetwitch.clinic.patients.models import Visit

    foreign = Visit.objects.create(patient=other_patient, date=dt.date(2026, 1, 5), clinician=clinician_user)
    response = upload(staff_client, patient, sim_video, visit=str(foreign.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in text_of(response)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = upload(staff_client, patient, sim_video, recorded_on=future)
    assert response.status_code == 400
    assert "cannot be in the future" in text_of(response)
    response = upload(staff_client, patient, sim_video, recorded_on="yesterday")
    assert response.status_code == 400
    assert "Enter a valid date" in text_of(response)
    assert Recording.objects.count() == 0


@pytest.mark.django_db
def test_upload_page_needs_the_csrf_token(staff_user, patient, sim_video):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = upload(client, patient, sim_video)
    assert response.status_code == 403
    assert Recording.objects.count() == 0


# --- access control ----------------------------------------------------------------------------------------------


def recording_urls(patient_id: int, pk: int) -> list[str]:
    return [
        reverse("recordings:detail", args=[patient_id, pk]),
        reverse("recordings:status", args=[patient_id, pk]),
        reverse("recordings:video", args=[patient_id, pk]),
        reverse("recordings:report", args=[patient_id, pk]),
        reverse("recordings:download", args=[patient_id, pk, "analysis.json"]),
    ]


@pytest.fixture
def done_recording(db, patient, sim_video, visit):
    return make_done_recording(patient, sim_video, visit=visit, recorded_on=dt.date(2026, 2, 3))


@pytest.mark.django_db
def test_anonymous_and_role_less_users_get_nothing(client, norole_client, done_recording, patient):
    urls = [
        *recording_urls(patient.pk, done_recording.pk),
        reverse("recordings:index"),
        reverse("recordings:upload", args=[patient.pk]),
        reverse("recordings:outcomes", args=[patient.pk]),
        reverse("recordings:compare", args=[patient.pk]),
    ]
    for url in urls:
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], url
        assert norole_client.get(url).status_code == 403, url
    retry_url = reverse("recordings:retry", args=[patient.pk, done_recording.pk])
    assert client.post(retry_url).status_code == 302
    assert norole_client.post(retry_url).status_code == 403


@pytest.mark.django_db
def test_another_patients_recording_id_in_the_url_is_not_found(
    clinician_client, done_recording, other_patient, patient
):
    for url in recording_urls(other_patient.pk, done_recording.pk):
        assert clinician_client.get(url).status_code == 404, url
    assert (
        clinician_client.post(
            reverse("recordings:retry", args=[other_patient.pk, done_recording.pk])
        ).status_code
        == 404
    )
    compare = reverse("recordings:compare", args=[other_patient.pk])
    assert clinician_client.get(compare, {"a": done_recording.pk, "b": done_recording.pk}).status_code == 404
    assert clinician_client.get(reverse("recordings:detail", args=[patient.pk, 999999])).status_code == 404
    assert clinician_client.get(reverse("recordings:upload", args=[999999])).status_code == 404
    for bad in ("../../etc/passwd", "report.html", "video.mp4"):
        assert (
            clinician_client.get(
                f"/clinic/recordings/patient/{patient.pk}/{done_recording.pk}/files/{bad}"
            ).status_code
            == 404
        )


@pytest.mark.django_db
def test_files_are_never_reachable_under_static_or_media(clinician_client, done_recording, settings):
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert private not in Path(settings.STATIC_ROOT).resolve().parents
    assert Path(settings.STATIC_ROOT).resolve() not in private.parents
    for relative in (done_recording.video_file, done_recording.analysis_json, done_recording.report_html):
        assert done_recording.private_path(relative).is_file()
        for prefix in ("/static/", "/media/", "/private/", "/"):
            assert clinician_client.get(prefix + relative).status_code == 404, prefix + relative
            assert clinician_client.get(prefix + "private/" + relative).status_code == 404


@pytest.mark.django_db
def test_video_is_streamed_with_ranges_nosniff_and_no_cache(staff_client, done_recording, sim_video, patient):
    url = reverse("recordings:video", args=[patient.pk, done_recording.pk])
    whole = staff_client.get(url)
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == sim_video.read_bytes()
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in whole["Cache-Control"]
    assert whole["Content-Type"] == "video/mp4"
    assert whole["Content-Disposition"].startswith("inline;")
    part = staff_client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{sim_video.stat().st_size}"
    assert b"".join(part.streaming_content) == sim_video.read_bytes()[100:200]
    assert staff_client.get(url, HTTP_RANGE="bytes=99999999-").status_code == 416
    assert staff_client.get(url, {"download": 1})["Content-Disposition"].startswith("attachment;")
    # One audit entry per playback, not per byte range; the player's playback is a view, the file a download.
    entries = AuditEntry.objects.filter(object_id=str(done_recording.pk), object_type="Recording")
    assert entries.filter(action="view", detail="video playback").count() == 1
    assert entries.filter(action="download").count() == 1


# --- analysis results ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_result_page_shows_metrics_timeline_and_suggested_scales(
    clinician_client, staff_client, done_recording, patient, visit, settings
):
    rec = done_recording
    # The engine version is read from the engine's typed record (key "facetwitch" in analysis.json), and the
    # stored analysis names the upload, never the private store's path.
    assert rec.engine_version == facetwitch.__version__
    stored = rec.private_path(rec.analysis_json).read_text(encoding="utf-8")
    assert str(settings.PRIVATE_MEDIA_ROOT) not in stored
    assert facetwitch.Analysis.from_json(stored).video.path == rec.original_name
    # The simulated clip has one right-side spasm and one blink in 6 s: the engine must see the right side.
    assert rec.status == "done" and rec.progress == 1.0 and rec.attempts == 1
    assert rec.affected_side == "right"
    assert rec.episodes_per_min_right > 0 and rec.episodes_per_min_left == 0
    assert rec.spasm_time_fraction_right > rec.spasm_time_fraction_left
    assert rec.blink_rate_per_min > 0
    for relative in (rec.analysis_json, rec.frames_parquet, rec.report_html):
        assert rec.private_path(relative).is_file()
    page = clinician_client.get(reverse("recordings:detail", args=[patient.pk, rec.pk]))
    assert page.status_code == 200
    html = text_of(page)
    # The engine's own timeline drawing, embedded as the engine renders it (right-side episodes marked).
    drawing = facetwitch.timeline_svg(results.load_analysis(rec), id_prefix=f"recording-{rec.pk}-timeline")
    assert drawing in page.content.decode()
    assert f'id="recording-{rec.pk}-timeline-right"' in html and 'class="ep ep-side-right"' in html
    assert f"engine {facetwitch.__version__}" in html
    assert "Suggested scales" in html and "clinician confirms" in html
    assert "hx-get" not in html  # finished: no polling
    link = re.search(r'href="([^"]*jankovic_severity[^"]*)"', html).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("patients:visit_edit", args=[patient.pk, visit.pk]) + "?")
    assert f"jankovic_severity={rec.suggested_jankovic_severity}" in link
    assert f"jankovic_frequency={rec.suggested_jankovic_frequency}" in link
    assert f"smc_grade={rec.suggested_smc_grade}" in link
    # The link lands on clinic-core's visit form, which pre-fills from the parameters.
    form = clinician_client.get(link)
    assert form.status_code == 200
    # Staff see the result but cannot apply scales (visit editing is clinical).
    staff_html = text_of(staff_client.get(reverse("recordings:detail", args=[patient.pk, rec.pk])))
    assert "Measurements" in staff_html and "Use suggested scales" not in staff_html
    assert (
        AuditEntry.objects.filter(action="view", object_type="Recording", object_id=str(rec.pk)).count() == 2
    )


@pytest.mark.django_db
def test_stored_analysis_is_parsed_once_per_file_version_and_callers_get_their_own_copy(done_recording):
    rec = done_recording
    first = results.load_analysis(rec)
    hits = results._parsed_analysis.cache_info().hits
    first.events.clear()  # a caller changing its copy must not change what the next page reads
    second = results.load_analysis(rec)
    assert results._parsed_analysis.cache_info().hits == hits + 1
    assert second.events and second.summary == first.summary
    # A re-analysis replaces the file (atomically, a new version): the next read parses the new content.
    path = rec.private_path(rec.analysis_json)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["events"] = document["events"][:1]
    replacement = path.with_suffix(".new")
    replacement.write_text(json.dumps(document), encoding="utf-8")
    replacement.replace(path)
    assert len(results.load_analysis(rec).events) == 1


@pytest.mark.django_db
def test_a_blink_rate_from_lids_no_blink_moved_is_stored_as_unknown_not_as_a_finding(
    done_recording, clinician_client, patient
):
    # Where the engine could not measure the lids' range (a weak lid in a dim room), its blink rate rests on a
    # typical blink's scale and is often 0: the clinic keeps it out of the outcome timeline and the differential.
    rec = done_recording
    analysis = results.load_analysis(rec)
    paths = [rec.private_path(name) for name in (rec.analysis_json, rec.frames_parquet, rec.report_html)]
    flagged = dataclasses.replace(
        analysis, quality=dataclasses.replace(analysis.quality, lid_range_measured=False)
    )
    results.store_result(rec.pk, flagged, paths)
    rec.refresh_from_db()
    assert rec.status == "done" and rec.blink_rate_per_min is None
    assert rec.episodes_per_min_right > 0  # the rest of the result is kept
    page = clinician_client.get(reverse("recordings:detail", args=[patient.pk, rec.pk])).content.decode()
    assert re.search(r"<dt>Blink rate</dt><dd>unknown\b", page)
    results.store_result(rec.pk, analysis, paths)
    rec.refresh_from_db()
    assert (
        rec.blink_rate_per_min == pytest.approx(analysis.summary.blink_rate_per_min)
        and rec.blink_rate_per_min > 0
    )


@pytest.mark.django_db
def test_suggested_scales_prefill_a_new_visit_when_the_recording_has_no_visit(
    clinician_client, patient, sim_video
):
    rec = make_done_recording(patient, sim_video)
    html = clinician_client.get(reverse("recordings:detail", args=[patient.pk, rec.pk])).content.decode()
    link = re.search(r'href="([^"]*jankovic_severity[^"]*)"', html).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("recordings:new_visit", args=[patient.pk, rec.pk]) + "?")
    form = clinician_client.get(link).content.decode()
    for name, value in (
        ("jankovic_severity", rec.suggested_jankovic_severity),
        ("jankovic_frequency", rec.suggested_jankovic_frequency),
        ("smc_grade", rec.suggested_smc_grade),
    ):
        field = re.search(rf'<[^>]*name="{name}"[^>]*>', form).group(0)
        assert f'value="{value}"' in field, field
    # Saving links the visit to the recording; a second click opens that visit instead of making another one.
    data = {
        "date": rec.recorded_on.isoformat(),
        "jankovic_severity": rec.suggested_jankovic_severity,
        "jankovic_frequency": rec.suggested_jankovic_frequency,
        "smc_grade": rec.suggested_smc_grade,
    }
    assert clinician_client.post(link, data).status_code == 302
    assert clinician_client.post(link, data).status_code == 302
    rec.refresh_from_db()
    assert patient.visits.count() == 1 and rec.visit == patient.visits.get()
    again = clinician_client.get(link)
    assert again.status_code == 302 and again["Location"].startswith(
        reverse("patients:visit_edit", args=[patient.pk, rec.visit_id])
    )


@pytest.mark.django_db
def test_engine_report_and_analysis_json_are_served_with_safe_headers(
    clinician_client, done_recording, patient
):
    report = clinician_client.get(reverse("recordings:report", args=[patient.pk, done_recording.pk]))
    assert report.status_code == 200
    csp = report["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert report["Content-Disposition"].startswith("inline;")
    assert report["X-Content-Type-Options"] == "nosniff"
    assert report["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in csp
    assert b"<html" in report.content.lower()
    data = clinician_client.get(
        reverse("recordings:download", args=[patient.pk, done_recording.pk, "analysis.json"])
    )
    assert data.status_code == 200 and data["Content-Disposition"].startswith("attachment;")
    import json

    doc = json.loads(b"".join(data.streaming_content))
    assert doc["schema"] == "facetwitch.analysis/1"
    assert doc["summary"]["right"]["episodes"] >= 1
    # The uploaded file's name, not the private store's internal path, appears in the outputs.
    assert doc["video"]["path"] == done_recording.original_name
    assert done_recording.storage_key not in report.content.decode()
    assert AuditEntry.objects.filter(action="export", detail="analysis.json").count() == 1


@pytest.mark.django_db
def test_engine_error_fails_the_recording_with_its_message_and_retry_requeues(
    staff_client, patient, faceless_video, settings
):
    response = upload(staff_client, patient, faceless_video, name="wall.mp4")
    assert response.status_code == 302
    recording = Recording.objects.get()
    first_task = recording.task_id
    # The real worker (in this process, batch mode) takes the task from the database queue.
    call_command("analysis_worker", "--batch", "--no-startup-delay", "--recover-every", "0", verbosity=0)
    recording.refresh_from_db()
    assert recording.status == "failed"
    assert "face" in recording.error_message.lower()
    assert recording.error_message.startswith("wall.mp4:")  # the uploaded name, not the private store's path
    assert str(settings.PRIVATE_MEDIA_ROOT) not in recording.error_message
    page = text_of(staff_client.get(reverse("recordings:detail", args=[patient.pk, recording.pk])))
    assert recording.error_message.split("\n")[0][:40] in page
    assert "Retry the analysis" in page
    response = staff_client.post(reverse("recordings:retry", args=[patient.pk, recording.pk]))
    assert response.status_code == 302
    recording.refresh_from_db()
    assert recording.status == "queued" and recording.error_message == ""
    assert recording.task_id != first_task
    assert DBTaskResult.objects.get(id=recording.task_id).status == "READY"
    assert recording.private_path(recording.video_file).is_file()  # the video is kept
    # Retrying something that is not failed is refused and changes nothing.
    again = staff_client.post(reverse("recordings:retry", args=[patient.pk, recording.pk]), follow=True)
    assert "Only a failed analysis can be retried" in text_of(again)
    recording.refresh_from_db()
    assert recording.status == "queued"


@pytest.mark.django_db
def test_status_fragment_polls_while_running_and_asks_for_a_reload_when_finished(
    staff_client, patient, sim_video
):
    upload(staff_client, patient, sim_video)
    recording = Recording.objects.get()
    url = reverse("recordings:status", args=[patient.pk, recording.pk])
    queued = staff_client.get(url, {"poll": 1}, HTTP_HX_REQUEST="true")
    assert "Waiting for the analysis worker" in text_of(queued) and 'hx-trigger="every 2s"' in text_of(queued)
    assert "HX-Refresh" not in queued
    Recording.objects.filter(pk=recording.pk).update(
        status="running", progress=0.42, frames_done=76, frames_total=180
    )
    running = text_of(staff_client.get(url, {"poll": 1}, HTTP_HX_REQUEST="true"))
    assert "42%" in running and "76 of 180 frames" in running
    assert "stopped reporting" not in running
    # A worker that stopped beating is shown as such (the video is safe; a worker will resume it).
    Recording.objects.filter(pk=recording.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=45))
    assert "The analysis worker has stopped reporting" in text_of(staff_client.get(url))
    Recording.objects.filter(pk=recording.pk).update(
        status="failed", error_message="No face found in the video."
    )
    finished = staff_client.get(url, {"poll": 1}, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert "hx-trigger" not in text_of(finished)
    # Polls are not audited one by one (the page that polls is); the fragment opened as a page is.
    opened = AuditEntry.objects.filter(detail="analysis status", object_id=str(recording.pk))
    assert opened.count() == 1  # the one plain GET above; the htmx polls left no entry
    staff_client.get(url)
    assert opened.count() == 2
    # Without htmx the detail page shows the same status and a plain refresh link.
    page = text_of(staff_client.get(reverse("recordings:detail", args=[patient.pk, recording.pk])))
    assert "No face found in the video." in page


@pytest.mark.django_db
def test_outcome_timeline_shows_metrics_scales_and_treatment_markers(
    clinician_client, patient, sim_video, visit, clinician_user
):
    from facetwitch.clinic.treatments.models import SteroidInjection

    make_done_recording(patient, sim_video, recorded_on=dt.date(2026, 2, 3))
    make_done_recording(patient, sim_video, recorded_on=dt.date(2026, 3, 20), mirrored=True)
    SteroidInjection.objects.create(
        patient=patient,
        date=dt.date(2026, 2, 20),
        clinician=clinician_user,
        drug="triamcinolone acetonide",
        dose_mg=10,
        site="test site",
        side="left",
    )
    page = clinician_client.get(reverse("recordings:outcomes", args=[patient.pk]))
    assert page.status_code == 200
    html = text_of(page)
    assert html.count('<svg class="ft-chart ft-outcome"') == 4
    assert 'class="ft-marker"' in html and "Steroid injection" in html
    assert 'class="ft-line ft-right"' in html  # two recordings: a line, not only points
    assert "2026-02-03" in html and "2026-03-20" in html
    assert "2+3" in html  # the visit's Jankovic severity + frequency
    # Each recording's row flags what limited its measurement (the engine's quality warnings), unfolded on demand.
    for rec in patient.recordings.all():
        warnings = results.load_analysis(rec).quality.warnings
        label = f"{len(warnings)} quality warning{'s' if len(warnings) != 1 else ''}"
        assert html.count(label) == 2 and all(escape(w) in html for w in warnings)
    # The mirrored clip's spasm is on the patient's LEFT (the picture is flipped): the chart data say so.
    later = patient.recordings.get(recorded_on=dt.date(2026, 3, 20))
    assert later.affected_side == "left"
    assert AuditEntry.objects.filter(action="view", patient=patient, detail="outcome timeline").exists()


@pytest.mark.django_db
def test_compare_two_recordings_side_by_side(clinician_client, patient, sim_video, other_patient):
    a = make_done_recording(patient, sim_video, recorded_on=dt.date(2026, 1, 10))
    b = make_done_recording(patient, sim_video, recorded_on=dt.date(2026, 2, 10))
    url = reverse("recordings:compare", args=[patient.pk])
    page = clinician_client.get(url, {"a": a.pk, "b": b.pk})
    assert page.status_code == 200
    html = text_of(page)
    assert html.count('<figure class="timeline" id="recording-') == 4  # right and left, per recording
    assert f'id="recording-{a.pk}-timeline-right"' in html and f'id="recording-{b.pk}-timeline-right"' in html
    assert "Change B − A" in html and "Right episodes (per min)" in html
    assert html.count("<video") == 2
    # Each eye's lid travel (what eyelid numbers are read against) is stored from the analysis and compared.
    quality = results.load_analysis(a).quality
    assert (a.lid_travel_left, a.lid_travel_right) == pytest.approx(
        (quality.lid_travel_left, quality.lid_travel_right), abs=1e-6
    )
    assert 0 < a.lid_travel_left < 1 and 0 < a.lid_travel_right < 1
    assert re.search(
        rf"Eyelid travel in a blink, left \(%\)</th><td>{100 * a.lid_travel_left:.1f}</td>"
        rf"<td>{100 * b.lid_travel_left:.1f}</td><td>\+0\.0</td>",
        html,
    )
    # What limited each measurement is shown beside the numbers (the engine's own quality warnings).
    section = html.split('id="h-quality"')[1].split("compare-timelines")[0]
    for rec in (a, b):
        warnings = results.load_analysis(rec).quality.warnings
        assert warnings  # a short clip: rates per minute are imprecise
        assert all(escape(w) in section for w in warnings)
    # Without parameters, or with one (the result page's "Compare" button), the other one is chosen.
    assert 'id="id_b"' in text_of(clinician_client.get(url))
    for params in ({}, {"b": b.pk}, {"a": a.pk}, {"a": b.pk, "b": a.pk}):
        html = text_of(clinician_client.get(url, params))
        assert html.count('<figure class="timeline" id="recording-') == 4, params
        assert re.search(r"A: 2026-01-10.*B: 2026-02-10", html), params  # A is the earlier one
    same = clinician_client.get(url, {"a": a.pk, "b": a.pk})
    assert same.status_code == 400 and "two different recordings" in text_of(same)
    bad = clinician_client.get(url, {"a": "x", "b": b.pk})
    assert bad.status_code == 400 and "Choose two recordings" in text_of(bad)
    queued = services.create_recording(
        patient=patient,
        chunks=[sim_video.read_bytes()],
        original_name="q.mp4",
        probe=__import__("facetwitch.clinic.recordings.probe", fromlist=["probe_video"]).probe_video(
            sim_video
        ),
        enqueue=True,
    )
    not_ready = clinician_client.get(url, {"a": a.pk, "b": queued.pk})
    assert not_ready.status_code == 400 and "must be analysed" in text_of(not_ready)


@pytest.mark.django_db
def test_patient_page_lists_recordings(clinician_client, done_recording, patient):
    html = text_of(clinician_client.get(reverse("patients:detail", args=[patient.pk])))
    assert "Video recordings" in html
    assert reverse("recordings:detail", args=[patient.pk, done_recording.pk]) in html
    assert reverse("recordings:upload", args=[patient.pk]) in html


@pytest.mark.django_db
def test_demo_seed_analyses_a_clip_per_visit_on_the_patients_side(
    patient, clinician_user, other_patient, monkeypatch
):
    from facetwitch.clinic.patients.models import Visit
    from facetwitch.clinic.recordings import demo

    monkeypatch.setattr(demo, "CLIP_SIZE", (320, 180))  # smaller pictures render faster; same events

    from facetwitch.clinic.treatments.models import ToxinSession

    for day in (dt.date(2026, 1, 5), dt.date(2026, 3, 5)):
        Visit.objects.create(patient=patient, date=day, clinician=clinician_user)
    # Injected between the visits: the second clip shows the response (recordings/demo.py episodes_for).
    ToxinSession.objects.create(
        patient=patient, date=dt.date(2026, 2, 10), clinician=clinician_user, indication="hfs"
    )
    made = demo.seed([patient, other_patient])
    assert [r.recorded_on for r in made] == [dt.date(2026, 1, 5), dt.date(2026, 3, 5)]
    assert all(r.status == "done" and r.visit is not None for r in made), [r.error_message for r in made]
    # The fixture patient's spasm is on her left: the engine must find the injected left episodes, more of them
    # before treatment (4 injected) than after (1 injected).
    assert all(r.affected_side == "left" for r in made)
    assert made[0].episodes_per_min_left > made[1].episodes_per_min_left > 0
    assert not other_patient.recordings.exists()  # no consent, no video
    assert demo.seed([patient]) == []  # idempotent
