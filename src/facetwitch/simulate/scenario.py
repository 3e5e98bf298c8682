"""What to simulate: event specifications, the scenario, and the ground truth they imply.

All times are seconds from the start of the video. ``left``/``right`` are the PATIENT'S OWN sides (in an
un-mirrored frame the patient's right side appears on the image left). Truth is expressed in the engine's
vocabulary (:class:`facetwitch.records.Event` / :class:`facetwitch.records.Episode`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facetwitch.evaluation import INCOMPLETE_BLINK_DEPTH
from facetwitch.records import Episode, Event, canonical_regions

SPASM_REGIONS = ("brow", "eye", "cheek", "mouth")
CODECS = ("h264", "hevc", "mjpeg", "mpeg4", "vp9")


# first renderer (displacement warp), second (piecewise-affine mesh; held-out only), third (the first's
# expressions on a depth-mapped head turned in 3-D; tuning only)
RENDERERS = ("warp", "mesh", "depth")


@dataclass(frozen=True)
class Blink:
    """Bilateral synchronous lid closure: closes in ~1/3 of ``duration_s``, reopens more slowly.

    ``depth`` (0.3..1) is the closure fraction of the open aperture at the blink's peak: 1 = complete,
    below :data:`INCOMPLETE_BLINK_DEPTH` = incomplete (the lids stop short). Truth carries it as
    ``Event.peak``.
    """

    start_s: float
    duration_s: float = 0.25
    depth: float = 1.0

    @property
    def complete(self) -> bool:
        return self.depth >= INCOMPLETE_BLINK_DEPTH


@dataclass(frozen=True)
class HeadTurn:
    """A head turn out and back (or a jerk when short): yaw/pitch/roll in degrees at the extreme, reached
    over ``duration_s / 2`` and returned over the rest with a raised-cosine profile. No truth: a turn is
    not a contraction. Positive yaw turns the face towards the image right, positive pitch nods down."""

    start_s: float
    duration_s: float
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0


@dataclass(frozen=True)
class Spasm:
    """Hemifacial spasm episode on one side (``side`` = patient's side).

    ``clonic``: ``twitches`` brief contractions of ``twitch_s`` each, ``gap_s`` of rest between them.
    ``tonic``: one sustained contraction lasting ``hold_s`` in total (ramps included).
    ``intensity`` (0..1) is the eye-closure fraction at the contraction's peak; cheek and mouth move in
    proportion. Clonic twitches vary by up to ±12 % around it (seeded).
    """

    start_s: float
    side: str
    pattern: str = "clonic"
    twitches: int = 4
    twitch_s: float = 0.25
    gap_s: float = 0.25
    hold_s: float = 2.0
    regions: tuple[str, ...] = ("eye", "cheek", "mouth")
    intensity: float = 0.8


@dataclass(frozen=True)
class Blepharospasm:
    """Bilateral forceful sustained closure lasting ``hold_s`` (ramps included): lids shut, brows lower,
    cheeks squeeze. ``intensity`` (0..1) is the eye-closure fraction."""

    start_s: float
    hold_s: float = 1.5
    intensity: float = 1.0


@dataclass(frozen=True)
class Tremor:
    """Rhythmic sinusoidal oscillation at ``frequency_hz`` (Hz) for ``duration_s``.

    ``region="jaw"`` (side ``both``): the chin/lower lip drops and returns; ``amplitude`` is the
    peak-to-peak chin displacement in units of the inter-ocular distance (default 0.05).
    ``region="eye"`` (side ``left``/``right``/``both``): the upper lid oscillates; ``amplitude`` is the
    peak-to-peak lid-closure fraction of the open aperture (default 0.35).
    """

    start_s: float
    duration_s: float
    frequency_hz: float
    region: str = "jaw"
    side: str = "both"
    amplitude: float | None = None

    @property
    def amplitude_value(self) -> float:
        if self.amplitude is not None:
            return self.amplitude
        return 0.05 if self.region == "jaw" else 0.35


@dataclass(frozen=True)
class Smile:
    """Voluntary symmetric smile (both mouth corners up/out, slight bilateral cheek raise). No truth."""

    start_s: float
    duration_s: float


@dataclass(frozen=True)
class Speech:
    """Speech-like jaw/lip movement: syllables at irregular 3–6 Hz intervals, varying amplitude. No truth."""

    start_s: float
    duration_s: float


@dataclass(frozen=True)
class HeadMotion:
    """Slow smooth head motion for the whole clip. No truth.

    ``amplitude_deg``: in-plane roll amplitude (degrees); ``translate_px``: translation amplitude in output
    pixels; ``period_s``: main period (s); ``scale``: relative scale drift amplitude (0.03 = ±3 %);
    ``yaw_deg``: amplitude of a slight yaw (perspective) impression (degrees).
    """

    amplitude_deg: float = 5.0
    translate_px: float = 15.0
    period_s: float = 4.0
    scale: float = 0.03
    yaw_deg: float = 6.0


@dataclass(frozen=True)
class Camera:
    """Camera and compression look, applied after the face is rendered.

    ``noise_std``: sensor noise (8-bit levels, Gaussian); ``brightness``: gain; ``flicker``: relative
    amplitude of a lighting flicker at ``flicker_hz`` (Hz) plus a slow exposure drift; ``jpeg_quality``:
    re-encode every frame as JPEG of that quality first (blocky artefacts), ``None`` for none;
    ``blur_px``: Gaussian blur sigma (pixels) for a soft lens; ``crf``: encoder quality (lower = better).
    """

    noise_std: float = 0.0
    brightness: float = 1.0
    flicker: float = 0.0
    flicker_hz: float = 0.8
    jpeg_quality: int | None = None
    blur_px: float = 0.0
    crf: int = 20


@dataclass(frozen=True)
class Scenario:
    """A clip to render. ``size`` = (width, height) in pixels of the UPRIGHT picture a correct player shows;
    with ``rotation`` 90/270 the stored frames are ``(height, width)`` and carry display-rotation metadata
    (``rotation`` = degrees the player turns the stored frame clockwise). ``mirrored`` flips the frames
    horizontally like a selfie camera (truth sides stay the patient's). ``vfr`` jitters frame intervals by
    up to ±30 % around ``1/fps``. ``zoom`` scales the face relative to the default framing (face height
    ≈ 45 % of the picture height); ``offset`` moves the face centre by fractions of (width, height).
    """

    face: str = "astronaut"
    duration_s: float = 12.0
    fps: float = 30.0
    size: tuple[int, int] = (1280, 720)
    events: list = field(default_factory=list)
    head_motion: HeadMotion | None = None
    rotation: int = 0
    mirrored: bool = False
    vfr: bool = False
    codec: str = "h264"
    seed: int = 0
    zoom: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    camera: Camera = field(default_factory=Camera)
    name: str = ""
    renderer: str = "warp"
    lid_gain: tuple[float, float] = (1.0, 1.0)

    @property
    def is_control(self) -> bool:
        """No spasm, blepharospasm or tremor: every episode or tremor found here is a false alarm."""
        return not any(isinstance(e, Spasm | Blepharospasm | Tremor) for e in self.events)

    @property
    def suffix(self) -> str:
        """The codec's usual container suffix (``.mp4`` whenever rotation metadata or VFR is needed)."""
        if self.rotation or self.vfr:
            return ".mp4"
        return {"mjpeg": ".avi", "mpeg4": ".avi", "vp9": ".webm"}.get(self.codec, ".mp4")

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first problem."""
        w, h = self.size
        if w < 64 or h < 64 or w % 2 or h % 2:
            raise ValueError(f"size must be even and at least 64x64 pixels, got {self.size}")
        if not 1.0 <= self.fps <= 240.0:
            raise ValueError(f"fps must be within 1..240, got {self.fps}")
        if not 0.2 <= self.duration_s <= 3600.0:
            raise ValueError(f"duration_s must be within 0.2..3600 s, got {self.duration_s}")
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, got {self.rotation}")
        if self.codec not in CODECS:
            raise ValueError(f"codec must be one of {CODECS}, got {self.codec!r}")
        if not 0.3 <= self.zoom <= 3.0:
            raise ValueError(f"zoom must be within 0.3..3, got {self.zoom}")
        if self.renderer not in RENDERERS:
            raise ValueError(f"renderer must be one of {RENDERERS}, got {self.renderer!r}")
        if len(self.lid_gain) != 2 or not all(0.1 <= g <= 1.0 for g in self.lid_gain):
            raise ValueError(f"lid_gain must be two values within 0.1..1, got {self.lid_gain}")
        for ev in self.events:
            _validate_event(ev, self.duration_s)


def _validate_event(ev: object, duration_s: float) -> None:
    name = type(ev).__name__
    if not isinstance(ev, Blink | Spasm | Blepharospasm | Tremor | Smile | Speech | HeadTurn):
        raise ValueError(
            f"unknown event {ev!r}: use Blink, Spasm, Blepharospasm, Tremor, Smile, Speech or HeadTurn"
        )
    end = ev.start_s + _length(ev)
    if ev.start_s < 0 or end > duration_s + 1e-9:
        raise ValueError(f"{name} at {ev.start_s:.2f}-{end:.2f} s lies outside the clip (0-{duration_s} s)")
    if isinstance(ev, Spasm):
        if ev.side not in ("left", "right"):
            raise ValueError(f"Spasm.side must be 'left' or 'right' (patient's side), got {ev.side!r}")
        if ev.pattern not in ("clonic", "tonic"):
            raise ValueError(f"Spasm.pattern must be 'clonic' or 'tonic', got {ev.pattern!r}")
        bad = [r for r in ev.regions if r not in SPASM_REGIONS]
        if bad or not ev.regions:
            raise ValueError(f"Spasm.regions must be a non-empty subset of {SPASM_REGIONS}, got {ev.regions}")
        if ev.pattern == "clonic" and (ev.twitches < 1 or ev.twitch_s < 0.08 or ev.gap_s < 0.0):
            raise ValueError("clonic Spasm needs twitches >= 1, twitch_s >= 0.08 s and gap_s >= 0")
        if ev.pattern == "tonic" and ev.hold_s < 0.6:
            raise ValueError(f"tonic Spasm needs hold_s >= 0.6 s, got {ev.hold_s}")
    if isinstance(ev, Spasm | Blepharospasm) and not 0.05 <= ev.intensity <= 1.0:
        raise ValueError(f"{name}.intensity must be within 0.05..1, got {ev.intensity}")
    if isinstance(ev, Blink) and not 0.08 <= ev.duration_s <= 1.0:
        raise ValueError(f"Blink.duration_s must be within 0.08..1 s, got {ev.duration_s}")
    if isinstance(ev, Blink) and not 0.3 <= ev.depth <= 1.0:
        raise ValueError(f"Blink.depth must be within 0.3..1 (closure fraction), got {ev.depth}")
    if isinstance(ev, HeadTurn):
        if ev.duration_s < 0.1:
            raise ValueError(f"HeadTurn.duration_s must be >= 0.1 s, got {ev.duration_s}")
        if max(abs(ev.yaw_deg), abs(ev.pitch_deg), abs(ev.roll_deg)) > 30:
            raise ValueError("HeadTurn angles must be within ±30 degrees")
    if isinstance(ev, Blepharospasm) and ev.hold_s < 0.6:
        raise ValueError(f"Blepharospasm.hold_s must be >= 0.6 s, got {ev.hold_s}")
    if isinstance(ev, Tremor):
        if ev.region not in ("jaw", "eye"):
            raise ValueError(f"Tremor.region must be 'jaw' or 'eye', got {ev.region!r}")
        if ev.region == "jaw" and ev.side != "both":
            raise ValueError("a jaw Tremor is midline: side must be 'both'")
        if ev.side not in ("left", "right", "both"):
            raise ValueError(f"Tremor.side must be 'left', 'right' or 'both', got {ev.side!r}")
        if not 0.5 <= ev.frequency_hz <= 20.0:
            raise ValueError(f"Tremor.frequency_hz must be within 0.5..20 Hz, got {ev.frequency_hz}")
        if ev.duration_s < 0.5:
            raise ValueError("Tremor.duration_s must be >= 0.5 s")
    if isinstance(ev, Smile | Speech) and ev.duration_s < 0.5:
        raise ValueError(f"{name}.duration_s must be >= 0.5 s")


def _length(ev: object) -> float:
    """Total length of an event spec in seconds."""
    if isinstance(ev, Spasm):
        if ev.pattern == "tonic":
            return ev.hold_s
        return ev.twitches * ev.twitch_s + (ev.twitches - 1) * ev.gap_s
    if isinstance(ev, Blepharospasm):
        return ev.hold_s
    return ev.duration_s


@dataclass(frozen=True)
class Contraction:
    """One contraction as rendered: onset/offset (s), side, regions and peak eye-closure (0..1)."""

    start_s: float
    end_s: float
    side: str
    regions: tuple[str, ...]
    intensity: float
    tonic: bool


def contractions_of(ev: Spasm | Blepharospasm, index: int, seed: int) -> list[Contraction]:
    """The contractions an episode spec renders, with its seeded per-twitch intensity variation."""
    if isinstance(ev, Blepharospasm):
        regions = canonical_regions(("brow", "eye", "cheek"))
        return [Contraction(ev.start_s, ev.start_s + ev.hold_s, "both", regions, ev.intensity, True)]
    regions = canonical_regions(ev.regions)
    if ev.pattern == "tonic":
        return [Contraction(ev.start_s, ev.start_s + ev.hold_s, ev.side, regions, ev.intensity, True)]
    rng = np.random.default_rng([seed, index, 7])
    out = []
    for k in range(ev.twitches):
        t0 = ev.start_s + k * (ev.twitch_s + ev.gap_s)
        amp = float(np.clip(ev.intensity * (1.0 + rng.uniform(-0.12, 0.12)), 0.05, 1.0))
        out.append(Contraction(t0, t0 + ev.twitch_s, ev.side, regions, amp, False))
    return out


def truth_of(scenario: Scenario, eye_height_iod: float = 0.12) -> tuple[list[Event], list[Episode]]:
    """Ground-truth events and episodes of a scenario, sorted by start time.

    ``eye_height_iod``: the open eye's lid distance in inter-ocular units, used to express an eyelid
    tremor's peak-to-peak amplitude in the schema's unit (inter-ocular distance).
    """
    events: list[Event] = []
    episodes: list[Episode] = []
    for i, ev in enumerate(scenario.events):
        if isinstance(ev, Blink):
            events.append(
                Event("blink", ev.start_s, ev.start_s + ev.duration_s, "both", ("eye",), peak=float(ev.depth))
            )
        elif isinstance(ev, Spasm | Blepharospasm):
            cons = contractions_of(ev, i, scenario.seed)
            for c in cons:
                events.append(Event("contraction", c.start_s, c.end_s, c.side, c.regions, peak=c.intensity))
            pattern = "tonic" if cons[0].tonic else "clonic"
            episodes.append(
                Episode(cons[0].start_s, cons[-1].end_s, cons[0].side, pattern, len(cons), cons[0].regions)
            )
        elif isinstance(ev, Tremor):
            amp = ev.amplitude_value if ev.region == "jaw" else ev.amplitude_value * eye_height_iod
            events.append(
                Event(
                    "tremor",
                    ev.start_s,
                    ev.start_s + ev.duration_s,
                    ev.side,
                    (ev.region,),
                    peak=float(amp),
                    frequency_hz=float(ev.frequency_hz),
                )
            )
    events.sort(key=lambda e: (e.start_s, e.kind, e.side))
    episodes.sort(key=lambda e: (e.start_s, e.side))
    return events, episodes
