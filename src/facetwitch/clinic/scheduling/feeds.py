"""Secret calendar subscription links: make, revoke and resolve per-user feed tokens.

A calendar app (Google, Apple, Outlook) polls the link without a session, so the link itself is the credential.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from facetwitch.clinic.accounts.roles import CLINICIAN, STAFF, has_role
from facetwitch.clinic.scheduling.models import CalendarFeedToken

TOKEN_BYTES = 32  # secrets.token_urlsafe(32) -> 43 URL-safe characters (256 bits)
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"


def token_hash(token: str) -> str:
    """Hex SHA-256 of a token; a 256-bit random secret needs no salt or slow hash."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def may_subscribe(user) -> bool:
    """Active clinicians and staff (admins count) may hold a feed link."""
    return bool(user.is_active and has_role(user, CLINICIAN, STAFF))


@transaction.atomic
def regenerate(user) -> str:
    """Make a new feed token for ``user``, replacing (and so revoking) any old one; returns the plain token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CalendarFeedToken.objects.filter(user=user).delete()
    CalendarFeedToken.objects.create(user=user, token_hash=token_hash(token))
    return token


def revoke(user) -> bool:
    """Delete ``user``'s feed token; True when there was one."""
    deleted, _ = CalendarFeedToken.objects.filter(user=user).delete()
    return deleted > 0


def resolve(token: str):
    """The user a token belongs to (and mark it used), or ``None`` for unknown, revoked or no-longer-allowed ones."""
    feed = CalendarFeedToken.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if feed is None or not may_subscribe(feed.user):
        return None
    CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user
