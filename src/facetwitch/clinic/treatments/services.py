"""Treatment logic: toxin totals and warnings, follow-up due dates, medication reminders, timeline markers.

Public API for other apps:
  treatment_markers(patient) -> list[tuple[date, str]]     (outcome timeline)
  last_toxin_session(patient) -> ToxinSession | None
  next_toxin_due(patient) -> date | None                    (>= MIN_RETREATMENT_WEEKS after the last session)

Corrections: a session is edited with ``revise_toxin_session`` (previous values kept as a ToxinSessionRevision)
or voided; warnings are always recomputed from the session's current values (``current_warnings``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from facetwitch.clinic.treatments import dosing


@dataclass(frozen=True)
class DoseWarning:
    """A decision-support warning; ``citation`` is a TX-n id in docs/clinical-sources.md."""

    code: str
    message: str
    citation: str

    def __str__(self) -> str:
        return f"{self.message} [{self.citation}]"


@dataclass(frozen=True)
class InjectionRow:
    muscle: str
    side: str
    product: str
    units: Decimal


def totals_table(session) -> list[dict]:
    """Rows for templates: product name, right, left, midline, total (units of that product)."""
    table = []
    for code, sides in session.totals().items():
        product = dosing.TOXIN_PRODUCTS[code]
        table.append(
            {
                "code": code,
                "product": f"{product.generic} ({product.brand})",
                "right": sides.get("right", Decimal(0)),
                "left": sides.get("left", Decimal(0)),
                "midline": sides.get("midline", Decimal(0)),
                "total": sides["total"],
            }
        )
    return table


def _weeks(days: int) -> str:
    return f"{days / 7:.1f}".rstrip("0").rstrip(".")


def toxin_warnings(
    patient, session_date: date, rows: list[InjectionRow], *, exclude_session_id: int | None = None
) -> list[DoseWarning]:
    """Warnings for a planned or recorded session: retreatment interval, per-site, per-eye and 30-day limits.

    Compares each product only with itself (units are product-specific, TX-1/TX-2/TX-3).
    """
    from facetwitch.clinic.treatments.models import ToxinInjection, ToxinSession

    warnings: list[DoseWarning] = []
    others = ToxinSession.objects.filter(patient=patient)
    if exclude_session_id:
        others = others.exclude(pk=exclude_session_id)

    min_gap = timedelta(weeks=dosing.MIN_RETREATMENT_WEEKS)
    near = others.filter(date__gt=session_date - min_gap, date__lt=session_date + min_gap).order_by("-date")
    for other in near:
        gap = abs((session_date - other.date).days)
        when = "before" if other.date <= session_date else "after"
        warnings.append(
            DoseWarning(
                "interval",
                f"Another toxin session on {other.date:%Y-%m-%d} is {_weeks(gap)} weeks {when} this one — "
                f"under the {dosing.MIN_RETREATMENT_WEEKS}-week retreatment interval.",
                "TX-1",
            )
        )

    by_product: dict[str, list[InjectionRow]] = defaultdict(list)
    for row in rows:
        by_product[row.product].append(row)
    if len(by_product) > 1:
        warnings.append(
            DoseWarning(
                "mixed_products",
                "More than one toxin product in this session: units are not interchangeable, so totals are "
                "kept per product.",
                "TX-2",
            )
        )

    for code, product_rows in by_product.items():
        product = dosing.TOXIN_PRODUCTS[code]
        name = f"{product.generic} ({product.brand})"
        if product.max_per_site is not None:
            for row in product_rows:
                if row.units > product.max_per_site:
                    warnings.append(
                        DoseWarning(
                            "per_site",
                            f"{dosing.MUSCLE_LABELS.get(row.muscle, row.muscle)} ({row.side}): {row.units} U of "
                            f"{name} is over {product.max_per_site} U per site.",
                            product.citation,
                        )
                    )
        if product.max_per_eye is not None:
            per_eye: dict[str, Decimal] = defaultdict(Decimal)
            for row in product_rows:
                if row.muscle in dosing.PERIOCULAR and row.side in ("left", "right"):
                    per_eye[row.side] += row.units
            for side, units in sorted(per_eye.items()):
                if units > product.max_per_eye:
                    warnings.append(
                        DoseWarning(
                            "per_eye",
                            f"{units} U of {name} around the {side} eye is over the labelled "
                            f"{product.max_per_eye} U per eye.",
                            product.citation,
                        )
                    )
        if product.max_cumulative_30_days is not None:
            this_total = sum((r.units for r in product_rows), Decimal(0))
            window = timedelta(days=29)
            for start, end in ((session_date - window, session_date), (session_date, session_date + window)):
                earlier = ToxinInjection.objects.filter(
                    session__in=others.filter(date__gte=start, date__lte=end), product=code
                ).values_list("units", flat=True)
                cumulative = this_total + sum(earlier, Decimal(0))
                if cumulative > product.max_cumulative_30_days:
                    warnings.append(
                        DoseWarning(
                            "cumulative_30d",
                            f"{cumulative} U of {name} within 30 days ({start:%Y-%m-%d} to {end:%Y-%m-%d}) "
                            f"is over the labelled {product.max_cumulative_30_days} U.",
                            product.citation,
                        )
                    )
                    break
    return warnings


def session_rows(session) -> list[InjectionRow]:
    """The session's injections as warning inputs."""
    return [InjectionRow(i.muscle, i.side, i.product, i.units) for i in session.injections.all()]


