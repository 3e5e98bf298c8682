"""The audit trail is complete by construction, checked over every URL of the URLconf (tests/clinic/urlwalk.py):

- a role x URL matrix for anonymous, staff, clinician and admin, generated from the URLconf: anonymous users never
  get a private page, role-less users get nothing, and the matrix is printed to test-output/role-url-matrix.txt;
- every private page a user opens leaves an audit entry, and every page that shows a patient (their MRN appears in
  the response) leaves an entry naming that patient (list pages: among the patients they showed);
- every private response is sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import urlwalk
from django.test import Client

from facetwitch.clinic.accounts.audit import is_private
from facetwitch.clinic.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db

ROUTES = [r for r in urlwalk.all_routes() if is_private(r.template)]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(clinician_user):
    return urlwalk.build_world(clinician_user)


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_role_by_url_matrix(world, clinician_user, staff_user, admin_user, norole_user):
    """Generated from the URLconf: who gets what (GET). Private pages: anonymous -> login, role-less -> 403."""
    clients = {
        "anonymous": _client(),
        "norole": _client(norole_user),
        "staff": _client(staff_user),
        "clinician": _client(clinician_user),
        "admin": _client(admin_user),
    }
    resolver = _client(admin_user)
    rows = []
    problems = []
    for route in ROUTES:
        url = urlwalk.resolve_url(resolver, route)
        codes = {role: client.get(url).status_code for role, client in clients.items()}
        rows.append(f"{url:<60} " + " ".join(f"{role}={code}" for role, code in codes.items()))
        if codes["anonymous"] == 200 and not route.name.endswith(":login"):
            problems.append(f"{url}: anonymous users get the page")
        if route.template.startswith("/clinic/") and codes["norole"] == 200:
            problems.append(f"{url}: a user without a clinic role gets the page")
        if any(code >= 500 for code in codes.values()):
            problems.append(f"{url}: {codes}")
    out = REPO / "test-output" / "role-url-matrix.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert len(rows) > 40
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["staff", "clinician", "admin"])
def test_every_private_page_is_audited_and_names_the_patients_it_shows(
    role, world, clinician_user, staff_user, admin_user
):
    user = {"staff": staff_user, "clinician": clinician_user, "admin": admin_user}[role]
    client = _client(user)
    patients = world["patients"]
    problems = []
    for route in ROUTES:
        url = urlwalk.resolve_url(client, route)
        before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url)
        if response.status_code >= 400:
            continue  # this role may not see it (the matrix test checks who may)
        if "no-store" not in response.get("Cache-Control", ""):
            problems.append(f"{url}: no Cache-Control: no-store ({response.get('Cache-Control')!r})")
        entries = AuditEntry.objects.filter(id__gt=before)
        if not entries.exists():
            problems.append(f"{url}: opened by {role}, no audit entry")
            continue
        if not response.get("Content-Type", "").startswith(("text/", "application/json", "application/fhir")):
            continue  # binary (the face model, a video): an MRN-like run of bytes in it shows no patient
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        for patient in patients:
            if patient.mrn not in text:
                continue
            named = (
                entries.filter(patient=patient).exists() or entries.filter(listed_patients=patient).exists()
            )
            if not named:
                problems.append(f"{url}: shows {patient.mrn} but no audit entry names that patient")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_who_saw_a_patient_includes_list_pages(world, clinician_client, admin_client_):
    target = world["patients"][0]
    clinician_client.get("/clinic/", {"q": target.family_name})
    page = admin_client_.get("/accounts/audit/", {"patient": str(target.pk)})
    assert page.status_code == 200
    shown = [e for e in page.context["page"].object_list if e.username == "clinician"]
    assert shown and all(
        e.listed_patients.filter(pk=target.pk).exists() or e.patient == target for e in shown
    )


def test_public_pages_are_not_audited_and_may_be_cached(client, db):
    response = client.get("/learn/")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
    assert not AuditEntry.objects.exists()
