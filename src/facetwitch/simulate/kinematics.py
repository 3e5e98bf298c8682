"""Muscle activations over time: the scenario's events turned into per-frame expression channels.

Channels are dimensionless. Per side (index 0 = patient's right, 1 = patient's left):
``lid`` upper-lid closure fraction of the open aperture (0 open .. 1 shut), ``lower_lid`` lower-lid rise
(0..1 of its maximum, 40 % of the aperture), ``cheek`` cheek raise, ``mouth`` mouth-corner pull up/out,
``brow`` brow lowering. Midline: ``jaw`` chin drop in inter-ocular units, ``pucker`` lip rounding (0..1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .scenario import (
    Blepharospasm,
    Blink,
    HeadTurn,
    Scenario,
    Smile,
    Spasm,
    Speech,
    Tremor,
    contractions_of,
)

SIDE_INDEX = {"right": (0,), "left": (1,), "both": (0, 1)}


@dataclass
class Pose:
    """Expression channels at one instant (see module docstring for units)."""

    lid: np.ndarray = field(default_factory=lambda: np.zeros(2))
    lower_lid: np.ndarray = field(default_factory=lambda: np.zeros(2))
    cheek: np.ndarray = field(default_factory=lambda: np.zeros(2))
    mouth: np.ndarray = field(default_factory=lambda: np.zeros(2))
    brow: np.ndarray = field(default_factory=lambda: np.zeros(2))
    jaw: float = 0.0
    pucker: float = 0.0

    def is_neutral(self) -> bool:
        arrays = (self.lid, self.lower_lid, self.cheek, self.mouth, self.brow)
        return self.jaw == 0.0 and self.pucker == 0.0 and not any(a.any() for a in arrays)

    def raise_to(self, channel: str, sides: tuple[int, ...], value: float) -> None:
        """Combine overlapping activations by taking the stronger one."""
        arr = getattr(self, channel)
        for s in sides:
            arr[s] = max(arr[s], value)


def envelope(t: float, t0: float, rise_s: float, hold_s: float, fall_s: float) -> float:
    """Raised-cosine pulse: 0 before ``t0``, rises over ``rise_s``, holds, falls over ``fall_s`` (s)."""
    x = t - t0
    if x <= 0.0 or x >= rise_s + hold_s + fall_s:
        return 0.0
    if x < rise_s:
        return 0.5 - 0.5 * np.cos(np.pi * x / rise_s)
    if x < rise_s + hold_s:
        return 1.0
    return 0.5 + 0.5 * np.cos(np.pi * (x - rise_s - hold_s) / fall_s)


@dataclass(frozen=True)
class Syllable:
    start_s: float
    length_s: float
    jaw: float
    pucker: float


class Motion:
    """Evaluates a scenario's expression channels at arbitrary times (s). Seeded, deterministic."""

    def __init__(self, scenario: Scenario):
        self.lid_gain = np.asarray(scenario.lid_gain, dtype=float)
        self.items: list[tuple[object, object]] = []
        for i, ev in enumerate(scenario.events):
            if isinstance(ev, Spasm | Blepharospasm):
                self.items.append((ev, contractions_of(ev, i, scenario.seed)))
            elif isinstance(ev, Speech):
                self.items.append((ev, _syllables(ev, i, scenario.seed)))
            else:
                self.items.append((ev, None))

    def pose_at(self, t: float) -> Pose:
        pose = Pose()
        for ev, extra in self.items:
            if isinstance(ev, Blink):
                pose.raise_to("lid", (0, 1), ev.depth * self.blink_profile(ev, t))
            elif isinstance(ev, Spasm | Blepharospasm):
                for c in extra:
                    _contraction(pose, c, t, bleph=isinstance(ev, Blepharospasm))
            elif isinstance(ev, Tremor):
                _tremor(pose, ev, t)
            elif isinstance(ev, Smile):
                rise, fall = min(0.4, 0.4 * ev.duration_s), min(0.5, 0.5 * ev.duration_s)
                e = envelope(t, ev.start_s, rise, ev.duration_s - rise - fall, fall)
                pose.raise_to("mouth", (0, 1), 0.9 * e)
                pose.raise_to("cheek", (0, 1), 0.35 * e)
                pose.raise_to("lower_lid", (0, 1), 0.2 * e)
            elif isinstance(ev, Speech):
                for s in extra:
                    e = envelope(t, s.start_s, 0.4 * s.length_s, 0.1 * s.length_s, 0.5 * s.length_s)
                    pose.jaw = max(pose.jaw, s.jaw * e)
                    pose.pucker = max(pose.pucker, s.pucker * e)
        if (self.lid_gain != 1.0).any():
            pose.lid = pose.lid * self.lid_gain
            pose.lower_lid = pose.lower_lid * self.lid_gain
        return pose

    def blink_profile(self, ev: Blink, t: float) -> float:
        """0..1 lid closure shape of a blink at time ``t`` (s): closes in 32 % of its length, reopens in 56 %."""
        d = ev.duration_s
        return envelope(t, ev.start_s, 0.32 * d, 0.12 * d, 0.56 * d)

    def head_turn(self, t: float) -> tuple[float, float, float]:
        """(yaw, pitch, roll) in degrees from the scenario's :class:`HeadTurn` events at time ``t`` (s)."""
        out = np.zeros(3)
        for ev, _ in self.items:
            if isinstance(ev, HeadTurn):
                half = ev.duration_s / 2
                e = envelope(t, ev.start_s, half, 0.0, half)
                out += e * np.array([ev.yaw_deg, ev.pitch_deg, ev.roll_deg])
        return float(out[0]), float(out[1]), float(out[2])


