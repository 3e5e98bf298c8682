"""Cause differential and red flags from history, examination and video metrics (pure Python, no Django).

The rules are data: ``rules.json`` next to this module (one reviewed file, every rule citing a DS-n entry of
docs/clinical-sources.md). This module only turns raw findings into the finding ids the rules speak of and
adds up the cited weights. Output is decision support — the clinician decides; it is never a diagnosis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).with_name("rules.json")
DECISION_SUPPORT = "decision support — the clinician decides"

SIDES = ("left", "right", "both")
ONSET_REGIONS = ("eyelid", "cheek", "mouth", "chin", "whole_side")
LOWER_FACE_ONSET = ("cheek", "mouth", "chin")
LOWER_FACE_REGIONS = ("cheek", "mouth", "jaw")
PERIOCULAR_REGIONS = ("eye", "brow")
IMAGING_RESULTS = ("normal", "neurovascular_contact", "lesion_cpa", "lesion_brainstem", "lesion_other")


@dataclass(frozen=True)
class Findings:
    """Everything the differential reads. ``None`` means "not assessed" (never the same as "absent").

    Sides are the patient's own. ``regions`` use the engine's vocabulary (brow, eye, cheek, mouth, jaw).
    ``blink_rate_per_min`` is blinks per minute at rest; ``tremor_frequency_hz`` is in hertz.
    """

    side: str | None = None
    bilateral_synchronous: bool | None = None
    onset_region: str | None = None
    spread_to_lower_face: bool | None = None
    regions: tuple[str, ...] = ()
    blink_rate_per_min: float | None = None
    tremor_present: bool | None = None
    tremor_frequency_hz: float | None = None
    persists_in_sleep: bool | None = None
    other_babinski_sign: bool | None = None
    sensory_trick: bool | None = None
    prior_bells_palsy: bool | None = None
    facial_nerve_injury: bool | None = None
    synkinesis_with_voluntary_movement: bool | None = None
    continuous_rippling: bool | None = None
    multiple_sclerosis: bool | None = None
    suspected_ms: bool | None = None
    age_at_onset_years: float | None = None
    premonitory_urge: bool | None = None
    suppressible: bool | None = None
    stress_caffeine_fatigue: bool | None = None
    facial_weakness: bool | None = None
    hearing_loss: bool | None = None
    other_cranial_nerve_signs: bool | None = None
    rapid_progression: bool | None = None
    # Added for the mimics (DS-37..DS-54): imaging, drugs, functional signs, jaw, seizures.
    weakness_explained: bool | None = None  # weakness explained by a known prior palsy or surgery
    imaging_result: str | None = None  # one of IMAGING_RESULTS
    dopamine_blocker_exposure: bool | None = None
    orobuccolingual_stereotypy: bool | None = None
    distractible_variable: bool | None = None
    tonic_contractions: bool | None = None
    jaw_deviation: bool | None = None
    jaw_dystonia: bool | None = None
    jaw_closing_muscles: bool | None = None
    facial_hemiatrophy: bool | None = None
    alternating_sides: bool | None = None
    apraxia_lid_opening: bool | None = None
    clonic_jerks: bool | None = None
    limb_involvement: bool | None = None
    hyperglycaemia: bool | None = None

    def __post_init__(self) -> None:
        if self.side is not None and self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES} or None, not {self.side!r}")
        if self.onset_region is not None and self.onset_region not in ONSET_REGIONS:
            raise ValueError(
                f"onset_region must be one of {ONSET_REGIONS} or None, not {self.onset_region!r}"
            )
        if self.imaging_result is not None and self.imaging_result not in IMAGING_RESULTS:
            raise ValueError(
                f"imaging_result must be one of {IMAGING_RESULTS} or None, not {self.imaging_result!r}"
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Findings:
        """Build from a JSON-like mapping (unknown keys are an error, so typos cannot pass silently)."""
        names = set(cls.__dataclass_fields__)
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown finding(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        if "regions" in values:
            values["regions"] = tuple(values["regions"] or ())
        return cls(**values)


@dataclass(frozen=True)
class Evidence:
    finding: str
    label: str
    weight: float
    cite: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """One candidate cause with the findings for and against it and the net score (sum of cited weights)."""

    id: str
    label: str
    score: float
    supporting: tuple[Evidence, ...]
    opposing: tuple[Evidence, ...]
    not_assessed: tuple[str, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return _unique(c for e in (*self.supporting, *self.opposing) for c in e.cite)


@dataclass(frozen=True)
class RedFlag:
    id: str
    label: str
    triggered_by: tuple[str, ...]
    workup: tuple[str, ...]
    cite: tuple[str, ...]


@dataclass(frozen=True)
class Differential:
    candidates: tuple[Candidate, ...]
    red_flags: tuple[RedFlag, ...]
    findings: dict[str, bool | None] = field(default_factory=dict)
    disclaimer: str = DECISION_SUPPORT

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def top_ids(self, k: int) -> list[str]:
        return [c.id for c in self.candidates[:k]]

    @property
    def sources(self) -> tuple[str, ...]:
        cites = [c for cand in self.candidates for c in cand.sources]
        cites += [c for flag in self.red_flags for c in flag.cite]
        return _unique(cites)


@cache
def load_rules(path: Path = RULES_PATH) -> dict[str, Any]:
    """The reviewed rules file, checked for internal consistency (every rule names a known finding)."""
    rules = json.loads(Path(path).read_text(encoding="utf-8"))
    known = set(rules["findings"])
    for cause in rules["causes"]:
        for item in (*cause["for"], *cause["against"]):
            if item["finding"] not in known:
                raise ValueError(f"rules: cause {cause['id']} uses unknown finding {item['finding']!r}")
            if not item.get("cite"):
                raise ValueError(f"rules: cause {cause['id']} finding {item['finding']} has no citation")
    for flag in rules["red_flags"]:
        missing = (set(flag["when_any"]) | set(flag.get("unless_any", ()))) - known
        if missing or not flag.get("cite"):
            raise ValueError(f"rules: red flag {flag['id']} is incomplete ({missing or 'no citation'})")
    return rules


def derive(findings: Findings, rules: dict[str, Any] | None = None) -> dict[str, bool | None]:
    """Raw findings -> the rule vocabulary (True present, False absent, None not assessed)."""
    rules = rules or load_rules()
    thresholds = rules["thresholds"]
    f = findings
    regions = set(f.regions)
    bilateral = None if f.side is None else f.side == "both"
    # Blepharospasm's "bilateral synchronous" is about the eyes: a bilateral jaw tremor is not that.
    eyes_involved = not regions or "eye" in regions
    out: dict[str, bool | None] = {
        "unilateral": None if f.side is None else f.side in ("left", "right"),
        "bilateral": bilateral,
        "bilateral_synchronous": (
            None
            if bilateral is None or (bilateral and f.bilateral_synchronous is None)
            else bool(bilateral and f.bilateral_synchronous and eyes_involved)
        ),
        # Twitching that alternates between the sides is not bilateral hemifacial spasm (DS-3, DS-15).
        "bilateral_asynchronous": (
            None
            if bilateral is None or (bilateral and f.bilateral_synchronous is None)
            else bool(bilateral and f.bilateral_synchronous is False and f.alternating_sides is not True)
        ),
        "onset_eyelid": None if f.onset_region is None else f.onset_region == "eyelid",
        "onset_lower_face": None if f.onset_region is None else f.onset_region in LOWER_FACE_ONSET,
        "spread_ipsilateral_lower_face": (
            None
            if f.spread_to_lower_face is None or f.side is None
            else bool(f.spread_to_lower_face and f.side in ("left", "right"))
        ),
        "lower_face_involved": (bool(regions & set(LOWER_FACE_REGIONS)) if regions else None),
        "eyelid_only": _eyelid_only(f, regions),
        "blink_rate_high": (
            None
            if f.blink_rate_per_min is None
            else f.blink_rate_per_min > thresholds["blink_rate_high_per_min"]["value"]
        ),
        "rhythmic_tremor": f.tremor_present,
        "persists_in_sleep": f.persists_in_sleep,
        "other_babinski_sign": f.other_babinski_sign,
        "sensory_trick": f.sensory_trick,
        "prior_facial_palsy": _any_true(f.prior_bells_palsy, f.facial_nerve_injury),
        "synkinesis_voluntary": f.synkinesis_with_voluntary_movement,
        "continuous_rippling": f.continuous_rippling,
        "multiple_sclerosis": f.multiple_sclerosis,
        "suspected_ms": f.suspected_ms,
        "childhood_onset": (
            None
            if f.age_at_onset_years is None
            else f.age_at_onset_years < thresholds["childhood_onset_age_years"]["value"]
        ),
        "premonitory_urge": f.premonitory_urge,
        "suppressible": f.suppressible,
        "stress_caffeine_fatigue": f.stress_caffeine_fatigue,
        # Weakness already explained by a known palsy or surgery is not a new red flag (DS-8, DS-17).
        "facial_weakness": (
            None
            if f.facial_weakness is None
            else bool(f.facial_weakness and f.weakness_explained is not True)
        ),
        "weakness_explained": (
            None if f.facial_weakness is None else bool(f.facial_weakness and f.weakness_explained is True)
        ),
        "imaging_normal": _imaging(f, ("normal",)),
        "imaging_neurovascular_contact": _imaging(f, ("neurovascular_contact",)),
        "imaging_lesion": _imaging(f, ("lesion_cpa", "lesion_brainstem", "lesion_other")),
        "imaging_lesion_cpa": _imaging(f, ("lesion_cpa",)),
        "imaging_lesion_brainstem": _imaging(f, ("lesion_brainstem",)),
        "dopamine_blocker_exposure": f.dopamine_blocker_exposure,
        "orobuccolingual_stereotypy": f.orobuccolingual_stereotypy,
        "distractible_variable": f.distractible_variable,
        "tonic_contractions": f.tonic_contractions,
        "jaw_deviation": f.jaw_deviation,
        "jaw_dystonia": f.jaw_dystonia,
        "meige_pattern": (
            None
            if f.jaw_dystonia is None or f.bilateral_synchronous is None
            else bool(f.jaw_dystonia and f.bilateral_synchronous and f.side == "both")
        ),
        "jaw_closing_muscles": f.jaw_closing_muscles,
        "facial_hemiatrophy": f.facial_hemiatrophy,
        "alternating_sides": f.alternating_sides,
        "apraxia_lid_opening": f.apraxia_lid_opening,
        "clonic_jerks": f.clonic_jerks,
        "limb_involvement": f.limb_involvement,
        "hyperglycaemia": f.hyperglycaemia,
        "other_babinski_absent": None if f.other_babinski_sign is None else not f.other_babinski_sign,
        "hearing_loss": f.hearing_loss,
        "other_cranial_nerve_signs": f.other_cranial_nerve_signs,
        "rapid_progression": f.rapid_progression,
    }
    missing = set(rules["findings"]) - set(out)
    if missing:  # the rules file names a finding this code cannot derive
        raise ValueError(f"rules name findings the code does not derive: {sorted(missing)}")
    return out


def evaluate(findings: Findings, rules: dict[str, Any] | None = None) -> Differential:
    """Rank the candidate causes (highest net score first) and collect the red flags."""
    rules = rules or load_rules()
    derived = derive(findings, rules)
    labels = {k: v["label"] for k, v in rules["findings"].items()}
    if findings.tremor_present and findings.tremor_frequency_hz is not None:
        # The measured rate is what the clinician weighs (e.g. 4-7 Hz rest tremor vs. a faster one).
        labels["rhythmic_tremor"] += f" (measured {findings.tremor_frequency_hz:.1f} Hz)"
    candidates = []
    for order, cause in enumerate(rules["causes"]):
        supporting = tuple(_evidence(i, labels) for i in cause["for"] if derived.get(i["finding"]) is True)
        opposing = tuple(_evidence(i, labels) for i in cause["against"] if derived.get(i["finding"]) is True)
        not_assessed = _unique(
            labels[i["finding"]]
            for i in (*cause["for"], *cause["against"])
            if derived.get(i["finding"]) is None
        )
        score = sum(e.weight for e in supporting) - sum(e.weight for e in opposing)
        candidates.append(
            (-score, order, Candidate(cause["id"], cause["label"], score, supporting, opposing, not_assessed))
        )
    ranked = tuple(c for _, _, c in sorted(candidates, key=lambda t: (t[0], t[1])))
    flags = tuple(
        RedFlag(
            id=flag["id"],
            label=flag["label"],
            triggered_by=tuple(labels[w] for w in flag["when_any"] if derived.get(w) is True),
            workup=tuple(flag["workup"]),
            cite=tuple(flag["cite"]),
        )
        for flag in rules["red_flags"]
        if any(derived.get(w) is True for w in flag["when_any"])
        and not any(derived.get(w) is True for w in flag.get("unless_any", ()))
    )
    return Differential(candidates=ranked, red_flags=flags, findings=derived)


def cause_labels(rules: dict[str, Any] | None = None) -> dict[str, str]:
    rules = rules or load_rules()
    return {c["id"]: c["label"] for c in rules["causes"]}


def _eyelid_only(f: Findings, regions: set[str]) -> bool | None:
    if not regions:
        return None
    if f.side == "both" and f.alternating_sides is not True:  # one lid at a time is still one lid
        return False
    confined = regions <= set(PERIOCULAR_REGIONS) and "eye" in regions
    return bool(confined and f.spread_to_lower_face is not True)


def _imaging(f: Findings, results: tuple[str, ...]) -> bool | None:
    return None if f.imaging_result is None else f.imaging_result in results


def _any_true(*values: bool | None) -> bool | None:
    if any(v is True for v in values):
        return True
    if all(v is None for v in values):
        return None
    return False


def _evidence(item: dict[str, Any], labels: dict[str, str]) -> Evidence:
    return Evidence(item["finding"], labels[item["finding"]], float(item["weight"]), tuple(item["cite"]))


def _unique(items) -> tuple:
    seen: dict = {}
    for item in items:
        seen.setdefault(item, None)
    return tuple(seen)
