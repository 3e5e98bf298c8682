"""Capture without a browser: personal links (hashed, expiring, revocable, rate-limited, one patient), resumable
uploads handed to recordings once, biofeedback sessions, adherence, the outcome timeline, the model file."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.capture import services
from facetwitch.clinic.capture.models import BiofeedbackSession, HomeLink, Programme, Upload
from facetwitch.clinic.recordings.models import Recording


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def small_video(tmp_path_factory) -> bytes:
    from facetwitch.simulate import Blink, Scenario, render

    path = tmp_path_factory.mktemp("capture") / "clip.mp4"
    render(Scenario(duration_s=1.0, size=(160, 120), events=[Blink(0.3)]), path)
    return path.read_bytes()


@pytest.fixture
def link_and_token(patient, clinician_user):
    return services.create_link(patient, created_by=clinician_user, days=30, recordings_per_week=2)


def _put(client, url, offset, data):
    return client.put(
        url, data=data, content_type="application/octet-stream", headers={"upload-offset": str(offset)}
    )


def _start(client, url, size, segments=None):
    body = {"size_bytes": size, "protocol_segments": segments or []}
    return client.post(url, data=json.dumps(body), content_type="application/json")


SEGMENTS = [
    {"task": "rest", "start_s": 0.0, "end_s": 0.4},
    {"task": "eye_closure", "start_s": 0.4, "end_s": 0.6},
    {"task": "smile", "start_s": 0.6, "end_s": 0.8},
    {"task": "pucker", "start_s": 0.8, "end_s": 1.0},
]


def test_only_the_tokens_hash_is_stored(link_and_token):
    link, token = link_and_token
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(list(HomeLink.objects.values()), default=str)
    assert len(token) >= 40


def test_home_page_shows_only_the_first_name(client, patient, link_and_token):
    _, token = link_and_token
    response = client.get(f"/home/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Hello {patient.given_name}" in html
    for private in (patient.family_name, patient.mrn, patient.phone, patient.email, "1961", "Lopez"):
        assert private not in html, private
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.filter(patient=patient, detail="home link opened").get()
    assert entry.user is None and entry.ip_address


@pytest.mark.parametrize("how", ["expired", "revoked", "forged", "no consent"])
def test_dead_tokens_are_refused(client, patient, link_and_token, how):
    link, token = link_and_token
    if how == "expired":
        HomeLink.objects.filter(pk=link.pk).update(
            created_at=timezone.now() - timedelta(days=10), expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif how == "revoked":
        services.revoke_link(link)
    elif how == "forged":
        token = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    else:
        type(patient).objects.filter(pk=patient.pk).update(video_consent=False, video_consent_date=None)
    for url in (f"/home/{token}/", f"/home/{token}/record/", f"/home/{token}/face_landmarker.task"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert patient.given_name not in response.content.decode()
    assert _start(client, f"/home/{token}/uploads/", 100).status_code == 404
    assert not Upload.objects.exists()


def test_guessing_tokens_is_rate_limited(client, link_and_token):
    _, token = link_and_token
    codes = [client.get(f"/home/guess{i:04d}/").status_code for i in range(services_limit() + 2)]
    assert codes[: services_limit()] == [404] * services_limit()
    assert codes[-1] == 429
    # Even the right token waits now: a guesser cannot tell a hit from the refusal.
    refused = client.get(f"/home/{token}/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def services_limit() -> int:
    from facetwitch.clinic.capture.access import BAD_TOKENS

    return BAD_TOKENS.count


def test_resumable_home_upload_is_analysed_once(client, patient, link_and_token, small_video):
    from django_tasks_db.models import DBTaskResult

    link, token = link_and_token
    started = _start(client, f"/home/{token}/uploads/", len(small_video), SEGMENTS)
    assert started.status_code == 201, started.content
    url = started.json()["url"]
    half = len(small_video) // 2
    assert _put(client, url, 0, small_video[:half]).json()["offset"] == half
    # The connection dropped after the server stored part of the next chunk: the client asks where to resume...
    state = client.get(url).json()
    assert state == {"offset": half, "size": len(small_video), "status": "receiving"}
    # ... a wrong offset is refused with the right one ...
    wrong = _put(client, url, half + 10, small_video[half + 10 :])
    assert wrong.status_code == 409 and wrong.json()["offset"] == half
    # ... re-sending the first chunk changes nothing ...
    assert _put(client, url, 0, small_video[:half]).json()["offset"] == half
    done = _put(client, url, half, small_video[half:]).json()
    assert (
        done["status"] == "done" and "recording_url" not in done
    )  # nothing about the clinic on the patient's side
    # The last chunk sent again (its answer was lost): still one recording, one analysis queued.
    assert _put(client, url, half, small_video[half:]).json()["status"] == "done"
    recording = Recording.objects.get()
    assert recording.source == "home" and recording.patient == patient
    assert [s["task"] for s in recording.protocol_segments] == ["rest", "eye_closure", "smile", "pucker"]
    assert recording.sha256 == hashlib.sha256(small_video).hexdigest()
    assert DBTaskResult.objects.count() == 1
    upload = Upload.objects.get()
    assert upload.recording == recording and upload.link == link
    assert not services.upload_path(upload).exists()  # the partial file is gone once handed over
    details = set(AuditEntry.objects.filter(patient=patient).values_list("detail", flat=True))
    assert {"home recording upload started", "home upload resumed", "home recording received"} <= details


def test_a_link_reaches_only_its_own_patients_uploads(
    client, patient, other_patient, clinician_user, small_video
):
    type(other_patient).objects.filter(pk=other_patient.pk).update(
        video_consent=True, video_consent_date=timezone.localdate()
    )
    other_patient.refresh_from_db()
    _, token_a = services.create_link(patient, created_by=clinician_user)
    _, token_b = services.create_link(other_patient, created_by=clinician_user)
    url_b = _start(client, f"/home/{token_b}/uploads/", len(small_video)).json()["url"]
    upload_b = Upload.objects.get()
    # Patient A's token with patient B's upload id: not found, nothing written.
    assert client.get(f"/home/{token_a}/uploads/{upload_b.id}/").status_code == 404
    assert _put(client, f"/home/{token_a}/uploads/{upload_b.id}/", 0, small_video).status_code == 404
    upload_b.refresh_from_db()
    assert upload_b.received_bytes == 0
    assert url_b.startswith(f"/home/{token_b}/")
    # A clinic upload is not reachable through any home link either.
    staff_upload = services.start_upload(patient, size_bytes=10, source="clinic", segments=[])
    assert client.get(f"/home/{token_a}/uploads/{staff_upload.id}/").status_code == 404


def test_clinic_upload_needs_a_role_and_consent(client, staff_client, norole_client, patient, other_patient):
    assert _start(client, f"/clinic/capture/patient/{patient.pk}/uploads/", 100).status_code == 302
    assert _start(norole_client, f"/clinic/capture/patient/{patient.pk}/uploads/", 100).status_code == 403
    refused = _start(staff_client, f"/clinic/capture/patient/{other_patient.pk}/uploads/", 100)
    assert refused.status_code == 403 and "consent" in refused.json()["error"]
    page = staff_client.get(f"/clinic/capture/patient/{other_patient.pk}/record/")
    assert page.status_code == 403 and b"No consent to video recording" in page.content
    bad = _start(staff_client, f"/clinic/capture/patient/{patient.pk}/uploads/", 100, [{"task": "dance"}])
    assert bad.status_code == 400 and "protocol_segments[0]" in bad.json()["error"]


def test_not_a_video_fails_with_a_message(staff_client, patient):
    data = b"this is not a video" * 10
    url = _start(staff_client, f"/clinic/capture/patient/{patient.pk}/uploads/", len(data)).json()["url"]
    state = _put(staff_client, url, 0, data).json()
    assert state["status"] == "failed" and "not a video" in state["error"]
    assert not Recording.objects.exists()


def test_record_page_and_patient_section(staff_client, patient):
    page = staff_client.get(f"/clinic/patients/{patient.pk}/")
    assert b"Record now" in page.content
    record = staff_client.get(f"/clinic/capture/patient/{patient.pk}/record/")
    assert record.status_code == 200
    assert "'wasm-unsafe-eval'" in record["Content-Security-Policy"]
    assert "no-store" in record["Cache-Control"]
    config = json.loads(
        record.content.decode().split('id="capture-config" type="application/json">')[1].split("</script>")[0]
    )
    assert [s["task"] for s in config["protocol"]] == ["rest", "eye_closure", "smile", "pucker"]
    assert AuditEntry.objects.filter(patient=patient, detail__startswith="record now").exists()


def test_model_file_for_staff_and_valid_links_only(client, staff_client, link_and_token):
    _, token = link_and_token
    response = staff_client.get("/clinic/capture/model/face_landmarker.task")
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    from facetwitch import model

    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == model.MODEL_SHA256  # the provisioned model, byte for byte
    assert client.get("/clinic/capture/model/face_landmarker.task").status_code == 302
    assert client.get(f"/home/{token}/face_landmarker.task").status_code == 200


@pytest.fixture
def programme(patient, clinician_user):
    return Programme.objects.create(
        patient=patient, kind="eye_open_smile", affected_side="left", target=0.25, created_by=clinician_user
    )


SESSION = {
    "duration_s": 40.0,
    "measured_s": 36.0,
    "time_in_target_s": 27.0,
    "repetitions_done": 8,
    "amplitude_left": 0.42,
    "amplitude_right": 0.61,
    "symmetry": 0.69,
    "trace": {"t_s": [0, 1, 2], "value": [0.1, 0.3, 0.2], "in_target": [True, False, True]},
}


def test_home_biofeedback_session_is_stored_and_audited(client, patient, programme, link_and_token):
    _, token = link_and_token
    page = client.get(f"/home/{token}/train/{programme.pk}/")
    assert page.status_code == 200 and patient.family_name not in page.content.decode()
    response = client.post(
        f"/home/{token}/train/{programme.pk}/sessions/",
        data=json.dumps(SESSION),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert "url" not in response.json()
    session = BiofeedbackSession.objects.get()
    assert session.source == "home" and session.patient == patient and session.fraction_in_target == 0.75
    assert AuditEntry.objects.filter(patient=patient, detail="biofeedback session stored (home)").count() == 1
    bad = client.post(
        f"/home/{token}/train/{programme.pk}/sessions/",
        data=json.dumps({**SESSION, "time_in_target_s": 50}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "time_in_target_s" in bad.json()["error"]
    assert BiofeedbackSession.objects.count() == 1


def test_sessions_and_home_recordings_on_the_outcome_timeline(staff_client, patient, programme, small_video):
    services.store_session(programme, SESSION, source="clinic")
    upload = services.start_upload(patient, size_bytes=len(small_video), source="home", segments=SEGMENTS)
    services.write_chunk(upload, 0, small_video)
    recording = Recording.objects.get()
    detail = staff_client.get(f"/clinic/recordings/patient/{patient.pk}/{recording.pk}/").content.decode()
    assert "Recorded at home: Rest, eyes open 0.0–0.4 s · Gentle eye closure 0.4–0.6 s" in detail
    Recording.objects.filter(pk=recording.pk).update(status="done", episodes_per_min_left=1.5)
    html = staff_client.get(f"/clinic/recordings/patient/{patient.pk}/outcomes/").content.decode()
    assert "Biofeedback (clinic): Keep the eye open while smiling" in html
    assert "75% of time in target" in html
    assert "Biofeedback: time in target per session" in html
    assert 'class="badge source-home">home</span>' in html
    section = staff_client.get(f"/clinic/patients/{patient.pk}/").content.decode()
    assert 'class="badge source-home">home</span>' in section


def test_home_recordings_feed_the_toxin_cycle_forecast(patient, small_video):
    from facetwitch.clinic.care.services import forecast_inputs

    upload = services.start_upload(patient, size_bytes=len(small_video), source="home", segments=[])
    services.write_chunk(upload, 0, small_video)
    Recording.objects.filter(source="home").update(status="done", episodes_per_min_left=2.25)
    assert (Recording.objects.get().recorded_on, 2.25) in forecast_inputs(patient).measurements


def _segments(cut_last_s: float = 0.0) -> list[dict]:
    """The guided protocol's steps back to back, as the page sends them; the last one ``cut_last_s`` short."""
    out, t = [], 0.0
    for step in services.protocol_steps():
        out.append({"task": step["task"], "start_s": t, "end_s": t + step["duration_s"]})
        t += step["duration_s"]
    out[-1]["end_s"] -= cut_last_s
    return out


