"""Walk every URL pattern of the clinic's URLconf (not a hand-written list): a world of real records to point the
patterns at, the concrete URL of each pattern, and the form fields each page offers.

Used by the fuzzing test (no 500 anywhere), the role x URL matrix and the audit-completeness test. A new view is
covered the moment its pattern is in the URLconf; a pattern with a path parameter this module cannot fill fails
those tests with a message saying to add it to ``KWARG_VALUES``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver

#: Values for path parameters that are not record ids, by parameter name.
KWARG_VALUES: dict[str, tuple[str, ...]] = {
    "name": ("analysis.json", "report.html", "frames.parquet"),
    "kind": ("steroid", "therapy", "referral"),
    "token": ("A" * 43,),
    "upload_id": ("00000000-0000-4000-8000-000000000001",),
    # Django admin's own patterns
    "app_label": ("accounts", "auth", "recordings"),
    "content_type_id": ("1",),
    "object_id": ("1",),
    "id": ("1",),
    "url": ("nowhere",),
}
#: Record ids tried for integer path parameters; the world below makes ids 1..3 exist for every model.
ID_CANDIDATES = ("1", "2", "3")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full regex-free template (``/clinic/patients/{pk}/``), name and the view."""

    template: str
    name: str
    params: tuple[str, ...]
    int_params: tuple[str, ...]
    view: object

    @property
    def is_admin(self) -> bool:
        return self.template.startswith("/admin/")


_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _route_text(pattern) -> tuple[str, dict[str, str]]:
    """The pattern as text with ``{name}`` holes, and each hole's converter ("int", "str", "slug", "regex")."""
    text = str(pattern.pattern)
    convs: dict[str, str] = {}
    if hasattr(pattern.pattern, "_route"):
        for m in _PARAM.finditer(text):
            convs[m.group("name")] = m.group("conv") or "str"
        text = _PARAM.sub(lambda m: "{" + m.group("name") + "}", text)
    else:  # a regex pattern
        for m in _REGEX_PARAM.finditer(text):
            convs[m.group("name")] = "regex"
        text = _REGEX_PARAM.sub(lambda m: "{" + m.group("name") + "}", text)
        text = text.lstrip("^").rstrip("$").replace("\\.", ".").replace("\\Z", "")
    return text, convs


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str, convs: dict[str, str]) -> None:
        for p in patterns:
            text, own = _route_text(p)
            merged = {**convs, **own}
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + text, ns, merged)
            elif isinstance(p, URLPattern):
                template = "/" + prefix + text
                params = tuple(re.findall(r"{(\w+)}", template))
                routes.append(
                    Route(
                        template=template,
                        name=f"{namespace}{p.name or ''}",
                        params=params,
                        int_params=tuple(n for n in params if merged.get(n) in ("int", "id")),
                        view=p.callback,
                    )
                )

    walk(get_resolver().url_patterns, "", "", {})
    return routes


def url_candidates(route: Route):
    """Concrete URLs for the route: every combination of candidate values for its parameters."""
    choices = []
    for name in route.params:
        if name in route.int_params:
            choices.append(ID_CANDIDATES)
        elif name in KWARG_VALUES:
            choices.append(KWARG_VALUES[name])
        else:
            raise AssertionError(
                f"{route.template} ({route.name}) has a path parameter {name!r} the URL walker cannot fill: add "
                f"values for it to KWARG_VALUES in tests/clinic/urlwalk.py."
            )
    for combo in itertools.product(*choices):
        yield route.template.format(**dict(zip(route.params, combo, strict=True)))


def resolve_url(client, route: Route) -> str:
    """The first concrete URL of the route that does not answer 404 to ``client`` (else the first one)."""
    first = None
    for url in url_candidates(route):
        first = first or url
        if client.get(url).status_code != 404:
            return url
    return first


