"""Care views: differential and red flags, examination form, plan editor / signing / versions, patient PDF,
toxin-cycle forecast and FHIR export. Clinicians and admins see them; only clinicians sign plans.
Every suggestion shows its DS-n sources and "decision support — the clinician decides"."""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from pydantic import ValidationError as PydanticValidationError

from facetwitch.clinic.accounts.audit import audit
from facetwitch.clinic.accounts.roles import ADMIN, CLINICIAN, role_required, user_roles
from facetwitch.clinic.care import forecast as forecast_mod
from facetwitch.clinic.care import services
from facetwitch.clinic.care.differential import DECISION_SUPPORT, cause_labels
from facetwitch.clinic.care.forms import AssessmentForm, PlanForm
from facetwitch.clinic.care.models import CarePlan
from facetwitch.clinic.care.pdf import plan_pdf
from facetwitch.clinic.care.sources import source_entries
from facetwitch.clinic.patients.models import Patient

VIEWERS = (CLINICIAN, ADMIN)


def can_sign(user) -> bool:
    """Only clinicians author and sign clinical content (an administrator without the clinician role cannot)."""
    return CLINICIAN in user_roles(user)


def clinician_only(view):
    """Like ``role_required(CLINICIAN)`` but without the admin shortcut: plans and findings are clinical acts."""

    @wraps(view)
    @role_required(*VIEWERS)
    def wrapped(request, *args, **kwargs):
        if not can_sign(request.user):
            raise PermissionDenied("Only clinicians record findings and write or sign care plans.")
        return view(request, *args, **kwargs)

    return wrapped


@role_required(*VIEWERS)
def index(request):
    drafts = (
        CarePlan.objects.filter(status=CarePlan.DRAFT).select_related("patient").order_by("-updated_at")[:50]
    )
    signed = list(
        CarePlan.objects.filter(status=CarePlan.SIGNED)
        .select_related("patient", "signed_by")
        .order_by("-signed_at")[:20]
    )
    drafts = list(drafts)
    audit(request, "view", detail="care plans index", patients=[p.patient_id for p in drafts + signed])
    return render(request, "care/index.html", {"drafts": drafts, "signed": signed})


