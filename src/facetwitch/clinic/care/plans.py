"""Personalized treatment-plan suggestions by cause and patient factors (pure Python, no Django).

Every option cites docs/clinical-sources.md (DS-n). The suggestions are decision support — the clinician
decides, edits and signs; nothing here prescribes or books anything. Toxin units are product-specific and
never converted between products (DS-2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from facetwitch.clinic.care.differential import DECISION_SUPPORT
from facetwitch.clinic.treatments import dosing

# Blepharospasm label (onabotulinumtoxinA), DS-2: 1.25-2.5 U per site initially, up to two-fold at repeat
# sessions when the response was insufficient (effect not lasting over 2 months), little benefit above 5 U per
# site, cumulative at most 200 U in 30 days. The numbers are defined once, in treatments/dosing.py.
_ONA = dosing.TOXIN_PRODUCTS[dosing.ONA]
LABEL_SITE_MIN_U = float(_ONA.initial_per_site[0])
LABEL_SITE_INITIAL_MAX_U = float(_ONA.initial_per_site[1])
LABEL_SITE_MAX_U = float(_ONA.max_per_site)
LABEL_CUMULATIVE_30D_U = float(_ONA.max_cumulative_30_days)
INSUFFICIENT_EFFECT_WEEKS = 8  # "an effect that does not last longer than 2 months" (DS-2)

LINES = ("first", "next", "adjunct", "referral", "avoid")
HLA_STATUSES = ("unknown", "negative", "positive")
ADVERSE_EFFECTS = ("ptosis", "diplopia", "lagophthalmos", "dry_eye", "facial_weakness", "bruising")


@dataclass(frozen=True)
class InjectionSite:
    """One injection: ``muscle`` and ``position`` in words, ``side`` the patient's own, ``units`` of ``product``."""

    muscle: str
    position: str
    side: str
    units: float
    zone: str = "other"  # upper_lid | lower_lid | brow | lower_face | other


@dataclass(frozen=True)
class ToxinSession:
    product: str
    sites: tuple[InjectionSite, ...]
    on: date | None = None
    effective: bool | None = None
    effect_weeks: float | None = None
    adverse_effects: tuple[str, ...] = ()

    @property
    def total_units(self) -> float:
        return sum(s.units for s in self.sites)


@dataclass(frozen=True)
class PatientFactors:
    age_years: float | None = None
    affected_side: str | None = None  # left | right | both
    pregnant: bool = False
    breastfeeding: bool = False
    nmj_disorder: bool = False  # myasthenia gravis, Lambert-Eaton, ALS ...
    anticoagulated: bool = False
    hla_risk_ancestry: bool | None = None  # ancestry from areas where HLA-B*15:02 is present
    hla_b1502: str = "unknown"
    surgical_comorbidities: bool = False

    def __post_init__(self) -> None:
        if self.hla_b1502 not in HLA_STATUSES:
            raise ValueError(f"hla_b1502 must be one of {HLA_STATUSES}")


@dataclass(frozen=True)
class TitrationStep:
    from_day: int
    dose: str


