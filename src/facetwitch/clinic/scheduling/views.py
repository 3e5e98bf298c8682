"""Thin scheduling views: booking, day list, reschedule/cancel/complete, .ics export, consultation requests."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from facetwitch.clinic.accounts.audit import audit
from facetwitch.clinic.accounts.params import parse_date
from facetwitch.clinic.accounts.roles import ADMIN, CLINICIAN, STAFF, has_role, role_required
from facetwitch.clinic.patients.models import Patient
from facetwitch.clinic.scheduling import feeds, hours, ics, services
from facetwitch.clinic.scheduling.forms import AppointmentForm, CancelForm, RescheduleForm
from facetwitch.clinic.scheduling.models import BOOKED, CANCELLED, COMPLETED, Appointment, CalendarFeedToken

BOOKING_ROLES = (CLINICIAN, STAFF)


def _parse_day(value: str | None) -> date:
    """The day asked for, or today when it is missing, malformed or outside the years a clinic can mean."""
    return parse_date(value) or timezone.localdate()


@role_required(*BOOKING_ROLES)
def index(request):
    day = _parse_day(request.GET.get("date"))
    tz = hours.clinic_hours().tz
    start = hours.local_datetime(day, time(0, 0))  # local midnight; +1 day stays local midnight across DST
    appointments = (
        Appointment.objects.filter(start__gte=start, start__lt=start + timedelta(days=1))
        .select_related("patient", "clinician")
        .order_by("start")
    )
    from facetwitch.clinic.public.models import ConsultationRequest

    appointments = list(appointments)
    audit(request, "view", detail=f"schedule {day:%Y-%m-%d}", patients=[a.patient_id for a in appointments])
    return render(
        request,
        "scheduling/index.html",
        {
            "day": day,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "appointments": appointments,
            "tz": tz,
            "hours": hours.clinic_hours(),
            "pending_requests": ConsultationRequest.objects.filter(status="new").count(),
            "feeds": services.clinicians() if has_role(request.user, STAFF) else [request.user],
        },
    )


@role_required(*BOOKING_ROLES)
def appointment_new(request):
    initial = {
        k: request.GET[k]
        for k in ("patient", "clinician", "visit_type", "date", "time")
        if request.GET.get(k)
    }
    form = AppointmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        appointment = form.instance
        appointment.created_by = request.user
        try:
            services.save_appointment(appointment)
        except services.DoubleBooking as exc:
            form.add_error("time", str(exc))
        else:
            audit(
                request, "create", patient=appointment.patient, obj=appointment, detail="appointment booked"
            )
            messages.success(request, f"Booked: {appointment}.")
            return redirect("scheduling:detail", appointment.pk)
    # The patient picker lists every patient: the page showed them all.
    audit(request, "view", detail="booking form", patients=form.fields["patient"].queryset)
    return render(request, "scheduling/appointment_form.html", {"form": form, "title": "Book a consultation"})


@role_required(*BOOKING_ROLES)
def appointment_detail(request, pk: int):
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "clinician"), pk=pk)
    audit(request, "view", patient=appointment.patient, obj=appointment)
    return render(
        request,
        "scheduling/appointment_detail.html",
        {"appointment": appointment, "patient": appointment.patient, "cancel_form": CancelForm()},
    )


@role_required(*BOOKING_ROLES)
def appointment_reschedule(request, pk: int):
    appointment = get_object_or_404(Appointment, pk=pk)
    if appointment.status != BOOKED:
        messages.error(request, "Only booked appointments can be rescheduled.")
        return redirect("scheduling:detail", pk)
    old_start = appointment.start
    local = appointment.start.astimezone(hours.clinic_hours().tz)
    form = RescheduleForm(
        request.POST or None, appointment=appointment, initial={"date": local.date(), "time": local.time()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_appointment(appointment)
        except services.DoubleBooking as exc:
            form.add_error("time", str(exc))
        else:
            audit(
                request,
                "update",
                patient=appointment.patient,
                obj=appointment,
                detail=f"rescheduled from {old_start:%Y-%m-%d %H:%M} UTC",
            )
            messages.success(request, "Appointment moved.")
            return redirect("scheduling:detail", pk)
    appointment.refresh_from_db()
    audit(request, "view", patient=appointment.patient, obj=appointment, detail="reschedule form")
    return render(
        request,
        "scheduling/appointment_form.html",
        {"form": form, "title": f"Reschedule: {appointment}", "appointment": appointment},
    )


@role_required(*BOOKING_ROLES)
@require_POST
def appointment_cancel(request, pk: int):
    appointment = get_object_or_404(Appointment, pk=pk)
    form = CancelForm(request.POST)
    if appointment.status != BOOKED:
        messages.error(request, "Only booked appointments can be cancelled.")
    elif not form.is_valid():
        messages.error(request, "Give a reason to cancel: nothing was changed.")
    else:
        appointment.status, appointment.cancel_reason = CANCELLED, form.cleaned_data["reason"]
        appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit(request, "update", patient=appointment.patient, obj=appointment, detail="cancelled")
        messages.success(request, "Appointment cancelled.")
    return redirect("scheduling:detail", pk)


@role_required(*BOOKING_ROLES)
@require_POST
def appointment_complete(request, pk: int):
    appointment = get_object_or_404(Appointment, pk=pk)
    if appointment.status != BOOKED:
        messages.error(request, "Only booked appointments can be marked completed.")
    elif appointment.start > timezone.now():
        local = appointment.start.astimezone(hours.clinic_hours().tz)
        messages.error(
            request,
            f"This appointment starts {local:%Y-%m-%d %H:%M}: it can be marked completed only once it has begun.",
        )
    else:
        appointment.status = COMPLETED
        appointment.save(update_fields=["status", "updated_at"])
        audit(request, "update", patient=appointment.patient, obj=appointment, detail="completed")
        messages.success(request, "Marked as completed.")
    return redirect("scheduling:detail", pk)


def _ics_response(payload: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*BOOKING_ROLES)
def appointment_ics(request, pk: int):
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "clinician"), pk=pk)
    audit(request, "export", patient=appointment.patient, obj=appointment, detail="ics")
    return _ics_response(
        ics.build_calendar([appointment], name="facetwitch appointment"), f"appointment-{pk}.ics"
    )


@role_required(*BOOKING_ROLES)
def clinician_feed(request, user_pk: int):
    clinician = get_object_or_404(get_user_model(), pk=user_pk)
    if clinician.pk != request.user.pk and not has_role(request.user, STAFF, ADMIN):
        raise PermissionDenied("Clinicians may export only their own calendar.")
    appointments = services.feed_appointments(clinician)
    appointments = list(appointments)
    audit(
        request,
        "export",
        detail=f"ics feed of {clinician.get_username()}",
        patients=[a.patient_id for a in appointments],
    )
    name = f"facetwitch — {clinician.get_full_name() or clinician.get_username()}"
    return _ics_response(ics.build_calendar(appointments, name=name), f"clinician-{user_pk}.ics")


FEED_TOKEN_SESSION_KEY = "scheduling.new_feed_token"


@role_required(*BOOKING_ROLES)
def feed_subscription(request):
    """The signed-in user's calendar subscription link: make, regenerate or revoke it (POST)."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "regenerate":
            # Shown once on the next page (post/redirect/get); only its hash is kept.
            request.session[FEED_TOKEN_SESSION_KEY] = feeds.regenerate(request.user)
            audit(request, "update", detail="calendar subscription link (re)generated")
            messages.success(request, "New subscription link made; any earlier link no longer works.")
        elif action == "revoke" and feeds.revoke(request.user):
            audit(request, "delete", detail="calendar subscription link revoked")
            messages.success(
                request, "Subscription link revoked: calendar apps using it get nothing any more."
            )
        return redirect("scheduling:subscription")
    token = request.session.pop(FEED_TOKEN_SESSION_KEY, None)
    url = request.build_absolute_uri(reverse("scheduling:token_feed", args=[token])) if token else None
    response = render(
        request,
        "scheduling/subscription.html",
        {
            "feed": CalendarFeedToken.objects.filter(user=request.user).first(),
            "url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1] if url else None,
            "past_days": services.FEED_PAST_DAYS,
        },
    )
    response["Cache-Control"] = "private, no-store"  # the page may hold the secret link
    return response


