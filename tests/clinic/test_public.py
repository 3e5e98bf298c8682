"""Public pages (no login) and the consultation request form: validation, spam guards, staff confirmation."""

from __future__ import annotations

import time

import pytest

from facetwitch.clinic.public.forms import form_token
from facetwitch.clinic.public.models import ConsultationRequest
from facetwitch.clinic.scheduling.models import Appointment

# The confirmation books named 2027 days, which must stay in the future (the form refuses past times).
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Submissions are rate-limited per client address in the cache (see test_public_ratelimit.py)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/", "Help for facial twitching"),
        ("/learn/", "[ED-1]"),
        ("/recording-guide/", "one full minute"),
        ("/request/", "Request a consultation"),
    ],
)
def test_public_pages_need_no_login(client, url, text):
    r = client.get(url)
    assert r.status_code == 200 and text in r.content.decode()
    assert "script-src 'self'" in r["Content-Security-Policy"]


def valid(**over):
    """A valid submission; ``token_age`` (seconds) makes the form token that old when the test runs."""
    if "token_age" in over:
        over["token"] = form_token(time.time() - over.pop("token_age"))
    data = {
        "full_name": "Ana María Souza",
        "email": "ana@example.org",
        "phone": "",
        "date_of_birth": "1970-02-03",
        "reason": "one_side",
        "details": "Left eye twitches, now the mouth too.",
        "preferred_days": ["mon", "wed"],
        "preferred_time": "morning",
        "consent": "on",
        "website": "",
        "token": form_token(time.time() - 30),
    }
    data.update(over)
    return data


@pytest.mark.django_db
def test_valid_request_is_stored_for_staff(client):
    r = client.post("/request/", valid())
    assert r.status_code == 302 and r["Location"] == "/request/thanks/"
    req = ConsultationRequest.objects.get()
    assert req.status == "new" and req.preferred_days == "mon,wed" and req.full_name == "Ana María Souza"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"email": "", "phone": ""}, "Enter an email address or a phone number"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"phone": "call me maybe"}, "Enter a phone number with digits only"),
        ({"full_name": "42"}, "Enter your name"),
        ({"reason": "spam"}, "Select a valid choice"),
        ({"consent": ""}, "Please tick the box"),
        ({"date_of_birth": "2999-01-01"}, "Enter your real date of birth"),
        ({"details": "Cheap pills at http://spam.example"}, "leave out web links"),
        ({"website": "http://bot.example"}, "could not be sent"),
        ({"token": "forged"}, "This form has expired"),
        ({"token_age": 0}, "very fast"),
        ({"token_age": 3 * 24 * 3600}, "This form has expired"),
    ],
)
def test_bad_requests_are_explained_and_not_stored(client, over, message):
    r = client.post("/request/", valid(**over))
    assert r.status_code == 200 and message in r.content.decode()
    assert ConsultationRequest.objects.count() == 0


@pytest.mark.django_db
def test_staff_confirm_request_into_appointment(client, staff_client, patient, clinician_user):
    client.post("/request/", valid())
    req = ConsultationRequest.objects.get()
    assert "Ana María Souza" in staff_client.get("/clinic/scheduling/requests/").content.decode()
    assert (
        client.get("/clinic/scheduling/requests/").status_code == 302
    )  # public visitors cannot see the queue
    url = f"/clinic/scheduling/requests/{req.pk}/"
    bad = staff_client.post(
        url,
        {
            "action": "confirm",
            "patient": patient.pk,
            "clinician": clinician_user.pk,
            "visit_type": "new",
            "date": "2027-03-13",
            "time": "09:00",
        },
    )
    assert "closed on Saturdays" in bad.content.decode()
    req.refresh_from_db()
    assert req.status == "new" and Appointment.objects.count() == 0
    r = staff_client.post(
        url,
        {
            "action": "confirm",
            "patient": patient.pk,
            "clinician": clinician_user.pk,
            "visit_type": "new",
            "date": "2027-03-15",
            "time": "09:00",
        },
    )
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "confirmed" and req.appointment.patient == patient and req.appointment.minutes == 60
    assert staff_client.post(url, {"action": "decline"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "confirmed"  # already handled: unchanged
