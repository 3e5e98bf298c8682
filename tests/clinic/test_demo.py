"""seed_demo: demo users that can log in, demo patients, and the per-app hooks."""

from __future__ import annotations

import sys
import types
from io import StringIO

import pytest
from django.core.management import call_command

from facetwitch.clinic.patients import demo
from facetwitch.clinic.patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_app(monkeypatch):
    """A stand-in app "demohook" whose demo.seed records what it was given (installed as a real module)."""
    calls: list[list[str]] = []
    module = types.ModuleType("facetwitch.clinic.demohook.demo")
    module.seed = lambda patients: calls.append([p.mrn for p in patients])
    monkeypatch.setitem(sys.modules, "facetwitch.clinic.demohook.demo", module)
    monkeypatch.setattr(demo, "APP_HOOKS", ("demohook", "nosuchapp"))
    return module, calls


def test_demo_users_log_in_with_the_printed_password(client, monkeypatch):
    monkeypatch.setattr(demo, "APP_HOOKS", ())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"password for all: {demo.DEMO_PASSWORD}" in out.getvalue()
    for username in ("clinician", "staff", "admin"):
        response = client.post("/accounts/login/", {"username": username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post("/accounts/logout/")


def test_demo_patients_have_history_and_visits(monkeypatch):
    monkeypatch.setattr(demo, "APP_HOOKS", ())
    call_command("seed_demo", stdout=StringIO())
    hfs = Patient.objects.get(mrn="DEMO-0001")
    assert hfs.has_video_consent and hfs.onset_side == "left" and hfs.visits.count() == 3
    assert not Patient.objects.get(mrn="DEMO-0004").has_video_consent  # shows the consent warning
    assert Patient.objects.get(mrn="DEMO-0003").prior_bells_palsy


def test_app_hooks_get_the_patients_and_missing_apps_are_skipped(hook_app):
    _, calls = hook_app
    call_command("seed_demo", stdout=StringIO())
    assert calls == [["DEMO-0001", "DEMO-0002", "DEMO-0003", "DEMO-0004"]]


def test_a_failing_hook_is_reported_and_the_demo_still_seeds(hook_app):
    module, _ = hook_app

    def broken(patients):
        raise RuntimeError("engine not ready")

    module.seed = broken
    err = StringIO()
    call_command("seed_demo", stdout=StringIO(), stderr=err)
    assert "demohook demo data were not seeded" in err.getvalue() and "engine not ready" in err.getvalue()
    assert Patient.objects.filter(mrn__startswith="DEMO-").count() == 4
    with pytest.raises(RuntimeError):
        call_command("seed_demo", "--strict", stdout=StringIO(), stderr=StringIO())


def test_seeded_accounts_outside_the_demo_must_choose_their_own_password(client, monkeypatch, settings):
    settings.FACETWITCH_DEMO = False
    monkeypatch.setattr(demo, "APP_HOOKS", ())
    call_command("seed_demo", stdout=StringIO())
    assert (
        client.post("/accounts/login/", {"username": "admin", "password": demo.DEMO_PASSWORD}).status_code
        == 302
    )
    # Every page sends them to the password form until they change the printed password.
    r = client.get("/clinic/")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    assert client.get("/accounts/audit/")["Location"] == "/accounts/password/"
    r = client.post(
        "/accounts/password/",
        {
            "old_password": demo.DEMO_PASSWORD,
            "new_password1": "a-private-Passphrase-77",
            "new_password2": "a-private-Passphrase-77",
        },
    )
    assert r.status_code == 302
    assert client.get("/clinic/").status_code == 200


def test_demo_accounts_keep_the_printed_password_in_the_demo(client, monkeypatch, settings):
    settings.FACETWITCH_DEMO = True
    monkeypatch.setattr(demo, "APP_HOOKS", ())
    call_command("seed_demo", stdout=StringIO())
    client.post("/accounts/login/", {"username": "clinician", "password": demo.DEMO_PASSWORD})
    assert client.get("/clinic/").status_code == 200