@dataclass(frozen=True)
class PlanOption:
    id: str
    kind: str  # toxin | medication | therapy | surgery | referral | lifestyle
    title: str
    line: str
    summary: str
    patient_text: str
    cite: tuple[str, ...]
    cautions: tuple[str, ...] = ()
    sites: tuple[InjectionSite, ...] = ()
    product: str = ""
    titration: tuple[TitrationStep, ...] = ()
    monitoring: tuple[str, ...] = ()
    adjustments: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSuggestion:
    cause: str
    options: tuple[PlanOption, ...]
    warnings: tuple[str, ...] = ()
    disclaimer: str = DECISION_SUPPORT
    generated_on: date = field(default_factory=date.today)

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for option in self.options:
            for c in option.cite:
                seen.setdefault(c, None)
        return tuple(seen)

    def by_line(self, line: str) -> list[PlanOption]:
        return [o for o in self.options if o.line == line]

    def option(self, option_id: str) -> PlanOption | None:
        return next((o for o in self.options if o.id == option_id), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["generated_on"] = self.generated_on.isoformat()
        data["sources"] = list(self.sources)
        return _jsonable(data)


def default_periocular_sites(
    sides: tuple[str, ...], units: float = LABEL_SITE_MIN_U
) -> tuple[InjectionSite, ...]:
    """Label injection points per eye (DS-2): medial and lateral pretarsal upper lid, lateral pretarsal lower lid."""
    sites = []
    for side in sides:
        sites += [
            InjectionSite("orbicularis oculi", "medial pretarsal, upper lid", side, units, "upper_lid"),
            InjectionSite("orbicularis oculi", "lateral pretarsal, upper lid", side, units, "upper_lid"),
            InjectionSite("orbicularis oculi", "lateral pretarsal, lower lid", side, units, "lower_lid"),
        ]
    return tuple(sites)


def adjust_toxin_sites(last: ToxinSession) -> tuple[tuple[InjectionSite, ...], tuple[str, ...]]:
    """Start from the last session's sites and units; adjust for response and adverse effects (DS-2)."""
    sites = list(last.sites)
    notes: list[str] = []
    insufficient = last.effective is False or (
        last.effect_weeks is not None and last.effect_weeks <= INSUFFICIENT_EFFECT_WEEKS
    )
    if insufficient and "ptosis" not in last.adverse_effects:
        sites = [replace(s, units=min(s.units * 2, LABEL_SITE_MAX_U)) for s in sites]
        notes.append(
            "Response was insufficient (effect 2 months or less): units doubled at most, capped at "
            f"{LABEL_SITE_MAX_U:g} U per site (little benefit above that)."
        )
    elif last.effective:
        notes.append("Last session was effective: same sites and units as a starting point.")
    if "ptosis" in last.adverse_effects:
        sites = [
            replace(s, units=min(s.units, LABEL_SITE_MIN_U)) if s.zone == "upper_lid" else s for s in sites
        ]
        notes.append(
            f"Ptosis reported: upper-lid sites lowered to {LABEL_SITE_MIN_U:g} U (lower end of the labelled "
            "range); inject medially and laterally, away from the levator palpebrae superioris."
        )
    if "diplopia" in last.adverse_effects:
        before = len(sites)
        sites = [s for s in sites if not (s.zone == "lower_lid" and "medial" in s.position.lower())]
        notes.append(
            "Diplopia reported: medial lower-lid injections avoided (diffusion into the inferior oblique)"
            + (f"; {before - len(sites)} site(s) removed." if before != len(sites) else ".")
        )
    for effect in last.adverse_effects:
        if effect not in ("ptosis", "diplopia"):
            notes.append(f"{effect.replace('_', ' ').capitalize()} reported: review the sites involved.")
    total = sum(s.units for s in sites)
    if total > LABEL_CUMULATIVE_30D_U:
        notes.append(
            f"Total {total:g} U exceeds the labelled {LABEL_CUMULATIVE_30D_U:g} U per 30 days: reduce."
        )
    return tuple(sites), tuple(notes)


def suggest_plan(
    cause: str, factors: PatientFactors, last_session: ToxinSession | None = None
) -> PlanSuggestion:
    """Options for ``cause`` (a differential cause id), ordered first line, next steps, adjuncts, referrals."""
    builders = {
        "hemifacial_spasm": _hemifacial_spasm,
        "blepharospasm": _blepharospasm,
        "post_palsy_synkinesis": _synkinesis,
        "facial_myokymia": _myokymia,
        "benign_eyelid_twitch": _benign,
        "facial_tremor": _tremor,
        "tics": _tics,
        "ms_related": _ms_related,
        "secondary_hfs": _secondary_hfs,
        "functional_facial_spasm": _functional,
        "tardive_orofacial_dyskinesia": _tardive,
        "oromandibular_dystonia": _omd,
        "hemimasticatory_spasm": _hemimasticatory,
        "focal_motor_seizure": _seizure,
        "brainstem_lesion_myokymia": _brainstem_lesion,
    }
    if cause not in builders:
        raise ValueError(f"unknown cause {cause!r}; expected one of {sorted(builders)}")
    options, warnings = builders[cause](factors, last_session)
    options = [_apply_factors(o, factors) for o in options]
    warnings = [*warnings, *_factor_warnings(factors)]
    order = {line: i for i, line in enumerate(LINES)}
    options.sort(key=lambda o: order[o.line])
    if not any(o.line == "first" for o in options):
        warnings.append(
            "No first-line option suits this patient's factors: discuss the adjuncts and referrals."
        )
    return PlanSuggestion(cause, tuple(options), tuple(dict.fromkeys(warnings)))


# ----- options per cause ---------------------------------------------------------------------------------


def _toxin(
    factors: PatientFactors,
    last: ToxinSession | None,
    *,
    sides: tuple[str, ...],
    line: str,
    cite: tuple[str, ...],
    indication_note: str,
) -> PlanOption:
    if last is not None and last.sites:
        sites, adjustments = adjust_toxin_sites(last)
        product = last.product
        summary = f"Botulinum toxin ({product}) from the last session, adjusted. {indication_note}"
    else:
        sites = default_periocular_sites(sides)
        adjustments = (
            f"No previous session: labelled initial dose {LABEL_SITE_MIN_U:g}-{LABEL_SITE_INITIAL_MAX_U:g} U per "
            f"site; suggested at {LABEL_SITE_MIN_U:g} U. Other facial muscles are chosen by the injector.",
        )
        product = "onabotulinumtoxinA"
        summary = f"Botulinum toxin, periocular injections. {indication_note}"
    return PlanOption(
        id="toxin",
        kind="toxin",
        title="Botulinum toxin injections",
        line=line,
        summary=summary,
        patient_text=(
            "Small injections of botulinum toxin relax the overactive muscles. The effect usually starts within a "
            "few days, is strongest after 1-2 weeks and lasts about 3 months; injections are then repeated, not "
            f"more often than every {dosing.MIN_RETREATMENT_WEEKS} weeks."
        ),
        cite=(*cite, "DS-2"),
        cautions=(
            "Units are specific to each product and are not interchangeable.",
            "Ask at follow-up about drooping eyelid, double vision, incomplete eye closure, dry eye, weakness.",
        ),
        sites=sites,
        product=product,
        adjustments=adjustments,
    )


def _carbamazepine(line: str = "next") -> PlanOption:
    return PlanOption(
        id="carbamazepine",
        kind="medication",
        title="Carbamazepine (off-label for facial spasm)",
        line=line,
        summary="Oral option when injections are not possible or not wanted; evidence for facial spasm is limited.",
        patient_text=(
            "A tablet started at a low dose and raised slowly. It needs a blood test before and during treatment, "
            "and for some people a genetic test before the first dose."
        ),
        cite=("DS-9", "DS-21", "DS-19", "DS-20"),
        titration=(
            TitrationStep(1, "100 mg twice daily"),
            TitrationStep(2, "increase only as needed by 100 mg per 12-hourly dose (at most +200 mg/day)"),
            TitrationStep(0, "use the lowest dose that controls symptoms; never above 1200 mg/day"),
        ),
        monitoring=(
            "HLA-B*15:02 test BEFORE the first dose if ancestry is from areas where the allele is present "
            "(broad areas of Asia, including South Asian Indians); if positive, do not start unless the "
            "benefit clearly outweighs the risk of SJS/TEN.",
            "Baseline and periodic complete blood count.",
            "Baseline and periodic liver function tests.",
            "Serum sodium (hyponatremia).",
            "Check interacting drugs (CYP3A4 inducers and inhibitors).",
        ),
    )


def _baclofen(line: str = "next") -> PlanOption:
    return PlanOption(
        id="baclofen",
        kind="medication",
        title="Baclofen (off-label for facial spasm)",
        line=line,
        summary="Oral muscle relaxant titrated in 3-day steps; must be tapered, never stopped abruptly.",
        patient_text=(
            "A tablet taken three times a day, raised every 3 days. Never stop it suddenly: stopping abruptly can "
            "cause hallucinations or seizures, so the dose is lowered slowly."
        ),
        cite=("DS-22", "DS-9"),
        titration=(
            TitrationStep(1, "5 mg three times daily"),
            TitrationStep(4, "10 mg three times daily"),
            TitrationStep(7, "15 mg three times daily"),
            TitrationStep(10, "20 mg three times daily (maximum 80 mg/day)"),
        ),
        monitoring=(
            "Drowsiness, dizziness, weakness.",
            "Never stop abruptly: taper slowly (hallucinations and seizures on abrupt withdrawal).",
        ),
    )


def _relaxation(cite: tuple[str, ...]) -> PlanOption:
    return PlanOption(
        id="relaxation",
        kind="therapy",
        title="Stress management / relaxation programme (adjunct)",
        line="adjunct",
        summary="Stress commonly aggravates the spasms; relaxation is an adjunct, not a cited treatment.",
        patient_text="Stress and tiredness can make the twitching worse; relaxation exercises may help you cope.",
        cite=cite,
    )


def _mvd(factors: PatientFactors) -> PlanOption:
    cautions = [
        "Reported after MVD (systematic review): transient facial palsy 9.5%, hearing deficit 3.2%, CSF leak "
        "1.4%; permanent hearing deficit 2.3%, facial palsy 0.9%, stroke and death each under 0.1%."
    ]
    if factors.age_years is not None:
        cautions.append(
            f"Age {factors.age_years:g} years: surgical candidacy is for the neurosurgeon to weigh."
        )
    if factors.surgical_comorbidities:
        cautions.append(
            "Comorbidities recorded: anaesthetic and surgical risk to be assessed by the neurosurgeon."
        )
    if factors.anticoagulated:
        cautions.append("Anticoagulation: perioperative management by the surgical team.")
    return PlanOption(
        id="mvd_referral",
        kind="surgery",
        title="Neurosurgical referral: microvascular decompression (MVD)",
        line="referral",
        summary="The only treatment aiming at cure: complete resolution in about 91% (median 2.9-year follow-up).",
        patient_text=(
            "An operation that moves a blood vessel away from the facial nerve. It cures about 9 in 10 people, "
            "but it is brain surgery with small risks such as hearing loss or facial weakness."
        ),
        cite=("DS-10", "DS-25"),
        cautions=tuple(cautions),
    )


def _affected_sides(factors: PatientFactors) -> tuple[str, ...]:
    if factors.affected_side in ("left", "right"):
        return (factors.affected_side,)
    return ("left", "right")


def _hemifacial_spasm(factors, last):
    return [
        _toxin(
            factors,
            last,
            sides=_affected_sides(factors),
            line="first",
            cite=("DS-3", "DS-9"),
            indication_note="Effective in most patients with HFS (marked or moderate improvement in 95%).",
        ),
        _carbamazepine(),
        _baclofen(),
        _relaxation(("DS-26",)),
        _mvd(factors),
    ], []


def _blepharospasm(factors, last):
    return [
        _toxin(
            factors,
            last,
            sides=("left", "right"),
            line="first",
            cite=("DS-1",),
            indication_note="OnabotulinumtoxinA and incobotulinumtoxinA: probably effective (Level B); "
            "abobotulinumtoxinA possibly effective (Level C).",
        ),
        _relaxation(("DS-26",)),
    ], []


def _synkinesis(factors, last):
    training = PlanOption(
        id="facial_training",
        kind="therapy",
        title="Facial training with biofeedback (mirror / EMG)",
        line="first",
        summary="First-line treatment of post-paralytic synkinesis, guided by a facial therapist.",
        patient_text=(
            "Exercises with a therapist, using a mirror or a sensor, teach the muscles to move separately again. "
            "You practise them at home every day as your therapist shows you."
        ),
        cite=("DS-18",),
    )
    toxin = _toxin(
        factors,
        last,
        sides=_affected_sides(factors),
        line="next",
        cite=("DS-18", "DS-17"),
        indication_note="Second line after facial training; sites follow the individual synkinesis pattern.",
    )
    surgery = PlanOption(
        id="synkinesis_surgery_referral",
        kind="referral",
        title="Facial nerve specialist referral (selective neurectomy / myectomy)",
        line="referral",
        summary="Reserved for unsatisfactory results of first-line treatment.",
        patient_text="If exercises and injections are not enough, a facial nerve specialist can discuss surgery.",
        cite=("DS-18",),
    )
    return [training, toxin, surgery], []


def _myokymia(factors, last):
    neuro = PlanOption(
        id="neurology_mri",
        kind="referral",
        title="Neurology review and brain MRI (pons)",
        line="first",
        summary="Continuous facial myokymia localizes to the pontine tegmentum; exclude demyelination or a lesion.",
        patient_text="A brain scan and a neurologist's review look for the cause of this rippling movement.",
        cite=("DS-11", "DS-12"),
    )
    toxin = _toxin(
        factors,
        last,
        sides=_affected_sides(factors),
        line="next",
        cite=("DS-14",),
        indication_note="For persistent, troublesome myokymia.",
    )
    return [neuro, toxin], []


def _benign(factors, last):
    lifestyle = PlanOption(
        id="reassurance_lifestyle",
        kind="lifestyle",
        title="Reassurance; less caffeine, more sleep, less stress",
        line="first",
        summary="Benign and usually self-limited; tiredness, stress and caffeine are common triggers.",
        patient_text=(
            "This eyelid twitch is harmless and usually goes away by itself. Cutting down coffee and other "
            "caffeine, sleeping enough and reducing stress often help. Come back if it spreads to other parts of "
            "your face or your eyelid droops."
        ),
        cite=("DS-33", "DS-14"),
    )
    toxin = _toxin(
        factors,
        last,
        sides=_affected_sides(factors),
        line="next",
        cite=("DS-14",),
        indication_note="Only for chronic, troublesome eyelid myokymia.",
    )
    return [lifestyle, toxin], []


def _tremor(factors, last):
    return [
        PlanOption(
            id="tremor_assessment",
            kind="referral",
            title="Neurology: tremor syndrome assessment",
            line="first",
            summary="Classify the tremor (body distribution, activation condition, associated signs) before "
            "treating.",
            patient_text="A neurologist will examine the shaking to find its type and cause before treatment.",
            cite=("DS-23", "DS-29"),
        )
    ], []


def _tics(factors, last):
    return [
        PlanOption(
            id="behavioural_therapy",
            kind="therapy",
            title="Behavioural therapy for tics (awareness of the premonitory urge)",
            line="first",
            summary="Behavioural treatments build on the premonitory urge and temporary suppressibility of tics.",
            patient_text="A therapist helps you notice the urge before a tic and learn a different response.",
            cite=("DS-24",),
        )
    ], []


def _ms_related(factors, last):
    options, _ = _myokymia(factors, last)
    return options, ["Known or suspected multiple sclerosis: coordinate with the patient's neurologist."]


def _referral(id: str, title: str, summary: str, patient_text: str, cite: tuple[str, ...], line="first"):
    return PlanOption(id, "referral", title, line, summary, patient_text, cite)


def _secondary_hfs(factors, last):
    surgery = _referral(
        "neurosurgery_lesion",
        "Neurosurgery referral for the cerebellopontine angle lesion",
        "Secondary HFS: treating the lesion (removal, with decompression of the nerve) relieved the spasm in the "
        "cited cases; MRI with contrast characterises the lesion.",
        "A scan showed something pressing near the facial nerve; a neurosurgeon will discuss treating it.",
        ("DS-37", "DS-38", "DS-28"),
    )
    toxin = _toxin(
        factors,
        last,
        sides=_affected_sides(factors),
        line="next",
        cite=("DS-3", "DS-2"),
        indication_note="Symptomatic relief while the lesion is assessed or treated.",
    )
    return [surgery, toxin], ["A structural lesion needs specialist review before treating the spasm alone."]


def _functional(factors, last):
    explain = _referral(
        "functional_explanation",
        "Explain the diagnosis; neurology and physiotherapy/psychology for functional movement disorder",
        "Functional facial spasm: positive signs (distractibility, variability, tonic lip/jaw pulling, no other "
        "Babinski sign); toxin and surgery aimed at HFS are not indicated on this basis.",
        "The movements are real and come from how the brain controls the face; they can improve with the "
        "right therapy.",
        ("DS-41", "DS-42", "DS-40"),
    )
    return [explain], []


def _tardive(factors, last):
    review = _referral(
        "medication_review",
        "Review dopamine-blocking drugs with the prescriber",
        "Tardive/drug-induced orofacial movements follow dopamine-receptor blockers (antipsychotics, "
        "metoclopramide); review the drug, dose and duration with the prescriber before any change.",
        "Some medicines can cause these mouth and face movements; your doctors will review them with you.",
        ("DS-43",),
    )
    neuro = _referral(
        "neurology_movement",
        "Movement-disorders neurology review",
        "Treatment options for tardive syndromes are specialist decisions.",
        "A movement-disorders specialist will advise on treatment.",
        ("DS-43",),
        line="next",
    )
    return [review, neuro], []


def _omd(factors, last):
    neuro = _referral(
        "neurology_dystonia",
        "Movement-disorders review for oromandibular dystonia / Meige syndrome",
        "OMD (with blepharospasm: Meige syndrome); jaw-opening or -closing pattern and sensory tricks guide "
        "treatment, botulinum toxin into the involved jaw muscles by an experienced injector.",
        "A specialist will look at which jaw muscles are involved and discuss injections.",
        ("DS-44", "DS-54"),
    )
    return [neuro], []


def _hemimasticatory(factors, last):
    neuro = _referral(
        "neurology_hms",
        "Neurology review; botulinum toxin into the masseter/temporalis",
        "Hemimasticatory spasm involves the jaw-closing (trigeminal) muscles, not the facial-nerve muscles; "
        "toxin into the involved masticatory muscles was effective in most reported cases.",
        "The spasms come from the chewing muscles; injections into those muscles usually help.",
        ("DS-45", "DS-46"),
    )
    return [neuro], ["Look for facial hemiatrophy or morphea (associated in a quarter of cases, DS-46)."]


def _seizure(factors, last):
    urgent = _referral(
        "urgent_neurology_eeg",
        "Urgent neurology review with EEG, glucose and brain MRI",
        "Clonic facial jerks with limb involvement or hyperglycaemia suggest focal motor seizures "
        "(correct non-ketotic hyperglycaemia); EEG and MRI look for the cause.",
        "These jerks may be seizures: you need tests (EEG, blood sugar, brain scan) and a neurologist soon.",
        ("DS-47", "DS-48", "DS-49"),
    )
    return [urgent], ["Suspected seizures: not a botulinum toxin indication until reviewed."]


def _brainstem_lesion(factors, last):
    neuro = _referral(
        "neurology_brainstem_mri",
        "Neurology review and MRI of the brainstem with contrast",
        "Facial myokymia can be the presenting sign of a brainstem lesion (glioma and others): MRI with contrast "
        "and specialist review.",
        "A brain scan and a neurologist's review look for the cause of this rippling movement.",
        ("DS-50", "DS-51"),
    )
    return [neuro], []


# ----- patient factors ------------------------------------------------------------------------------------


def _apply_factors(option: PlanOption, factors: PatientFactors) -> PlanOption:
    cautions = list(option.cautions)
    line = option.line
    if option.kind == "toxin":
        if factors.nmj_disorder:
            line = "avoid"
            cautions.insert(
                0,
                "Neuromuscular junction disorder (e.g. myasthenia gravis, Lambert-Eaton, ALS): "
                "increased risk of serious effects from botulinum toxin.",
            )
        if factors.pregnant or factors.breastfeeding:
            line = "avoid"
            cautions.insert(
                0,
                "Pregnancy / breastfeeding: no adequate human safety data for botulinum toxin; "
                "defer unless the clinician judges otherwise.",
            )
        if factors.anticoagulated:
            cautions.append("Anticoagulation: bruising risk; apply pressure at each site after injection.")
    if option.id == "carbamazepine":
        if factors.hla_b1502 == "positive":
            line = "avoid"
            cautions.insert(
                0,
                "HLA-B*15:02 positive: do not start unless the benefit clearly outweighs the risk "
                "of Stevens-Johnson syndrome / toxic epidermal necrolysis.",
            )
        elif factors.hla_risk_ancestry and factors.hla_b1502 == "unknown":
            cautions.insert(
                0, "HLA-B*15:02 status unknown in a patient of at-risk ancestry: test before starting."
            )
        if factors.pregnant:
            line = "avoid"
            cautions.insert(0, "Pregnancy: carbamazepine can cause fetal harm; specialist review.")
    if option.id == "baclofen" and (factors.pregnant or factors.breastfeeding):
        cautions.insert(0, "Pregnancy / breastfeeding: use only after specialist review of the label.")
    return replace(option, line=line, cautions=tuple(cautions))


def _factor_warnings(factors: PatientFactors) -> list[str]:
    warnings = []
    if factors.nmj_disorder:
        warnings.append("Neuromuscular junction disorder: botulinum toxin is not suggested as first line.")
    if factors.pregnant or factors.breastfeeding:
        warnings.append(
            "Pregnancy or breastfeeding: toxin and carbamazepine are not suggested as first line."
        )
    if factors.hla_risk_ancestry and factors.hla_b1502 == "unknown":
        warnings.append("Reminder: HLA-B*15:02 test before any carbamazepine.")
    return warnings


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
