"""The care pages in a real browser (Debian chromium): red-flag alert, plan editor, signing, no CSP errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clinician_reviews_differential_writes_and_signs_a_plan(
    page, live_url, login, clinician_user, patient, screenshot
):
    patient.hearing_loss = True
    patient.save()
    console_errors = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    login(page, clinician_user)

    page.goto(f"{live_url}/clinic/patients/{patient.pk}/")
    page.get_by_role("link", name="Open decision support").click()
    alert = page.locator(".red-flag-alert")
    expect(alert).to_be_visible()  # waits for the page the click opened
    expect(alert).to_contain_text("Hearing loss")
    expect(alert).to_contain_text("ENT referral")
    expect(page.get_by_text("decision support — the clinician decides").first).to_be_visible()
    screenshot(page, "care-patient-red-flag")

    page.get_by_role("link", name="New plan").click()
    page.get_by_role("checkbox", name=re.compile("Baclofen")).check()
    page.get_by_label("Extra words for the patient").fill("Keep a diary of the twitching.")
    screenshot(page, "care-plan-editor")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/clinic/care/plans/\d+/$"))
    expect(page.get_by_text("Draft — not signed")).to_be_visible()
    page.get_by_label(re.compile("I have reviewed every option")).check()
    page.get_by_role("button", name=re.compile("Sign plan")).click()
    expect(page.get_by_text("Signed", exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="Patient PDF")).to_be_visible()
    screenshot(page, "care-plan-signed")
    assert not [e for e in console_errors if "Content Security Policy" in e or "Refused" in e], console_errors
