"""End to end: a simulated video -> the clinic's real analysis path (engine + MediaPipe) -> cause differential.

Each clip is rendered once per module with known injected events (facetwitch.simulate). Every test uploads
it for a patient the way the clinic does (``create_recording``), runs the same analysis the background worker
runs (``run_analysis``: ``facetwitch.analyze`` then ``facetwitch.write_outputs`` and the stored summary), and
reads the differential the care page shows (``differential_for``). The patients have no recorded side and no
examination, so side, synchrony, regions, blink rate and tremor can only come from the video.
"""

from __future__ import annotations

import datetime as dt

import pytest

from facetwitch.simulate import Blepharospasm, Blink, Scenario, Spasm, Tremor, render

pytestmark = [pytest.mark.django_db, pytest.mark.e2e]  # every test here analyses a rendered video

SIZE = (640, 480)
FPS = 30.0
BLINK_TIMES_S = (1.5, 5.0, 8.5)
BLINKS_DURATION_S = 10.0
TREMOR_HZ = 5.0
# Findings only a spasm can produce (one side, both eyes together, spread to the lower face, eyelid only).
SPASM_FINDINGS = {
    "unilateral",
    "bilateral",
    "bilateral_synchronous",
    "bilateral_asynchronous",
    "lower_face_involved",
    "eyelid_only",
}

