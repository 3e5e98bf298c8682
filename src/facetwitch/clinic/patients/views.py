"""Patient list/search, detail, create/edit; visit create/edit with scales. Every view is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from facetwitch.clinic.accounts.audit import audit
from facetwitch.clinic.accounts.roles import action_required, can
from facetwitch.clinic.patients import search
from facetwitch.clinic.patients.forms import PatientForm, VisitForm, prefill_from_query
from facetwitch.clinic.patients.models import Patient, Visit

# Other apps' sections on the patient page, shown when the app provides the template (context: patient, request,
# user). Order is the page's order.
PATIENT_SECTIONS = (
    "recordings/_patient_section.html",
    "capture/_patient_section.html",
    "treatments/_patient_section.html",
    "scheduling/_patient_section.html",
    "care/_patient_section.html",
)


def available_sections() -> list[str]:
    found = []
    for name in PATIENT_SECTIONS:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found


def search_patients(query: str):
    """Patients whose MRN, given or family name contains every word of ``query`` (accents and case ignored), or
    born on a date the query names."""
    patients = Patient.objects.annotate(visit_count=Count("visits"), last_visit=Max("visits__date"))
    return search.search(patients, query).order_by("family_name", "given_name", "pk")


@action_required("patient.view")
def patient_list(request):
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(search_patients(query), 25).get_page(request.GET.get("page"))
    audit(
        request,
        "view",
        detail=f"patient list{f' search: {query}' if query else ''}",
        patients=[p.pk for p in page.object_list],
    )
    context = {"page": page, "query": query}
    if request.htmx and request.htmx.target == "patient-results":
        return render(request, "patients/_patient_results.html", context)
    return render(request, "patients/patient_list.html", context)


@action_required("patient.view")
def patient_detail(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    audit(request, "view", patient=patient, obj=patient)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "visits": patient.visits.select_related("clinician"),
            "sections": available_sections(),
        },
    )


@action_required("patient.create")
def patient_create(request):
    with_history = can(request.user, "patient.edit_history")
    form = PatientForm(request.POST or None, with_history=with_history)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            patient = form.save()
            audit(request, "create", patient=patient, obj=patient)
        messages.success(request, f"Patient {patient.full_name} ({patient.mrn}) created.")
        return redirect(patient)
    if request.method == "POST":
        messages.error(request, "The patient was not saved: correct the fields marked below.")
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@action_required("patient.edit")
def patient_edit(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    with_history = can(request.user, "patient.edit_history")
    form = PatientForm(request.POST or None, instance=patient, with_history=with_history)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit(request, "update", patient=patient, obj=patient, detail=", ".join(form.changed_data))
        messages.success(request, "Patient details saved.")
        return redirect(patient)
    if request.method == "POST":
        patient.refresh_from_db()  # the failed form must not show unsaved values as the patient's
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    else:
        audit(request, "view", patient=patient, obj=patient, detail="edit form")
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@action_required("visit.create")
def visit_create(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    suggested = prefill_from_query(request.GET)
    form = VisitForm(
        request.POST or None, patient=patient, initial={"date": timezone.localdate(), **suggested}
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            visit = form.save(commit=False)
            visit.patient = patient
            visit.clinician = request.user
            visit.save()
            audit(request, "create", patient=patient, obj=visit)
        messages.success(request, f"Visit of {visit.date:%Y-%m-%d} saved.")
        return redirect(patient)
    if request.method == "POST":
        messages.error(request, "The visit was not saved: correct the fields marked below.")
    else:
        audit(request, "view", patient=patient, detail="new visit form")
    return render(
        request,
        "patients/visit_form.html",
        {"form": form, "patient": patient, "visit": None, "prefilled": bool(suggested)},
    )


@action_required("visit.edit")
def visit_edit(request, pk: int, visit_pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    # A visit of another patient under this patient's URL is "not found": never shown, never changed.
    visit = get_object_or_404(Visit, pk=visit_pk, patient=patient)
    # Suggested scales from a recording's analysis pre-fill the form; the clinician confirms by saving.
    prefill = prefill_from_query(request.GET) if request.method == "GET" else {}
    form = VisitForm(request.POST or None, instance=visit, patient=patient, initial=prefill)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit(request, "update", patient=patient, obj=visit, detail=", ".join(form.changed_data))
        messages.success(request, f"Visit of {visit.date:%Y-%m-%d} saved.")
        return redirect(patient)
    if request.method == "POST":
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    else:
        audit(request, "view", patient=patient, obj=visit)
    return render(
        request,
        "patients/visit_form.html",
        {"form": form, "patient": patient, "visit": visit, "prefilled": bool(prefill)},
    )
