"""Calendar subscription by secret link: calendar apps fetch a user's appointments without a session; the link
is made and revoked on a signed-in page (POST + CSRF), only its hash is stored, and the feed names no patient."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from icalendar import Calendar

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.scheduling import feeds
from facetwitch.clinic.scheduling.models import Appointment, CalendarFeedToken

NY = ZoneInfo("America/New_York")
# Named 2027 days must stay in the future (the form refuses past times): the clock is fixed before them.
pytestmark = pytest.mark.usefixtures("frozen_now")
SUBSCRIBE = "/clinic/scheduling/subscribe/"
FEED_RE = re.compile(r"https?://testserver(/clinic/scheduling/feed/([A-Za-z0-9_-]{43})\.ics)")


def book(patient, clinician, day: str, hhmm: str, visit_type="follow_up", minutes=30) -> Appointment:
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), tzinfo=NY)
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        visit_type=visit_type,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
    )


def make_link(client: Client) -> tuple[str, str]:
    """Press "make a link" on the subscription page; returns (feed path, token) as shown once on the page."""
    r = client.post(SUBSCRIBE, {"action": "regenerate"})
    assert r.status_code == 302 and r["Location"] == SUBSCRIBE
    page = client.get(SUBSCRIBE)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    match = FEED_RE.search(page.content.decode())
    assert match, "the new link is shown on the page"
    assert f'href="webcal://testserver{match.group(1)}"' in page.content.decode()
    return match.group(1), match.group(2)


@pytest.fixture
def second_clinician(db):
    user = User.objects.create_user("drsecond", password="x-unused-password-1", first_name="Otto")
    user.groups.add(Group.objects.get_or_create(name="clinician")[0])
    return user


@pytest.mark.django_db
def test_secret_link_serves_own_appointments_without_login(
    patient, other_patient, clinician_user, clinician_client, second_clinician
):
    mine = book(patient, clinician_user, "2027-11-08", "08:30", visit_type="toxin")
    theirs = book(other_patient, second_clinician, "2027-11-08", "08:30")
    old = book(other_patient, clinician_user, "2020-01-06", "09:00")  # long past: not in the feed
    path, token = make_link(clinician_client)

    stored = CalendarFeedToken.objects.get(user=clinician_user)
    assert stored.token_hash == feeds.token_hash(token) and token not in stored.token_hash
    assert stored.last_used_at is None

    r = Client().get(path)  # a calendar app: no session, no cookies
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    assert r["Cache-Control"] == "no-store"
    cal = Calendar.from_ical(r.content)
    events = cal.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"appointment-{mine.pk}@facetwitch.clinic"]
    assert f"appointment-{theirs.pk}@" not in r.content.decode()
    assert f"appointment-{old.pk}@" not in r.content.decode()
    ev = events[0]
    assert ev.decoded("dtstart") == dt.datetime(2027, 11, 8, 13, 30, tzinfo=dt.UTC)
    assert str(ev["summary"]) == "Botulinum toxin injection"
    assert f"/clinic/scheduling/{mine.pk}/" in str(ev["description"])
    text = r.content.decode()
    for identifier in ("Lopez", "Maria", "MRN-1001", "M.L.", "1961"):
        assert identifier not in text, identifier

    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.user is None and "clinician" in entry.detail and "secret link" in entry.detail
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.django_db
def test_regenerate_and_revoke_invalidate_old_links(patient, clinician_user, clinician_client):
    book(patient, clinician_user, "2027-11-08", "09:00")
    old_path, _ = make_link(clinician_client)
    assert Client().get(old_path).status_code == 200
    # Shown once: a later visit only says that a link exists.
    again = clinician_client.get(SUBSCRIBE).content.decode()
    assert not FEED_RE.search(again) and "You have a subscription link" in again

    new_path, _ = make_link(clinician_client)
    assert new_path != old_path
    assert Client().get(old_path).status_code == 404
    assert Client().get(new_path).status_code == 200
    assert CalendarFeedToken.objects.filter(user=clinician_user).count() == 1

    r = clinician_client.post(SUBSCRIBE, {"action": "revoke"})
    assert r.status_code == 302
    assert Client().get(new_path).status_code == 404
    assert not CalendarFeedToken.objects.filter(user=clinician_user).exists()
    assert "no subscription link yet" in clinician_client.get(SUBSCRIBE).content.decode()


@pytest.mark.django_db
def test_unknown_tokens_and_lost_access_get_404(clinician_user, clinician_client):
    stranger = Client()
    assert stranger.get("/clinic/scheduling/feed/" + "A" * 43 + ".ics").status_code == 404
    assert stranger.get("/clinic/scheduling/feed/short-token.ics").status_code == 404
    path, _ = make_link(clinician_client)
    assert stranger.get(path.replace(".ics", "x.ics")).status_code == 404
    clinician_user.is_active = False  # a deactivated account's link stops working at once
    clinician_user.save()
    assert stranger.get(path).status_code == 404
    clinician_user.is_active = True
    clinician_user.save()
    assert stranger.get(path).status_code == 200
    clinician_user.groups.clear()  # no longer a clinician or staff member
    assert stranger.get(path).status_code == 404


@pytest.mark.django_db
def test_subscription_page_needs_a_role_and_csrf(clinician_user, norole_client, client):
    assert client.get(SUBSCRIBE).status_code == 302  # to the login page
    assert norole_client.get(SUBSCRIBE).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clinician_user)
    assert strict.post(SUBSCRIBE, {"action": "regenerate"}).status_code == 403
    assert not CalendarFeedToken.objects.exists()
    page = strict.get(SUBSCRIBE).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert strict.post(SUBSCRIBE, {"action": "regenerate", "csrfmiddlewaretoken": csrf}).status_code == 302
    assert CalendarFeedToken.objects.filter(user=clinician_user).exists()
    assert AuditEntry.objects.filter(user=clinician_user, detail__contains="subscription link").exists()
