"""Who may use capture: clinic roles on the staff side; on the patient's side only a valid personal link."""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from facetwitch.clinic.accounts.roles import ADMIN, CLINICIAN, STAFF
from facetwitch.clinic.capture import services
from facetwitch.clinic.public.ratelimit import Limit, client_ip, record, retry_after

# Staff record in clinic and send links; clinicians and admins set biofeedback programmes (clinical content).
RECORD_ROLES = (CLINICIAN, STAFF, ADMIN)
PROGRAMME_ROLES = (CLINICIAN, ADMIN)

# Wrong or dead tokens from one address: a few are typos or old e-mails, many are someone guessing.
BAD_TOKENS = Limit("capture-bad-token", count=20, window_s=600)
# Requests through one link (chunks included): a 20-minute phone video in 1 MiB chunks stays far below.
LINK_REQUESTS = Limit("capture-link", count=3000, window_s=3600)


def no_store(response):
    """Patient pages and data are never kept by browsers or proxies."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return response


def token_required(view):
    """Home views: ``request.link`` is the link of the URL's token; dead, revoked and forged tokens get 404
    (the same page for all, so a guesser learns nothing), and too many from one address get 429."""

    @wraps(view)
    def wrapped(request, token: str, *args, **kwargs):
        ip = client_ip(request)
        wait = retry_after(BAD_TOKENS, ip)
        if wait:
            return _refuse(request, 429, wait)
        link = services.resolve_token(token)
        if link is None:
            record(BAD_TOKENS, ip)
            return _refuse(request, 404)
        key = f"link-{link.pk}"
        wait = retry_after(LINK_REQUESTS, key)
        if wait:
            return _refuse(request, 429, wait)
        record(LINK_REQUESTS, key)
        request.link = link
        return no_store(view(request, token, *args, **kwargs))

    return wrapped


def _refuse(request, status: int, wait: int = 0) -> HttpResponse:
    html = render_to_string("capture/home_refused.html", {"status": status, "wait": wait}, request=request)
    response = HttpResponse(html, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return no_store(response)
