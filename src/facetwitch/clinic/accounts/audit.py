"""The audit trail: who viewed or changed which patient's data, when.

Views record what they show with one call: ``audit(request, "view", patient=p, obj=recording)``; list views name
every patient they showed (``patients=page.object_list``). :class:`AuditTrailMiddleware` makes the trail complete
by construction: every request a signed-in user makes to a private page (the clinic, the admin) that its view did
not audit itself leaves an entry naming the page, and every such response is sent with ``Cache-Control: no-store``.
The URL-walking tests (tests/clinic/test_audit_trail.py) fail when a page shows a patient without naming them.
"""

from __future__ import annotations

from collections.abc import Iterable

from facetwitch.clinic.accounts.models import AuditEntry

#: Path prefixes of pages that may show patient data: audited and never stored by caches.
PRIVATE_PREFIXES = ("/clinic/", "/admin/", "/accounts/audit/")


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if hasattr(request, "META") else None


def audit(
    request,
    action: str,
    *,
    patient=None,
    obj=None,
    detail: str = "",
    patients: Iterable | None = None,
) -> AuditEntry:
    """Record one access. ``patient``: the patient whose data this is; ``patients``: every patient a list page
    showed (searchable like ``patient``: "who saw patient X" finds list views too)."""
    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    entry = AuditEntry.objects.create(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        patient=patient,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "")) if obj is not None else "",
        detail=detail[:300],
        path=(getattr(request, "path", "") or "")[:300],
        ip_address=_client_ip(request),
    )
    shown = {getattr(p, "pk", p) for p in (patients or ())}
    shown.discard(None)
    if shown:
        entry.listed_patients.add(*shown)
    if hasattr(request, "__dict__"):
        request._audit_entries = getattr(request, "_audit_entries", 0) + 1
    return entry


def covered(request) -> None:
    """This response needs no entry of its own (e.g. a page's 2-second status poll, covered by the page's)."""
    request._audit_entries = getattr(request, "_audit_entries", 0) + 1


def is_private(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


class AuditTrailMiddleware:
    """Every private page: ``Cache-Control: no-store``, and an audit entry when its view wrote none."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request._audit_entries = 0
        response = self.get_response(request)
        if not is_private(request.path):
            return response
        cache = response.get("Cache-Control", "")
        if "no-store" not in cache:
            response["Cache-Control"] = "private, no-store"
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and response.status_code < 400
            and not getattr(request, "_audit_entries", 0)
        ):
            # A form sent back with errors was only shown again; a post that redirects changed something.
            changed = request.method not in ("GET", "HEAD") and 300 <= response.status_code < 400
            action = "update" if changed else "view"
            audit(request, action, detail=f"{request.method} {request.path}")
        return response
