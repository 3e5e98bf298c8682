"""The permission matrix: every role × every main page of patients and accounts, and anonymous access.

The expected table is written out here on purpose (the specification), not derived from accounts/roles.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from facetwitch.clinic.accounts.roles import PERMISSIONS
from facetwitch.clinic.patients.models import Patient, Visit

pytestmark = pytest.mark.django_db

OK, FORBIDDEN, ADMIN_LOGIN = 200, 403, 302
ROLES = ("clinician", "staff", "admin", "norole")

# page -> expected GET status for (clinician, staff, admin, logged in without a role)
MATRIX = {
    "patients:list": (OK, OK, OK, FORBIDDEN),
    "patients:create": (OK, OK, OK, FORBIDDEN),
    "patients:detail": (OK, OK, OK, FORBIDDEN),
    "patients:edit": (OK, OK, OK, FORBIDDEN),
    "patients:visit_create": (OK, FORBIDDEN, OK, FORBIDDEN),
    "patients:visit_edit": (OK, FORBIDDEN, OK, FORBIDDEN),
    "accounts:audit": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    # Django's admin site (user management): only the admin role; others are sent to the admin login.
    "admin:auth_user_changelist": (ADMIN_LOGIN, ADMIN_LOGIN, OK, ADMIN_LOGIN),
}


def url_of(name: str, patient: Patient, visit: Visit) -> str:
    if name in {"patients:detail", "patients:edit", "patients:visit_create"}:
        return reverse(name, args=[patient.pk])
    if name == "patients:visit_edit":
        return reverse(name, args=[patient.pk, visit.pk])
    return reverse(name)


@pytest.fixture
def clients(clinician_client, staff_client, admin_client_, norole_client):
    return dict(zip(ROLES, (clinician_client, staff_client, admin_client_, norole_client), strict=True))


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_role_can_open_page(clients, patient, visit, role, name):
    expected = MATRIX[name][ROLES.index(role)]
    response = clients[role].get(url_of(name, patient, visit))
    assert response.status_code == expected, f"{role} GET {name}"
    if expected == FORBIDDEN:
        assert "not allowed" in response.content.decode()


@pytest.mark.parametrize("name", MATRIX)
def test_anonymous_is_sent_to_login(client, patient, visit, name):
    url = url_of(name, patient, visit)
    response = client.get(url)
    assert response.status_code == 302
    login = "/admin/login/" if name.startswith("admin:") else "/accounts/login/"
    assert response["Location"].startswith(f"{login}?next=")


def test_forbidden_posts_change_nothing(staff_client, norole_client, client, patient, visit):
    visit_data = {"date": "2026-02-10", "jankovic_severity": "4"}
    for c in (staff_client, norole_client, client):
        c.post(reverse("patients:visit_create", args=[patient.pk]), visit_data)
        c.post(reverse("patients:visit_edit", args=[patient.pk, visit.pk]), visit_data)
    norole_client.post(reverse("patients:edit", args=[patient.pk]), {"mrn": "HACKED"})
    client.post(reverse("patients:create"), {"mrn": "ANON", "given_name": "A", "family_name": "B"})
    assert Visit.objects.count() == 1
    visit.refresh_from_db()
    patient.refresh_from_db()
    assert visit.jankovic_severity == 2 and patient.mrn == "MRN-1001"
    assert not Patient.objects.filter(mrn="ANON").exists()


def test_matrix_in_code_agrees_with_this_specification():
    """accounts/roles.py's table for these pages must say what MATRIX says (no silent drift)."""
    actions = {
        "patients:list": "patient.view",
        "patients:create": "patient.create",
        "patients:detail": "patient.view",
        "patients:edit": "patient.edit",
        "patients:visit_create": "visit.create",
        "patients:visit_edit": "visit.edit",
        "accounts:audit": "audit.view",
    }
    for name, action in actions.items():
        allowed = {role for role, status in zip(ROLES, MATRIX[name], strict=True) if status == OK}
        assert set(PERMISSIONS[action]) == allowed, name


def test_expired_session_htmx_request_redirects_the_whole_page(client):
    response = client.get(
        reverse("patients:list"),
        {"q": "x"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/clinic/?q=x",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=/clinic/%3Fq%3Dx"
