"""Plain typed records of an analysis: the vocabulary of ``analysis.json`` (schema ``facetwitch.analysis/1``).

Times are seconds from the start of the video. ``left`` and ``right`` are always the *patient's own* sides;
``both`` marks bilateral events (blinks, blepharospasm closures, midline tremor).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

SCHEMA_ID = "facetwitch.analysis/1"
SUGGESTION_LABEL = "suggested from video, clinician confirms"
DISCLAIMER = (
    "Decision support, not a diagnosis: measurements from video are suggestions for the clinician, "
    "who confirms or changes them."
)

Side = Literal["left", "right", "both"]
EventKind = Literal["blink", "contraction", "tremor"]
Pattern = Literal["clonic", "tonic", "mixed"]
Region = Literal["brow", "eye", "cheek", "mouth", "jaw"]

# Under this frame rate (frames/s) an analysis warns that brief twitches may be missed, and
# ``facetwitch.analyze(max_fps=...)`` may not bring a video below it.
LOW_FPS = 20.0


def is_frame_rate_cap(value: float) -> bool:
    """Whether ``value`` (frames/s) may cap the frames an analysis looks at: ``LOW_FPS`` or more, finite."""
    return LOW_FPS <= value < float("inf")


SIDES: tuple[str, ...] = get_args(Side)
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
PATTERNS: tuple[str, ...] = get_args(Pattern)
REGIONS: tuple[str, ...] = get_args(Region)


def canonical_regions(regions: Iterable[str]) -> tuple[str, ...]:
    """Regions deduplicated and in the schema's anatomical order (brow, eye, cheek, mouth, jaw)."""
    given = set(regions)
    return tuple(r for r in REGIONS if r in given)


@dataclass(frozen=True)
class VideoInfo:
    """What the decoder found. ``rotation`` is the display rotation applied, in degrees clockwise. ``frames``:
    the frames analysed. ``max_fps``: the cap on frames analysed a second the analysis ran with (frames/s;
    ``facetwitch.analyze(max_fps=...)``), None where every frame was analysed (and in older documents)."""

    path: str
    duration_s: float
    frames: int
    fps_nominal: float
    width: int
    height: int
    rotation: int = 0
    mirrored: bool = False
    max_fps: float | None = None


@dataclass(frozen=True)
class Gap:
    """A stretch of video without a usable face (no face found, or pose/size out of range)."""

    start_s: float
    end_s: float


@dataclass(frozen=True)
class Quality:
    """How much of the video could be measured. ``lid_range_measured`` is False where no blink moved an eye's
    lids measurably: eyelid closure, blinks and the blink rate then rest on a typical blink's scale, and a
    warning says so. ``face_brightness``: the face box's mean Rec. 601 luma (0-255), the median of about one
    sample a second; outside ``signals.QualityLimits``' range a warning says so (None in older documents).
    ``lid_travel_left`` / ``lid_travel_right``: how far a full blink narrows that eye's opening in the face mesh,
    as a share of the open eye's (0..1; the scale its closure is read on); under ``QualityLimits.min_lid_travel`` a
    warning says faint twitches may be missed (None where the lids were not measured, and in older documents)."""

    face_found_fraction: float
    gaps: tuple[Gap, ...] = ()
    warnings: tuple[str, ...] = ()
    lid_range_measured: bool = True
    face_brightness: float | None = None
    lid_travel_left: float | None = None
    lid_travel_right: float | None = None


