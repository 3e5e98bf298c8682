"""Correcting a toxin session: the corrected values feed warnings, the next due date, the forecast and the FHIR
export; the previous values stay in the session's history (who, when, why); voided sessions cannot be edited."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.care import services as care
from facetwitch.clinic.treatments import services
from facetwitch.clinic.treatments.models import (
    ToxinFollowUp,
    ToxinInjection,
    ToxinSession,
    ToxinSessionRevision,
)

pytestmark = pytest.mark.django_db


def _session(patient, clinician, day, rows):
    session = ToxinSession.objects.create(patient=patient, date=day, clinician=clinician, indication="hfs")
    for muscle, side, product, units in rows:
        ToxinInjection.objects.create(
            session=session, muscle=muscle, side=side, product=product, units=Decimal(units), lot="L1"
        )
    return session


def _edit_data(session, rows, *, day, reason="", ack=False):
    """The edit form as the browser posts it: existing rows carry their ids, new rows none."""
    existing = list(session.injections.order_by("id"))
    data = {
        "date": day.isoformat(),
        "indication": session.indication,
        "notes": session.notes,
        "correction_reason": reason,
        "inj-TOTAL_FORMS": str(len(rows)),
        "inj-INITIAL_FORMS": str(len(existing)),
        "inj-MIN_NUM_FORMS": "0",
        "inj-MAX_NUM_FORMS": "60",
    }
    if ack:
        data["acknowledge_warnings"] = "on"
    for i, (muscle, side, product, units) in enumerate(rows):
        data.update(
            {
                f"inj-{i}-muscle": muscle,
                f"inj-{i}-side": side,
                f"inj-{i}-product": product,
                f"inj-{i}-units": units,
                f"inj-{i}-lot": "L1",
                f"inj-{i}-concentration": "",
                f"inj-{i}-session": str(session.pk),
            }
        )
        if i < len(existing):
            data[f"inj-{i}-id"] = str(existing[i].pk)
    return data


def _administered_doses(patient) -> dict[str, list[float]]:
    """Toxin doses per date in the FHIR export, from its MedicationAdministration resources."""
    bundle = json.loads(care.fhir_bundle_json(patient))
    doses: dict[str, list[float]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "MedicationAdministration":
            doses.setdefault(resource["effectiveDateTime"], []).append(resource["dosage"]["dose"]["value"])
    return doses


def test_a_unit_and_date_typo_is_corrected_with_history_and_everything_recomputed(
    patient, clinician_user, clinician_client, staff_client
):
    today = timezone.localdate()
    earlier = _session(
        patient,
        clinician_user,
        today - dt.timedelta(weeks=22),
        [("oo_pretarsal_upper", "right", "ona", "2.5")],
    )
    wrong_day, right_day = today - dt.timedelta(weeks=12, days=-1), today - dt.timedelta(weeks=2)
    typo = _session(
        patient,
        clinician_user,
        wrong_day,
        [("oo_pretarsal_upper", "right", "ona", "25"), ("oo_pretarsal_lower", "right", "ona", "2.5")],
    )
    # As typed: 25 U on one site (over the label's 5 U per site) and under 12 weeks after the earlier session.
    assert sorted(w.code for w in services.current_warnings(typo)) == ["interval", "per_site"]
    assert [w.code for w in services.current_warnings(earlier)] == ["interval"]
    detail = reverse("treatments:toxin_detail", args=[typo.pk])
    page = clinician_client.get(detail).content.decode()
    assert 'id="current-warnings"' in page and "over 5 U per site" in page
    assert _administered_doses(patient)[wrong_day.isoformat()] == [25.0, 2.5]

    url = reverse("treatments:toxin_edit", args=[typo.pk])
    fixed = [("oo_pretarsal_upper", "right", "ona", "2.5"), ("oo_pretarsal_lower", "right", "ona", "2.5")]
    assert staff_client.get(url).status_code == 403  # a clinical correction
    assert staff_client.post(url, _edit_data(typo, fixed, day=right_day, reason="x")).status_code == 403
    # The form shows the session's current values.
    form_page = clinician_client.get(url).content.decode()
    assert f'value="{wrong_day.isoformat()}"' in form_page and 'value="25.00"' in form_page
    # Rows added on the face map start at the label's initial dose per site (dosing.py, TX-1).
    assert re.search(r'id="default-units"[^>]*value="2\.5"', form_page)
    # No reason: refused with the field named, nothing changed.
    refused = clinician_client.post(url, _edit_data(typo, fixed, day=right_day))
    assert refused.status_code == 200 and "Give the reason for the correction" in refused.content.decode()
    typo.refresh_from_db()
    assert typo.date == wrong_day and not ToxinSessionRevision.objects.exists()

    response = clinician_client.post(
        url, _edit_data(typo, fixed, day=right_day, reason="Units typed as 25, were 2.5; wrong date")
    )
    assert response.status_code == 302 and response["Location"] == detail
    typo.refresh_from_db()
    assert typo.date == right_day
    assert [i.units for i in typo.injections.order_by("id")] == [Decimal("2.5"), Decimal("2.5")]
    assert typo.acknowledged_warnings == ""

    # The previous values are kept: who, when, why and every row as it was.
    revision = typo.revisions.get()
    assert revision.revised_by == clinician_user and revision.reason.startswith("Units typed as 25")
    assert revision.previous["date"] == wrong_day.isoformat()
    assert [r["units"] for r in revision.previous["injections"]] == ["25", "2.5"]
    assert f"Date: {wrong_day.isoformat()} → {right_day.isoformat()}" in revision.change_lines
    assert (
        "Changed: Orbicularis oculi, pretarsal, upper lid (right) onabotulinumtoxinA: 25 U, lot L1 → 2.5 U, lot L1"
        in (revision.change_lines)
    )

    # Warnings, next due date, forecast and FHIR export all use the corrected values.
    assert services.current_warnings(typo) == [] and services.current_warnings(earlier) == []
    assert services.next_toxin_due(patient) == right_day + dt.timedelta(weeks=12)
    assert care.forecast_inputs(patient).injections == [earlier.date, right_day]
    doses = _administered_doses(patient)
    assert wrong_day.isoformat() not in doses and doses[right_day.isoformat()] == [2.5, 2.5]

    page = clinician_client.get(detail).content.decode()
    assert 'id="current-warnings"' not in page and 'id="session-history"' in page
    assert "Units typed as 25, were 2.5" in page
    overview = clinician_client.get(reverse("treatments:patient", args=[patient.pk])).content.decode()
    assert overview.count(">corrected</span>") == 1  # the corrected session is marked in the list
    neighbour = clinician_client.get(reverse("treatments:toxin_detail", args=[earlier.pk])).content.decode()
    assert 'id="current-warnings"' not in neighbour
    assert AuditEntry.objects.filter(
        patient=patient, action="update", object_id=str(typo.pk), detail__startswith="toxin session corrected"
    ).exists()


def test_a_correction_that_raises_a_warning_must_be_acknowledged(patient, clinician_user, clinician_client):
    today = timezone.localdate()
    session = _session(
        patient, clinician_user, today - dt.timedelta(weeks=3), [("oo_pretarsal_upper", "left", "ona", "2.5")]
    )
    url = reverse("treatments:toxin_edit", args=[session.pk])
    higher = [("oo_pretarsal_upper", "left", "ona", "7.5")]
    data = _edit_data(session, higher, day=session.date, reason="Dose was 7.5 U")
    page = clinician_client.post(url, data)
    assert page.status_code == 200 and "tick this box to save the correction" in page.content.decode()
    assert session.injections.get().units == Decimal("2.5") and not session.revisions.exists()
    assert clinician_client.post(url, {**data, "acknowledge_warnings": "on"}).status_code == 302
    session.refresh_from_db()
    assert session.injections.get().units == Decimal("7.5")
    assert "per site" in session.acknowledged_warnings
    # The session cannot move after its own follow-up.
    ToxinFollowUp.objects.create(
        session=session, date=session.date + dt.timedelta(days=7), clinician=clinician_user
    )
    late = clinician_client.post(url, _edit_data(session, higher, day=today, reason="date", ack=True))
    assert "cannot be after it" in late.content.decode() and session.revisions.count() == 1
    # An edit that changes nothing is not a correction.
    same = clinician_client.post(url, _edit_data(session, higher, day=session.date, reason="again", ack=True))
    assert "Nothing was changed" in same.content.decode() and session.revisions.count() == 1


def test_a_voided_session_cannot_be_edited(patient, clinician_user, clinician_client):
    today = timezone.localdate()
    session = _session(
        patient, clinician_user, today - dt.timedelta(weeks=3), [("oo_pretarsal_upper", "left", "ona", "2.5")]
    )
    clinician_client.post(reverse("treatments:toxin_void", args=[session.pk]), {"reason": "Duplicate entry"})
    url = reverse("treatments:toxin_edit", args=[session.pk])
    data = _edit_data(session, [("oo_pretarsal_upper", "left", "ona", "5")], day=session.date, reason="dose")
    response = clinician_client.post(url, data, follow=True)
    assert "a voided session cannot be edited" in response.content.decode()
    assert ToxinInjection.objects.get(session=session).units == Decimal("2.5")
    assert not ToxinSessionRevision.objects.exists()
    detail = clinician_client.get(reverse("treatments:toxin_detail", args=[session.pk])).content.decode()
    assert 'id="edit-session"' not in detail
    assert AuditEntry.objects.filter(
        patient=patient, detail__contains="edit of a voided toxin session"
    ).exists()


def test_changes_are_described_row_by_row():
    def row(muscle, units, side="left"):
        return {
            "muscle": muscle,
            "side": side,
            "product": "ona",
            "units": units,
            "lot": "",
            "concentration": "",
        }

    before = {
        "date": "2026-01-05",
        "injections": [row("procerus", "2.5", "midline")] * 2 + [row("corrugator", "5")],
    }
    after = {"date": "2026-01-05", "injections": [row("procerus", "2.5", "midline"), row("frontalis", "2")]}
    assert services.describe_changes(before, after) == [
        "Removed: Procerus (midline) onabotulinumtoxinA, 2.5 U",  # one of two identical rows
        "Removed: Corrugator supercilii (left) onabotulinumtoxinA, 5 U",
        "Added: Frontalis (left) onabotulinumtoxinA, 2 U",
    ]
    assert services.describe_changes(before, before) == []
