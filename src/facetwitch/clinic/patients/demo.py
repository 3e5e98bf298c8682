"""The demo clinic: users of each role and a few patients with history and visits (``manage.py seed_demo``).

Other apps add their demo data through an optional hook: a module ``facetwitch.clinic.<app>.demo`` with a function
``seed(patients: list[Patient]) -> None`` (idempotent; called after the patients exist, in APP_HOOKS order).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from facetwitch.clinic.accounts import passwords
from facetwitch.clinic.accounts.groups import ensure_role_groups
from facetwitch.clinic.patients.models import Patient, Visit

DEMO_PASSWORD = "facetwitch-demo"
# Treatments first: the demo recordings show the response to the demo toxin sessions (recordings/demo.py).
APP_HOOKS = ("treatments", "recordings", "scheduling", "care")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str


DEMO_USERS = (
    DemoUser("clinician", "clinician", "Clara", "Neuro"),
    DemoUser("staff", "staff", "Sam", "Reception"),
    DemoUser("admin", "admin", "Ada", "Admin"),
)


def _ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _patients() -> list[tuple[dict, list[dict]]]:
    """(patient fields, visits) of each demo patient; dates relative to today so the demo stays current."""
    today = timezone.localdate()
    return [
        (
            {
                "mrn": "DEMO-0001",
                "given_name": "Maria",
                "family_name": "Lopez",
                "date_of_birth": dt.date(1963, 4, 12),
                "sex": "female",
                "phone": "+1 555 010 2030",
                "email": "maria.lopez@example.org",
                "video_consent": True,
                "video_consent_date": _ago(400),
                "onset_date": dt.date(today.year - 4, 6, 1),
                "onset_side": "left",
                "onset_region": "eyelid",
                "spread": "Started in the left lower eyelid; spread to the left cheek and mouth corner over two years.",
                "persists_in_sleep": True,
                "triggers": "Stress, talking, bright light",
                "current_medications": "Amlodipine 5 mg daily",
                "allergies": "Penicillin (rash)",
            },
            [
                {
                    "days_ago": 200,  # baseline, before any toxin (treatments/demo.py injects at 196 and 112)
                    "jankovic_severity": 3,
                    "jankovic_frequency": 3,
                    "smc_grade": 2,
                    "hfs7_total": 15,
                    "notes": "First visit. Typical left hemifacial spasm history. MRI requested.",
                },
                {
                    "days_ago": 168,  # four weeks after the first session: the response
                    "jankovic_severity": 2,
                    "jankovic_frequency": 2,
                    "smc_grade": 2,
                    "hfs7_total": 9,
                    "notes": "Good response to the first toxin session 4 weeks ago; mild residual twitching of the mouth corner.",
                },
                {
                    "days_ago": 20,
                    "jankovic_severity": 3,
                    "jankovic_frequency": 3,
                    "smc_grade": 2,
                    "hfs7_total": 14,
                    "notes": "Effect wearing off; due for the next session.",
                },
            ],
        ),
        (
            {
                "mrn": "DEMO-0002",
                "given_name": "Helen",
                "family_name": "Novak",
                "date_of_birth": dt.date(1966, 11, 3),
                "sex": "female",
                "phone": "+1 555 010 4455",
                "video_consent": True,
                "video_consent_date": _ago(300),
                "onset_date": dt.date(today.year - 3, 2, 1),
                "onset_side": "both",
                "onset_region": "eyelid",
                "spread": "Both eyes from the start; no spread to the lower face.",
                "persists_in_sleep": False,
                "triggers": "Bright light, reading, driving; eases when touching the brow",
                "current_medications": "",
                "allergies": "",
            },
            [
                {
                    "days_ago": 290,
                    "jankovic_severity": 3,
                    "jankovic_frequency": 4,
                    "bsdi_total": 14,
                    "notes": "Blepharospasm with photophobia and a sensory trick.",
                },
                {
                    "days_ago": 110,
                    "jankovic_severity": 2,
                    "jankovic_frequency": 2,
                    "bsdi_total": 7,
                    "notes": "Improved after treatment; able to read again.",
                },
            ],
        ),
        (
            {
                "mrn": "DEMO-0003",
                "given_name": "David",
                "family_name": "Chen",
                "date_of_birth": dt.date(1979, 8, 21),
                "sex": "male",
                "email": "d.chen@example.org",
                "video_consent": True,
                "video_consent_date": _ago(150),
                "onset_date": dt.date(today.year - 2, 9, 15),
                "onset_side": "right",
                "onset_region": "mouth",
                "spread": "Right eye closes when he smiles or eats, since recovering from a facial palsy.",
                "persists_in_sleep": False,
                "prior_bells_palsy": True,
                "facial_weakness": True,
                "current_medications": "",
                "allergies": "",
            },
            [
                {
                    "days_ago": 140,
                    "house_brackmann": 3,
                    "jankovic_severity": 2,
                    "jankovic_frequency": 2,
                    "notes": "Synkinesis after right Bell's palsy (3 years ago). Referred to facial physical therapy.",
                },
            ],
        ),
        (
            {
                "mrn": "DEMO-0004",
                "given_name": "Tom",
                "family_name": "Keller",
                "date_of_birth": dt.date(1991, 1, 30),
                "sex": "male",
                "phone": "+1 555 010 9876",
                "video_consent": False,
                "onset_date": _ago(60),
                "onset_side": "left",
                "onset_region": "eyelid",
                "spread": "Fine rippling of the left lower eyelid only.",
                "persists_in_sleep": False,
                "triggers": "Caffeine, lack of sleep",
                "current_medications": "",
                "allergies": "",
            },
            [],
        ),
    ]


@transaction.atomic
def seed_users() -> list[User]:
    """The demo users, one per role; their password is reset to DEMO_PASSWORD so the printed login works.

    Outside a demo installation (settings.FACETWITCH_DEMO off) that password is known to everyone who read the
    README: each seeded account must choose its own at first sign-in."""
    ensure_role_groups()
    users = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name, user.last_name = demo.first_name, demo.last_name
        user.email = f"{demo.username}@demo.clinic"
        user.is_active = True
        user.is_staff = demo.role == "admin"  # the admin role manages users in Django's admin site
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=demo.role))
        if settings.FACETWITCH_DEMO:
            passwords.changed(user)
        else:
            passwords.require_change(user)
        users.append(user)
    return users


@transaction.atomic
def seed_patients(clinician: User) -> list[Patient]:
    """The demo patients and their visits; existing demo patients (same MRN) are left as they are."""
    patients = []
    for fields, visits in _patients():
        patient, created = Patient.objects.get_or_create(mrn=fields["mrn"], defaults=fields)
        if created:
            for v in visits:
                values = dict(v)
                day = _ago(values.pop("days_ago"))
                Visit.objects.create(patient=patient, date=day, clinician=clinician, **values)
        patients.append(patient)
    return patients


def run_app_hooks(
    patients: list[Patient],
    report: Callable[[str], None],
    warn: Callable[[str], None],
    strict: bool = False,
) -> None:
    """Call each installed app's ``demo.seed(patients)``; an app without the module is skipped.

    An app whose seeding fails is reported and skipped (the demo still starts) unless ``strict``.
    """
    for app in APP_HOOKS:
        module_name = f"facetwitch.clinic.{app}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only "this app or its demo module does not exist" means skip; a missing import inside it is a bug.
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                continue
            raise
        seed = getattr(module, "seed", None)
        if seed is None:
            continue
        report(f"Seeding {app} demo data…")
        try:
            seed(patients)
        except Exception as exc:
            if strict:
                raise
            warn(
                f"The {app} demo data were not seeded ({type(exc).__name__}: {exc}); the demo runs without them."
            )


def seed_demo(
    report: Callable[[str], None] = print,
    warn: Callable[[str], None] = print,
    strict: bool = False,
    with_apps: bool = True,
) -> dict:
    users = seed_users()
    clinician = next(u for u in users if u.username == "clinician")
    patients = seed_patients(clinician)
    if with_apps:
        run_app_hooks(patients, report, warn, strict)
    return {"users": users, "patients": patients}