def current_warnings(session) -> list[DoseWarning]:
    """The warnings for the session as it stands now, against the patient's other sessions in force.

    Differs from the warnings acknowledged when it was saved once it, or a neighbouring session, is corrected.
    A voided session has none: it no longer counts.
    """
    if session.voided_at:
        return []
    return toxin_warnings(session.patient, session.date, session_rows(session), exclude_session_id=session.pk)


def session_snapshot(session) -> dict:
    """The session's clinical values as plain JSON (kept as the 'previous values' of a revision)."""
    return {
        "date": session.date.isoformat(),
        "indication": session.indication,
        "visit_id": session.visit_id,
        "notes": session.notes,
        "acknowledged_warnings": session.acknowledged_warnings,
        "injections": [
            {
                "muscle": i.muscle,
                "side": i.side,
                "product": i.product,
                "units": f"{Decimal(i.units).normalize():f}",
                "lot": i.lot,
                "concentration": f"{Decimal(i.concentration).normalize():f}" if i.concentration else "",
            }
            for i in session.injections.order_by("id")
        ],
    }


def _site_label(row: dict) -> str:
    muscle = dosing.MUSCLE_LABELS.get(row["muscle"], row["muscle"])
    product = dosing.TOXIN_PRODUCTS[row["product"]].generic if row["product"] in dosing.TOXIN_PRODUCTS else ""
    return f"{muscle} ({row['side']}) {product}".rstrip()


def _dose_label(row: dict) -> str:
    extra = [
        f"lot {row['lot']}" if row.get("lot") else "",
        f"{row['concentration']} U/mL" if row.get("concentration") else "",
    ]
    return f"{row['units']} U" + "".join(f", {e}" for e in extra if e)


def describe_changes(before: dict, after: dict) -> list[str]:
    """What changed between two snapshots, in words (``"Date: 2026-01-05 → 2026-01-06"``, ``"Changed: Procerus
    (midline) onabotulinumtoxinA: 25 U → 2.5 U"``, ``"Removed: ..."``, ``"Added: ..."``)."""
    lines = []
    for key, label in (
        ("date", "Date"),
        ("indication", "Indication"),
        ("visit_id", "Visit"),
        ("notes", "Notes"),
    ):
        if before.get(key) != after.get(key):
            lines.append(f"{label}: {before.get(key) or '—'} → {after.get(key) or '—'}")

    def rows(snapshot: dict) -> Counter:
        return Counter((_site_label(r), _dose_label(r)) for r in snapshot.get("injections", []))

    old, new = rows(before), rows(after)
    removed, added = list((old - new).elements()), list((new - old).elements())
    for site, dose in list(removed):
        # A row at the same site (muscle, side, product) in both: a changed dose, not a removal and an addition.
        match = next((row for row in added if row[0] == site), None)
        if match is not None:
            removed.remove((site, dose))
            added.remove(match)
            lines.append(f"Changed: {site}: {dose} → {match[1]}")
    lines += [f"Removed: {site}, {dose}" for site, dose in removed]
    lines += [f"Added: {site}, {dose}" for site, dose in added]
    return lines


