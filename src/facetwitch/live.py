"""The definition the live, in-browser measurement shares with the engine, as one JSON-able dict.

The clinic's camera pages (capture/static/capture/facemeasure.js) compute per-side signals with MediaPipe for the
web while the patient is in front of the camera. They mirror :func:`facetwitch.signals.measure` (raw geometry in
the head's own frame, mouth corner along the up-and-outward diagonal in inner-canthal units) and
:func:`facetwitch.signals.normalise` over the past ``baseline_window_s`` instead of a centred window (the live
page cannot see the future; it also divides by each frame's own inner-canthal distance, not by its median over
``signals.SCALE_WINDOW_S``: that distance's jitter matters for the chin and the brows, which the pages do not
show, and hardly for the cheek and mouth corner, near the nose's height), and count spasm episodes with the rules
of :mod:`facetwitch.events` (unilateral eye and lower-face contractions, blinks and their shadows, crosstalk) and
:mod:`facetwitch.episodes` (merge gap).
The page reads every landmark index, limit and threshold from this dict, so the two cannot drift apart. The
engine's pose regression (:func:`facetwitch.signals.pose_compensated`) only acts when yaw or pitch ranges over
``pose_min_range_deg`` or more; the live pages ask the patient to hold still and frontal, where it is a no-op.
"""

from __future__ import annotations

import dataclasses

from facetwitch import episodes, events, signals


def live_definition() -> dict:
    """Landmark indices, quality limits, baseline settings and detection thresholds for the live pages."""
    return {
        "landmarks": {
            "eye": {
                s: {"outer": e["outer"], "inner": e["inner"], "pairs": [list(p) for p in e["pairs"]]}
                for s, e in signals.EYE.items()
            },
            "cheek": dict(signals.CHEEK),
            "mouth_corner": dict(signals.MOUTH_CORNER),
            "nose_tip": signals.NOSE_TIP,
        },
        "quality": dataclasses.asdict(signals.QualityLimits()),
        "baseline_window_s": signals.BASELINE_WINDOW_S,
        "open_percentile": 85,  # signals.normalise: eyes' open level
        "rest_percentile": 50,  # ... and the rest level of brow, cheek and mouth corner
        "default_closure_depth": signals.DEFAULT_CLOSURE_DEPTH,
        "pose_min_range_deg": signals.POSE_MIN_RANGE_DEG,
        "detection": {
            k: v for k, v in dataclasses.asdict(events.DetectionParams()).items() if not isinstance(v, tuple)
        },
        "merge_gap_s": episodes.MERGE_GAP_S,
    }
