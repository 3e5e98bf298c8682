"""Capture pages: record in clinic, personal home links, resumable uploads, biofeedback, the face model file.

Staff views need a login and a role; home views (``home_*``) need a valid personal link instead and show no
patient data beyond the first name. Every view that touches patient data writes an audit entry, and every
response about a patient is ``Cache-Control: no-store``.
"""

from __future__ import annotations

import json
from functools import wraps

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from facetwitch import model as model_mod
from facetwitch.clinic.accounts.audit import audit
from facetwitch.clinic.accounts.roles import has_role, role_required
from facetwitch.clinic.capture import services
from facetwitch.clinic.capture.access import PROGRAMME_ROLES, RECORD_ROLES, no_store, token_required
from facetwitch.clinic.capture.forms import DEFAULT_TARGETS, HomeLinkForm, ProgrammeForm
from facetwitch.clinic.capture.models import BiofeedbackSession, Programme, Upload
from facetwitch.clinic.capture.plots import session_chart
from facetwitch.clinic.public import ratelimit
from facetwitch.clinic.recordings.access import get_patient, has_consent
from facetwitch.live import live_definition

# The face landmarker runs as WebAssembly: the page's CSP must allow compiling it (nothing else is relaxed).
wasm_page = csp_update({"script-src": ["'wasm-unsafe-eval'"]})
# New uploads per link: a patient re-recording a few times a day is normal; more is a script.
UPLOAD_STARTS = ratelimit.Limit("capture-upload-start", count=30, window_s=3600)
# MediaPipe's web files, copied into static files by `make setup` (scripts/frontend-assets.sh); a folder, so not
# through {% static %} (the WASM loader asks for files inside it by name).
VENDOR = "/" + f"{settings.STATIC_URL.strip('/')}/capture/vendor/tasks-vision"


def staff_view(*roles):
    def decorator(view):
        @role_required(*roles)
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return no_store(view(request, *args, **kwargs))

        return wrapped

    return decorator


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise services.InvalidInput("The request body must be JSON.") from None
    if not isinstance(data, dict):
        raise services.InvalidInput("The request body must be a JSON object.")
    return data


