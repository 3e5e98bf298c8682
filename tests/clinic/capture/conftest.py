"""Fixtures of the capture browser tests: simulated twitch videos as Chromium's fake camera (y4m through PyAV).

Chromium takes its fake camera from a launch flag, so each camera video gets its own browser
(``camera_page_for(y4m)``); the y4m is rendered once per session from ``facetwitch.simulate``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from facetwitch.simulate.camera import write_y4m

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def y4m_writer():
    """``y4m_writer(scenario, path)`` renders a simulated video as a y4m camera file (facetwitch.simulate.camera)."""
    return write_y4m


def camera_args(y4m: Path) -> list[str]:
    """Chromium's fake-camera flags (added to the suite's own launch arguments, tests/conftest.py)."""
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]


@pytest.fixture(scope="session")
def twitch_camera(tmp_path_factory):
    """A 12-s simulated hemifacial spasm patient as a 640x480, 15 fps y4m camera file with frame codes
    (facetwitch.simulate.camera): blinks, left clonic spasms (eye, cheek, mouth), a right one, and a right
    lower-face-only one (cheek and mouth: the eyes alone would miss it)."""
    from facetwitch.simulate import Blink, Scenario, Spasm

    scenario = Scenario(
        duration_s=CAMERA_DURATION_S,
        size=(640, 480),
        events=[
            Blink(0.8),
            Spasm(2.0, "left"),
            Blink(4.4),
            Spasm(5.5, "right", twitches=3),
            Spasm(8.0, "left"),
            Spasm(10.4, "right", twitches=2, regions=("cheek", "mouth")),
        ],
        seed=3,
        fps=CAMERA_FPS,
    )
    return write_y4m(scenario, tmp_path_factory.mktemp("camera") / "twitch.y4m", frame_code=True)


CAMERA_DURATION_S = 12.0
# 15 frames/s: the live loop measures most camera frames even on a busy test machine. The live loop's own speed
# on a 30 frames/s camera is measured by benchmarks/live.py.
CAMERA_FPS = 15.0


@pytest.fixture
def camera_page_for(playwright, browser_type_launch_args):
    """``camera_page_for(y4m, **context_options)`` -> a page of a Chromium whose camera plays ``y4m`` (looped)."""
    browsers = []

    def make(y4m: Path, **context_options):
        launch = browser_type_launch_args
        browser = playwright.chromium.launch(**{**launch, "args": [*launch["args"], *camera_args(y4m)]})
        browsers.append(browser)
        context = browser.new_context(
            permissions=["camera"],
            viewport=context_options.pop("viewport", {"width": 1280, "height": 900}),
            **context_options,
        )
        context.set_default_timeout(20000)
        return context.new_page()

    yield make
    for browser in browsers:
        browser.close()


@pytest.fixture
def axe_serious():
    return _axe_serious


def _axe_serious(page) -> list[dict]:
    """axe-core (npm, frontend/node_modules) run in the page: violations of impact serious or critical."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
