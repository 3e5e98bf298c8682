"""Browser test: a clinician uploads a simulated video, the real worker analyses it while the page polls
(htmx), and the result with its timeline and the patient's outcome timeline appear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from facetwitch.clinic.recordings.models import Recording


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    from facetwitch.simulate import Blink, Scenario, Spasm, render

    path = tmp_path_factory.mktemp("browser") / "visit-clip.mp4"
    render(
        Scenario(duration_s=6.0, size=(480, 360), events=[Blink(1.0), Spasm(2.5, "left"), Blink(4.5)]), path
    )
    return path


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_upload_analyse_and_see_the_timeline(
    page, live_url, login, clinician_user, patient, visit, clip, screenshot
):
    from playwright.sync_api import expect

    login(page, clinician_user)
    page.goto(f"{live_url}/clinic/patients/{patient.pk}/")
    page.get_by_role("link", name="Upload a video").click()
    expect(page.get_by_role("heading", name=re.compile("Upload a video"))).to_be_visible()
    page.get_by_label("Video file").set_input_files(str(clip))
    page.get_by_label("Recorded on").fill("2026-02-03")
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.get_by_text("Waiting for the analysis worker")).to_be_visible()
    screenshot(page, "recordings-queued")

    # The real django-tasks worker takes the task from the database queue (batch mode: then it stops).
    call_command("analysis_worker", "--batch", "--no-startup-delay", verbosity=0)
    recording = Recording.objects.get()
    assert recording.status == "done", recording.error_message

    # The page polls its status fragment and reloads itself when the analysis is done: no manual reload here.
    expect(page.locator("figure.timeline svg").first).to_be_visible(timeout=15000)
    expect(page.locator("figure.timeline rect.ep.ep-side-left").first).to_be_attached()
    expect(page.get_by_role("link", name="Use suggested scales")).to_be_visible()
    screenshot(page, "recordings-result")
    # The engine's own report, served by the access-checked view, opens inside the page.
    page.get_by_text("Show the full report").click()
    report = page.frame_locator("iframe[title^='The engine']")
    expect(report.get_by_role("heading", name="Timelines")).to_be_visible()
    screenshot(page, "recordings-engine-report")

    page.get_by_role("link", name="Outcome timeline").first.click()
    expect(page.locator("svg.ft-outcome")).to_have_count(4)
    screenshot(page, "recordings-outcome-timeline")

    page.go_back()
    page.get_by_role("link", name="Use suggested scales").click()
    # Not linked to a visit: the new-visit form opens pre-filled with the suggestions, for the clinician to confirm.
    expect(page).to_have_url(re.compile(r"/new-visit/\?.*jankovic_severity="))
    expect(page.get_by_label("Jankovic severity")).to_have_value(str(recording.suggested_jankovic_severity))
    expect(page.get_by_label("Jankovic frequency")).to_have_value(str(recording.suggested_jankovic_frequency))
    expect(page.get_by_label(re.compile("SMC grade"))).to_have_value(str(recording.suggested_smc_grade))
    screenshot(page, "recordings-suggested-scales-visit-form")

    page.goto(f"{live_url}/clinic/patients/{patient.pk}/")
    section = page.locator("section.recordings-section")
    expect(section.get_by_text("Done")).to_be_visible()
    expect(section.get_by_role("link", name="Outcome timeline")).to_be_visible()
    screenshot(page, "recordings-patient-section")