@dataclass(frozen=True)
class Event:
    """One detected event, like an MNE annotation: onset, offset, description.

    ``peak`` is the strongest normalised deflection during the event (eye closure 0..1 for blinks and eye
    contractions, the largest region deflection otherwise; tremor: peak-to-peak amplitude in units of the
    inter-ocular distance). For blinks ``peak`` is the blink's depth (0..1 of this person's full blink) and
    ``complete`` says whether the lids closed fully (``False``: an incomplete blink); ``None`` for other kinds.
    ``frequency_hz`` is set for tremor only.
    """

    kind: EventKind
    start_s: float
    end_s: float
    side: Side
    regions: tuple[Region, ...] = ()
    peak: float = 0.0
    frequency_hz: float | None = None
    complete: bool | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Episode:
    """Contractions of one side no more than the merge gap apart.

    ``pattern``: ``clonic`` (brief contractions only), ``tonic`` (one sustained contraction >= 1 s and
    nothing else) or ``mixed`` (both kinds).
    """

    start_s: float
    end_s: float
    side: Side
    pattern: Pattern
    contractions: int
    regions: tuple[Region, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class SideSummary:
    """Spasm metrics of one side (``both``: bilateral closures such as blepharospasm).

    Defined on episodes, the clinical unit: ``spasm_time_fraction`` is the share of analysed time covered by
    this side's episodes (from the first contraction's onset to the last one's end, pauses between the
    twitches of a clonic burst included).
    """

    episodes: int
    episodes_per_min: float
    spasm_time_fraction: float
    eye_closure_fraction: float
    regions: tuple[Region, ...] = ()
    spread_beyond_eye: bool = False


@dataclass(frozen=True)
class TremorSummary:
    present: bool
    frequency_hz: float | None = None
    time_fraction: float = 0.0
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True)
class Summary:
    """Whole-video metrics. Rates are per minute of *analysed* time (time with a usable face).

    ``laterality_index`` = (right - left) / (right + left) of spasm time: +1 all right, -1 all left,
    ``None`` when there is no unilateral spasm. ``incomplete_blink_count`` / ``incomplete_blink_fraction``:
    blinks in which the lids did not close fully, and their share of all blinks (``None`` without blinks).
    """

    analysed_duration_s: float
    blink_count: int
    blink_rate_per_min: float
    episodes_total: int
    left: SideSummary
    right: SideSummary
    both: SideSummary
    laterality_index: float | None
    affected_side: Side | None
    longest_episode_s: float
    tremor: TremorSummary
    incomplete_blink_count: int = 0
    incomplete_blink_fraction: float | None = None


@dataclass(frozen=True)
class ScaleSuggestion:
    """One suggested clinical grade with the rule that produced it, for the clinician to confirm."""

    value: int | None
    rule: str


@dataclass(frozen=True)
class SuggestedScales:
    jankovic_severity: ScaleSuggestion
    jankovic_frequency: ScaleSuggestion
    smc_grade: ScaleSuggestion
    label: str = SUGGESTION_LABEL

    @property
    def jankovic_total(self) -> int | None:
        s, f = self.jankovic_severity.value, self.jankovic_frequency.value
        return None if s is None or f is None else s + f


@dataclass(frozen=True)
class EngineInfo:
    """The versions that produced an analysis, typed (``analysis.json`` keeps them as the ``engine`` mapping:
    ``facetwitch``, ``mediapipe``, ``model_sha256``, ``landmark_backend`` and any component added later)."""

    version: str
    mediapipe: str = ""
    model_sha256: str = ""
    landmark_backend: str = ""
    components: tuple[tuple[str, str], ...] = ()  # every other name -> version, sorted

    @classmethod
    def from_mapping(cls, engine: dict[str, str]) -> EngineInfo:
        known = {"facetwitch", "mediapipe", "model_sha256", "landmark_backend"}
        return cls(
            version=str(engine.get("facetwitch", "")),
            mediapipe=str(engine.get("mediapipe", "")),
            model_sha256=str(engine.get("model_sha256", "")),
            landmark_backend=str(engine.get("landmark_backend", "")),
            components=tuple(sorted((k, str(v)) for k, v in engine.items() if k not in known)),
        )

    def to_mapping(self) -> dict[str, str]:
        """The ``engine`` object of analysis.json (empty values left out)."""
        out = {
            "facetwitch": self.version,
            "mediapipe": self.mediapipe,
            "model_sha256": self.model_sha256,
            "landmark_backend": self.landmark_backend,
            **dict(self.components),
        }
        return {k: v for k, v in out.items() if v}

    def describe(self) -> str:
        """One line for a report or a run manifest (the model hash shortened to 12 characters)."""
        parts = [f"facetwitch {self.version}"] + [
            f"{k} {v[:12] if k == 'model_sha256' else v}"
            for k, v in self.to_mapping().items()
            if k != "facetwitch"
        ]
        return "; ".join(parts)


