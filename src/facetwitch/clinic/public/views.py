"""Public pages (no login): home, education, recording guide, consultation request."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

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
    form = ConsultationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("public:request_thanks")
    return render(request, "public/request_form.html", {"form": form, "hours": clinic_hours()})


def request_thanks(request):
    return render(request, "public/request_thanks.html", {"hours": clinic_hours()})
