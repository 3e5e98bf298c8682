"""Rate limit of the public consultation request form: per client address, kept in the cache, refused with an
HTTP 429 page in the site layout, and nothing stored for a refused submission."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client
from test_public import valid  # the same valid submission as the form tests

from facetwitch.clinic.public import ratelimit
from facetwitch.clinic.public.models import ConsultationRequest

ALICE, BOB = "203.0.113.7", "198.51.100.23"  # documentation address ranges (RFC 5737)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def send(client: Client, ip: str, **over):
    return client.post("/request/", valid(**over), REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_sixth_request_in_an_hour_is_refused_and_not_stored(client):
    for n in range(ratelimit.ACCEPTED.count):
        r = send(client, ALICE, full_name=f"Person Number {'abcde'[n]}")
        assert r.status_code == 302, n
    assert ConsultationRequest.objects.count() == 5

    r = send(client, ALICE, full_name="One Too Many")
    assert r.status_code == 429
    page = r.content.decode()
    assert "Too many requests from this connection" in page and "not sent" in page
    assert 'class="site-header"' in page  # the site layout, not a bare error page
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert 3500 <= int(r["Retry-After"]) <= 3600
    assert "in about 60 minutes" in page
    assert ConsultationRequest.objects.count() == 5
    assert not ConsultationRequest.objects.filter(full_name="One Too Many").exists()

    # Another address is not affected; the form itself still shows for the limited one.
    assert send(client, BOB).status_code == 302
    assert client.get("/request/", REMOTE_ADDR=ALICE).status_code == 200


@pytest.mark.django_db
def test_invalid_attempts_do_not_use_up_the_quota_but_a_flood_is_refused(client):
    for _ in range(3):  # a person correcting mistakes
        assert send(client, ALICE, email="", phone="").status_code == 200
    assert send(client, ALICE).status_code == 302

    for _ in range(ratelimit.ATTEMPTS.count):  # a script hammering the form with junk
        assert send(client, BOB, token="forged").status_code == 200
    r = send(client, BOB)  # even a valid one is refused now
    assert r.status_code == 429
    assert ConsultationRequest.objects.count() == 1


@pytest.mark.django_db
def test_limit_slides_with_time():
    """Pure service check with explicit clock values (seconds)."""
    limit = ratelimit.Limit("test", count=2, window_s=100)
    t0 = time.time()
    ratelimit.record(limit, ALICE, now=t0)
    assert ratelimit.retry_after(limit, ALICE, now=t0 + 1) == 0
    ratelimit.record(limit, ALICE, now=t0 + 50)
    assert ratelimit.retry_after(limit, ALICE, now=t0 + 60) == 40  # the first one ages out at t0 + 100
    assert ratelimit.retry_after(limit, ALICE, now=t0 + 100) == 0
    ratelimit.record(limit, ALICE, now=t0 + 100)
    assert ratelimit.retry_after(limit, ALICE, now=t0 + 120) == 30  # now the one at t0 + 50 must age out
    assert ratelimit.retry_after(limit, BOB, now=t0 + 120) == 0
