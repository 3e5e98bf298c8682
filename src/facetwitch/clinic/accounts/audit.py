"""One call to record an access to patient data: ``audit(request, "view", patient=p, obj=recording)``."""

from __future__ import annotations

from facetwitch.clinic.accounts.models import AuditEntry


def audit(request, action: str, *, patient=None, obj=None, detail: str = "") -> AuditEntry:
    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    return AuditEntry.objects.create(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        patient=patient,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "")) if obj is not None else "",
        detail=detail[:300],
        ip_address=request.META.get("REMOTE_ADDR") if hasattr(request, "META") else None,
    )