@dataclass(frozen=True)
class VideoProbe:
    """What :func:`facetwitch.probe_video` found without analysing: the picture as displayed (width and height
    after the display rotation), the rotation applied (degrees clockwise), the container and codec names, the
    nominal frame rate (frames/s) and the duration (s, ``None`` when the container does not say). Carries no
    file path, so it can be stored or shown as it is."""

    container: str
    codec: str
    width: int
    height: int
    rotation: int
    fps: float
    duration_s: float | None
    frames: int


@dataclass
class Analysis:
    """The result of :func:`facetwitch.analyze`. ``frames`` is the per-frame table (a ``pyarrow.Table``)."""

    video: VideoInfo
    quality: Quality
    events: list[Event]
    episodes: list[Episode]
    summary: Summary
    suggested_scales: SuggestedScales
    engine: dict[str, str] = field(default_factory=dict)
    frames: Any = None

    @property
    def engine_info(self) -> EngineInfo:
        """The ``engine`` mapping as a typed record (``engine_info.version`` is the facetwitch version)."""
        return EngineInfo.from_mapping(self.engine)

    @property
    def measured_blink_rate_per_min(self) -> float | None:
        """Blinks per minute of analysed time, or None where no blink moved the eyelids measurably
        (``quality.lid_range_measured`` is False): a rate of 0 there is not a finding, and the analysis warns why.
        What the clinic stores, the cohort table writes and the report shows."""
        return self.summary.blink_rate_per_min if self.quality.lid_range_measured else None

    def events_of(self, kind: EventKind) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        scales = _plain(asdict(self.suggested_scales))
        scales["jankovic_total"] = self.suggested_scales.jankovic_total
        return {
            "schema": SCHEMA_ID,
            "disclaimer": DISCLAIMER,
            "engine": dict(self.engine),
            "video": _plain(asdict(self.video)),
            "quality": _plain(asdict(self.quality)),
            "events": [_plain(asdict(e)) for e in self.events],
            "episodes": [_plain(asdict(e)) for e in self.episodes],
            "summary": _plain(asdict(self.summary)),
            "suggested_scales": scales,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        if data.get("schema") != SCHEMA_ID:
            raise ValueError(f"not a {SCHEMA_ID} document (schema={data.get('schema')!r})")
        summary = dict(data["summary"])
        for key in ("left", "right", "both"):
            summary[key] = _build(SideSummary, summary[key])
        summary["tremor"] = _build(TremorSummary, summary["tremor"])
        scales = {
            k: _build(ScaleSuggestion, v) if isinstance(v, dict) else v
            for k, v in data["suggested_scales"].items()
            if k != "jankovic_total"
        }
        quality = dict(data["quality"])
        quality["gaps"] = tuple(_build(Gap, g) for g in quality["gaps"])
        return cls(
            video=_build(VideoInfo, data["video"]),
            quality=_build(Quality, quality),
            events=[_build(Event, e) for e in data["events"]],
            episodes=[_build(Episode, e) for e in data["episodes"]],
            summary=_build(Summary, summary),
            suggested_scales=SuggestedScales(**scales),
            engine=dict(data.get("engine", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> Analysis:
        return cls.from_dict(json.loads(text))


def _plain(value: Any) -> Any:
    """Tuples to lists and floats rounded to a readable precision (microseconds are plenty)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    """Build a frozen record from a JSON object, turning lists back into tuples."""
    names = {f.name for f in fields(cls)}
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return cls(**kwargs)
