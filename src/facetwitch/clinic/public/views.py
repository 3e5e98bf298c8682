"""Public pages (no login): home, education, recording guide, consultation request."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from facetwitch.clinic.public import ratelimit
from facetwitch.clinic.public.forms import ConsultationRequestForm
from facetwitch.clinic.scheduling.hours import clinic_hours


def home(request):
    return render(request, "public/home.html", {"hours": clinic_hours()})


def education(request):
    return render(request, "public/education.html")


def recording_guide(request):
    return render(request, "public/recording_guide.html")


@require_http_methods(["GET", "POST"])
def consultation_request(request):
    if request.method == "POST":
        client = ratelimit.client_ip(request)
        wait = ratelimit.submission_wait(client)
        if wait:
            return _too_many(request, wait)
        ratelimit.record(ratelimit.ATTEMPTS, client)
    form = ConsultationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        ratelimit.record(ratelimit.ACCEPTED, client)
        return redirect("public:request_thanks")
    return render(request, "public/request_form.html", {"form": form, "hours": clinic_hours()})


def _too_many(request, wait_s: int):
    """HTTP 429 in the site layout; the submission is not looked at, so nothing is stored."""
    response = render(
        request,
        "public/too_many_requests.html",
        {"wait_minutes": max(1, -(-wait_s // 60)), "hours": clinic_hours()},
        status=429,
    )
    response["Retry-After"] = str(wait_s)
    return response


def request_thanks(request):
    return render(request, "public/request_thanks.html", {"hours": clinic_hours()})
