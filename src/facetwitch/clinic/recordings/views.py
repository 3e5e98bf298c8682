"""Recording pages: upload, status (htmx polling), result, files, outcome timeline, comparison.

Every view requires a login and a role, looks recordings up under their patient (another patient's id gives
404) and writes an audit entry. Files are streamed from the private store, never from a public path.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from facetwitch.clinic.accounts.audit import audit, covered
from facetwitch.clinic.accounts.roles import role_required
from facetwitch.clinic.recordings import outcomes, results, services
from facetwitch.clinic.recordings.access import (
    SCALES_ROLES,
    UPLOAD_ROLES,
    VIEW_ROLES,
    can_apply_scales,
    get_patient,
    get_recording,
    has_consent,
    refuse_without_consent,
)
from facetwitch.clinic.recordings.forms import RecordingUploadForm, video_upload_handlers
from facetwitch.clinic.recordings.models import Recording
from facetwitch.clinic.recordings.serving import serve_file

# The engine's self-contained report: its own inline styles, no scripts, no network, no framing elsewhere.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"
)
DOWNLOADS = {
    "analysis.json": ("analysis_json", "application/json"),
    "frames.parquet": ("frames_parquet", "application/vnd.apache.parquet"),
}


@role_required(*VIEW_ROLES)
def index(request):
    """The analysis queue: recent recordings of all patients with their status."""
    recordings = list(Recording.objects.select_related("patient").order_by("-uploaded_at", "-id")[:100])
    audit(request, "view", detail="recordings list", patients=[r.patient_id for r in recordings])
    return render(request, "recordings/index.html", {"recordings": recordings})


@csrf_exempt  # upload handlers must be set before the CSRF check reads the body; checked just below
@role_required(*UPLOAD_ROLES)
def upload(request, patient_id: int):
    request.upload_too_large = False
    if request.method == "POST":
        request.upload_handlers = video_upload_handlers(request)
    return _upload(request, patient_id)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request, patient_id: int):
    patient = get_patient(patient_id)
    if request.method == "POST":
        form = RecordingUploadForm(
            request.POST, request.FILES, patient=patient, upload_too_large=request.upload_too_large
        )
        if form.is_valid():
            video = form.cleaned_data["video"]
            recording = services.create_recording(
                patient=patient,
                chunks=video.chunks(),
                original_name=video.name,
                probe=form.probe,
                uploaded_by=request.user,
                visit=form.cleaned_data["visit"],
                recorded_on=form.cleaned_data["recorded_on"],
                mirrored=form.cleaned_data["mirrored"],
                notes=form.cleaned_data["notes"],
            )
            audit(request, "create", patient=patient, obj=recording, detail="video uploaded")
            messages.success(request, "Video uploaded. The analysis runs in the background.")
            return redirect("recordings:detail", patient.pk, recording.pk)
        status = 400
    else:
        form = RecordingUploadForm(patient=patient)
        status = 200
    audit(request, "view", patient=patient, detail="recording upload form")
    context = {"patient": patient, "form": form, "max_mb": settings.FACETWITCH_MAX_UPLOAD_MB}
    return render(request, "recordings/upload.html", context, status=status)


@role_required(*VIEW_ROLES)
def detail(request, patient_id: int, pk: int):
    recording = get_recording(patient_id, pk)
    context = {
        "patient": recording.patient,
        "recording": recording,
        "can_apply_scales": False,
        "consent_on_file": has_consent(recording.patient),
        "can_correct": can_apply_scales(request.user),
        "corrections": recording.corrections.select_related("by", "from_patient", "to_patient"),
    }
    if recording.status == Recording.Status.DONE:
        analysis = results.load_analysis(recording)
        context.update(
            analysis=analysis,
            timeline=results.timeline(recording, analysis),
            scales_url=outcomes.scales_url(recording),
            can_apply_scales=can_apply_scales(request.user),
        )
    audit(request, "view", patient=recording.patient, obj=recording)
    return render(request, "recordings/detail.html", context)


@role_required(*VIEW_ROLES)
def status(request, patient_id: int, pk: int):
    """The status fragment that the detail page polls (htmx); a plain GET shows it as a page."""
    recording = get_recording(patient_id, pk)
    response = render(
        request, "recordings/_status.html", {"recording": recording, "patient": recording.patient}
    )
    if request.htmx and recording.is_finished and request.GET.get("poll"):
        response["HX-Refresh"] = "true"  # reload the page to show the result or the error
    response["Cache-Control"] = "no-store"
    if not request.htmx:  # opened as a page; the page's own 2-second polls are covered by its audit entry
        audit(request, "view", patient=recording.patient, obj=recording, detail="analysis status")
    else:
        covered(request)
    return response


@role_required(*SCALES_ROLES)
def new_visit(request, patient_id: int, pk: int):
    """A visit made from a recording's suggested scales (the clinician confirms them), linked to the recording.

    The recording is locked while the visit is saved: a second click, or two clinicians at once, open the visit
    already made from it instead of making a duplicate.
    """
    from facetwitch.clinic.patients.forms import VisitForm, prefill_from_query

    recording = get_recording(patient_id, pk)
    patient = recording.patient
    if recording.visit_id:
        messages.info(request, "This recording already has its visit: confirm the scales there.")
        return redirect(
            f"{reverse('patients:visit_edit', args=[patient.pk, recording.visit_id])}?{request.GET.urlencode()}"
        )
    initial = {"date": recording.recorded_on, **prefill_from_query(request.GET)}
    form = VisitForm(request.POST or None, patient=patient, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = Recording.objects.select_for_update().get(pk=recording.pk)
            if locked.visit_id:
                messages.info(request, "A visit was already made from this recording; it is shown here.")
                return redirect("patients:visit_edit", patient.pk, locked.visit_id)
            visit = form.save(commit=False)
            visit.patient, visit.clinician = patient, request.user
            visit.save()
            Recording.objects.filter(pk=locked.pk).update(visit=visit)
            audit(request, "create", patient=patient, obj=visit, detail=f"from recording {recording.pk}")
        messages.success(request, f"Visit of {visit.date:%Y-%m-%d} saved and linked to the recording.")
        return redirect(patient)
    audit(request, "view", patient=patient, obj=recording, detail="new visit from recording")
    return render(
        request,
        "patients/visit_form.html",
        {"form": form, "patient": patient, "visit": None, "prefilled": True},
    )


@require_POST
@role_required(*SCALES_ROLES)
def correct(request, patient_id: int, pk: int):
    """Void the recording, or move it to the right patient (by MRN); the reason is required and kept."""
    from facetwitch.clinic.patients.models import Patient

    recording = get_recording(patient_id, pk)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")[:300]
    try:
        if action == "void":
            services.void_recording(recording, reason=reason, by=request.user)
            audit(request, "update", patient=recording.patient, obj=recording, detail=f"voided: {reason}")
            messages.success(request, "The recording was voided; it stays on file with the reason.")
        elif action == "move":
            mrn = request.POST.get("mrn", "").strip()[:40]
            target = Patient.objects.filter(mrn__iexact=mrn).first()
            if target is None:
                raise ValueError(f"No patient has the MRN {mrn!r}: check it and try again.")
            old = recording.patient
            services.move_recording(recording, to_patient=target, reason=reason, by=request.user)
            audit(request, "update", patient=old, obj=recording, detail=f"moved to {target.mrn}: {reason}")
            audit(request, "update", patient=target, obj=recording, detail=f"moved from {old.mrn}: {reason}")
            messages.success(request, f"The recording now belongs to {target}.")
            return redirect("recordings:detail", target.pk, recording.pk)
        else:
            raise ValueError("Choose to void or to move the recording.")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("recordings:detail", recording.patient_id, recording.pk)


@require_POST
@role_required(*UPLOAD_ROLES)
def retry(request, patient_id: int, pk: int):
    recording = get_recording(patient_id, pk)
    try:
        services.retry(recording)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        audit(request, "update", patient=recording.patient, obj=recording, detail="analysis retried")
        messages.success(request, "The analysis was queued again.")
    return redirect("recordings:detail", patient_id, pk)


@role_required(*VIEW_ROLES)
def video(request, patient_id: int, pk: int):
    recording = get_recording(patient_id, pk)
    if (refused := refuse_without_consent(request, recording)) is not None:
        return refused
    path = recording.private_path(recording.video_file)
    if not path.is_file():
        raise Http404("The video file is missing.")
    downloading = bool(request.GET.get("download"))
    if downloading:
        audit(request, "download", patient=recording.patient, obj=recording, detail="video file")
    elif request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):
        # The player on the recording page (preloading or playing): a view, not a download. One entry per
        # playback: the later byte ranges of the same playback are covered by it.
        audit(request, "view", patient=recording.patient, obj=recording, detail="video playback")
    else:
        covered(request)
    disposition = "attachment" if downloading else "inline"
    filename = f"recording-{recording.pk}{path.suffix}"
    return serve_file(
        request, path, content_type=recording.content_type, filename=filename, disposition=disposition
    )


@role_required(*VIEW_ROLES)
def report(request, patient_id: int, pk: int):
    """The engine's own HTML report, inline, under a CSP that allows its inline styles and nothing else."""
    recording = get_recording(patient_id, pk)
    if (refused := refuse_without_consent(request, recording)) is not None:
        return refused
    if recording.status != Recording.Status.DONE or not recording.report_html:
        raise Http404("This recording has no report (yet).")
    path = recording.private_path(recording.report_html)
    audit(request, "view", patient=recording.patient, obj=recording, detail="engine report")
    response = HttpResponse(path.read_bytes(), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = REPORT_CSP
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="recording-{recording.pk}-report.html"'
    response["X-Frame-Options"] = "SAMEORIGIN"  # shown inside the result page too (frame-ancestors 'self')
    return response


@role_required(*VIEW_ROLES)
def download(request, patient_id: int, pk: int, name: str):
    recording = get_recording(patient_id, pk)
    if (refused := refuse_without_consent(request, recording)) is not None:
        return refused
    if name not in DOWNLOADS or recording.status != Recording.Status.DONE:
        raise Http404("No such file.")
    field, content_type = DOWNLOADS[name]
    relative = getattr(recording, field)
    if not relative:
        raise Http404("No such file.")
    audit(request, "export", patient=recording.patient, obj=recording, detail=name)
    return serve_file(
        request,
        recording.private_path(relative),
        content_type=content_type,
        filename=f"recording-{recording.pk}-{name}",
        disposition="attachment",
    )


@role_required(*VIEW_ROLES)
def outcome_timeline(request, patient_id: int):
    patient = get_patient(patient_id)
    context = outcomes.outcome_context(patient)
    audit(request, "view", patient=patient, detail="outcome timeline")
    return render(request, "recordings/outcomes.html", {"patient": patient, **context})


@role_required(*VIEW_ROLES)
def compare(request, patient_id: int):
    """Two finished recordings of the same patient side by side (``?a=<id>&b=<id>``).

    Without parameters: the first and the latest analysed recording; with one of them: that one and the
    first (or latest) other analysed recording.
    """
    patient = get_patient(patient_id)
    done = list(patient.recordings.filter(status=Recording.Status.DONE).order_by("recorded_on", "id"))
    context = {"patient": patient, "choices": done, "error": ""}
    status = 200
    try:
        a, b = (
            get_recording(patient.pk, int(value)) if value else None
            for value in (request.GET.get("a"), request.GET.get("b"))
        )
    except ValueError:
        a = b = None
        context["error"] = "Choose two recordings from the lists."
        status = 400
    if not context["error"]:
        others = [r for r in done if r not in (a, b)]
        if a is None and others:
            a = others.pop(0)
        if b is None and others:
            b = others[-1]
        if a is not None and b is not None:
            if a.status != Recording.Status.DONE or b.status != Recording.Status.DONE:
                context["error"] = "Both recordings must be analysed before they can be compared."
                status = 400
            elif a.pk == b.pk:
                context["error"] = "Choose two different recordings."
                status = 400
            else:
                if a.recorded_on > b.recorded_on:
                    a, b = b, a  # A is always the earlier one: "change" reads forwards in time
                context.update(outcomes.comparison_context(a, b))
                context["selected"] = [a, b]
    audit(
        request,
        "view",
        patient=patient,
        detail=f"compare recordings {getattr(a, 'pk', '')},{getattr(b, 'pk', '')}",
    )
    return render(request, "recordings/compare.html", context, status=status)
