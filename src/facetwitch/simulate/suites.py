"""Ready-made scenarios: the demo, the benchmark suite and an independently made held-out suite.

The benchmark suite uses the default framing and clean cameras with hand-placed events; the held-out suite
is generated differently (seeded random event timing, other crops/scales, 640x480 and other sizes, sensor
noise, lighting flicker, JPEG artefacts, soft focus, other codecs, mirrored and rotated phones) so that
tuning the engine on one does not leak into the other. Both are scored the same way.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .scenario import (
    Blepharospasm,
    Blink,
    Camera,
    HeadMotion,
    Scenario,
    Smile,
    Spasm,
    Speech,
    Tremor,
    _length,
)


def demo_scenario() -> Scenario:
    """~20 s, 30 fps, 1280x720, astronaut: blinks, a clonic and a tonic right-sided episode, a smile and a
    short ~5 Hz jaw tremor, with gentle head motion."""
    return Scenario(
        face="astronaut",
        duration_s=20.0,
        fps=30.0,
        size=(1280, 720),
        events=[
            Blink(1.2),
            Spasm(3.0, "right", pattern="clonic", twitches=5, twitch_s=0.25, gap_s=0.3),
            Blink(6.4),
            Smile(8.0, 2.0),
            Spasm(11.0, "right", pattern="tonic", hold_s=2.2, intensity=0.9),
            Blink(14.3),
            Tremor(15.5, 2.5, 5.0, region="jaw", amplitude=0.08),
            Blink(18.6),
        ],
        head_motion=HeadMotion(amplitude_deg=2.0, translate_px=8.0, period_s=6.0, yaw_deg=3.0),
        seed=1,
        name="demo",
    )


def _place_blinks(rng, duration_s: float, per_min: float, busy: list[tuple[float, float]]) -> list[Blink]:
    """Blinks at a roughly Poisson rate (per minute), kept 0.6 s clear of the other events."""
    out: list[Blink] = []
    t = rng.uniform(0.5, 2.0)
    while t < duration_s - 1.0:
        d = float(rng.uniform(0.2, 0.32))
        clear = all(t + d + 0.6 < a or t - 0.6 > b for a, b in busy)
        if clear:
            out.append(Blink(round(float(t), 3), round(d, 3)))
            busy.append((t, t + d))
        t += float(rng.exponential(60.0 / per_min)) + 0.8
    return out


def _with_blinks(sc: Scenario, per_min: float = 15.0) -> Scenario:
    rng = np.random.default_rng([sc.seed, 31])
    busy = [(ev.start_s, ev.start_s + _length(ev)) for ev in sc.events]
    events = sorted(sc.events + _place_blinks(rng, sc.duration_s, per_min, busy), key=lambda e: e.start_s)
    return replace(sc, events=events)


def benchmark_suite() -> list[Scenario]:
    """14 scenarios of 20–40 s (two faces, 25/30/60 fps, some variable frame rate) with hand-placed events:
    controls (blinks, smiles, speech, head motion), left and right clonic/tonic spasms, blepharospasm and
    tremors at 3–10 Hz."""
    hm = HeadMotion(amplitude_deg=3.0, translate_px=10.0, period_s=5.0)
    base = [
        Scenario("astronaut", 24.0, 30.0, (1280, 720), [Smile(6.0, 2.5), Speech(12.0, 4.0)], seed=101),
        Scenario("hopper", 24.0, 25.0, (1280, 720), [Speech(4.0, 5.0), Smile(14.0, 3.0)], hm, seed=102),
        Scenario("astronaut", 20.0, 30.0, (960, 540), [Smile(10.0, 2.0)], hm, vfr=True, seed=103),
        Scenario(
            "astronaut",
            30.0,
            30.0,
            (1280, 720),
            [
                Spasm(4.0, "right", "clonic", twitches=4),
                Spasm(13.0, "right", "tonic", hold_s=2.5),
                Spasm(22.0, "right", "clonic", twitches=6, twitch_s=0.2, gap_s=0.2),
            ],
            seed=104,
        ),
        Scenario(
            "hopper",
            30.0,
            30.0,
            (1280, 720),
            [
                Spasm(5.0, "left", "clonic", twitches=5, intensity=0.9),
                Smile(12.0, 2.5),
                Spasm(18.0, "left", "tonic", hold_s=3.0, intensity=1.0),
            ],
            seed=105,
        ),
        Scenario(
            "astronaut",
            30.0,
            60.0,
            (1280, 720),
            [
                Spasm(6.0, "left", "tonic", hold_s=2.0),
                Speech(12.0, 4.0),
                Spasm(20.0, "left", "clonic", twitches=3),
            ],
            hm,
            seed=106,
        ),
        Scenario(
            "astronaut",
            25.0,
            30.0,
            (1280, 720),
            [Spasm(5.0, "right", "clonic", twitches=4, regions=("eye",), intensity=0.9), Smile(12.0, 2.0)],
            vfr=True,
            seed=107,
        ),
        Scenario(
            "hopper",
            30.0,
            25.0,
            (1280, 720),
            [
                Blepharospasm(5.0, hold_s=2.0),
                Blepharospasm(14.0, hold_s=3.5),
                Blepharospasm(24.0, hold_s=1.5),
            ],
            seed=108,
        ),
        Scenario(
            "astronaut",
            24.0,
            30.0,
            (1280, 720),
            [Blepharospasm(6.0, 2.5), Spasm(15.0, "right", "tonic")],
            seed=109,
        ),
        Scenario(
            "astronaut", 20.0, 30.0, (1280, 720), [Tremor(5.0, 6.0, 4.0, "jaw", amplitude=0.06)], seed=110
        ),
        Scenario("hopper", 20.0, 60.0, (1280, 720), [Tremor(6.0, 5.0, 8.0, "jaw", amplitude=0.05)], seed=111),
        Scenario(
            "astronaut",
            24.0,
            30.0,
            (1280, 720),
            [Tremor(4.0, 5.0, 3.0, "jaw", amplitude=0.07), Tremor(14.0, 4.0, 6.0, "eye", side="right")],
            vfr=True,
            seed=112,
        ),
        Scenario(
            "astronaut",
            40.0,
            60.0,
            (1280, 720),
            [
                Tremor(5.0, 4.0, 10.0, "jaw", amplitude=0.05),
                Spasm(15.0, "left", "clonic", twitches=4),
                Speech(22.0, 5.0),
                Spasm(31.0, "right", "tonic", hold_s=2.0),
            ],
            hm,
            seed=113,
        ),
        Scenario(
            "hopper", 20.0, 30.0, (1280, 720), [Smile(3.0, 2.0), Speech(8.0, 6.0)], hm, vfr=True, seed=114
        ),
    ]
    names = [
        "control-smile-speech",
        "control-hopper-speech-headmotion",
        "control-vfr-headmotion",
        "hfs-right-clonic-tonic",
        "hfs-left-hopper",
        "hfs-left-60fps-speech",
        "hfs-right-eye-only-vfr",
        "blepharospasm-hopper",
        "blepharospasm-and-hfs",
        "tremor-jaw-4hz",
        "tremor-jaw-8hz-60fps",
        "tremor-3hz-jaw-6hz-eyelid-vfr",
        "mixed-40s-60fps",
        "control-hopper-vfr",
    ]
    return [_with_blinks(_named(sc, n)) for sc, n in zip(base, names, strict=True)]


def _named(sc: Scenario, name: str) -> Scenario:
    return replace(sc, name=name)


def heldout_suite(n: int = 12, seed: int = 20261125) -> list[Scenario]:
    """``n`` scenarios generated by a seeded random process, independent of :func:`benchmark_suite`:
    other crops/scales/sizes (640x480 included), camera noise, lighting flicker, JPEG artefacts, blur,
    mjpeg/vp9/hevc codecs, mirrored and rotated phone videos, and randomised event timing."""
    rng = np.random.default_rng(seed)
    looks = [
        Camera(noise_std=4.0, flicker=0.06, flicker_hz=1.3, crf=26),
        Camera(jpeg_quality=35, crf=24),
        Camera(noise_std=6.0, brightness=0.75, blur_px=1.2, crf=28),
        Camera(flicker=0.10, flicker_hz=0.5, brightness=1.1, crf=23),
    ]
    sizes = [(640, 480), (854, 480), (1280, 720), (640, 360)]
    codecs = ["h264", "h264", "mjpeg", "vp9", "hevc"]
    out: list[Scenario] = []
    for i in range(n):
        duration = float(rng.choice([20.0, 25.0, 30.0]))
        fps = float(rng.choice([24.0, 25.0, 30.0, 29.97, 60.0]))
        codec = codecs[i % len(codecs)]
        rotation = int(rng.choice([0, 0, 90, 270])) if codec == "h264" else 0
        events = _random_events(rng, duration, kind=i % 4)
        size = sizes[i % len(sizes)]
        if rotation in (90, 270):  # a phone held upright: portrait picture, landscape frames + metadata
            size = (size[1], size[0])
        out.append(
            _with_blinks(
                Scenario(
                    face=("hopper", "astronaut")[i % 2],
                    duration_s=duration,
                    fps=fps,
                    size=size,
                    events=events,
                    head_motion=HeadMotion(
                        amplitude_deg=float(rng.uniform(1, 6)),
                        translate_px=float(rng.uniform(3, 20)),
                        period_s=float(rng.uniform(3, 8)),
                        yaw_deg=float(rng.uniform(0, 8)),
                    )
                    if rng.random() < 0.6
                    else None,
                    rotation=rotation,
                    mirrored=bool(rng.random() < 0.3),
                    vfr=bool(codec in ("h264", "hevc") and rng.random() < 0.4),
                    codec=codec,
                    seed=int(seed % 10_000 + i),
                    zoom=float(rng.uniform(0.75, 1.3)),
                    offset=(float(rng.uniform(-0.08, 0.08)), float(rng.uniform(-0.05, 0.05))),
                    camera=looks[i % len(looks)],
                    name=f"heldout-{i:02d}",
                ),
                per_min=float(rng.uniform(8, 25)),
            )
        )
    return out


def _random_events(rng, duration_s: float, kind: int) -> list:
    """Non-overlapping random events. kind 0: control, 1: hemifacial spasm, 2: blepharospasm, 3: tremor."""
    events: list = []
    t = float(rng.uniform(2.0, 4.0))

    def room(length: float) -> bool:
        return t + length < duration_s - 1.5

    while True:
        roll = rng.random()
        if kind == 0 or roll < 0.25:
            ev = (
                Smile(t, float(rng.uniform(1.2, 3.0)))
                if rng.random() < 0.5
                else Speech(t, float(rng.uniform(2, 5)))
            )
        elif kind == 1:
            side = "left" if rng.random() < 0.5 else "right"
            if rng.random() < 0.6:
                ev = Spasm(
                    t,
                    side,
                    "clonic",
                    twitches=int(rng.integers(2, 8)),
                    twitch_s=float(rng.uniform(0.15, 0.4)),
                    gap_s=float(rng.uniform(0.1, 0.6)),
                    intensity=float(rng.uniform(0.6, 1.0)),
                    regions=("eye", "cheek", "mouth") if rng.random() < 0.7 else ("eye", "cheek"),
                )
            else:
                ev = Spasm(
                    t,
                    side,
                    "tonic",
                    hold_s=float(rng.uniform(1.0, 4.0)),
                    intensity=float(rng.uniform(0.7, 1)),
                )
        elif kind == 2:
            ev = Blepharospasm(t, hold_s=float(rng.uniform(1.0, 4.0)), intensity=float(rng.uniform(0.8, 1.0)))
        else:
            if rng.random() < 0.7:
                ev = Tremor(
                    t,
                    float(rng.uniform(3, 7)),
                    float(rng.uniform(3, 10)),
                    "jaw",
                    amplitude=float(rng.uniform(0.04, 0.08)),
                )
            else:
                side = "left" if rng.random() < 0.5 else "right"
                ev = Tremor(t, float(rng.uniform(2, 5)), float(rng.uniform(3, 10)), "eye", side=side)
        if not room(_length(ev)):
            break
        events.append(ev)
        t += _length(ev) + float(rng.uniform(2.0, 6.0))
    return events
