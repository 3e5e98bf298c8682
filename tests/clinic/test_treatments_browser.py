"""Browser: record a toxin session by clicking sites on the face map (Debian chromium via Playwright)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from facetwitch.clinic.treatments.models import ToxinSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_toxin_session_on_face_map(page, live_url, login, screenshot, clinician_user, patient):
    login(page, clinician_user)
    page.goto(f"{live_url}/clinic/treatments/patient/{patient.pk}/toxin/new/")
    page.fill("#id_date", "2026-03-02")
    page.select_option("#id_indication", "hfs")
    page.fill("#default-lot", "C1234")
    page.fill("#default-concentration", "25")
    # Patient's left upper lid is drawn on the viewer's RIGHT; click it twice, then the lower lid and the procerus.
    left_upper = page.locator("g.site[data-muscle='oo_pretarsal_upper'][data-side='left']")
    assert (
        left_upper.bounding_box()["x"]
        > page.locator("g.site[data-muscle='oo_pretarsal_upper'][data-side='right']").bounding_box()["x"]
    )
    left_upper.click()
    left_upper.click()
    page.locator("g.site[data-muscle='oo_pretarsal_lower'][data-side='left']").click()
    page.locator("g.site[data-muscle='procerus'][data-side='midline']").click()
    # Switch product for one click: units of the other product stay apart in the running totals.
    page.select_option("#default-product", "inco")
    page.locator("g.site[data-muscle='zygomaticus_major'][data-side='left']").click()
    expect(left_upper.locator("text.count")).to_have_text("2")
    expect(page.locator("#live-totals tbody tr")).to_have_count(2)
    expect(page.locator("#live-totals tr[data-product='ona'] td:nth-child(n+2)")).to_have_text(
        [
            "0",
            "7.5",
            "2.5",
            "10 U",
        ]
    )
    expect(page.locator("#live-totals tr[data-product='inco'] td:nth-child(n+2)")).to_have_text(
        [
            "0",
            "2.5",
            "0",
            "2.5 U",
        ]
    )
    screenshot(page, "treatments-toxin-form")
    page.click("#save-session")
    # Two products in one session: the clinician must acknowledge the warning; nothing is saved before that.
    expect(page.locator("#dose-warnings").get_by_text("More than one toxin product")).to_be_visible()
    assert ToxinSession.objects.count() == 0
    screenshot(page, "treatments-toxin-warnings")
    page.check("#id_acknowledge_warnings")
    page.click("#save-session")
    page.wait_for_url("**/clinic/treatments/toxin/*/")
    session = ToxinSession.objects.get()
    assert session.injections.count() == 5
    assert {i.lot for i in session.injections.all()} == {"C1234"}
    expect(page.locator("#session-totals tr[data-product='ona'] td:nth-child(n+2)")).to_have_text(
        [
            "0",
            "7.5",
            "2.5",
            "10 U",
        ]
    )
    expect(page.locator("g.site.marked")).to_have_count(4)
    screenshot(page, "treatments-toxin-detail")


def test_patient_pages_screens(page, live_url, login, screenshot, clinician_user, patient, other_patient):
    from facetwitch.clinic.scheduling import demo as scheduling_demo
    from facetwitch.clinic.treatments import demo

    demo.seed([patient, other_patient])
    scheduling_demo.seed([patient, other_patient])
    login(page, clinician_user)
    page.goto(f"{live_url}/clinic/patients/{patient.pk}/")
    expect(page.locator("#treatments-section")).to_be_visible()
    expect(page.locator("#scheduling-section")).to_be_visible()
    screenshot(page, "patient-sections")
    page.goto(f"{live_url}/clinic/treatments/patient/{patient.pk}/")
    screenshot(page, "treatments-overview")
    med = other_patient.medications.get()
    page.goto(f"{live_url}/clinic/treatments/medication/{med.pk}/")
    expect(page.locator("table.reminders").get_by_text("HLA-B*15:02")).to_be_visible()
    screenshot(page, "treatments-medication")
    page.goto(f"{live_url}/clinic/treatments/")
    screenshot(page, "treatments-index")


def test_correct_a_toxin_session_keeps_the_history(
    page, live_url, login, screenshot, clinician_user, patient
):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from facetwitch.clinic.treatments.models import ToxinInjection

    session = ToxinSession.objects.create(
        patient=patient,
        date=timezone.localdate() - dt.timedelta(weeks=3),
        clinician=clinician_user,
        indication="hfs",
    )
    for muscle, units in (("oo_pretarsal_upper", "25"), ("oo_pretarsal_lower", "2.5")):
        ToxinInjection.objects.create(
            session=session, muscle=muscle, side="right", product="ona", units=Decimal(units)
        )
    login(page, clinician_user)
    page.goto(f"{live_url}/clinic/treatments/toxin/{session.pk}/")
    expect(page.locator("#current-warnings")).to_contain_text("over 5 U per site")
    page.click("#edit-session")
    # The form opens with the saved rows: the running totals and the face map count them.
    expect(page.locator("#live-totals tr[data-product='ona'] td:nth-child(n+2)")).to_have_text(
        ["27.5", "0", "0", "27.5 U"]
    )
    expect(page.locator("g.site.marked")).to_have_count(2)
    page.fill("#id_inj-0-units", "2.5")
    expect(page.locator("#live-totals tr[data-product='ona'] td:nth-child(5)")).to_have_text("5 U")
    page.fill("#id_correction_reason", "Units typed as 25, were 2.5")
    screenshot(page, "treatments-toxin-correction")
    page.click("#save-session")
    page.wait_for_url(f"**/clinic/treatments/toxin/{session.pk}/")
    expect(page.locator("#session-history")).to_contain_text("Units typed as 25, were 2.5")
    expect(page.locator("#session-totals tr[data-product='ona'] td:nth-child(5)")).to_have_text("5 U")
    expect(page.locator("#current-warnings")).to_have_count(0)
    assert session.revisions.get().previous["injections"][0]["units"] == "25"
    screenshot(page, "treatments-toxin-corrected")
