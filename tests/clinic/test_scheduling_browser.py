"""Browser: book a consultation inside clinic hours, and be refused outside them."""

from __future__ import annotations

import pytest

from facetwitch.clinic.scheduling.models import Appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_booking(page, patient, clinician, day, time):
    page.select_option("#id_patient", str(patient.pk))
    page.select_option("#id_clinician", str(clinician.pk))
    page.select_option("#id_visit_type", "new")
    page.fill("#id_date", day)
    page.fill("#id_time", time)
    page.click("#book")


def test_book_inside_hours_refused_outside(
    page, live_url, login, screenshot, staff_user, clinician_user, patient
):
    login(page, staff_user)
    page.goto(f"{live_url}/clinic/scheduling/new/")
    fill_booking(page, patient, clinician_user, "2027-03-13", "10:00")  # a Saturday
    assert page.get_by_text("The clinic is closed on Saturdays").is_visible()
    assert Appointment.objects.count() == 0
    screenshot(page, "scheduling-refused-outside-hours")
    fill_booking(page, patient, clinician_user, "2027-03-15", "16:30")  # 60-minute visit would end 17:30
    assert page.get_by_text("outside clinic hours").is_visible()
    fill_booking(page, patient, clinician_user, "2027-03-15", "09:00")
    page.wait_for_url("**/clinic/scheduling/*/")
    assert "Monday 2027-03-15 09:00–10:00" in page.locator("#when").text_content()
    assert Appointment.objects.get().status == "booked"
    screenshot(page, "scheduling-booked")
    page.goto(f"{live_url}/clinic/scheduling/?date=2027-03-15")
    assert page.locator("#day-appointments tbody tr").count() == 1
    screenshot(page, "scheduling-day")


def test_public_pages_screens(page, live_url, screenshot):
    for path, name in [
        ("/", "public-home"),
        ("/learn/", "public-education"),
        ("/recording-guide/", "public-recording-guide"),
        ("/request/", "public-request-form"),
    ]:
        page.goto(live_url + path)
        assert page.locator("h1").is_visible()
        screenshot(page, name)
    # The honeypot is invisible to people.
    assert page.locator("#id_website").bounding_box()["x"] < 0