def test_adherence_counts_expected_and_received_per_week(staff_client, patient, clinician_user, small_video):
    link, _ = services.create_link(patient, created_by=clinician_user, recordings_per_week=2)
    HomeLink.objects.filter(pk=link.pk).update(created_at=timezone.now() - timedelta(days=14))
    pucker_s = services.protocol_steps()[-1]["duration_s"]
    # One whole protocol, one stopped half-way through the last step, one without any protocol segments.
    for segments in (_segments(), _segments(cut_last_s=pucker_s / 2), []):
        upload = services.start_upload(patient, size_bytes=len(small_video), source="home", segments=segments)
        services.write_chunk(upload, 0, small_video)
    weeks = services.adherence(patient)
    assert (weeks[0].expected, weeks[0].received, weeks[0].partial) == (2, 1, 2) and not weeks[0].met
    assert len(weeks) == 3 and all(w.expected == 2 for w in weeks) and sum(w.received for w in weeks) == 1
    # A second complete recording meets the week.
    upload = services.start_upload(patient, size_bytes=len(small_video), source="home", segments=_segments())
    services.write_chunk(upload, 0, small_video)
    assert services.adherence(patient)[0].met
    # The patient page shows it next to "Record now", partial recordings apart; the links page in its table.
    html = staff_client.get(f"/clinic/patients/{patient.pk}/").content.decode()
    this_week = weeks[0].week_start.strftime("%b %-d")
    assert f"{this_week}: 2 of 2 (+2 partial)" in html
    links = staff_client.get(f"/clinic/capture/patient/{patient.pk}/links/").content.decode()
    row = links.split(weeks[0].week_start.strftime("%Y-%m-%d"))[1].split("</tr>")[0]
    assert "<td>2</td><td>2</td><td>2</td>" in row and 'class="badge ok">met' in row