@role_required(*VIEWERS)
def patient_care(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    differential, findings, video, assessment = services.differential_for(patient)
    sourced = services.sourced_findings(patient, assessment, video)
    forecast, inputs = services.forecast_for(patient)
    plans = patient.care_plans.select_related("signed_by", "created_by").all()
    audit(request, "view", patient=patient, detail="care: differential, forecast, plans")
    return render(
        request,
        "care/patient.html",
        {
            "patient": patient,
            "differential": differential,
            "findings": findings,
            "video": video,
            "video_rows": services.video_finding_rows(sourced, video),
            "assessment": assessment,
            "forecast": forecast,
            "forecast_inputs": inputs,
            "chart": _chart(forecast, inputs),
            "plans": plans,
            "sources": source_entries(set(differential.sources) | set(forecast.sources)),
            "disclaimer": DECISION_SUPPORT,
            "can_sign": can_sign(request.user),
            "scheduling_url": _optional_url("scheduling:index"),
        },
    )


@clinician_only
def assessment_new(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    previous = services.latest_assessment(patient)
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            assessment = form.save(commit=False)
            assessment.patient = patient
            assessment.recorded_by = request.user
            assessment.save()
            audit(request, "create", patient=patient, obj=assessment, detail="care: examination findings")
            messages.success(request, "Examination findings saved; the differential is updated.")
            return redirect("care:patient", pk=patient.pk)
    else:
        form = AssessmentForm(instance=_copy(previous)) if previous else AssessmentForm()
        audit(request, "view", patient=patient, detail="care: examination form")
    return render(request, "care/assessment_form.html", {"patient": patient, "form": form})


@clinician_only
def plan_new(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    differential, *_ = services.differential_for(patient)
    labels = cause_labels()
    cause = request.POST.get("cause") or request.GET.get("cause") or differential.top.id
    if cause not in labels:
        messages.error(request, "Unknown cause: choose one from the list.")
        cause = differential.top.id
    suggestion = services.plan_suggestion(patient, cause)
    choices = [(o.id, f"{o.title} ({o.line})") for o in suggestion.options]
    changing_cause = request.method == "POST" and "refresh" in request.POST
    if request.method == "POST" and not changing_cause:
        form = PlanForm(request.POST, option_choices=choices)
        edits = _site_edits(request.POST, suggestion.options, form)
        if form.is_valid():
            plan = CarePlan.objects.create(
                patient=patient,
                version=CarePlan.next_version(patient),
                cause=form.cleaned_data["cause"],
                diagnosis_status=form.cleaned_data["diagnosis_status"],
                content=services.plan_content(
                    patient, cause, form.cleaned_data["options"], differential, edits
                ),
                clinician_notes=form.cleaned_data["clinician_notes"],
                patient_notes=form.cleaned_data["patient_notes"],
                created_by=request.user,
            )
            audit(request, "create", patient=patient, obj=plan, detail=f"care plan v{plan.version} draft")
            messages.success(request, f"Draft plan v{plan.version} saved. Review it, then sign.")
            return redirect("care:plan", pk=plan.pk)
    else:
        default = [o.id for o in suggestion.options if o.line in ("first", "referral")]
        form = PlanForm(
            initial={"cause": cause, "options": default, "diagnosis_status": "provisional"},
            option_choices=choices,
        )
        audit(request, "view", patient=patient, detail="care: plan editor")
    return render(
        request,
        "care/plan_form.html",
        {
            "patient": patient,
            "form": form,
            "suggestion": suggestion,
            "differential": differential,
            "sources": source_entries(suggestion.sources),
            "disclaimer": DECISION_SUPPORT,
            "plan": None,
            "cause_label": labels[cause],
            "option_views": _option_views(
                suggestion.options, request.POST if request.method == "POST" else None
            ),
        },
    )


@role_required(*VIEWERS)
def plan_detail(request, pk: int):
    plan = get_object_or_404(
        CarePlan.objects.select_related("patient", "signed_by", "created_by", "parent"), pk=pk
    )
    audit(request, "view", patient=plan.patient, obj=plan, detail=f"care plan v{plan.version}")
    return render(
        request,
        "care/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "cause_label": cause_labels().get(plan.cause, plan.cause),
            "versions": plan.patient.care_plans.all(),
            "sources": source_entries(plan.content.get("sources", [])),
            "disclaimer": DECISION_SUPPORT,
            "can_sign": can_sign(request.user),
        },
    )


@clinician_only
def plan_edit(request, pk: int):
    plan = get_object_or_404(CarePlan, pk=pk)
    if plan.is_signed:
        if request.method != "POST":
            return render(request, "care/plan_revise.html", {"plan": plan, "patient": plan.patient})
        new = plan.revise(request.user)
        audit(
            request,
            "create",
            patient=plan.patient,
            obj=new,
            detail=f"care plan v{new.version} from v{plan.version}",
        )
        messages.info(
            request, f"Signed plans cannot change: draft v{new.version} created from v{plan.version}."
        )
        return redirect("care:plan_edit", pk=new.pk)
    chosen_ids = [o["id"] for o in plan.content.get("options", [])]
    suggestion = services.plan_suggestion(plan.patient, plan.cause)
    choices = [(o.id, f"{o.title} ({o.line})") for o in suggestion.options]
    if request.method == "POST":
        form = PlanForm(request.POST, option_choices=choices)
        edits = _site_edits(request.POST, suggestion.options, form)
        if form.is_valid() and form.cleaned_data["cause"] == plan.cause:
            differential, *_ = services.differential_for(plan.patient)
            plan.content = services.plan_content(
                plan.patient, plan.cause, form.cleaned_data["options"], differential, edits
            )
            plan.diagnosis_status = form.cleaned_data["diagnosis_status"]
            plan.clinician_notes = form.cleaned_data["clinician_notes"]
            plan.patient_notes = form.cleaned_data["patient_notes"]
            plan.save()
            audit(
                request, "update", patient=plan.patient, obj=plan, detail=f"care plan v{plan.version} edited"
            )
            messages.success(request, f"Draft plan v{plan.version} updated.")
            return redirect("care:plan", pk=plan.pk)
        if form.is_valid():
            form.add_error("cause", "To plan for another cause, start a new plan.")
    else:
        form = PlanForm(
            initial={
                "cause": plan.cause,
                "options": chosen_ids,
                "diagnosis_status": plan.diagnosis_status,
                "clinician_notes": plan.clinician_notes,
                "patient_notes": plan.patient_notes,
            },
            option_choices=choices,
        )
        audit(request, "view", patient=plan.patient, obj=plan, detail="care plan editor")
    return render(
        request,
        "care/plan_form.html",
        {
            "patient": plan.patient,
            "form": form,
            "suggestion": suggestion,
            "plan": plan,
            "sources": source_entries(suggestion.sources),
            "disclaimer": DECISION_SUPPORT,
            "cause_label": cause_labels().get(plan.cause, plan.cause),
            "option_views": _option_views(
                suggestion.options,
                request.POST if request.method == "POST" else None,
                plan.content.get("options", []),
            ),
        },
    )


@require_POST
@role_required(*VIEWERS)
def plan_sign(request, pk: int):
    plan = get_object_or_404(CarePlan, pk=pk)
    if not can_sign(request.user):
        raise PermissionDenied("Only clinicians sign care plans.")
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, "Tick the confirmation box to sign: you have reviewed every option and its sources."
        )
        return redirect("care:plan", pk=plan.pk)
    try:
        plan.sign(request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("care:plan", pk=plan.pk)
    audit(request, "update", patient=plan.patient, obj=plan, detail=f"care plan v{plan.version} signed")
    messages.success(
        request, f"Plan v{plan.version} signed. It can no longer change; edits create a new version."
    )
    return redirect("care:plan", pk=plan.pk)


@role_required(*VIEWERS)
def plan_pdf_view(request, pk: int):
    plan = get_object_or_404(CarePlan.objects.select_related("patient", "signed_by"), pk=pk)
    if not plan.is_signed:
        messages.error(request, "Only a signed plan can be printed for the patient. Sign it first.")
        return redirect("care:plan", pk=plan.pk)
    data = plan_pdf(plan, request=request)
    audit(
        request,
        "download",
        patient=plan.patient,
        obj=plan,
        detail=f"patient PDF of care plan v{plan.version}",
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="care-plan-{plan.patient.mrn}-v{plan.version}.pdf"'
    )
    return response


@role_required(*VIEWERS)
def fhir_export(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    # ?type=transaction: a bundle a FHIR server can ingest (conditional creates); default: a collection.
    bundle_type = request.GET.get("type", "collection")
    if bundle_type not in ("collection", "transaction"):
        messages.error(request, "Unknown FHIR bundle type: choose 'collection' or 'transaction'.")
        return redirect("care:patient", pk=patient.pk)
    try:
        text = services.fhir_bundle_json(patient, bundle_type=bundle_type)
    except (PydanticValidationError, ValueError) as exc:
        # Nothing half-built is sent: say what failed so the record can be corrected.
        messages.error(request, f"The FHIR export could not be built from this record: {exc}"[:500])
        return redirect("care:patient", pk=patient.pk)
    audit(request, "export", patient=patient, detail=f"FHIR {bundle_type} Bundle (R4-compatible resources)")
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(text, content_type="application/fhir+json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="patient-{patient.mrn}-{stamp}-{bundle_type}.fhir.json"'
    )
    return response


MAX_UNITS_PER_SITE_ENTRY = 100.0  # plausibility bound for typing errors, not a clinical limit


def _site_field(option_id: str, index: int) -> str:
    return f"units-{option_id}-{index}"


def _site_edits(post, options, form) -> dict[str, list[float]]:
    """Units per injection site typed by the clinician; errors go to ``form`` (a bad number never saves)."""
    edits: dict[str, list[float]] = {}
    for option in options:
        if not option.sites:
            continue
        values = []
        for i, site in enumerate(option.sites):
            raw = (post.get(_site_field(option.id, i)) or "").strip()
            if raw == "":
                values.append(site.units)
                continue
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not 0 <= value <= MAX_UNITS_PER_SITE_ENTRY:
                form.add_error(
                    None,
                    f"{option.title}, {site.muscle} {site.position} {site.side}: units must be a number from 0 "
                    f"to {MAX_UNITS_PER_SITE_ENTRY:g} (0 removes the site), not {raw!r}.",
                )
                continue
            values.append(value)
        if len(values) == len(option.sites):
            edits[option.id] = values
    return edits


def _option_views(options, post=None, stored_options=()) -> list[dict]:
    """Options with one editable units field per site: typed value, else the stored plan's, else the suggestion."""
    stored = {o["id"]: o for o in stored_options}
    views = []
    for option in options:
        kept = stored.get(option.id)
        kept_units = (
            {(s["muscle"], s["position"], s["side"]): s["units"] for s in kept.get("sites", [])}
            if kept
            else None
        )
        sites = []
        for i, site in enumerate(option.sites):
            name = _site_field(option.id, i)
            if post is not None and name in post:
                value = post[name]
            elif kept_units is not None:
                value = kept_units.get((site.muscle, site.position, site.side), 0)
            else:
                value = site.units
            sites.append({"site": site, "name": name, "value": value})
        views.append({"option": option, "sites": sites})
    return views


def _copy(assessment):
    """An unsaved copy of the last assessment, so the form starts from the previous findings."""
    assessment.pk = None
    assessment.id = None
    assessment.uuid = uuid.uuid4()  # a copy is a new record with its own export id
    assessment._state.adding = True
    return assessment


def _optional_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _chart(forecast, inputs) -> dict | None:
    """SVG coordinates of the measured points and the fitted curve (plain numbers, drawn by the template)."""
    points = (
        [(float((d - inputs.injections[0]).days), v) for d, v in inputs.measurements]
        if inputs.injections
        else []
    )
    if forecast.status != "ok" or not forecast.curve:
        return None
    from facetwitch.clinic.care.forecast import timeline_points

    cycle_points = timeline_points(inputs.measurements, inputs.injections)
    xs = [p.days for p in cycle_points] + [x for x, _ in forecast.curve]
    ys = [p.value for p in cycle_points] + [y for _, y in forecast.curve]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(0.0, min(ys)), max(ys) * 1.1 or 1.0
    width, height, pad = 600.0, 220.0, 30.0

    def sx(x):
        return round(pad + (x - x0) / (x1 - x0 or 1) * (width - 2 * pad), 1)

    def sy(y):
        return round(height - pad - (y - y0) / (y1 - y0 or 1) * (height - 2 * pad), 1)

    p = forecast.params
    return {
        "width": width,
        "height": height,
        "dots": [{"x": sx(pt.days), "y": sy(pt.value)} for pt in cycle_points],
        "line": " ".join(f"{sx(x)},{sy(y)}" for x, y in forecast.curve),
        "markers": [
            {"x": sx(p.onset_day), "label": "onset"},
            {"x": sx(p.peak_day), "label": "peak"},
            {"x": sx(p.wear_off_day), "label": "wear-off"},
            {
                "x": sx(forecast_mod.MIN_INTERVAL_DAYS),
                "label": f"{forecast_mod.MIN_INTERVAL_DAYS // 7} weeks",
            },
        ],
        "axis_y": sy(y0),
        "axis_x0": sx(x0),
        "axis_x1": sx(x1),
        "n": len(points),
    }
