"""Findings assembled from history, examination and the newest analysed recording (analysis.json on disk)."""

from __future__ import annotations

import datetime as dt

import pytest
from care_video import HFS_VIDEO, analysed_recording, side

from facetwitch.clinic.care.models import Assessment
from facetwitch.clinic.care.services import differential_for, findings_for

pytestmark = pytest.mark.django_db


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


def test_video_findings_are_marked_from_video_and_the_examination_overrides_them(
    patient, settings, clinician_user
):
    from facetwitch.clinic.care.services import sourced_findings, video_finding_rows

    patient.onset_side = ""
    patient.save()
    analysed_recording(patient, settings, HFS_VIDEO, blink_rate_per_min=21.0, affected_side="left")
    sourced = sourced_findings(patient)
    f = sourced.findings
    assert f.side == "left" and f.spread_to_lower_face is True and f.tremor_frequency_hz == 6.2
    assert set(sourced.from_video) >= {"side", "regions", "spread_to_lower_face", "blink_rate_per_min"}
    assert "Spread from the eye to the lower face on the same side" in {
        e.label for e in differential_for(patient)[0].top.supporting
    }
    Assessment.objects.create(
        patient=patient,
        recorded_by=clinician_user,
        spread_to_lower_face=False,
        regions=["eye"],
        blink_rate_per_min=40.0,
        tremor_frequency_hz=4.0,
    )
    sourced = sourced_findings(patient)
    assert sourced.findings.regions == ("eye",) and sourced.findings.spread_to_lower_face is False
    assert sourced.findings.blink_rate_per_min == 40.0 and sourced.findings.tremor_frequency_hz == 4.0
    assert video_finding_rows(sourced, None) == []  # no analysed video: nothing shown as from video
    from facetwitch.clinic.care.services import latest_video_metrics

    rows = {r["name"]: r for r in video_finding_rows(sourced, latest_video_metrics(patient))}
    assert rows["regions"]["source"] == "examination" and rows["regions"]["overridden"]
    assert rows["side"]["source"] == "from video" and rows["side"]["video"] == "left"
    assert rows["tremor_frequency_hz"]["video"] == "6.2" and rows["tremor_frequency_hz"]["used"] == "4.0"


def test_a_blink_rate_no_blink_measured_is_no_video_finding(patient, settings):
    """A recording whose lids no blink moved measurably (a weak lid in a dim room) reads a blink rate of 0 on a
    typical blink's scale: the differential must not take it for a finding (below the blepharospasm threshold)."""
    from facetwitch.clinic.care.services import latest_video_metrics, sourced_findings

    patient.onset_side = ""
    patient.save()
    analysed_recording(patient, settings, HFS_VIDEO, lids_measured=False, blink_rate_per_min=0.0)
    assert latest_video_metrics(patient).blink_rate_per_min is None
    sourced = sourced_findings(patient)
    assert sourced.findings.blink_rate_per_min is None and "blink_rate_per_min" not in sourced.from_video
    assert sourced.findings.side == "left"  # the rest of the video's findings are used


def test_red_flags_are_dated_by_the_input_that_raised_them(patient, settings, clinician_user):
    from facetwitch.clinic.care.services import red_flag_dates

    patient.hearing_loss = True
    patient.save()
    history_day = patient.updated_at.date()
    analysed_recording(patient, settings, HFS_VIDEO, recorded_on=history_day - dt.timedelta(days=30))
    exam = Assessment.objects.create(
        patient=patient,
        recorded_by=clinician_user,
        dopamine_blocker_exposure=True,
        imaging_result="lesion_cpa",
    )
    Assessment.objects.filter(pk=exam.pk).update(recorded_at=exam.recorded_at - dt.timedelta(days=10))
    dates = red_flag_dates(patient)
    assert dates == {
        "hearing_loss": history_day,
        "drug_exposure": (exam.recorded_at - dt.timedelta(days=10)).date(),
        "structural_lesion": (exam.recorded_at - dt.timedelta(days=10)).date(),
    }
