"""Login, logout, brute-force lockout, role groups, the audit log page and user administration."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from facetwitch.clinic.accounts.audit import audit
from facetwitch.clinic.accounts.models import AuditEntry
from facetwitch.clinic.accounts.roles import ADMIN, CLINICIAN, STAFF, can, has_role, user_roles

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def test_login_page_is_public_and_has_csrf_and_csp(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "'unsafe-inline'" not in csp
    # The layout obeys its own policy: no inline scripts or style attributes.
    assert "<script>" not in body and "style=" not in body


def test_login_with_valid_password_lands_on_patient_list_and_is_audited(client, clinician_user, password):
    response = client.post(LOGIN, {"username": "clinician", "password": password})
    assert response.status_code == 302 and response["Location"] == "/clinic/"
    assert client.get("/clinic/").status_code == 200
    assert AuditEntry.objects.filter(action="login", user=clinician_user).count() == 1


def test_wrong_password_shows_clear_message_and_is_audited(client, clinician_user):
    response = client.post(LOGIN, {"username": "clinician", "password": "wrong-password"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed", username="clinician").count() == 1


def test_lockout_after_five_failures_even_with_the_right_password(
    client, clinician_user, staff_user, password
):
    for _ in range(5):
        client.post(LOGIN, {"username": "clinician", "password": "wrong-password"})
    response = client.post(LOGIN, {"username": "clinician", "password": password})
    assert response.status_code == 429
    assert "locked for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The lock is per username and address: another user at the same desk can still log in.
    other = client.post(LOGIN, {"username": "staff", "password": password})
    assert other.status_code == 302


def test_four_failures_do_not_lock(client, clinician_user, password):
    for _ in range(4):
        client.post(LOGIN, {"username": "clinician", "password": "wrong-password"})
    assert client.post(LOGIN, {"username": "clinician", "password": password}).status_code == 302


def test_logout_needs_post_and_ends_the_session(clinician_client):
    assert clinician_client.get("/accounts/logout/").status_code == 405
    response = clinician_client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in clinician_client.session
    assert clinician_client.get("/clinic/").status_code == 302


def test_logout_without_csrf_token_is_refused():
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.create_user("csrfcheck", password="x-long-password-1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/accounts/logout/").status_code == 403
    assert "_auth_user_id" in client.session


def test_role_groups_exist_after_migrate_and_command_is_idempotent(capsys):
    assert set(Group.objects.values_list("name", flat=True)) >= {"clinician", "staff", "admin"}
    call_command("create_role_groups")
    call_command("create_role_groups")
    assert Group.objects.filter(name__in=["clinician", "staff", "admin"]).count() == 3
    admin_perms = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert {"add_user", "change_user", "view_user", "view_auditentry"} <= admin_perms
    assert not Group.objects.get(name="clinician").permissions.exists()


def test_roles_helpers(clinician_user, staff_user, admin_user, norole_user, django_user_model):
    assert user_roles(clinician_user) == {CLINICIAN}
    assert has_role(staff_user, STAFF) and not has_role(staff_user, CLINICIAN)
    assert has_role(admin_user, CLINICIAN) and has_role(admin_user, STAFF)  # admin holds every role
    assert not has_role(norole_user, *[CLINICIAN, STAFF, ADMIN])
    superuser = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    assert user_roles(superuser) == {ADMIN}
    assert can(clinician_user, "visit.edit") and not can(staff_user, "visit.edit")
    assert not can(admin_user, "no.such.action")


def test_audit_log_filters_by_patient_and_user(rf, admin_client_, clinician_user, patient, other_patient):
    request = rf.get("/")
    request.user = clinician_user
    audit(request, "view", patient=patient, obj=patient)
    audit(request, "update", patient=other_patient, obj=other_patient, detail="phone")
    url = reverse("accounts:audit")
    page = admin_client_.get(url, {"patient": patient.mrn}).content.decode()
    assert "MRN-1001" in page and "MRN-2002" not in page
    page = admin_client_.get(url, {"patient": str(other_patient.pk)}).content.decode()
    assert "MRN-2002" in page and "MRN-1001" not in page
    page = admin_client_.get(url, {"user": "clinician", "action": "update"}).content.decode()
    assert "MRN-2002" in page and "MRN-1001" not in page
    page = admin_client_.get(url, {"user": "nobody"}).content.decode()
    assert "No entries match" in page


def test_audit_log_is_for_admins_only(clinician_client, staff_client):
    assert clinician_client.get(reverse("accounts:audit")).status_code == 403
    assert staff_client.get(reverse("accounts:audit")).status_code == 403


def test_admin_role_manages_users_in_admin_site(admin_client_, clinician_client, django_user_model):
    assert admin_client_.get("/admin/auth/user/").status_code == 200
    assert admin_client_.get("/admin/auth/user/add/").status_code == 200
    # The audit log is read-only even for admins.
    assert admin_client_.get("/admin/accounts/auditentry/add/").status_code == 403
    # Clinicians are not Django staff: the admin site sends them to its login.
    assert clinician_client.get("/admin/auth/user/").status_code == 302


def test_nav_shows_sections_by_role(clinician_client, admin_client_):
    clinician_page = clinician_client.get("/clinic/").content.decode()
    admin_page = admin_client_.get("/clinic/").content.decode()
    assert 'href="/clinic/" aria-current="page"' in clinician_page
    assert "Audit log" not in clinician_page and "Audit log" in admin_page
    assert 'action="/accounts/logout/"' in clinician_page
    assert 'class="skip-link" href="#main"' in clinician_page


def test_clinic_admin_cannot_grant_superuser_or_single_permissions(admin_client_, clinician_user):
    page = admin_client_.get(f"/admin/auth/user/{clinician_user.pk}/change/").content.decode()
    assert 'name="groups"' in page  # roles are managed here
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page


def test_admin_role_and_admin_site_access_stay_in_step(django_user_model):
    user = django_user_model.objects.create_user("promoted", password="x-long-password-1")
    admin_group = Group.objects.get(name="admin")
    user.groups.add(admin_group)
    user.refresh_from_db()
    assert user.is_staff
    user.groups.remove(admin_group)
    user.refresh_from_db()
    assert not user.is_staff
    admin_group.user_set.add(user)  # from the group's side, as the admin site's group page does
    user.refresh_from_db()
    assert user.is_staff
    user.groups.clear()
    user.refresh_from_db()
    assert not user.is_staff


def test_user_changes_own_password(clinician_client, clinician_user, password):
    url = reverse("accounts:password_change")
    weak = clinician_client.post(
        url, {"old_password": password, "new_password1": "123", "new_password2": "123"}
    )
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    wrong = clinician_client.post(
        url,
        {
            "old_password": "nope",
            "new_password1": "a-much-better-pass-9",
            "new_password2": "a-much-better-pass-9",
        },
    )
    assert "incorrectly" in wrong.content.decode()
    clinician_user.refresh_from_db()
    assert clinician_user.check_password(password)
    done = clinician_client.post(
        url,
        {
            "old_password": password,
            "new_password1": "a-much-better-pass-9",
            "new_password2": "a-much-better-pass-9",
        },
    )
    assert done.status_code == 302
    clinician_user.refresh_from_db()
    assert clinician_user.check_password("a-much-better-pass-9")
    assert clinician_client.get("/clinic/").status_code == 200  # still logged in
