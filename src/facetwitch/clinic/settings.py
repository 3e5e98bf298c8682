"""Django settings of the facetwitch clinic.

Configuration comes from the environment (12-factor): ``DATABASE_URL`` (default: SQLite in the data dir),
``FACETWITCH_CLINIC_DATA`` (private data dir: database, uploaded videos, analysis results),
``FACETWITCH_SECRET_KEY``, ``FACETWITCH_DEBUG``, ``FACETWITCH_ALLOWED_HOSTS``.
Patient videos and results live under ``PRIVATE_MEDIA_ROOT`` and are only served by access-checked views.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from facetwitch import LOW_FPS, is_frame_rate_cap
from facetwitch.clinic.secret_key import load_or_create

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FACETWITCH_CLINIC_DATA", Path.cwd() / "var" / "clinic")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)  # the SQLite file and private uploads live here

DEBUG = os.environ.get("FACETWITCH_DEBUG", "0") == "1"
# Generated on first start and kept in the data dir (0600) unless given: never a fixed key (secret_key.py).
SECRET_KEY = os.environ.get("FACETWITCH_SECRET_KEY", "") or load_or_create(DATA_DIR)
ALLOWED_HOSTS = os.environ.get("FACETWITCH_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "axes",
    "facetwitch.clinic.accounts",
    "facetwitch.clinic.patients",
    "facetwitch.clinic.recordings",
    "facetwitch.clinic.treatments",
    "facetwitch.clinic.scheduling",
    "facetwitch.clinic.care",
    "facetwitch.clinic.public",
    "facetwitch.clinic.capture",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files (CSS, vendored htmx) in production, without DEBUG.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Private pages: an audit entry when the view wrote none, and Cache-Control: no-store (accounts/audit.py).
    "facetwitch.clinic.accounts.audit.AuditTrailMiddleware",
    # Seeded accounts outside the demo (known password) must choose their own first (accounts/passwords.py).
    "facetwitch.clinic.accounts.passwords.ForcedPasswordChangeMiddleware",
    # Ids typed as "" or 40 digits deep in Django's own views (admin actions): 400, not 500 (accounts/params.py).
    "facetwitch.clinic.accounts.params.BadNumberMiddleware",
]

ROOT_URLCONF = "facetwitch.clinic.urls"
WSGI_APPLICATION = "facetwitch.clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'clinic.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + a busy timeout let the web process and the analysis worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/clinic/"
LOGOUT_REDIRECT_URL = "/"

# Brute-force lockout: 5 failures per user+IP, locked for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("FACETWITCH_CLINIC_TZ", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Never under STATIC_ROOT or any served path: videos and results are health data.
PRIVATE_MEDIA_ROOT = DATA_DIR / "private"
FACETWITCH_MAX_UPLOAD_MB = int(os.environ.get("FACETWITCH_MAX_UPLOAD_MB", "500"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# In-browser capture (capture app): 1.0 runs the guided protocol at its clinical length; tests shorten it.
FACETWITCH_CAPTURE_PROTOCOL_SCALE = float(os.environ.get("FACETWITCH_CAPTURE_PROTOCOL_SCALE", "1.0"))
# Resumable uploads from the browser: chunk size (a dropped mobile connection loses at most one chunk).
FACETWITCH_CAPTURE_CHUNK_BYTES = int(os.environ.get("FACETWITCH_CAPTURE_CHUNK_BYTES", str(1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Background analysis: a running analysis whose worker sent no heartbeat for this long is re-queued by
# `manage.py analysis_worker`; after this many interrupted runs it fails with a message (Retry restarts it).
FACETWITCH_ANALYSIS_STALE_S = int(os.environ.get("FACETWITCH_ANALYSIS_STALE_S", "300"))
FACETWITCH_ANALYSIS_MAX_ATTEMPTS = int(os.environ.get("FACETWITCH_ANALYSIS_MAX_ATTEMPTS", "3"))
# Wall-clock seconds one recording's analysis may take before it fails with a message (a damaged file that decodes
# endlessly must not hold the worker); generous: a 30-minute video takes well under this on one core.
FACETWITCH_ANALYSIS_TIME_LIMIT_S = float(os.environ.get("FACETWITCH_ANALYSIS_TIME_LIMIT_S", "3600"))


def _frame_rate_cap(name: str) -> float | None:
    """A frame rate from the environment variable ``name`` (frames/s, at least ``LOW_FPS``), None where unset."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not is_frame_rate_cap(value):
        raise ImproperlyConfigured(
            f"{name}={text!r} is not a frame rate of {LOW_FPS:g} frames a second or more: set it to e.g. 30, or "
            "unset it to analyse every frame"
        )
    return value


# At most this many frames a second analysed (unset: every frame). 30 halves a 60 frames/s phone video's work; a
# faster rhythm than about 8 Hz (a jaw tremor at 10 Hz) may then be missed (docs/speed.md, "Frame-rate cap").
FACETWITCH_ANALYSIS_MAX_FPS = _frame_rate_cap("FACETWITCH_ANALYSIS_MAX_FPS")

# Clinic hours (scheduling): defaults from the product brief, configurable by environment.
CLINIC_HOURS = {
    "weekdays": [0, 1, 2, 3, 4],
    "open": os.environ.get("FACETWITCH_CLINIC_OPEN", "08:30"),
    "close": os.environ.get("FACETWITCH_CLINIC_CLOSE", "17:00"),
}

SESSION_COOKIE_HTTPONLY = True
# Health data on shared clinic computers: a session ends after a working day or when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
#: A demo installation (make run): its seeded accounts keep the printed password. Anywhere else they must change it.
FACETWITCH_DEMO = os.environ.get("FACETWITCH_DEMO", "0") == "1"
if os.environ.get("FACETWITCH_PRODUCTION") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
