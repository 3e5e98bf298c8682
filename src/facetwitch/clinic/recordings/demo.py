"""Demo clinic data: simulated videos of the demo patients at their visits, analysed synchronously.

``seed(patients)`` renders, for each consenting patient, one short clip per visit (up to three) from a real face
photograph with injected blinks and spasms on the patient's side (blepharospasm closures for bilateral
disease): many episodes at the first visit, few after treatment, more again when the effect wears off. Each
clip is stored like an upload, linked to its visit and analysed by the real engine, so the demo's result
pages, outcome timelines and comparisons show real engine output.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from facetwitch.clinic.recordings import services
from facetwitch.clinic.recordings.access import has_consent
from facetwitch.clinic.recordings.models import Recording
from facetwitch.clinic.recordings.probe import probe_video

# Episodes in a 15 s clip: untreated, at the toxin's peak effect (up to 8 weeks after a session), wearing off.
EPISODES_UNTREATED, EPISODES_RESPONSE, EPISODES_WEARING_OFF = 4, 1, 2
PEAK_EFFECT_WEEKS, WEARING_OFF_WEEKS = 8, 16


def episodes_for(visit) -> int:
    """Spasms to put in a visit's clip, from the patient's toxin sessions before it (treatments demo data): the
    demo tells one story, baseline -> response after each injection -> wearing off."""
    last = visit.patient.toxin_sessions.filter(date__lte=visit.date).order_by("-date").first()
    if last is None:
        return EPISODES_UNTREATED
    weeks = (visit.date - last.date).days / 7
    if weeks <= PEAK_EFFECT_WEEKS:
        return EPISODES_RESPONSE
    return EPISODES_WEARING_OFF if weeks <= WEARING_OFF_WEEKS else EPISODES_UNTREATED


# Spasms ~1.3 s long, 3 s apart: separate episodes (the engine merges contractions less than 1 s apart).
SPASM_STARTS_S = (2.0, 5.0, 8.0, 11.0)
CLIP_S = 15.0
CLIP_SIZE = (640, 360)
MAX_VISITS = 3


def demo_scenario_for(side: str, episodes: int, seed: int = 0):
    """A 15 s clip with ``episodes`` spasms on ``side`` (``both``: blepharospasm closures) and two blinks."""
    from facetwitch.simulate import Blepharospasm, Blink, Scenario, Spasm

    events: list = [Blink(1.0), Blink(14.0)]
    for start in SPASM_STARTS_S[:episodes]:
        events.append(Blepharospasm(start, hold_s=1.5) if side == "both" else Spasm(start, side, twitches=3))
    return Scenario(
        duration_s=CLIP_S, size=CLIP_SIZE, events=events, seed=seed, name=f"demo-{side}-{episodes}"
    )


def seed(patients, *, uploaded_by=None, analyse: bool = True) -> list[Recording]:
    """Create (and analyse) demo recordings for the consenting ``patients``; returns the recordings made.

    Idempotent: patients that already have recordings are skipped.
    """
    from facetwitch.simulate import render

    made: list[Recording] = []
    with tempfile.TemporaryDirectory(prefix="facetwitch-demo-") as tmp:
        for patient in patients:
            if not has_consent(patient) or patient.recordings.exists():
                continue
            side = patient.onset_side if patient.onset_side in ("left", "right", "both") else "left"
            visits = list(patient.visits.order_by("date", "id"))[:MAX_VISITS]
            for index, visit in enumerate(visits):
                scenario = demo_scenario_for(side, episodes_for(visit), seed=patient.pk * 10 + index)
                path = Path(tmp) / f"{scenario.name}-{patient.pk}-{index}.mp4"
                render(scenario, path)
                recording = services.create_recording(
                    patient=patient,
                    chunks=_read_chunks(path),
                    original_name=f"visit-{visit.date:%Y-%m-%d}.mp4",
                    probe=probe_video(path),
                    uploaded_by=uploaded_by or visit.clinician,
                    visit=visit,
                    recorded_on=visit.date,
                    notes="Simulated demo video",
                    enqueue=not analyse,
                )
                if analyse:
                    services.run_analysis(recording.pk)
                recording.refresh_from_db()
                made.append(recording)
    return made


def _read_chunks(path: Path, size: int = 1024 * 1024):
    with open(path, "rb") as f:
        while block := f.read(size):
            yield block