# --- forms on a page --------------------------------------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (a.get("method") or "get").lower(), "action": a.get("action"), "f": {}}
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                if kind == "submit" and a.get("value") is not None:
                    self.forms[-1]["f"].setdefault(a["name"], a.get("value"))
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1]["f"].setdefault(a["name"], "")
                return
            self.forms[-1]["f"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["f"].setdefault(self._select, "")
        elif tag == "option" and self._select and self.forms:
            fields = self.forms[-1]["f"]
            if not fields.get(self._select) or "selected" in a:
                fields[self._select] = a.get("value") or ""
        elif tag == "button" and a.get("name"):
            self.forms[-1]["f"].setdefault(a["name"], a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def page_forms(html: str) -> list[dict]:
    """Forms of a page: ``{"method", "action", "f": {field name: current value}}`` (csrf token left out)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["f"].pop("csrfmiddlewaretoken", None)
    return parser.forms


# --- a world of records -----------------------------------------------------------------------------------------


def build_world(clinician) -> dict:
    """Three patients with visits, recordings, toxin sessions, medications, appointments, care plans and a
    consultation request, so that ids 1..3 exist for every model the URLs point at."""
    from decimal import Decimal

    from facetwitch.clinic.care.models import CarePlan
    from facetwitch.clinic.patients.models import Patient, Visit
    from facetwitch.clinic.public.models import ConsultationRequest
    from facetwitch.clinic.recordings.models import Recording
    from facetwitch.clinic.scheduling import hours
    from facetwitch.clinic.scheduling.models import Appointment
    from facetwitch.clinic.treatments.models import Medication, ToxinInjection, ToxinSession

    today = dt.date.today()
    patients = []
    for i, (given, family) in enumerate([("Émile", "Östberg"), ("Ana", "Souza"), ("Li", "Wei")], start=1):
        p = Patient.objects.create(
            pk=i,
            mrn=f"W-{i}",
            given_name=given,
            family_name=family,
            date_of_birth=dt.date(1960 + i, i, 10 + i),
            sex="female",
            video_consent=True,
            video_consent_date=dt.date(2020, 1, 1),
            onset_side="left",
        )
        patients.append(p)
        Visit.objects.create(pk=i, patient=p, date=today - dt.timedelta(days=30 * i), clinician=clinician)
        rec = Recording.objects.create(
            pk=i,
            patient=p,
            original_name=f"clip-{i}.mp4",
            video_file=f"recordings/w{i}/video.mp4",
            storage_key=f"world{i}",
            status=Recording.Status.FAILED,
            error_message="No face was found.",
            size=80,
            sha256="0" * 64,
        )
        folder = rec.private_path("recordings") / f"w{i}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
        session = ToxinSession.objects.create(
            pk=i, patient=p, date=today - dt.timedelta(days=20 * i), clinician=clinician, indication="hfs"
        )
        ToxinInjection.objects.create(
            session=session, muscle="oo_pretarsal_upper", side="left", product="ona", units=Decimal("2.5")
        )
        Medication.objects.create(
            pk=i,
            patient=p,
            drug="carbamazepine",
            start_date=today - dt.timedelta(days=10),
            prescriber=clinician,
        )
        start = hours.local_datetime(today + dt.timedelta(days=7 * i), dt.time(9, 0))
        Appointment.objects.create(
            pk=i,
            patient=p,
            clinician=clinician,
            visit_type="follow_up",
            start=start,
            end=start + dt.timedelta(minutes=30),
        )
        CarePlan.objects.create(pk=i, patient=p, version=1, cause="hemifacial_spasm", created_by=clinician)
        ConsultationRequest.objects.create(
            pk=i, full_name=f"{given} {family}", email=f"w{i}@example.org", reason="hfs"
        )
    return {"patients": patients}


#: Odd values fed to every query parameter and form field.
ODD_VALUES: tuple[str, ...] = (
    "",
    "9" * 40,
    "-1",
    "-99999999999999999999",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes
    "²",  # a superscript: isdigit() yes, int() no
    "1.5e308",
    "abc",
    "9999-12-31",
    "0001-01-01",
    "2027-02-30",
    "25:61",
    "ö" * 300,
    "\x00",
    "[]",
)
