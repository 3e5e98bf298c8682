"""The full ``seed_demo`` that ``make run`` uses: every app's demo data, real analyses, idempotent, and a demo that
tells one coherent clinical story."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from facetwitch.clinic.patients.models import Patient
from facetwitch.clinic.recordings import demo as recordings_demo

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.django_db]


def test_full_seed_demo_seeds_every_app_and_is_idempotent(monkeypatch):
    monkeypatch.setattr(
        recordings_demo, "CLIP_SIZE", (320, 180)
    )  # smaller pictures render faster; same events
    out = StringIO()
    call_command("seed_demo", "--strict", stdout=out)
    assert "Demo clinic ready: 4 demo patients." in out.getvalue()
    hfs = Patient.objects.get(mrn="DEMO-0001")
    recordings = list(hfs.recordings.order_by("recorded_on"))
    assert len(recordings) == 3 and all(r.status == "done" for r in recordings), [
        r.error_message for r in recordings
    ]
    assert hfs.toxin_sessions.count() == 2 and hfs.appointments.exists()
    # One coherent story: baseline before the first injection, response after it, wearing off at the last visit
    # (over 12 weeks after the second session), as measured by the engine on the rendered clips.
    sessions = sorted(s.date for s in hfs.toxin_sessions.all())
    baseline, response, wearing_off = recordings
    assert baseline.recorded_on < sessions[0] < response.recorded_on < sessions[1] < wearing_off.recorded_on
    assert (wearing_off.recorded_on - sessions[1]).days > 12 * 7
    rate = [r.episodes_per_min_left for r in recordings]
    assert rate[0] > rate[2] > rate[1] > 0, rate
    visits = list(hfs.visits.order_by("date"))
    assert visits[0].jankovic_total > visits[1].jankovic_total < visits[2].jankovic_total
    assert not Patient.objects.get(mrn="DEMO-0004").recordings.exists()  # no consent: no video
    counts = (Patient.objects.count(), sum(p.recordings.count() for p in Patient.objects.all()))
    call_command("seed_demo", "--strict", stdout=StringIO())
    assert (Patient.objects.count(), sum(p.recordings.count() for p in Patient.objects.all())) == counts
