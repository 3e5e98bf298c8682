"""Twitch-video simulator: realistic test videos rendered from real face photographs with injected events.

Each clip comes with its ground truth in the engine's vocabulary (:class:`facetwitch.records.Event` /
:class:`facetwitch.records.Episode`; times in seconds; sides are the patient's own)::

    from facetwitch.simulate import Scenario, Blink, Spasm, render
    video = render(Scenario(duration_s=6, events=[Blink(1.0), Spasm(3.0, "right")]), "clip.mp4")
    video.truth_events, video.truth_episodes

Three renderers made independently: ``renderer="warp"`` (displacement fields, the default), ``"mesh"``
(MediaPipe's mesh deformed in 3-D, piecewise-affine re-texturing, painted eyelids) and ``"depth"`` (the first's
expressions on a dense depth map of the head turned in 3-D). :func:`tuning_suite` uses the first and third with
:data:`TUNING_FACES`; :func:`heldout_suite` the second with :data:`HELDOUT_FACES` (see docs/validation.md).
"""

from .faces import FACES, HELDOUT_FACES, TUNING_FACES, NoFaceError, list_faces
from .render import SimulatedVideo, frame_times, render, render_frames
from .scenario import (
    Blepharospasm,
    Blink,
    Camera,
    HeadMotion,
    HeadTurn,
    Scenario,
    Smile,
    Spasm,
    Speech,
    Tremor,
    truth_of,
)
from .suites import (
    benchmark_suite,
    demo_scenario,
    depth_variants_suite,
    depth_weak_lid_suite,
    failure_classes_suite,
    failure_variants_suite,
    fresh_draw,
    hard_suite,
    heldout_suite,
    tuning_suite,
    variety_suite,
)

__all__ = [
    "FACES",
    "HELDOUT_FACES",
    "TUNING_FACES",
    "Blepharospasm",
    "Blink",
    "Camera",
    "HeadMotion",
    "HeadTurn",
    "NoFaceError",
    "Scenario",
    "SimulatedVideo",
    "Smile",
    "Spasm",
    "Speech",
    "Tremor",
    "benchmark_suite",
    "demo_scenario",
    "depth_variants_suite",
    "depth_weak_lid_suite",
    "failure_classes_suite",
    "failure_variants_suite",
    "frame_times",
    "fresh_draw",
    "hard_suite",
    "heldout_suite",
    "list_faces",
    "render",
    "render_frames",
    "truth_of",
    "tuning_suite",
    "variety_suite",
]
