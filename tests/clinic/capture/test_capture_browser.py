"""Capture in Debian's Chromium with a simulated patient as the fake camera: record in clinic -> analysis appears;
home link on a phone-sized screen -> record -> upload interrupted and resumed -> analysed once; biofeedback session
stored and plotted; axe-core on the patient pages. Screenshots in test-output/screenshots/capture-*.png."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.capture import services
from facetwitch.clinic.capture.models import BiofeedbackSession, Upload
from facetwitch.clinic.recordings.models import Recording

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def short_protocol(settings):
    """The protocol at a fifth of its length (the tasks and their order stay): about 4.4 s of video."""
    settings.FACETWITCH_CAPTURE_PROTOCOL_SCALE = 0.2
    settings.FACETWITCH_CAPTURE_CHUNK_BYTES = 64 * 1024


def _analyse() -> None:
    call_command("analysis_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_record_in_clinic_then_the_analysis_appears(
    camera_page_for,
    twitch_camera,
    live_url,
    login,
    staff_user,
    patient,
    short_protocol,
    screenshot,
    axe_serious,
):
    from playwright.sync_api import expect

    page = camera_page_for(twitch_camera)
    login(page, staff_user)
    page.goto(f"{live_url}/clinic/patients/{patient.pk}/")
    page.get_by_role("link", name="Record now").click()
    expect(page.get_by_role("heading", name=re.compile("Record now"))).to_be_visible()
    start = page.get_by_role("button", name="Start recording")
    expect(start).to_be_enabled(timeout=60000)  # the face landmarker found the simulated face
    expect(page.locator('#framing li[data-check="found"]')).to_have_class(re.compile(r"\bok\b"))
    expect(page.locator('#framing li[data-check="frontal"]')).to_have_class(re.compile(r"\bok\b"))
    # lit within the engine's own brightness limits (its quality limits, read from the page's config)
    expect(page.locator('#framing li[data-check="lit"]')).to_have_class(re.compile(r"\bok\b"))
    screenshot(page, "capture-clinic-framing")
    assert axe_serious(page) == []
    start.click()
    expect(page.locator("#prompt")).to_contain_text("Rest, eyes open")
    expect(page.locator("#prompt")).to_contain_text("Pucker", timeout=20000)
    screenshot(page, "capture-clinic-protocol")
    open_link = page.get_by_role("link", name="Open the recording")
    expect(open_link).to_be_visible(timeout=60000)
    screenshot(page, "capture-clinic-uploaded")

    recording = Recording.objects.get()
    assert recording.source == "clinic" and recording.uploaded_by == staff_user
    assert [s["task"] for s in recording.protocol_segments] == ["rest", "eye_closure", "smile", "pucker"]
    assert recording.protocol_segments[-1]["end_s"] >= 4.0
    _analyse()
    recording.refresh_from_db()
    assert recording.status == "done", recording.error_message
    open_link.click()
    expect(page.locator("figure.timeline svg").first).to_be_visible(timeout=15000)
    screenshot(page, "capture-clinic-result")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_link_upload_interrupted_resumed_and_analysed_once(
    camera_page_for, twitch_camera, live_url, patient, clinician_user, short_protocol, screenshot, axe_serious
):
    from django_tasks_db.models import DBTaskResult
    from playwright.sync_api import expect

    _, token = services.create_link(patient, created_by=clinician_user)
    page = camera_page_for(twitch_camera, viewport=PHONE, is_mobile=True, has_touch=True)
    puts, offline = [], {"on": False}

    def network(route):
        if route.request.method == "PUT":
            puts.append((route.request.headers.get("upload-offset"), offline["on"] or len(puts) == 1))
            if len(puts) == 2:
                offline["on"] = True  # the phone loses its connection in the middle of the upload ...
            if offline["on"]:
                return route.abort("internetdisconnected")
        return route.continue_()

    page.route(re.compile(r".*/uploads/[0-9a-f-]+/$"), network)
    page.goto(f"{live_url}/home/{token}/")
    expect(page.get_by_role("heading", name=f"Hello {patient.given_name}")).to_be_visible()
    body = page.locator("body").inner_text()
    for private in (patient.family_name, patient.mrn, patient.phone, patient.email):
        assert private not in body
    screenshot(page, "capture-home-phone")
    assert axe_serious(page) == []
    page.get_by_role("link", name="Record now").click()
    start = page.get_by_role("button", name="Start recording")
    expect(start).to_be_enabled(timeout=60000)
    screenshot(page, "capture-home-record-phone")
    assert axe_serious(page) == []
    start.click()
    expect(page.get_by_text("Connection lost: resuming")).to_be_visible(timeout=60000)
    screenshot(page, "capture-home-connection-lost-phone")
    # ... and the patient even reloads the page: the recording kept on the phone is offered and sent on.
    offline["on"] = False
    page.reload()
    send = page.get_by_role("button", name="Send it now")
    expect(send).to_be_visible()
    screenshot(page, "capture-home-resume-phone")
    send.click()
    expect(page.get_by_text("your clinic has received your recording")).to_be_visible(timeout=90000)
    screenshot(page, "capture-home-received-phone")

    first_blocked = next(offset for offset, blocked in puts if blocked)
    resumed = [offset for offset, blocked in puts if not blocked][1]
    assert resumed == first_blocked, f"not resumed from the server's offset: {puts}"
    upload = Upload.objects.get()
    assert upload.status == "done" and upload.received_bytes == upload.size_bytes > 64 * 1024
    recording = Recording.objects.get()
    assert recording.source == "home" and upload.recording == recording
    assert DBTaskResult.objects.count() == 1
    _analyse()
    recording.refresh_from_db()
    assert recording.status == "done", recording.error_message
    assert Recording.objects.count() == 1 and DBTaskResult.objects.count() == 1
    audited = set(AuditEntry.objects.filter(patient=patient).values_list("detail", flat=True))
    assert {"home recording upload started", "home recording received"} <= audited


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_biofeedback_session_is_stored_and_plotted(
    camera_page_for, twitch_camera, live_url, login, clinician_user, patient, screenshot, axe_serious
):
    from playwright.sync_api import expect

    page = camera_page_for(twitch_camera)
    login(page, clinician_user)
    page.goto(f"{live_url}/clinic/capture/patient/{patient.pk}/biofeedback/")
    page.get_by_role("combobox", name="Exercise").select_option("relax_rest")
    page.get_by_role("combobox", name="Affected side").select_option("left")
    page.get_by_role("spinbutton", name="Target (0–1)").fill("0.3")
    page.get_by_role("spinbutton", name="Repetitions").fill("20")
    page.get_by_role("spinbutton", name="Hold each repetition (s)").fill("1")
    page.get_by_role("button", name="Set exercise").click()
    expect(page.get_by_text("Programme set")).to_be_visible()
    page.get_by_role("link", name=re.compile("Train now")).click()
    start = page.get_by_role("button", name="Start the session")
    expect(start).to_be_enabled(timeout=60000)
    start.click()
    finish = page.get_by_role("button", name="Finish and save")
    expect(finish).to_be_visible(timeout=20000)  # after the 3-s calibration at rest
    page.wait_for_function("() => window.facetwitchTraining.measured > 6", timeout=60000)
    screenshot(page, "capture-biofeedback-live")
    finish.click()
    expect(page.get_by_text("Session saved")).to_be_visible()
    session = BiofeedbackSession.objects.get()
    assert session.source == "clinic" and session.measured_s > 6 and len(session.trace["t_s"]) >= 6
    assert session.repetitions_done >= 1  # 1-s holds of a relaxed left side between the simulated spasms
    # The simulated face has spasms on the left: it is not always relaxed, so not 100 % in the zone.
    assert 0 < session.time_in_target_s < session.measured_s
    page.get_by_role("link", name="Open the session").click()
    expect(page.locator("svg.ft-session path.ft-session-line")).to_be_attached()
    screenshot(page, "capture-biofeedback-session")
    page.get_by_role("link", name="Outcome timeline").click()
    expect(page.get_by_role("link", name=re.compile("Biofeedback \\(clinic\\)"))).to_be_visible()
    screenshot(page, "capture-outcome-timeline")
    assert (
        AuditEntry.objects.filter(patient=patient, detail="biofeedback session stored (clinic)").count() == 1
    )

    # The same exercise from the patient's link on a phone: accessible, no patient data beyond the first name.
    _, token = services.create_link(patient, created_by=clinician_user)
    phone = page.context.browser.new_context(
        viewport=PHONE, is_mobile=True, permissions=["camera"]
    ).new_page()
    phone.goto(f"{live_url}/home/{token}/")
    phone.get_by_role("link", name="Relax the affected side at rest").click()
    expect(phone.get_by_role("button", name="Start the session")).to_be_enabled(timeout=60000)
    assert patient.family_name not in phone.locator("body").inner_text()
    screenshot(phone, "capture-biofeedback-home-phone")
    assert axe_serious(phone) == []