SCENARIOS = {
    # Right-sided clonic hemifacial spasm (eye, cheek, mouth) and one normal blink.
    "right_hfs": Scenario(
        duration_s=10.0,
        fps=FPS,
        size=SIZE,
        seed=21,
        events=[Blink(0.8), Spasm(2.0, "right"), Spasm(6.0, "right")],
    ),
    # Two forceful sustained closures of both eyes (blepharospasm), no one-sided spasm.
    "blepharospasm": Scenario(
        duration_s=10.0,
        fps=FPS,
        size=SIZE,
        seed=22,
        events=[Blepharospasm(1.5, hold_s=1.5), Blepharospasm(5.5, hold_s=2.0)],
    ),
    # A 5 Hz jaw tremor for 4 s after a quiet stretch (the engine's noise floor) and one blink.
    "jaw_tremor": Scenario(
        duration_s=10.0,
        fps=FPS,
        size=SIZE,
        seed=23,
        events=[Blink(1.0), Tremor(4.0, 4.0, TREMOR_HZ, region="jaw", side="both")],
    ),
    # Three ordinary blinks in 10 s (18/min, a normal resting rate) and nothing else.
    "blinks_only": Scenario(
        duration_s=BLINKS_DURATION_S,
        fps=FPS,
        size=SIZE,
        seed=24,
        events=[Blink(t) for t in BLINK_TIMES_S],
    ),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("care-video")
    return {name: render(sc, folder / f"{name}.mp4").path for name, sc in SCENARIOS.items()}


def new_patient(mrn: str, **history):
    """A consenting patient with no recorded side (so laterality can only come from the video)."""
    from facetwitch.clinic.patients.models import Patient

    return Patient.objects.create(
        mrn=mrn,
        given_name="Test",
        family_name=mrn,
        date_of_birth=dt.date(1962, 3, 4),
        sex="female",
        video_consent=True,
        video_consent_date=dt.date(2026, 1, 5),
        **history,
    )


def analysed_upload(patient, video):
    """Upload ``video`` as the clinic does and run the worker's analysis on it; returns the recording."""
    from facetwitch.clinic.recordings import services
    from facetwitch.clinic.recordings.probe import probe_video

    recording = services.create_recording(
        patient=patient,
        chunks=[video.read_bytes()],
        original_name=video.name,
        probe=probe_video(video),
        recorded_on=dt.date(2026, 3, 2),
        enqueue=False,
    )
    assert services.run_analysis(recording.pk) == "done"
    recording.refresh_from_db()
    assert recording.private_path(recording.analysis_json).is_file()
    return recording


def evidence_labels(candidate, kind: str = "supporting") -> set[str]:
    return {e.label for e in getattr(candidate, kind)}


def evidence_ids(candidate, kind: str = "supporting") -> set[str]:
    return {e.finding for e in getattr(candidate, kind)}


def test_right_clonic_spasm_video_ranks_hemifacial_spasm_first_with_the_side_from_the_video(clips):
    from facetwitch.clinic.care.services import differential_for

    # History typical of HFS, but no side recorded: only the video can say "one side".
    patient = new_patient("E2E-HFS", onset_region="eyelid", persists_in_sleep=True)
    assert patient.onset_side == ""
    recording = analysed_upload(patient, clips["right_hfs"])
    assert recording.affected_side == "right"
    assert recording.episodes_per_min_right > 0 and recording.episodes_per_min_left == 0

    differential, findings, video, assessment = differential_for(patient)
    assert assessment is None and video.recording.pk == recording.pk
    assert video.side == findings.side == "right"
    assert "eye" in findings.regions and "mouth" in findings.regions
    assert differential.top.id == "hemifacial_spasm"
    hfs = differential.top
    assert {"unilateral", "onset_eyelid", "persists_in_sleep"} <= evidence_ids(hfs)
    assert "Twitching on one side only" in evidence_labels(hfs)
    blepharospasm = next(c for c in differential.candidates if c.id == "blepharospasm")
    assert "unilateral" in evidence_ids(blepharospasm, "opposing")
    assert hfs.score > blepharospasm.score


def test_bilateral_sustained_closure_video_ranks_blepharospasm_above_hemifacial_spasm(clips):
    from facetwitch.clinic.care.services import differential_for

    patient = new_patient("E2E-BSP")
    recording = analysed_upload(patient, clips["blepharospasm"])
    assert recording.affected_side == "both" and recording.episodes_per_min_both > 0
    assert recording.episodes_per_min_left == recording.episodes_per_min_right == 0

    differential, findings, video, _ = differential_for(patient)
    assert video.side == findings.side == "both"
    assert video.bilateral_synchronous is True and findings.bilateral_synchronous is True
    assert "eye" in findings.regions
    order = differential.top_ids(len(differential.candidates))
    assert order.index("blepharospasm") < order.index("hemifacial_spasm")
    assert differential.top.id == "blepharospasm"
    assert "bilateral_synchronous" in evidence_ids(differential.top)
    hfs = next(c for c in differential.candidates if c.id == "hemifacial_spasm")
    assert "bilateral_synchronous" in evidence_ids(hfs, "opposing") and hfs.score < 0


def test_examination_of_synchrony_overrides_the_video(clips, clinician_user):
    """The video says "together"; an examiner who saw the eyes close independently wins (HFS on both sides)."""
    from facetwitch.clinic.care.models import Assessment
    from facetwitch.clinic.care.services import differential_for

    patient = new_patient("E2E-BSP-EXAM")
    analysed_upload(patient, clips["blepharospasm"])
    Assessment.objects.create(patient=patient, recorded_by=clinician_user, bilateral_synchronous=False)
    differential, findings, *_ = differential_for(patient)
    assert findings.bilateral_synchronous is False
    assert differential.findings["bilateral_asynchronous"] is True
    assert "bilateral_synchronous" not in evidence_ids(differential.top)


def test_jaw_tremor_video_brings_facial_tremor_up_with_the_measured_frequency(clips):
    from facetwitch.clinic.care.services import differential_for

    patient = new_patient("E2E-TREMOR")
    analysed_upload(patient, clips["jaw_tremor"])
    differential, findings, video, _ = differential_for(patient)
    assert findings.tremor_present is True and "jaw" in findings.regions
    assert findings.tremor_frequency_hz == pytest.approx(TREMOR_HZ, abs=0.5)
    assert video.side is None  # a tremor is not a spasm: no side from it
    top = differential.top
    assert top.id == "facial_tremor"
    assert {"rhythmic_tremor", "lower_face_involved"} <= evidence_ids(top)
    tremor = next(e for e in top.supporting if e.finding == "rhythmic_tremor")
    assert f"{findings.tremor_frequency_hz:.1f} Hz" in tremor.label
    hfs = next(c for c in differential.candidates if c.id == "hemifacial_spasm")
    assert "rhythmic_tremor" in evidence_ids(hfs, "opposing")


def test_blinks_only_video_gives_no_spasm_based_support(clips):
    from facetwitch.clinic.care.services import differential_for

    patient = new_patient("E2E-BLINKS")
    recording = analysed_upload(patient, clips["blinks_only"])
    expected_rate = len(BLINK_TIMES_S) / (BLINKS_DURATION_S / 60.0)
    assert recording.blink_rate_per_min == pytest.approx(expected_rate, abs=6.0)
    assert recording.affected_side == ""

    differential, findings, *_ = differential_for(patient)
    assert findings.side is None and findings.regions == () and findings.bilateral_synchronous is None
    assert findings.blink_rate_per_min == recording.blink_rate_per_min
    assert findings.tremor_present is False
    assert differential.findings["blink_rate_high"] is False
    for candidate in differential.candidates:
        assert not (evidence_ids(candidate) & SPASM_FINDINGS), candidate.id
        assert candidate.score <= 0, candidate.id
