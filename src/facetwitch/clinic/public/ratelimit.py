"""Per-client rate limits for the public consultation request form, kept in Django's cache (nothing in the database).

A sliding log of submission times per client: a burst at the end of one hour cannot be followed by a full quota
at the start of the next, and the refusal can say exactly when sending works again. With the default
LocMemCache the limit holds per server process; a shared cache (Redis, Memcached) makes it clinic-wide.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.crypto import salted_hmac

SALT = "facetwitch.public.ratelimit"


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``window_s`` seconds for one client."""

    name: str
    count: int
    window_s: int


# Stored requests: a person asks once, maybe again for a relative; more per hour from one address is a flood.
ACCEPTED = Limit("accepted", count=5, window_s=3600)
# All attempts, also invalid ones, so that a script cannot probe the form endlessly; people correcting typos
# stay far below this.
ATTEMPTS = Limit("attempts", count=30, window_s=3600)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR (forwarded headers are forgeable unless a trusted proxy rewrites them)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(limit: Limit, client: str) -> str:
    # The cache holds a keyed hash, not the address itself.
    return f"public:rl:{limit.name}:{salted_hmac(SALT, client).hexdigest()[:32]}"


def _recent(limit: Limit, client: str, now: float) -> list[float]:
    return [t for t in cache.get(_key(limit, client), []) if now - t < limit.window_s]


def retry_after(limit: Limit, client: str, now: float | None = None) -> int:
    """Seconds until ``client`` may act again under ``limit``; 0 when allowed now."""
    now = time.time() if now is None else now
    recent = _recent(limit, client, now)
    if len(recent) < limit.count:
        return 0
    return max(1, int(recent[-limit.count] + limit.window_s - now + 0.999))


def record(limit: Limit, client: str, now: float | None = None) -> None:
    """Count one event of ``client`` under ``limit``."""
    now = time.time() if now is None else now
    recent = _recent(limit, client, now)[-(limit.count - 1) :] if limit.count > 1 else []
    cache.set(_key(limit, client), [*recent, now], timeout=limit.window_s)


def submission_wait(client: str) -> int:
    """Seconds ``client`` must wait before sending the request form again (0: may send now)."""
    return max(retry_after(ACCEPTED, client), retry_after(ATTEMPTS, client))
