"""Thin views: permissions, audit, forms; logic lives in services and forms."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from facetwitch.clinic.accounts.audit import audit
from facetwitch.clinic.accounts.roles import CLINICIAN, STAFF, has_role, role_required
from facetwitch.clinic.patients.models import Patient
from facetwitch.clinic.treatments import dosing, facemap, services
from facetwitch.clinic.treatments.forms import (
    InjectionFormSet,
    MedicationForm,
    MonitoringResultForm,
    SteroidInjectionForm,
    SurgicalReferralForm,
    TherapySessionForm,
    TitrationStepForm,
    ToxinFollowUpForm,
    ToxinSessionForm,
)
from facetwitch.clinic.treatments.models import Medication, ToxinSession

#: Simple dated records, one form each: URL kind -> (form, title).
SIMPLE_RECORDS = {
    "steroid": (SteroidInjectionForm, "Steroid injection"),
    "therapy": (TherapySessionForm, "Therapy session (physical therapy, relaxation, biofeedback)"),
    "referral": (SurgicalReferralForm, "Surgical referral (microvascular decompression)"),
}


#: Units per site for rows added on the face map: the labelled initial blepharospasm dose's upper end (TX-1).
DEFAULT_UNITS_PER_SITE = dosing.TOXIN_PRODUCTS[dosing.ONA].initial_per_site[1].normalize()


def _rows(formset) -> list[services.InjectionRow]:
    return [
        services.InjectionRow(
            f.cleaned_data["muscle"],
            f.cleaned_data["side"],
            f.cleaned_data["product"],
            Decimal(f.cleaned_data["units"]),
        )
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


@role_required(CLINICIAN)
def index(request):
    """Recent toxin sessions and the patients whose next cycle is due soon."""
    from datetime import timedelta

    from django.utils import timezone

    recent = ToxinSession.objects.select_related("patient").order_by("-date", "-id")[:30]
    due = []
    today = timezone.localdate()
    seen = set()
    for s in ToxinSession.objects.select_related("patient").order_by("patient_id", "-date", "-id"):
        if s.patient_id in seen:
            continue
        seen.add(s.patient_id)
        next_due = s.date + timedelta(weeks=dosing.MIN_RETREATMENT_WEEKS)
        if next_due <= today + timedelta(days=28):
            due.append((s.patient, s.date, next_due))
    due.sort(key=lambda t: t[2])
    recent = list(recent)
    shown = {s.patient_id for s in recent} | {patient.pk for patient, _, _ in due}
    audit(request, "view", detail="treatments index", patients=shown)
    return render(request, "treatments/index.html", {"recent": recent, "due": due, "today": today})


@role_required(CLINICIAN, STAFF)
def patient_overview(request, patient_pk: int):
    patient = get_object_or_404(Patient, pk=patient_pk)
    audit(request, "view", patient=patient, detail="treatments overview")
    sessions = list(patient.toxin_sessions.prefetch_related("injections", "follow_ups", "revisions"))
    return render(
        request,
        "treatments/patient_overview.html",
        {
            "patient": patient,
            "sessions": [(s, services.totals_table(s)) for s in sessions],
            "next_due": services.next_toxin_due(patient),
            "medications": patient.medications.prefetch_related("titration_steps"),
            "reminders": services.monitoring_reminders(patient),
            "steroids": patient.steroid_injections.all(),
            "therapies": patient.therapy_sessions.all(),
            "referrals": patient.surgical_referrals.all(),
            "can_record": has_role(request.user, CLINICIAN),
        },
    )


@role_required(CLINICIAN)
def toxin_new(request, patient_pk: int):
    patient = get_object_or_404(Patient, pk=patient_pk)
    warnings: list[services.DoseWarning] = []
    session = ToxinSession(patient=patient, clinician=request.user)
    if request.method == "POST":
        form = ToxinSessionForm(request.POST, instance=session, patient=patient)
        formset = InjectionFormSet(request.POST, instance=session, prefix="inj")
        if form.is_valid() and formset.is_valid():
            warnings = services.toxin_warnings(patient, form.cleaned_data["date"], _rows(formset))
            if warnings and not form.cleaned_data.get("acknowledge_warnings"):
                form.add_error(
                    "acknowledge_warnings",
                    "Review the warnings above; tick this box to save the session anyway.",
                )
            else:
                with transaction.atomic():
                    session = form.save(commit=False)
                    session.acknowledged_warnings = "\n".join(str(w) for w in warnings)
                    session.save()
                    formset.instance = session
                    formset.save()
                audit(request, "create", patient=patient, obj=session, detail="toxin session")
                messages.success(request, "Toxin session saved.")
                return redirect("treatments:toxin_detail", session.pk)
    else:
        form = ToxinSessionForm(instance=session, patient=patient)
        formset = InjectionFormSet(instance=session, prefix="inj")
        audit(request, "view", patient=patient, detail="new toxin session form")
    return render(
        request,
        "treatments/toxin_form.html",
        {
            "patient": patient,
            "form": form,
            "formset": formset,
            "warnings": warnings,
            "sites": facemap.sites(),
            "marked": set(),
            "products": dosing.TOXIN_PRODUCTS.values(),
            "default_units": DEFAULT_UNITS_PER_SITE,
            "next_due": services.next_toxin_due(patient),
        },
    )


@role_required(CLINICIAN, STAFF)
def toxin_detail(request, pk: int):
    session = get_object_or_404(ToxinSession.all_objects.select_related("patient", "clinician"), pk=pk)
    audit(request, "view", patient=session.patient, obj=session)
    current = services.current_warnings(session)
    acknowledged = [w for w in session.acknowledged_warnings.splitlines() if w]
    return render(
        request,
        "treatments/toxin_detail.html",
        {
            "session": session,
            "patient": session.patient,
            "totals": services.totals_table(session),
            "injections": session.injections.all(),
            "follow_ups": session.follow_ups.all(),
            # The acknowledged warnings are shown only where they differ from the recomputed ones.
            "warnings": acknowledged if set(acknowledged) != {str(w) for w in current} else [],
            "current_warnings": current,
            "revisions": session.revisions.select_related("revised_by"),
            "sites": facemap.sites(),
            "marked": {f"{i.muscle}:{i.side}" for i in session.injections.all()},
        },
    )


@role_required(CLINICIAN)
def toxin_edit(request, pk: int):
    """Correct a session in force (dose typo, wrong site or date): the previous values are kept as a revision
    with the reason, and the warnings are recomputed from the corrected values. Voided sessions are refused."""
    session = get_object_or_404(ToxinSession.all_objects.select_related("patient"), pk=pk)
    patient = session.patient
    if session.voided_at:
        audit(request, "view", patient=patient, obj=session, detail="refused: edit of a voided toxin session")
        messages.error(request, "This session was voided: a voided session cannot be edited.")
        return redirect("treatments:toxin_detail", pk)
    warnings: list[services.DoseWarning] = []
    if request.method == "POST":
        form = ToxinSessionForm(request.POST, instance=session, patient=patient, editing=True)
        formset = InjectionFormSet(request.POST, instance=session, prefix="inj")
        if form.is_valid() and formset.is_valid():
            warnings = services.toxin_warnings(
                patient, form.cleaned_data["date"], _rows(formset), exclude_session_id=session.pk
            )
            if warnings and not form.cleaned_data.get("acknowledge_warnings"):
                form.add_error(
                    "acknowledge_warnings",
                    "Review the warnings above; tick this box to save the correction anyway.",
                )
            else:

                def save_changes() -> None:
                    form.save()
                    formset.save()

                try:
                    revision = services.revise_toxin_session(
                        session,
                        save_changes,
                        user=request.user,
                        reason=form.cleaned_data["correction_reason"],
                        warnings=warnings,
                    )
                except ValueError as exc:
                    form.add_error(None, str(exc))
                else:
                    audit(
                        request,
                        "update",
                        patient=patient,
                        obj=session,
                        detail=f"toxin session corrected: {revision.reason}",
                    )
                    messages.success(
                        request, "Correction saved; the previous values are kept in the history."
                    )
                    return redirect("treatments:toxin_detail", session.pk)
    else:
        form = ToxinSessionForm(instance=session, patient=patient, editing=True)
        formset = InjectionFormSet(instance=session, prefix="inj")
        audit(request, "view", patient=patient, obj=session, detail="toxin session correction form")
    return render(
        request,
        "treatments/toxin_form.html",
        {
            "patient": patient,
            "session": session,
            "editing": True,
            "form": form,
            "formset": formset,
            "warnings": warnings,
            "sites": facemap.sites(),
            "marked": {f"{i.muscle}:{i.side}" for i in session.injections.all()},
            "products": dosing.TOXIN_PRODUCTS.values(),
            "default_units": DEFAULT_UNITS_PER_SITE,
        },
    )


@role_required(CLINICIAN)
@require_POST
def toxin_void(request, pk: int):
    """Void a session recorded by mistake (reason required): kept on file, left out of warnings and forecasts."""
    from django.utils import timezone

    session = get_object_or_404(ToxinSession.objects.select_related("patient"), pk=pk)
    reason = request.POST.get("reason", "").strip()[:300]
    if not reason:
        messages.error(request, "Give the reason for voiding this session.")
        return redirect("treatments:toxin_detail", pk)
    with transaction.atomic():
        ToxinSession.objects.filter(pk=pk).update(
            voided_at=timezone.now(), voided_by=request.user, void_reason=reason
        )
        audit(
            request, "update", patient=session.patient, obj=session, detail=f"toxin session voided: {reason}"
        )
    messages.success(request, "The session was voided; it stays on file and no longer counts.")
    return redirect("treatments:toxin_detail", pk)


@role_required(CLINICIAN)
def followup_new(request, pk: int):
    session = get_object_or_404(ToxinSession.objects.select_related("patient"), pk=pk)
    form = ToxinFollowUpForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        follow_up = form.save(commit=False)
        follow_up.session, follow_up.clinician = session, request.user
        follow_up.save()
        audit(request, "create", patient=session.patient, obj=follow_up, detail="toxin follow-up")
        messages.success(request, "Follow-up saved.")
        return redirect("treatments:toxin_detail", session.pk)
    audit(request, "view", patient=session.patient, obj=session, detail="toxin follow-up form")
    return render(
        request,
        "treatments/simple_form.html",
        {
            "form": form,
            "patient": session.patient,
            "title": f"Follow-up of the toxin session of {session.date}",
        },
    )


@role_required(CLINICIAN)
def record_new(request, patient_pk: int, kind: str):
    if kind not in SIMPLE_RECORDS:
        raise Http404("Unknown treatment type")
    patient = get_object_or_404(Patient, pk=patient_pk)
    form_class, title = SIMPLE_RECORDS[kind]
    form = form_class(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        record.patient = patient
        user_field = {"steroid": "clinician", "therapy": "recorded_by", "referral": "referred_by"}[kind]
        setattr(record, user_field, request.user)
        record.save()
        audit(request, "create", patient=patient, obj=record, detail=kind)
        messages.success(request, f"{title} saved.")
        return redirect("treatments:patient", patient.pk)
    audit(request, "view", patient=patient, detail=f"{kind} form")
    return render(request, "treatments/simple_form.html", {"form": form, "patient": patient, "title": title})


@role_required(CLINICIAN)
def medication_new(request, patient_pk: int):
    patient = get_object_or_404(Patient, pk=patient_pk)
    form = MedicationForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        med = form.save(commit=False)
        med.patient, med.prescriber = patient, request.user
        med.save()
        audit(request, "create", patient=patient, obj=med, detail="medication")
        messages.success(request, f"{med.name} added. Add the titration steps below.")
        return redirect("treatments:medication_detail", med.pk)
    audit(request, "view", patient=patient, detail="medication form")
    return render(
        request,
        "treatments/simple_form.html",
        {
            "form": form,
            "patient": patient,
            "title": "New medication",
            "medications": dosing.MEDICATIONS.values(),
        },
    )


@role_required(CLINICIAN, STAFF)
def medication_detail(request, pk: int):
    med = get_object_or_404(Medication.objects.select_related("patient"), pk=pk)
    step_form = TitrationStepForm(medication=med, prefix="step")
    check_form = (
        MonitoringResultForm(medication=med, prefix="check") if med.info and med.info.monitoring else None
    )
    if request.method == "POST":
        if not has_role(request.user, CLINICIAN):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only clinicians change medications.")
        action = request.POST.get("action")
        if action == "step":
            step_form = TitrationStepForm(request.POST, medication=med, prefix="step")
            if step_form.is_valid():
                step = step_form.save(commit=False)
                step.medication = med
                step.save()
                audit(request, "update", patient=med.patient, obj=med, detail="titration step")
                messages.success(request, "Titration step added.")
                return redirect("treatments:medication_detail", med.pk)
        elif action == "check" and check_form is not None:
            check_form = MonitoringResultForm(request.POST, medication=med, prefix="check")
            if check_form.is_valid():
                result = check_form.save(commit=False)
                result.medication, result.recorded_by = med, request.user
                result.save()
                audit(request, "update", patient=med.patient, obj=med, detail="monitoring result")
                messages.success(request, "Monitoring result recorded.")
                return redirect("treatments:medication_detail", med.pk)
        else:
            messages.error(request, "Unknown action: nothing was changed.")
    else:
        audit(request, "view", patient=med.patient, obj=med)
    return render(
        request,
        "treatments/medication_detail.html",
        {
            "med": med,
            "patient": med.patient,
            "steps": med.titration_steps.all(),
            "warnings": services.medication_warnings(med),
            "reminders": [r for r in services.monitoring_reminders(med.patient) if r.medication_id == med.pk],
            "results": med.monitoring_results.all(),
            "step_form": step_form,
            "check_form": check_form,
        },
    )