def _error(message: str, status: int = 400, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _page_config(request, *, model_url: str, upload_url: str = "", session_url: str = "", **extra) -> dict:
    return {
        "model_url": model_url,
        "bundle_url": f"{VENDOR}/vision_bundle.mjs",
        "wasm_url": f"{VENDOR}/wasm",
        "upload_url": upload_url,
        "session_url": session_url,
        "chunk_bytes": settings.FACETWITCH_CAPTURE_CHUNK_BYTES,
        "protocol": services.protocol_steps(),
        # The engine's signal definition and detection thresholds: the page mirrors them (facetwitch.live).
        "engine": live_definition(),
        **extra,
    }


# ----- staff: record in clinic ------------------------------------------------------------------------------


@wasm_page
@staff_view(*RECORD_ROLES)
def record(request, patient_id: int):
    patient = get_patient(patient_id)
    audit(request, "view", patient=patient, detail="record now (in-clinic capture)")
    if not has_consent(patient):
        return render(request, "capture/no_consent.html", {"patient": patient}, status=403)
    config = _page_config(
        request,
        model_url=reverse("capture:model"),
        upload_url=reverse("capture:upload_start", args=[patient.pk]),
        done_label="Open the recording",
    )
    return render(request, "capture/record.html", {"patient": patient, "config": config, "home": False})


@require_POST
@staff_view(*RECORD_ROLES)
def upload_start(request, patient_id: int):
    patient = get_patient(patient_id)
    return _start_upload(request, patient, source="clinic", user=request.user)


@require_http_methods(["GET", "PUT"])
@staff_view(*RECORD_ROLES)
def upload_chunk(request, patient_id: int, upload_id):
    upload = get_object_or_404(Upload, pk=upload_id, patient_id=patient_id, source="clinic")
    return _chunk(request, upload)


def _start_upload(request, patient, *, source: str, user=None, link=None):
    try:
        data = _json_body(request)
        upload = services.start_upload(
            patient,
            size_bytes=data.get("size_bytes"),
            source=source,
            segments=data.get("protocol_segments"),
            link=link,
            user=user,
            name=str(data.get("name", "")),
        )
    except services.InvalidInput as exc:
        return _error(str(exc))
    except PermissionError as exc:
        return _error(str(exc), 403)
    audit(request, "create", patient=patient, obj=upload, detail=f"{source} recording upload started")
    url = (
        reverse("capture_home:upload_chunk", args=[request.link_token, upload.id])
        if link
        else reverse("capture:upload_chunk", args=[patient.pk, upload.id])
    )
    return JsonResponse({"id": str(upload.id), "url": url, "offset": 0}, status=201)


def _chunk(request, upload: Upload):
    if request.method == "GET":  # where to resume
        audit(request, "view", patient=upload.patient, obj=upload, detail=f"{upload.source} upload resumed")
        return JsonResponse(_upload_state(request, upload))
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        return _error("The Upload-Offset header must give the chunk's byte offset.")
    was_done = upload.status == Upload.Status.DONE
    try:
        upload = services.write_chunk(upload, offset, request.body)
    except services.OffsetMismatch as exc:
        return _error(str(exc), 409, offset=exc.expected)
    except services.InvalidInput as exc:
        return _error(str(exc))
    if upload.status != Upload.Status.RECEIVING and not was_done:
        detail = f"{upload.source} recording received" if upload.recording else "upload refused: not a video"
        audit(request, "create", patient=upload.patient, obj=upload.recording or upload, detail=detail)
    return JsonResponse(_upload_state(request, upload))


def _upload_state(request, upload: Upload) -> dict:
    state = {"offset": upload.received_bytes, "size": upload.size_bytes, "status": upload.status}
    if upload.status == Upload.Status.FAILED:
        state["error"] = upload.error_message
    if upload.recording_id and not getattr(request, "link", None):
        state["recording_url"] = reverse("recordings:detail", args=[upload.patient_id, upload.recording_id])
    return state


# ----- staff: links, adherence, programmes ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view(*RECORD_ROLES)
def home_links(request, patient_id: int):
    patient = get_patient(patient_id)
    form = HomeLinkForm(request.POST or None)
    new_url = None
    if request.method == "POST" and form.is_valid():
        try:
            link, token = services.create_link(
                patient,
                created_by=request.user,
                days=form.cleaned_data["days"],
                recordings_per_week=form.cleaned_data["recordings_per_week"],
            )
        except PermissionError as exc:
            messages.error(request, str(exc))
        else:
            audit(request, "create", patient=patient, obj=link, detail="home recording link sent")
            new_url = request.build_absolute_uri(reverse("capture_home:home", args=[token]))
            form = HomeLinkForm()
    audit(request, "view", patient=patient, detail="home links and adherence")
    context = {
        "patient": patient,
        "form": form,
        "new_url": new_url,
        "links": patient.home_links.select_related("created_by"),
        "adherence": services.adherence(patient),
        "home_recordings": patient.recordings.filter(source="home").order_by("-uploaded_at")[:20],
    }
    return render(request, "capture/links.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(*RECORD_ROLES)
def link_revoke(request, patient_id: int, link_id: int):
    patient = get_patient(patient_id)
    link = get_object_or_404(patient.home_links, pk=link_id)
    services.revoke_link(link)
    audit(request, "update", patient=patient, obj=link, detail="home recording link revoked")
    messages.success(request, "The link is revoked: it no longer opens.")
    return redirect("capture:links", patient.pk)


@require_http_methods(["GET", "POST"])
@staff_view(*RECORD_ROLES)
def programmes(request, patient_id: int):
    patient = get_patient(patient_id)
    can_edit = has_role(request.user, *PROGRAMME_ROLES)
    initial = {"affected_side": patient.onset_side if patient.onset_side in ("left", "right") else "left"}
    initial["target"] = DEFAULT_TARGETS["relax_rest"]
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_edit:
            return no_store(render(request, "403.html", status=403))
        if form.is_valid():
            programme = form.save(commit=False)
            programme.patient, programme.created_by = patient, request.user
            programme.save()
            audit(request, "create", patient=patient, obj=programme, detail="biofeedback programme set")
            messages.success(request, f"Programme set: {programme}.")
            return redirect("capture:programmes", patient.pk)
    audit(request, "view", patient=patient, detail="biofeedback programmes")
    context = {
        "patient": patient,
        "form": form,
        "can_edit": can_edit,
        "programmes": patient.biofeedback_programmes.all(),
        "sessions": patient.biofeedback_sessions.select_related("programme")[:30],
    }
    return render(request, "capture/programmes.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(*PROGRAMME_ROLES)
def programme_stop(request, patient_id: int, programme_id: int):
    patient = get_patient(patient_id)
    programme = get_object_or_404(patient.biofeedback_programmes, pk=programme_id)
    Programme.objects.filter(pk=programme.pk).update(active=False)
    audit(request, "update", patient=patient, obj=programme, detail="biofeedback programme stopped")
    return redirect("capture:programmes", patient.pk)


@wasm_page
@staff_view(*RECORD_ROLES)
def train(request, patient_id: int, programme_id: int):
    patient = get_patient(patient_id)
    programme = get_object_or_404(patient.biofeedback_programmes, pk=programme_id, active=True)
    audit(request, "view", patient=patient, obj=programme, detail="biofeedback session (clinic)")
    if not has_consent(patient):
        return render(request, "capture/no_consent.html", {"patient": patient}, status=403)
    config = _page_config(
        request,
        model_url=reverse("capture:model"),
        session_url=reverse("capture:session_store", args=[patient.pk, programme.pk]),
        programme=_programme_config(programme),
    )
    return render(
        request,
        "capture/train.html",
        {"patient": patient, "programme": programme, "config": config, "home": False},
    )


@require_POST
@staff_view(*RECORD_ROLES)
def session_store(request, patient_id: int, programme_id: int):
    patient = get_patient(patient_id)
    programme = get_object_or_404(patient.biofeedback_programmes, pk=programme_id)
    return _store_session(request, programme, source="clinic", user=request.user)


@require_GET
@staff_view(*RECORD_ROLES)
def session_detail(request, patient_id: int, session_id: int):
    patient = get_patient(patient_id)
    session = get_object_or_404(
        BiofeedbackSession.objects.select_related("programme"), pk=session_id, patient=patient
    )
    audit(request, "view", patient=patient, obj=session, detail="biofeedback session")
    return render(
        request,
        "capture/session.html",
        {"patient": patient, "session": session, "chart": session_chart(session)},
    )


def _programme_config(programme: Programme) -> dict:
    return {
        "kind": programme.kind,
        "label": programme.get_kind_display(),
        "side": programme.affected_side,
        "target": programme.target,
        "repetitions": programme.repetitions,
        "hold_s": programme.hold_s,
    }


def _store_session(request, programme: Programme, *, source: str, user=None, link=None):
    try:
        session = services.store_session(programme, _json_body(request), source=source, link=link, user=user)
    except services.InvalidInput as exc:
        return _error(str(exc))
    except PermissionError as exc:
        return _error(str(exc), 403)
    audit(
        request,
        "create",
        patient=programme.patient,
        obj=session,
        detail=f"biofeedback session stored ({source})",
    )
    data = {"id": session.pk, "fraction_in_target": session.fraction_in_target}
    if not link:
        data["url"] = reverse("capture:session", args=[programme.patient_id, session.pk])
    return JsonResponse(data, status=201)


# ----- staff: live measures (camera check; also what the agreement test and the benchmark drive) --------------


@wasm_page
@staff_view(*RECORD_ROLES)
def live(request):
    config = _page_config(request, model_url=reverse("capture:model"))
    return render(request, "capture/live.html", {"config": config})


# ----- the face model, served by the app itself -------------------------------------------------------------


def _model_response():
    try:
        path = model_mod.resolve(fetch=False)
    except model_mod.ModelError as exc:
        raise Http404(f"The face model is not installed on the server: {exc}") from None
    response = FileResponse(open(path, "rb"), content_type="application/octet-stream")  # noqa: SIM115 (closed by Django)
    response["Content-Disposition"] = 'inline; filename="face_landmarker.task"'
    response["Cache-Control"] = "private, max-age=86400"  # not patient data; 3.6 MB phones need not re-fetch
    return response


@require_GET
@role_required(*RECORD_ROLES)
def model_file(request):
    return _model_response()


# ----- the patient's side: personal link ---------------------------------------------------------------------


@require_GET
@token_required
def home(request, token: str):
    link = request.link
    audit(request, "view", patient=link.patient, obj=link, detail="home link opened")
    context = {
        "first_name": link.patient.given_name,
        "token": token,
        "programmes": link.patient.biofeedback_programmes.filter(active=True),
        "expires_at": link.expires_at,
    }
    return render(request, "capture/home.html", context)


@wasm_page
@require_GET
@token_required
def home_record(request, token: str):
    link = request.link
    audit(request, "view", patient=link.patient, obj=link, detail="home recording page")
    config = _page_config(
        request,
        model_url=reverse("capture_home:model", args=[token]),
        upload_url=reverse("capture_home:upload_start", args=[token]),
    )
    context = {"first_name": link.patient.given_name, "token": token, "config": config, "home": True}
    return render(request, "capture/record.html", context)


@require_POST
@token_required
def home_upload_start(request, token: str):
    if ratelimit.retry_after(UPLOAD_STARTS, f"link-{request.link.pk}"):
        return _error("Too many recordings started through this link; try again in an hour.", 429)
    ratelimit.record(UPLOAD_STARTS, f"link-{request.link.pk}")
    request.link_token = token
    return _start_upload(request, request.link.patient, source="home", link=request.link)


@require_http_methods(["GET", "PUT"])
@token_required
def home_upload_chunk(request, token: str, upload_id):
    # Only this link's own uploads: another patient's (or link's) upload id is simply not found.
    upload = get_object_or_404(Upload, pk=upload_id, link=request.link, patient=request.link.patient)
    return _chunk(request, upload)


@wasm_page
@require_GET
@token_required
def home_train(request, token: str, programme_id: int):
    link = request.link
    programme = get_object_or_404(link.patient.biofeedback_programmes, pk=programme_id, active=True)
    audit(request, "view", patient=link.patient, obj=programme, detail="biofeedback session (home)")
    config = _page_config(
        request,
        model_url=reverse("capture_home:model", args=[token]),
        session_url=reverse("capture_home:session_store", args=[token, programme.pk]),
        programme=_programme_config(programme),
    )
    context = {
        "first_name": link.patient.given_name,
        "token": token,
        "programme": programme,
        "config": config,
    }
    return render(request, "capture/train.html", {**context, "home": True})


@require_POST
@token_required
def home_session_store(request, token: str, programme_id: int):
    programme = get_object_or_404(request.link.patient.biofeedback_programmes, pk=programme_id, active=True)
    return _store_session(request, programme, source="home", link=request.link)


@require_GET
@token_required
def home_model(request, token: str):
    return _model_response()