def _contraction(pose: Pose, c, t: float, bleph: bool) -> None:
    length = c.end_s - c.start_s
    if c.tonic:
        e = envelope(t, c.start_s, 0.15, length - 0.45, 0.3)
    else:
        e = envelope(t, c.start_s, 0.35 * length, 0.15 * length, 0.5 * length)
    if e == 0.0:
        return
    sides = SIDE_INDEX[c.side]
    a = c.intensity * e
    if "eye" in c.regions:
        pose.raise_to("lid", sides, a)
        pose.raise_to("lower_lid", sides, (0.6 if bleph else 0.5) * a)
    if "cheek" in c.regions:
        pose.raise_to("cheek", sides, (0.5 if bleph else 0.8) * a)
        pose.raise_to("lower_lid", sides, 0.7 * a)
    if "mouth" in c.regions:
        pose.raise_to("mouth", sides, 0.85 * a)
    if "brow" in c.regions:
        pose.raise_to("brow", sides, (0.8 if bleph else 0.6) * a)


def _tremor(pose: Pose, ev: Tremor, t: float) -> None:
    ramp = min(0.3, ev.duration_s / 4)
    e = envelope(t, ev.start_s, ramp, ev.duration_s - 2 * ramp, ramp)
    if e == 0.0:
        return
    # (1 - cos)/2 starts closed/open and only moves one way: a closed mouth cannot close further.
    wave = 0.5 - 0.5 * np.cos(2 * np.pi * ev.frequency_hz * (t - ev.start_s))
    value = ev.amplitude_value * wave * e
    if ev.region == "jaw":
        pose.jaw = max(pose.jaw, value)
    else:
        pose.raise_to("lid", SIDE_INDEX[ev.side], value)


def _syllables(ev: Speech, index: int, seed: int) -> list[Syllable]:
    """Syllable onsets at irregular 3–6 Hz intervals with varying jaw opening (inter-ocular units)."""
    rng = np.random.default_rng([seed, index, 11])
    out: list[Syllable] = []
    t = ev.start_s + 0.05
    end = ev.start_s + ev.duration_s
    while True:
        length = 1.0 / rng.uniform(3.0, 6.0)
        if t + length > end:
            break
        if rng.random() < 0.12:  # a short pause between words
            t += length
            continue
        pucker = rng.uniform(0.3, 1.0) if rng.random() < 0.3 else 0.0
        out.append(Syllable(t, length, float(rng.uniform(0.04, 0.12)), float(pucker)))
        t += length
    return out