def revise_toxin_session(session, save_changes, *, user, reason: str, warnings: list[DoseWarning]):
    """Apply a correction to a session in force, keeping its previous values; returns the revision.

    ``save_changes()`` writes the new values (the form and the injection formset). The warnings computed from
    the corrected values replace the acknowledged ones. Raises ``ValueError`` for a voided session, an empty
    reason, or an edit that changes nothing.
    """
    from django.db import transaction

    from facetwitch.clinic.treatments.models import ToxinSession, ToxinSessionRevision

    reason = reason.strip()
    if not reason:
        raise ValueError("Give the reason for the correction (it is kept with the previous values).")
    with transaction.atomic():
        locked = ToxinSession.all_objects.select_for_update().get(pk=session.pk)
        if locked.voided_at:
            raise ValueError("This session was voided: a voided session cannot be edited.")
        before = session_snapshot(locked)
        save_changes()
        session.acknowledged_warnings = "\n".join(str(w) for w in warnings)
        session.save(update_fields=["acknowledged_warnings"])
        after = session_snapshot(ToxinSession.all_objects.get(pk=session.pk))
        changes = describe_changes(before, after)
        if not changes:  # raising inside the block rolls the save back
            raise ValueError("Nothing was changed: edit a value, or leave the page.")
        return ToxinSessionRevision.objects.create(
            session=session, revised_by=user, reason=reason[:300], previous=before, changes="\n".join(changes)
        )


def last_toxin_session(patient):
    """The patient's most recent toxin session (by date), or ``None``."""
    from facetwitch.clinic.treatments.models import ToxinSession

    return ToxinSession.objects.filter(patient=patient).order_by("-date", "-id").first()


def next_toxin_due(patient) -> date | None:
    """Earliest date for the next toxin cycle: last session + MIN_RETREATMENT_WEEKS (TX-1), or ``None``."""
    last = last_toxin_session(patient)
    if last is None:
        return None
    return last.date + timedelta(weeks=dosing.MIN_RETREATMENT_WEEKS)


def treatment_markers(patient) -> list[tuple[date, str]]:
    """Dated labels of treatments for the outcome timeline, oldest first."""
    from facetwitch.clinic.treatments.models import (
        Medication,
        SteroidInjection,
        SurgicalReferral,
        ToxinSession,
    )

    markers: list[tuple[date, str]] = []
    for session in ToxinSession.objects.filter(patient=patient).prefetch_related("injections"):
        parts = []
        for code, sides in session.totals().items():
            parts.append(f"{sides['total'].normalize():f} U {dosing.TOXIN_PRODUCTS[code].generic}")
        markers.append((session.date, "Toxin: " + (", ".join(parts) or "no injections")))
    for inj in SteroidInjection.objects.filter(patient=patient):
        markers.append((inj.date, f"Steroid injection: {inj.drug} {inj.dose_mg.normalize():f} mg"))
    for med in Medication.objects.filter(patient=patient):
        markers.append((med.start_date, f"Started {med.name}"))
        if med.stop_date:
            markers.append((med.stop_date, f"Stopped {med.name}"))
    for ref in SurgicalReferral.objects.filter(patient=patient):
        markers.append((ref.date, f"Referred for {ref.get_procedure_display().lower()}"))
        if ref.operation_date:
            markers.append((ref.operation_date, f"{ref.get_procedure_display()} performed"))
    markers.sort(key=lambda m: m[0])
    return markers


@dataclass(frozen=True)
class Reminder:
    medication_id: int
    medication: str
    label: str
    when: str
    citation: str
    last_date: date | None
    last_result: str
    due: bool


def monitoring_reminders(patient) -> list[Reminder]:
    """Labelled monitoring for the patient's active medications, with the last recorded result.

    ``due`` is True when nothing has been recorded yet: the labels name baseline and periodic checks but no
    fixed interval, so the periodic rhythm is the clinician's.
    """
    from facetwitch.clinic.treatments.models import Medication

    reminders = []
    for med in Medication.objects.filter(patient=patient).prefetch_related("monitoring_results"):
        if not med.active or med.info is None:
            continue
        results = list(med.monitoring_results.all())
        for item in med.info.monitoring:
            last = next((r for r in results if r.code == item.code), None)
            reminders.append(
                Reminder(
                    medication_id=med.pk,
                    medication=med.name,
                    label=item.label,
                    when=item.when,
                    citation=item.citation,
                    last_date=last.date if last else None,
                    last_result=last.result if last else "",
                    due=last is None,
                )
            )
    return reminders


def medication_warnings(medication) -> list[DoseWarning]:
    """Warnings for a medication: daily dose over the label maximum; stopping advice when a stop date is set."""
    info = medication.info
    if info is None:
        return []
    warnings = []
    if info.max_daily_mg is not None:
        for step in medication.titration_steps.all():
            if step.daily_mg > info.max_daily_mg:
                warnings.append(
                    DoseWarning(
                        "max_daily",
                        f"Step from {step.start_date:%Y-%m-%d}: {step.daily_mg.normalize():f} mg/day is over the "
                        f"labelled maximum of {info.max_daily_mg} mg/day.",
                        info.citation,
                    )
                )
    if medication.stop_date and info.stopping:
        warnings.append(DoseWarning("stopping", info.stopping, info.citation))
    return warnings
