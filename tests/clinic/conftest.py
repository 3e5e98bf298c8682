"""Shared fixtures of the clinic's tests (owned by clinic-core).

Users per role (``clinician_user``, ``staff_user``, ``admin_user``, ``norole_user``), logged-in Django test
clients (``clinician_client``, ``staff_client``, ``admin_client_``), a consenting ``patient`` (and
``other_patient``), ``visit``; every test's clinic data dir (FACETWITCH_CLINIC_DATA, PRIVATE_MEDIA_ROOT) is a
fresh temporary folder. Browser tests: Playwright drives Debian's /usr/bin/chromium; ``screenshot(page, name)``
saves test-output/screenshots/<name>.png; ``live_url`` is the live server's base URL; ``login(page, user)``
logs a user in through the real form.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import time_machine

# Nothing a test does may write into the working tree's var/clinic (settings read this at import). One folder for
# the run (workers inherit it), removed when the process that made it exits.
if "FACETWITCH_CLINIC_DATA" not in os.environ:
    _RUN_DATA = tempfile.mkdtemp(prefix="facetwitch-clinic-test-")
    os.environ["FACETWITCH_CLINIC_DATA"] = _RUN_DATA
    atexit.register(shutil.rmtree, _RUN_DATA, ignore_errors=True)

PASSWORD = "correct-horse-battery-42"


SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def clinic_data_dir(settings, tmp_path, monkeypatch) -> Path:
    """Every test gets its own private data folder (uploads, analysis results); nothing leaks between tests."""
    data = tmp_path / "clinic-data"
    (data / "private").mkdir(parents=True)
    (data / "static").mkdir()
    monkeypatch.setenv("FACETWITCH_CLINIC_DATA", str(data))
    settings.DATA_DIR = data
    settings.PRIVATE_MEDIA_ROOT = data / "private"
    settings.STATIC_ROOT = data / "static"
    # A fast hasher: the default one is slow on purpose and would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return data


def make_user(username: str, role: str | None, **extra):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=extra.pop("first_name", username.capitalize()),
        last_name=extra.pop("last_name", "Test"),
        email=f"{username}@clinic.test",
        **extra,
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


# The fixed "now" of tests that book on named calendar days (the booking form refuses past times): a Monday in
# February 2027, before every date those tests use (March 2027 DST change, November 2027 fall back).
FROZEN_NOW = dt.datetime(2027, 2, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_now():
    """Moves the clock to FROZEN_NOW (still ticking) so that named 2027 dates stay in the future whatever today is."""
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def clinician_user(db):
    return make_user("clinician", "clinician", first_name="Clara", last_name="Neuro")


@pytest.fixture
def staff_user(db):
    return make_user("staff", "staff", first_name="Sam", last_name="Desk")


@pytest.fixture
def admin_user(db):
    """A clinic administrator (role "admin", not a Django superuser); overrides pytest-django's fixture."""
    return make_user("clinicadmin", "admin", first_name="Ada", last_name="Admin", is_staff=True)


@pytest.fixture
def norole_user(db):
    """Logged in but in none of the clinic's roles: sees nothing."""
    return make_user("norole", None)


def _client_for(user):
    from django.test import Client

    client = Client()
    # force_login skips authenticate(): django-axes' backend needs a request there, which Client.login lacks.
    client.force_login(user)
    return client


@pytest.fixture
def clinician_client(clinician_user):
    return _client_for(clinician_user)


@pytest.fixture
def staff_client(staff_user):
    return _client_for(staff_user)


@pytest.fixture
def admin_client_(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def norole_client(norole_user):
    return _client_for(norole_user)


@pytest.fixture
def patient(db):
    """A patient with recorded consent to video recording and a left-sided hemifacial spasm history."""
    from facetwitch.clinic.patients.models import Patient

    return Patient.objects.create(
        mrn="MRN-1001",
        given_name="Maria",
        family_name="Lopez",
        date_of_birth=dt.date(1961, 4, 12),
        sex="female",
        phone="+1 555 0100",
        email="maria.lopez@example.org",
        video_consent=True,
        video_consent_date=dt.date(2026, 1, 10),
        onset_date=dt.date(2021, 6, 1),
        onset_side="left",
        onset_region="eyelid",
        spread="From the lower eyelid to the cheek and mouth corner over two years.",
        persists_in_sleep=True,
        triggers="Stress, talking",
    )


@pytest.fixture
def other_patient(db):
    """A second patient, without consent (used to check that one patient's URLs never reach another's data)."""
    from facetwitch.clinic.patients.models import Patient

    return Patient.objects.create(
        mrn="MRN-2002",
        given_name="John",
        family_name="Okafor",
        date_of_birth=dt.date(1975, 9, 30),
        sex="male",
    )


@pytest.fixture
def visit(patient, clinician_user):
    from facetwitch.clinic.patients.models import Visit

    return Visit.objects.create(
        patient=patient,
        date=dt.date(2026, 2, 3),
        clinician=clinician_user,
        jankovic_severity=2,
        jankovic_frequency=3,
        smc_grade=2,
        notes="Baseline visit.",
    )


# --- Browser tests (Playwright + Debian chromium) -------------------------------------------------------------


@pytest.fixture
def live_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves a full-page PNG to test-output/screenshots/name.png and returns its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        from playwright.sync_api import Error

        path = SCREENSHOT_DIR / f"{name}.png"
        # Chromium now and then refuses one capture ("Unable to capture screenshot", most often the first after a
        # cold start on a busy machine) and takes the same picture when asked again; the picture is a record of
        # the page for review, not what the test asserts.
        for _ in range(2):
            try:
                page.screenshot(path=str(path), full_page=True)
                return path
            except Error as error:
                if "Unable to capture screenshot" not in str(error):
                    raise
                page.wait_for_timeout(250)
        page.screenshot(path=str(path), full_page=True)  # the third and last attempt
        return path

    return take


@pytest.fixture
def login(live_server):
    """``login(page, user)`` logs in through the real login form and waits for the patient list."""

    def do_login(page, user, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/clinic/**")

    return do_login
