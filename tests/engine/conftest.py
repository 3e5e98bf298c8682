"""Shared fixtures of the engine tests: short simulated videos rendered once per session (real files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from facetwitch.simulate import (
    Blepharospasm,
    Blink,
    HeadMotion,
    HeadTurn,
    Scenario,
    Smile,
    Spasm,
    Tremor,
    render,
)

SMALL = (640, 480)


def _render(tmp_path_factory, name: str, scenario: Scenario):
    path = (
        tmp_path_factory.mktemp("videos")
        / f"{name}{scenario.suffix if hasattr(scenario, 'suffix') else '.mp4'}"
    )
    return render(scenario, path)


@pytest.fixture(scope="session")
def right_clonic_video(tmp_path_factory):
    """Right hemifacial spasm (clonic) between blinks: the canonical HFS recording."""
    return _render(tmp_path_factory, "right clonic é", Scenario(
        duration_s=10.0, fps=30.0, size=SMALL, seed=1,
        events=[Blink(1.0), Spasm(3.0, "right", pattern="clonic", twitches=4), Blink(6.5), Blink(8.6)],
    ))  # fmt: skip


@pytest.fixture(scope="session")
def left_lid_twitch_video(tmp_path_factory):
    """Three one-sided twitches of the left eye alone between two blinks (the eyelid pictures' case)."""
    return _render(tmp_path_factory, "left-lid-twitch", Scenario(
        duration_s=5.0, size=SMALL, seed=3,
        events=[Blink(0.8), Blink(4.2), Spasm(2.0, "left", "clonic", twitches=3, regions=("eye",))],
    ))  # fmt: skip


@pytest.fixture(scope="session")
def left_tonic_mirrored_video(tmp_path_factory):
    """A selfie (mirrored) video of a left tonic spasm."""
    return _render(tmp_path_factory, "left-tonic-mirrored", Scenario(
        duration_s=8.0, fps=30.0, size=SMALL, seed=2, mirrored=True,
        events=[Blink(1.0), Spasm(3.0, "left", pattern="tonic", hold_s=2.0)],
    ))  # fmt: skip


@pytest.fixture(scope="session")
def control_video(tmp_path_factory):
    """No spasm: blinks, a smile and head motion."""
    return _render(tmp_path_factory, "control", Scenario(
        duration_s=10.0, fps=25.0, size=SMALL, seed=3,
        events=[Blink(1.0), Smile(3.0, 2.0), Blink(6.0), Blink(8.5)],
        head_motion=HeadMotion(amplitude_deg=3.0, translate_px=10.0, period_s=4.0),
    ))  # fmt: skip


@pytest.fixture(scope="session")
def blepharospasm_tremor_video(tmp_path_factory):
    """Bilateral sustained closure (blepharospasm) and a 5 Hz jaw tremor, variable frame rate."""
    return _render(tmp_path_factory, "bleph-tremor", Scenario(
        duration_s=12.0, fps=30.0, size=SMALL, seed=4, vfr=True,
        events=[Blink(1.0), Blepharospasm(2.5, hold_s=1.8), Tremor(6.0, 4.0, 5.0, region="jaw", side="both")],
    ))  # fmt: skip


@pytest.fixture(scope="session")
def rotated_video(tmp_path_factory):
    """A phone video stored sideways with rotation metadata: a right spasm."""
    return _render(tmp_path_factory, "rotated", Scenario(
        duration_s=6.0, fps=30.0, size=SMALL, seed=5, rotation=90,
        events=[Blink(1.0), Spasm(3.0, "right", pattern="tonic", hold_s=1.5)],
    ))  # fmt: skip


@pytest.fixture(scope="session")
def weak_eye_turn_video(tmp_path_factory):
    """A control with a weak-signal left eye (its lid shown at 30 %), incomplete blinks and a slow 18-degree head
    turn with a blink during it (tuning face, first renderer)."""
    return _render(tmp_path_factory, "weak-eye-turn", Scenario(
        face="hopper", duration_s=12.0, fps=30.0, size=SMALL, seed=6, lid_gain=(1.0, 0.3),
        events=[Blink(1.0), Blink(3.0, depth=0.6), HeadTurn(4.5, 4.5, yaw_deg=18.0), Blink(6.6),
                Blink(10.2, depth=0.65)],
    ))  # fmt: skip


@pytest.fixture(scope="session")
def analyses():
    """Memoised ``facetwitch.analyze`` so several tests can inspect one analysis of a video."""
    import facetwitch

    cache: dict[tuple[str, bool], facetwitch.Analysis] = {}

    def get(video, mirrored: bool | None = None):
        mirrored = video.scenario.mirrored if mirrored is None else mirrored
        key = (str(video.path), mirrored)
        if key not in cache:
            cache[key] = facetwitch.analyze(Path(video.path), mirrored=mirrored)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def right_clonic_60fps_video(tmp_path_factory):
    """A phone's 60 frames/s recording of a right clonic spasm between blinks, one of them incomplete."""
    return _render(tmp_path_factory, "right-clonic-60fps", Scenario(
        duration_s=8.0, fps=60.0, size=SMALL, seed=7,
        events=[Blink(1.0), Spasm(2.8, "right", pattern="clonic", twitches=4), Blink(5.8, depth=0.65), Blink(7.0)],
    ))  # fmt: skip
