"""Login, logout and the audit log (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse

from facetwitch.clinic.accounts import passwords
from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.accounts.params import parse_id
from facetwitch.clinic.accounts.roles import action_required


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That username and password do not match. Check both (the password is case-sensitive) and try "
            "again; after 5 failed attempts the account is locked for 15 minutes."
        ),
    }


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (CSRF-protected); goes to LOGOUT_REDIRECT_URL with a confirmation message."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out. On a shared computer, also close the browser.")
        return response


class PasswordChangeView(LoginRequiredMixin, auth_views.PasswordChangeView):
    """Every user changes their own password (the demo and new accounts start with one set by someone else)."""

    template_name = "accounts/password_change.html"

    def get_success_url(self) -> str:
        return reverse("patients:list")

    def form_valid(self, form):
        response = super().form_valid(form)
        passwords.changed(self.request.user)
        messages.success(self.request, "Your password was changed.")
        return response


@action_required("audit.view")
def audit_log(request):
    """Who viewed or changed which patient's data; filter by patient (id or MRN), user and action."""
    entries = AuditEntry.objects.select_related("patient", "user")
    patient_q = request.GET.get("patient", "").strip()
    user_q = request.GET.get("user", "").strip()
    action_q = request.GET.get("action", "").strip()
    if patient_q:
        patient_id = parse_id(patient_q)
        # "Who saw patient X": entries about X and list pages that showed X.
        entries = (
            entries.filter(Q(patient_id=patient_id) | Q(listed_patients=patient_id))
            if patient_id is not None
            else entries.filter(
                Q(patient__mrn__iexact=patient_q[:40]) | Q(listed_patients__mrn__iexact=patient_q[:40])
            )
        ).distinct()
    if user_q:
        entries = entries.filter(username__iexact=user_q)
    if action_q in dict(AuditEntry.ACTIONS):
        entries = entries.filter(action=action_q)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "page": page,
            "patient_q": patient_q,
            "user_q": user_q,
            "action_q": action_q,
            "actions": AuditEntry.ACTIONS,
            "query": query.urlencode(),
        },
    )
