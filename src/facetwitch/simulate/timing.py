"""The frame clock of a simulated video: each frame's presentation timestamp and time, constant or variable rate."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .scenario import Scenario

VFR_TIME_BASE = Fraction(1, 90000)
VFR_JITTER = 0.30  # frame intervals vary by up to ±30 % around 1/fps


def frame_times(scenario: Scenario) -> list[tuple[int, float]]:
    """(pts, time in s) of every frame. CFR: pts counts frames; VFR: pts in 1/90000 s, jittered ±30 %."""
    n_nominal = int(np.floor(scenario.duration_s * scenario.fps + 1e-9))
    if not scenario.vfr:
        tb = time_base(scenario)
        return [(i, float(i * tb)) for i in range(n_nominal)]
    rng = np.random.default_rng([scenario.seed, 90000])
    out, pts = [], 0
    step = 90000 / scenario.fps
    while pts * VFR_TIME_BASE < scenario.duration_s:
        out.append((pts, float(pts * VFR_TIME_BASE)))
        pts += max(1, round(step * (1.0 + rng.uniform(-VFR_JITTER, VFR_JITTER))))
    return out


def time_base(scenario: Scenario) -> Fraction:
    if scenario.vfr:
        return VFR_TIME_BASE
    return 1 / Fraction(scenario.fps).limit_denominator(1001)
