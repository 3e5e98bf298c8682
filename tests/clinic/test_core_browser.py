"""Browser (Playwright + Debian chromium): log in, create a patient with consent, add a visit with scales,
live search, lockout; screenshots of the main pages in test-output/screenshots/core-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from facetwitch.clinic.patients.models import Patient, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_violations(page):
    """Console messages about the Content-Security-Policy (an inline script or style would cause one)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: (
            seen.append(msg.text) if "Content Security Policy" in msg.text or "CSP" in msg.text else None
        ),
    )
    return seen


def test_patient_with_consent_and_visit_with_scales(
    page, live_url, login, screenshot, clinician_user, csp_violations
):
    page.goto(f"{live_url}/accounts/login/")
    screenshot(page, "core-login")
    login(page, clinician_user)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_role("link", name="New patient").click()

    page.get_by_label("Medical record number (MRN)").fill("MRN-7001")
    page.get_by_label("Given name").fill("Rosa")
    page.get_by_label("Family name").fill("Martins")
    page.get_by_label("Date of birth").fill("1958-07-04")
    page.get_by_label("Phone").fill("+1 555 010 3344")
    page.get_by_label("The patient consents to video recording").check()
    page.get_by_label("Side at onset").select_option("left")
    page.get_by_label("Where it started").select_option("eyelid")
    page.get_by_label("Twitching persists in sleep").select_option("yes")
    page.get_by_label("Prior Bell's palsy").check()
    # Consent ticked without its date: refused with a message at the field, nothing saved.
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_text("Enter the date the patient gave consent.").first).to_be_visible()
    assert not Patient.objects.filter(mrn="MRN-7001").exists()
    screenshot(page, "core-patient-form-errors")

    page.get_by_label("Date consent was given").fill("2026-03-01")
    page.get_by_role("button", name="Create patient").click()
    page.wait_for_url(re.compile(r".*/clinic/patients/\d+/$"))
    expect(page.get_by_role("heading", name="Rosa Martins")).to_be_visible()
    expect(page.get_by_text("Given 2026-03-01")).to_be_visible()
    patient = Patient.objects.get(mrn="MRN-7001")
    assert patient.has_video_consent and patient.prior_bells_palsy and patient.persists_in_sleep

    page.get_by_role("link", name="New visit").click()
    page.get_by_label("Visit date").fill("2026-03-02")
    page.get_by_label("Jankovic severity").fill("3")
    page.get_by_label("Jankovic frequency").fill("2")
    page.get_by_label("SMC grade").fill("7")  # out of range first
    page.get_by_label("HFS-7 total").fill("12")
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("Enter a whole number from 1 to 4").first).to_be_visible()
    assert not Visit.objects.exists()
    screenshot(page, "core-visit-form-errors")
    page.get_by_label("SMC grade").fill("2")
    page.get_by_label("Clinical notes").fill("Left HFS, lower eyelid onset.")
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_url(re.compile(r".*/clinic/patients/\d+/$"))
    expect(page.get_by_text("3/2 (5)")).to_be_visible()
    visit = Visit.objects.get()
    assert (visit.jankovic_severity, visit.jankovic_frequency, visit.smc_grade, visit.hfs7_total) == (
        3,
        2,
        2,
        12,
    )
    screenshot(page, "core-patient-detail")

    page.goto(f"{live_url}/clinic/patients/{patient.pk}/visits/new/?jankovic_severity=2&smc_grade=1")
    expect(page.get_by_label("Jankovic severity")).to_have_value("2")
    screenshot(page, "core-visit-form-prefilled")
    page.goto(f"{live_url}/clinic/patients/{patient.pk}/edit/")
    screenshot(page, "core-patient-edit")
    assert csp_violations == []


def test_live_search_and_small_screen(
    page, live_url, login, screenshot, clinician_user, patient, other_patient, csp_violations
):
    login(page, clinician_user)
    search = page.get_by_label("Search patients by name or MRN")
    search.fill("okaf")
    # htmx swaps the results in place (no page load) and keeps the address bookmarkable.
    expect(page.locator("#patient-results")).to_contain_text("MRN-2002")
    expect(page.locator("#patient-results")).not_to_contain_text("MRN-1001")
    expect(page).to_have_url(re.compile(r"q=okaf"))
    search.fill("")
    expect(page.locator("#patient-results")).to_contain_text("MRN-1001")
    screenshot(page, "core-patient-list")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_url}/clinic/patients/{patient.pk}/")
    screenshot(page, "core-patient-detail-mobile")
    page.goto(f"{live_url}/clinic/")
    screenshot(page, "core-patient-list-mobile")
    assert csp_violations == []


def test_skip_link_and_user_menu_logout(page, live_url, login, clinician_user):
    login(page, clinician_user)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.get_by_text("Clara Neuro").click()
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_url}/clinic/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/clinic/"))


def test_lockout_after_five_failed_logins(page, live_url, screenshot, clinician_user, password):
    page.goto(f"{live_url}/accounts/login/")
    for attempt in range(5):
        page.get_by_label("Username").fill("clinician")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Log in").click()
        if attempt == 0:
            expect(page.get_by_text("do not match")).to_be_visible()
            screenshot(page, "core-login-failed")
    expect(page.get_by_role("heading", name="Account locked for 15 minutes")).to_be_visible()
    # Even the right password is refused while locked.
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Account locked for 15 minutes")).to_be_visible()
    screenshot(page, "core-locked")


def test_admin_audit_log(page, live_url, login, screenshot, admin_user, patient):
    login(page, admin_user)
    page.goto(f"{live_url}/clinic/patients/{patient.pk}/")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Patient (MRN or id)").fill("MRN-1001")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody")).to_contain_text("MRN-1001")
    screenshot(page, "core-audit-log")


def test_admin_creates_a_user_with_a_role(page, live_url, login, screenshot, admin_user, password):
    from django.contrib.auth.models import User

    login(page, admin_user)
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Select user to change")).to_be_visible()
    page.goto(f"{live_url}/admin/auth/user/add/")
    page.locator("#id_username").fill("newnurse")
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.locator("input[name=_continue]").click()
    page.wait_for_url(re.compile(r".*/admin/auth/user/\d+/change/.*"))
    page.locator("#id_groups_from").select_option(label="staff")
    page.locator("#id_groups_add").click()
    screenshot(page, "core-admin-user")
    page.locator("input[name=_save]").click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert list(User.objects.get(username="newnurse").groups.values_list("name", flat=True)) == ["staff"]
