"""Demo data for the demo clinic: toxin sessions (with a follow-up) and a titrated carbamazepine course.

``seed(patients)`` is idempotent: a patient who already has treatments is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from facetwitch.clinic.treatments import dosing
from facetwitch.clinic.treatments.models import (
    Medication,
    MonitoringResult,
    TitrationStep,
    ToxinFollowUp,
    ToxinInjection,
    ToxinSession,
)

# (muscle, units of onabotulinumtoxinA) per affected side, a typical periocular + lower-face pattern.
HFS_PATTERN = [
    ("oo_pretarsal_upper", "2.5"),
    ("oo_pretarsal_lower", "2.5"),
    ("oo_orbital_lateral", "2.5"),
    ("zygomaticus_major", "2.5"),
    ("depressor_anguli_oris", "1.25"),
]


def _clinician():
    return get_user_model().objects.filter(groups__name="clinician").order_by("pk").first()


def _toxin_session(patient, clinician, day, side: str) -> ToxinSession:
    session = ToxinSession.objects.create(
        patient=patient, date=day, clinician=clinician, indication="hfs", notes="Demo session."
    )
    ToxinInjection.objects.bulk_create(
        ToxinInjection(
            session=session,
            muscle=muscle,
            side=side,
            product="ona",
            units=Decimal(units),
            lot="DEMO-C1234",
            concentration=Decimal("25"),
        )
        for muscle, units in HFS_PATTERN
    )
    return session


def seed(patients) -> None:
    clinician = _clinician()
    if clinician is None or not patients:
        return
    today = timezone.localdate()
    first = patients[0]
    if not first.toxin_sessions.exists():
        side = first.onset_side if first.onset_side in ("left", "right") else "left"
        # The demo patient's story (patients/demo.py visits 200, 168 and 20 days ago): baseline visit, first session
        # four days later, response at four weeks, second session after the usual interval, and by the last
        # visit (13 weeks on) the effect is wearing off and the next session is due.
        older = _toxin_session(first, clinician, today - timedelta(days=196), side)
        ToxinFollowUp.objects.create(
            session=older,
            date=older.date + timedelta(weeks=4),
            clinician=clinician,
            ptosis=True,
            benefit_onset_days=4,
            benefit_duration_weeks=11,
            improvement_percent=70,
            notes="Mild ptosis for 2 weeks.",
        )
        _toxin_session(first, clinician, older.date + timedelta(weeks=dosing.MIN_RETREATMENT_WEEKS), side)
    if len(patients) > 1 and not patients[1].medications.exists():
        med = Medication.objects.create(
            patient=patients[1],
            drug="carbamazepine",
            start_date=today - timedelta(days=21),
            prescriber=clinician,
            indication="Hemifacial spasm (while awaiting decompression)",
        )
        TitrationStep.objects.create(
            medication=med, start_date=med.start_date, dose_mg=Decimal("100"), doses_per_day=2
        )
        TitrationStep.objects.create(
            medication=med,
            start_date=med.start_date + timedelta(days=7),
            dose_mg=Decimal("200"),
            doses_per_day=2,
        )
        MonitoringResult.objects.create(
            medication=med, code="cbc", date=med.start_date, result="Normal", recorded_by=clinician
        )