def token_feed(request, token: str):
    """A user's appointments as .ics for calendar apps: no session, the secret link is the credential."""
    user = feeds.resolve(token)
    if user is None:
        raise Http404("No such calendar feed.")
    appointments = services.feed_appointments(user)
    # The request is anonymous: the audit entry names the token's owner in its detail.
    audit(request, "export", detail=f"ics subscription feed of {user.get_username()} (secret link)")
    payload = ics.build_subscription_calendar(
        appointments,
        name="facetwitch clinic",
        link=lambda a: request.build_absolute_uri(reverse("scheduling:detail", args=[a.pk])),
    )
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="facetwitch.ics"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(*BOOKING_ROLES)
def request_queue(request):
    from facetwitch.clinic.public.models import ConsultationRequest

    audit(request, "view", detail="consultation requests")
    return render(
        request,
        "scheduling/request_queue.html",
        {
            "pending": ConsultationRequest.objects.filter(status="new").order_by("created_at"),
            "handled": ConsultationRequest.objects.exclude(status="new").order_by("-handled_at")[:20],
        },
    )


@role_required(*BOOKING_ROLES)
def request_confirm(request, pk: int):
    """Turn a public consultation request into an appointment (staff pick the patient record and the slot)."""
    from facetwitch.clinic.public.models import ConsultationRequest

    consult = get_object_or_404(ConsultationRequest, pk=pk)
    if consult.status != "new":
        messages.error(request, "This request was already handled.")
        return redirect("scheduling:requests")
    if request.method == "POST" and request.POST.get("action") == "decline":
        consult.status, consult.handled_by, consult.handled_at = "declined", request.user, timezone.now()
        consult.save(update_fields=["status", "handled_by", "handled_at"])
        audit(request, "update", obj=consult, detail="consultation request declined")
        messages.success(request, "Request declined.")
        return redirect("scheduling:requests")
    initial = {"visit_type": "new", "notes": f"Request #{consult.pk}: {consult.reason_text()}"}
    form = AppointmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        appointment = form.instance
        appointment.created_by = request.user
        try:
            with transaction.atomic():
                services.save_appointment(appointment)
                consult.status, consult.appointment = "confirmed", appointment
                consult.handled_by, consult.handled_at = request.user, timezone.now()
                consult.save(update_fields=["status", "appointment", "handled_by", "handled_at"])
        except services.DoubleBooking as exc:
            form.add_error("time", str(exc))
        else:
            audit(
                request,
                "create",
                patient=appointment.patient,
                obj=appointment,
                detail=f"from request {consult.pk}",
            )
            messages.success(request, f"Request confirmed: {appointment}.")
            return redirect("scheduling:detail", appointment.pk)
    audit(
        request, "view", obj=consult, detail="consultation request", patients=form.fields["patient"].queryset
    )
    return render(
        request,
        "scheduling/request_confirm.html",
        {
            "consult": consult,
            "form": form,
            "patients_matching": Patient.objects.filter(family_name__iexact=consult.family_name())[:10],
        },
    )
