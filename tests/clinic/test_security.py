"""Safety settings: Content-Security-Policy kept by every template, cookies, production deploy check."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

CLINIC = Path(__file__).resolve().parents[2] / "src" / "facetwitch" / "clinic"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=|\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def test_no_template_needs_unsafe_inline():
    """CSP allows scripts and styles from 'self' only: inline <script>, <style>, style="" and on*="" break."""
    offenders = []
    for template in CLINIC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if template.name == "500.html" or template.name.endswith("_pdf.html"):
            # 500.html has no layout on purpose; *_pdf.html are rendered to PDF (WeasyPrint), never served.
            continue
        for pattern in (INLINE_SCRIPT, INLINE_STYLE):
            offenders += [f"{template.relative_to(CLINIC)}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert offenders == []


@pytest.mark.django_db
def test_pages_send_security_headers(clinician_client, patient):
    response = clinician_client.get(reverse("patients:detail", args=[patient.pk]))
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_session_cookie_is_http_only(client, clinician_user, password):
    response = client.post("/accounts/login/", {"username": "clinician", "password": password})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # A browser-session cookie (gone when the browser closes), and the server forgets it within a working day.
    assert not cookie["max-age"] and not cookie["expires"]
    assert 0 < client.session.get_expiry_age() <= 8 * 60 * 60


def test_production_settings_pass_djangos_deploy_check(tmp_path):
    env = {
        **os.environ,
        "FACETWITCH_PRODUCTION": "1",
        "FACETWITCH_SECRET_KEY": secrets.token_urlsafe(50),
        "FACETWITCH_CLINIC_DATA": str(tmp_path),
        "FACETWITCH_ALLOWED_HOSTS": "clinic.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "facetwitch.clinic.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # HSTS preloading is a one-way commitment each clinic makes for its own domain: the only accepted warning.
    issues = [
        line for line in result.stdout.splitlines() + result.stderr.splitlines() if "(security." in line
    ]
    assert [i for i in issues if "security.W021" not in i] == []


def test_secret_key_is_generated_on_first_start_and_kept_in_the_data_dir(tmp_path):
    from facetwitch.clinic.secret_key import FILE_NAME, load_or_create

    (tmp_path / "a").mkdir()
    first = load_or_create(tmp_path / "a")
    assert len(first) >= 50
    key_file = tmp_path / "a" / FILE_NAME
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_or_create(tmp_path / "a") == first  # the next start keeps it: sessions survive a restart
    (tmp_path / "b").mkdir()
    assert load_or_create(tmp_path / "b") != first  # every installation its own
    # A production start without FACETWITCH_SECRET_KEY uses (and makes) the data dir's key, not a fixed one.
    env = {**os.environ, "FACETWITCH_PRODUCTION": "1", "FACETWITCH_CLINIC_DATA": str(tmp_path / "c")}
    env.pop("FACETWITCH_SECRET_KEY", None)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
            f"'facetwitch.clinic.settings'); django.setup(); {code}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (tmp_path / "c" / FILE_NAME).read_text().strip()
