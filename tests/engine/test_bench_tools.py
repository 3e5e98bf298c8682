"""The benchmark's tools. The landmark store (`benchmarks/run.py`'s `LandmarkCache`): detector work re-scores the
tuning suite on stored landmark stages (`run.py --landmarks DIR`, docs/validation.md "Running it"), so the store
must key them by backend and segment and give back exactly what the pipeline computed. The eye-picture study
(`benchmarks/eye_pictures.py`, twenty-fourth round): a rendered twitch read on its own eye."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import facetwitch
import facetwitch.pipeline
from facetwitch.simulate import Blink, Scenario, Spasm, render

ROOT = Path(__file__).resolve().parents[2]


def _bench(filename: str):
    """A script of benchmarks/ imported as a module (registered, as its dataclasses need)."""
    spec = importlib.util.spec_from_file_location(
        f"facetwitch_bench_{filename[:-3]}", ROOT / "benchmarks" / filename
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _must_not_run(*args, **kwargs):
    raise AssertionError("the landmark stage ran again instead of being read from the store")


def test_the_landmark_store_keeps_each_backends_segments_and_gives_them_back(tmp_path):
    bench = _bench("run.py")
    video = tmp_path / "clip.mp4"
    render(
        Scenario(duration_s=3.0, size=(320, 240), events=[Blink(0.8), Spasm(1.6, "left", twitches=2)]), video
    )
    store = tmp_path / "landmarks"
    first = {}
    for backend in ("tasks", "litert"):
        with bench.LandmarkCache(store):
            first[backend] = facetwitch.analyze(video, backend=backend)
    stored = sorted(p.name for p in store.rglob("*.pkl"))
    assert stored == ["clip-litert-0-0.000.pkl", "clip-tasks-0-0.000.pkl"]
    for backend in ("tasks", "litert"):
        with bench.LandmarkCache(store) as cache:
            # The store must answer alone; the cache puts the real stage back on leaving, so restore it first.
            landmark_stage, cache.original = cache.original, _must_not_run
            try:
                again = facetwitch.analyze(video, backend=backend)
            finally:
                cache.original = landmark_stage
        assert facetwitch.pipeline._landmark_segment is landmark_stage
        assert again.events == first[backend].events
        assert again.episodes == first[backend].episodes
        assert again.summary == first[backend].summary


def test_the_eye_picture_study_reads_a_one_sided_lid_twitch_in_the_picture_of_its_own_eye(
    left_lid_twitch_video,
):
    study = _bench("eye_pictures.py")
    video = left_lid_twitch_video
    rows = study.study_clip(video.path, False, video.truth_events, "clip")
    twitches = [r for r in rows if r.true]
    assert len(twitches) >= 2 and all(r.side == "left" for r in twitches)
    assert min(r.index for r in twitches) > 0.2, rows
