"""Every view of the URLconf, every query parameter and form field, fed odd values (huge, negative, non-ASCII
digits, empty, wrong type, impossible dates): no 500 anywhere.

The URLs come from the URLconf (tests/clinic/urlwalk.py), the fields from the forms each page really renders and
the query parameters each view reads, so a new view or field is fuzzed without changing this test.
"""

from __future__ import annotations

import inspect
import re
import traceback

import pytest
import urlwalk
from django.core.cache import cache
from django.test import Client

# Thousands of requests: part of `make test`, left out of quick runs (-m "not slow").
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROUTES = urlwalk.all_routes()
#: A shorter list for form posts (a post per field per value).
POST_VALUES = ("", "9" * 40, "-1", "²", "9999-12-31", "ö" * 300)
#: Fields fuzzed per form at most (a face map has a field per injection site).
MAX_FIELDS = 16
_GET_PARAM = re.compile(r"""\bGET(?:\.get|\.getlist)?\(\s*["'](\w+)["']|\bGET\[\s*["'](\w+)["']""")


def query_params_read_by(view) -> set[str]:
    """Query parameter names the view's own code reads (``request.GET.get("date")``)."""
    names: set[str] = {"page"}
    target = inspect.unwrap(getattr(view, "view_class", view))
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        return names
    for m in _GET_PARAM.finditer(source):
        names.add(m.group(1) or m.group(2))
    return names


def representative_fields(fields: dict) -> list[str]:
    """One field per name pattern: a formset's ``sites-0-units`` .. ``sites-40-units`` are one field."""
    seen: dict[str, str] = {}
    for name in fields:
        seen.setdefault(re.sub(r"[0-9]+", "N", name), name)
    names = list(seen.values())
    if len(names) <= MAX_FIELDS:
        return names
    # A face map with a field per injection site: an even sample, always with the first and last field.
    step = (len(names) - 1) / (MAX_FIELDS - 1)
    return [names[round(i * step)] for i in range(MAX_FIELDS)]


class Fuzzer:
    def __init__(self, user) -> None:
        self.user = user
        self.client = Client(raise_request_exception=True)
        self.failures: list[str] = []
        self.requests = 0

    def send(self, method: str, url: str, data: dict | None = None, label: str = ""):
        self.client.force_login(self.user)  # the logout view may have logged us out
        cache.clear()  # rate limits would otherwise answer 429 before the form is parsed
        self.requests += 1
        try:
            response = getattr(self.client, method)(url, data or {})
        except Exception as exc:
            tb = "".join(traceback.format_exception(exc)[-3:])
            self.failures.append(f"{method.upper()} {url} {label}: {type(exc).__name__}: {exc}\n{tb}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url} {label}: HTTP {response.status_code}")
        return response


@pytest.fixture
def world(clinician_user):
    return urlwalk.build_world(clinician_user)


@pytest.mark.parametrize("route", ROUTES, ids=[r.name or r.template for r in ROUTES])
def test_no_view_answers_500_to_odd_input(route, world, admin_user):
    admin_user.is_superuser = True  # sees every page, the Django admin's included
    admin_user.save()
    fuzz = Fuzzer(admin_user)
    fuzz.client.force_login(admin_user)
    url = urlwalk.resolve_url(fuzz.client, route)
    first = fuzz.send("get", url, label="(plain)")
    # Out-of-range ids in the path: a 404, never an overflow.
    for name in route.int_params:
        huge = route.template.format(
            **{p: "99999999999999999999" if p == name else "1" for p in route.params}
        )
        fuzz.send("get", huge, label=f"huge {name}")
    forms = []
    if first is not None and "html" in first.get("Content-Type", ""):
        forms = urlwalk.page_forms(first.content.decode(errors="replace"))
    params = query_params_read_by(route.view)
    for form in forms:
        if form["method"] == "get" or form["action"] in (None, "", url):
            params |= set(form["f"])  # fields a page may also read from its query string (prefill)
    for name in representative_fields(dict.fromkeys(sorted(params))):
        for value in urlwalk.ODD_VALUES:
            fuzz.send("get", url, {name: value}, label=f"?{name}={value[:20]!r}")
    for form in forms:
        if form["method"] != "post":
            continue
        target = form["action"] or url
        if not target.startswith("/"):
            continue
        for name in representative_fields(form["f"]):
            for value in POST_VALUES:
                fuzz.send("post", target, {**form["f"], name: value}, label=f"{name}={value[:20]!r}")
        fuzz.send("post", target, {}, label="(empty form)")
    assert not fuzz.failures, f"{len(fuzz.failures)} of {fuzz.requests} requests failed:\n" + "\n".join(
        fuzz.failures[:8]
    )


def test_the_walker_finds_every_app_and_fills_every_path():
    names = {r.name.split(":")[0] for r in ROUTES if ":" in r.name}
    assert {
        "patients",
        "recordings",
        "treatments",
        "scheduling",
        "care",
        "public",
        "accounts",
        "admin",
    } <= names
    for route in ROUTES:
        assert list(urlwalk.url_candidates(route))