def test_protocol_complete_needs_every_step_done():
    assert services.protocol_complete(_segments())
    assert not services.protocol_complete(_segments()[:-1])
    assert not services.protocol_complete([])
    step_s = services.protocol_steps()[-1]["duration_s"]
    assert services.protocol_complete(_segments(cut_last_s=0.05 * step_s))  # ended on the page's tick
    assert not services.protocol_complete(_segments(cut_last_s=0.2 * step_s))


def test_links_page_shows_the_token_once_and_revokes(staff_client, patient):
    response = staff_client.post(
        f"/clinic/capture/patient/{patient.pk}/links/", {"days": 30, "recordings_per_week": 1}
    )
    html = response.content.decode()
    url = html.split('id="new-link" value="')[1].split('"')[0]
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = HomeLink.objects.get()
    assert link.token_sha256 == services.hash_token(token)
    assert token not in staff_client.get(f"/clinic/capture/patient/{patient.pk}/links/").content.decode()
    staff_client.post(f"/clinic/capture/patient/{patient.pk}/links/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.status == "revoked"
    assert AuditEntry.objects.filter(patient=patient, detail="home recording link revoked").exists()


def test_only_clinicians_set_programmes(staff_client, clinician_client, patient):
    data = {"kind": "relax_rest", "affected_side": "left", "target": 0.2, "repetitions": 5, "hold_s": 3}
    assert staff_client.post(f"/clinic/capture/patient/{patient.pk}/biofeedback/", data).status_code == 403
    assert (
        clinician_client.post(f"/clinic/capture/patient/{patient.pk}/biofeedback/", data).status_code == 302
    )
    assert Programme.objects.get().kind == "relax_rest"
    too_high = {**data, "target": 1.5}
    assert (
        clinician_client.post(f"/clinic/capture/patient/{patient.pk}/biofeedback/", too_high).status_code
        == 400
    )


def test_mediapipe_web_files_are_served_from_static_with_their_types(client):
    """Installed by the project's set-up (npm ci + copy), served by the app, never from a CDN."""
    import mimetypes

    from django.contrib.staticfiles import finders

    for name, content_type in (
        ("capture/vendor/tasks-vision/vision_bundle.mjs", "text/javascript"),
        ("capture/vendor/tasks-vision/wasm/vision_wasm_internal.wasm", "application/wasm"),
        ("capture/vendor/tasks-vision/wasm/vision_wasm_internal.js", "text/javascript"),
    ):
        assert finders.find(name), f"{name} missing: run `make setup` (scripts/frontend-assets.sh)"
        assert mimetypes.guess_type(name)[0] == content_type
    # Our pages' scripts name no other host: the bundle, WASM and model URLs come from the page's config.
    from pathlib import Path

    import facetwitch.clinic.capture as capture

    for script in (Path(capture.__file__).parent / "static" / "capture").glob("*.js"):
        assert "http" not in script.read_text(encoding="utf-8"), script.name


def test_abandoned_uploads_are_purged_with_their_partial_files(patient, small_video):
    from django.core.management import call_command

    old = services.start_upload(patient, size_bytes=len(small_video), source="home", segments=[])
    services.write_chunk(old, 0, small_video[:100])
    fresh = services.start_upload(patient, size_bytes=len(small_video), source="home", segments=[])
    done = services.start_upload(patient, size_bytes=len(small_video), source="clinic", segments=[])
    services.write_chunk(done, 0, small_video)
    Upload.objects.filter(pk__in=[old.pk, done.pk]).update(updated_at=timezone.now() - timedelta(days=8))
    assert services.upload_path(old).exists()
    call_command("capture_cleanup", verbosity=0)
    assert set(Upload.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    assert not services.upload_path(old).exists() and services.upload_path(fresh).exists()
    assert Recording.objects.count() == 1  # finished uploads keep their recording


def test_camera_pages_carry_the_engines_definition(staff_client):
    """The live page reads landmark indices and detection thresholds from the engine (facetwitch.live), not from
    its own copy: the config it receives holds the engine's current values."""
    from facetwitch.events import DetectionParams
    from facetwitch.signals import EYE, MOUTH_CORNER

    html = staff_client.get("/clinic/capture/live/").content.decode()
    config = json.loads(html.split('id="capture-config" type="application/json">')[1].split("</script>")[0])
    engine = config["engine"]
    assert engine["detection"]["eye_ratio"] == DetectionParams().eye_ratio
    assert engine["detection"]["lower_face_min"] == DetectionParams().lower_face_min
    assert engine["landmarks"]["mouth_corner"] == MOUTH_CORNER
    assert engine["landmarks"]["eye"]["left"]["pairs"] == [list(p) for p in EYE["left"]["pairs"]]
