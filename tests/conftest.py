"""Fixtures shared by every test package."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium instead of Playwright's download (unreachable here); no background network traffic."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _shifted_clock():
    """FACETWITCH_TEST_NOW=YYYY-MM-DD runs every test with the wall clock moved to that day (ticking on).

    The suite must pass with the clock moved years ahead: no test may depend on today's date. Tests that need a
    fixed calendar use ``frozen_now`` (tests/clinic/conftest.py), which nests inside this travel.
    """
    when = os.environ.get("FACETWITCH_TEST_NOW")
    if not when:
        yield
        return
    with time_machine.travel(dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC), tick=True):
        yield


# --- Django's async-safety check stays on outside browser tests ------------------------------------------------
# Playwright's sync API runs its event loop in the test thread and leaves it marked "running" between calls for
# the whole session. Django then refuses ORM calls from that thread (SynchronousOnlyOperation). Browser tests do
# read the ORM from the thread (one thread, one connection: safe), so only they get DJANGO_ALLOW_ASYNC_UNSAFE;
# every other test runs with the loop unmarked and the check on, so a real async misuse fails its test.
_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
_parked_loop: asyncio.AbstractEventLoop | None = None


def _uses_browser(item) -> bool:
    return bool(
        {"page", "context", "browser", "browser_type", "playwright"} & set(getattr(item, "fixturenames", ()))
    )


def _restore_playwright_loop() -> None:
    global _parked_loop
    if _parked_loop is not None and not _parked_loop.is_closed():
        asyncio._set_running_loop(_parked_loop)
    _parked_loop = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    if _uses_browser(item):
        _restore_playwright_loop()
        os.environ[_ASYNC_UNSAFE] = "true"
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    global _parked_loop
    last = nextitem is None
    if last and _parked_loop is not None:
        # The session's fixtures (Playwright itself) stop during this teardown and need their loop back; the
        # last test's own database teardown then runs beside it.
        _restore_playwright_loop()
        os.environ[_ASYNC_UNSAFE] = "true"
    yield
    if _uses_browser(item) and not last:
        loop = asyncio._get_running_loop()
        if loop is not None:
            _parked_loop = loop
            asyncio._set_running_loop(None)
        os.environ.pop(_ASYNC_UNSAFE, None)


# --- Tests that run MediaPipe must say so (markers e2e or slow) ------------------------------------------------
# A quick local run (-m "not slow and not e2e") must not start the face model. The clinic's tests are checked at run
# time: a test without either marker that creates a MediaPipe FaceLandmarker fails (at teardown, so that the code
# under test, e.g. a worker catching every exception, never sees the check) with a message saying so.
_current_item = None
_unmarked_mediapipe: set[str] = set()
_GUARDED = ("clinic", "care")


def _guarded(item) -> bool:
    return Path(str(item.path)).parent.name in _GUARDED and not any(
        item.get_closest_marker(m) for m in ("e2e", "slow")
    )


def _guard_mediapipe() -> None:
    try:
        from mediapipe.tasks.python import vision
    except ImportError:  # pragma: no cover - the engine needs it
        return
    original = vision.FaceLandmarker.create_from_options.__func__

    def create_from_options(cls, options):
        item = _current_item
        if item is not None and _guarded(item):
            _unmarked_mediapipe.add(item.nodeid)
        return original(cls, options)

    vision.FaceLandmarker.create_from_options = classmethod(create_from_options)


def pytest_sessionstart(session) -> None:
    _guard_mediapipe()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _current_item
    _current_item = item
    try:
        yield
    finally:
        _current_item = None


@pytest.fixture(autouse=True)
def _mediapipe_needs_a_marker(request):
    yield
    if request.node.nodeid in _unmarked_mediapipe:
        pytest.fail(
            f"{request.node.nodeid} runs MediaPipe (FaceLandmarker) but is not marked e2e or slow: add "
            "@pytest.mark.e2e so that quick runs (-m 'not slow and not e2e') skip it.",
            pytrace=False,
        )
