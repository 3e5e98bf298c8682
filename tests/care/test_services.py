"""Findings assembled from history, examination and the newest analysed recording (analysis.json on disk)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from facetwitch.clinic.care.models import Assessment
from facetwitch.clinic.care.services import differential_for, findings_for

pytestmark = pytest.mark.django_db


def analysed_recording(patient, settings, summary: dict, recorded_on=dt.date(2026, 2, 1), **fields):
    from facetwitch.clinic.recordings.models import Recording

    rel = f"results/{patient.pk}/analysis.json"
    path = settings.PRIVATE_MEDIA_ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema": "facetwitch.analysis/1", "summary": summary}), encoding="utf-8")
    return Recording.objects.create(
        patient=patient,
        recorded_on=recorded_on,
        original_name="v.mp4",
        video_file="v.mp4",
        sha256="0" * 64,
        size=10,
        status="done",
        analysis_json=rel,
        **fields,
    )


def side(regions=(), episodes=0):
    return {
        "episodes": episodes,
        "episodes_per_min": 0.0,
        "spasm_time_fraction": 0.0,
        "eye_closure_fraction": 0.0,
        "regions": list(regions),
        "spread_beyond_eye": len(regions) > 1,
    }


def test_video_regions_blink_rate_and_tremor_feed_the_findings(patient, settings):
    analysed_recording(
        patient,
        settings,
        {
            "left": side(["eye", "cheek", "mouth"], 12),
            "right": side(),
            "both": side(),
            "tremor": {"present": False, "frequency_hz": None, "time_fraction": 0.0, "regions": []},
            "affected_side": "left",
        },
        blink_rate_per_min=14.0,
        affected_side="left",
    )
    findings = findings_for(patient)
    assert findings.regions == ("cheek", "eye", "mouth")
    assert findings.blink_rate_per_min == 14.0 and findings.tremor_present is False
    assert (
        findings.side == "left" and findings.onset_region == "eyelid" and findings.persists_in_sleep is True
    )
    assert 59 < findings.age_at_onset_years < 61
    differential, *_ = differential_for(patient)
    assert differential.top.id == "hemifacial_spasm"
    assert "Lower face (cheek, mouth, jaw) involved" not in {e.label for e in differential.top.opposing}


def test_examination_wins_over_history_and_video(patient, settings, clinician_user):
    analysed_recording(
        patient,
        settings,
        {
            "left": side(),
            "right": side(),
            "both": side(["eye"], 20),
            "tremor": {"present": True, "frequency_hz": 5.5, "time_fraction": 0.4, "regions": ["jaw"]},
            "affected_side": "both",
        },
        blink_rate_per_min=31.0,
        affected_side="both",
    )
    Assessment.objects.create(
        patient=patient,
        recorded_by=clinician_user,
        affected_side="both",
        bilateral_synchronous=True,
        sensory_trick=True,
        tremor_present=False,
    )
    findings = findings_for(patient)
    assert findings.side == "both" and findings.tremor_present is False  # clinician's exam over the video
    assert findings.tremor_frequency_hz == 5.5 and "jaw" in findings.regions
    differential, *_ = differential_for(patient)
    assert differential.top.id == "blepharospasm"


def test_unreadable_analysis_is_no_video_data_not_an_error(patient, settings):
    from facetwitch.clinic.recordings.models import Recording

    Recording.objects.create(
        patient=patient,
        recorded_on=dt.date(2026, 2, 1),
        original_name="v.mp4",
        video_file="v.mp4",
        sha256="0" * 64,
        size=10,
        status="done",
        analysis_json="results/missing.json",
        blink_rate_per_min=12.0,
    )
    findings = findings_for(patient)
    assert findings.regions == () and findings.blink_rate_per_min == 12.0


def test_plan_starts_from_last_effective_session_with_newest_adverse_effects(patient, clinician_user):
    from decimal import Decimal

    from facetwitch.clinic.care.services import last_toxin_session
    from facetwitch.clinic.treatments.models import ToxinFollowUp, ToxinInjection, ToxinSession

    def session(day, units, weeks, **effects):
        s = ToxinSession.objects.create(patient=patient, date=day, clinician=clinician_user, indication="hfs")
        ToxinInjection.objects.create(
            session=s, muscle="oo_pretarsal_upper", side="left", product="ona", units=Decimal(units)
        )
        ToxinFollowUp.objects.create(
            session=s,
            date=day + dt.timedelta(days=14),
            clinician=clinician_user,
            benefit_duration_weeks=weeks,
            **effects,
        )

    session(dt.date(2025, 1, 6), "2.5", 12)  # effective (benefit over 2 months)
    session(dt.date(2025, 4, 28), "1.25", 6, ptosis=True)  # short effect and ptosis: not the base
    last = last_toxin_session(patient)
    assert last.on == dt.date(2025, 1, 6) and last.effective is True
    assert [s.units for s in last.sites] == [2.5]
    assert last.adverse_effects == ("ptosis",)
    assert last.sites[0].zone == "upper_lid"
