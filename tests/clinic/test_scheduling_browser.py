"""Browser: book a consultation inside clinic hours, and be refused outside them."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import pytest
from django.core.cache import cache
from icalendar import Calendar
from playwright.sync_api import expect

from facetwitch.clinic.public.models import ConsultationRequest
from facetwitch.clinic.scheduling import hours
from facetwitch.clinic.scheduling.models import Appointment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("frozen_now"),
]


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
    expect(page.get_by_text("The clinic is closed on Saturdays")).to_be_visible()
    assert Appointment.objects.count() == 0
    screenshot(page, "scheduling-refused-outside-hours")
    fill_booking(page, patient, clinician_user, "2027-03-15", "16:30")  # 60-minute visit would end 17:30
    expect(page.get_by_text("outside clinic hours")).to_be_visible()
    fill_booking(page, patient, clinician_user, "2027-03-15", "09:00")
    page.wait_for_url("**/clinic/scheduling/*/")
    expect(page.locator("#when")).to_contain_text("Monday 2027-03-15 09:00–10:00")
    assert Appointment.objects.get().status == "booked"
    screenshot(page, "scheduling-booked")
    page.goto(f"{live_url}/clinic/scheduling/?date=2027-03-15")
    expect(page.locator("#day-appointments tbody tr")).to_have_count(1)
    screenshot(page, "scheduling-day")


def test_public_pages_screens(page, live_url, screenshot):
    for path, name in [
        ("/", "public-home"),
        ("/learn/", "public-education"),
        ("/recording-guide/", "public-recording-guide"),
        ("/request/", "public-request-form"),
    ]:
        page.goto(live_url + path)
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, name)
    # The honeypot is invisible to people.
    assert page.locator("#id_website").bounding_box()["x"] < 0


def test_calendar_subscription_link(page, live_url, login, screenshot, clinician_user, patient):
    start = hours.local_datetime(dt.date(2027, 3, 15), dt.time(9, 0))
    Appointment.objects.create(
        patient=patient,
        clinician=clinician_user,
        visit_type="follow_up",
        start=start,
        end=start + dt.timedelta(minutes=30),
    )
    login(page, clinician_user)
    page.goto(f"{live_url}/clinic/scheduling/")
    page.get_by_role("link", name="Subscribe in a calendar app").click()
    page.get_by_role("button", name="Make a subscription link").click()
    url = page.locator("#feed-url").input_value()
    assert url.startswith(f"{live_url}/clinic/scheduling/feed/") and url.endswith(".ics")
    screenshot(page, "scheduling-subscription-link")
    with urllib.request.urlopen(url) as response:  # as a calendar app: no session cookie
        events = Calendar.from_ical(response.read()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Follow-up"]
    page.get_by_role("button", name="Revoke link").click()
    expect(page.locator("#feed-state")).to_contain_text("no subscription link yet")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url)
    assert refused.value.code == 404


def test_rate_limited_request_page(page, live_url, screenshot):
    from facetwitch.clinic.public import ratelimit

    cache.clear()
    for _ in range(ratelimit.ACCEPTED.count):  # this address already sent its hourly quota
        ratelimit.record(ratelimit.ACCEPTED, "127.0.0.1")
    page.goto(f"{live_url}/request/")
    page.fill("#id_full_name", "Ana Souza")
    page.fill("#id_email", "ana@example.org")
    page.select_option("#id_reason", index=1)
    page.check("#id_consent")
    page.wait_for_timeout(3500)  # the form refuses submissions faster than a person (MIN_SECONDS)
    with page.expect_response(lambda r: r.url.endswith("/request/") and r.request.method == "POST") as sent:
        page.click("#request-form button[type=submit]")
    assert sent.value.status == 429
    expect(page.get_by_role("heading", name="Too many requests from this connection")).to_be_visible()
    screenshot(page, "public-request-rate-limited")
    assert not ConsultationRequest.objects.exists()
    cache.clear()
