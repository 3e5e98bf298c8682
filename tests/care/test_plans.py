"""Plan logic: patient factors, toxin sites from the last session and adverse effects, titration, monitoring."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from facetwitch.clinic.care.plans import (
    LABEL_SITE_MAX_U,
    LABEL_SITE_MIN_U,
    InjectionSite,
    PatientFactors,
    ToxinSession,
    adjust_toxin_sites,
    default_periocular_sites,
    suggest_plan,
)

DEFINED = set(
    re.findall(
        r"\*\*(DS-\d+)\*\*", (Path(__file__).resolve().parents[2] / "docs/clinical-sources.md").read_text()
    )
)
CAUSES = [
    "hemifacial_spasm",
    "blepharospasm",
    "post_palsy_synkinesis",
    "facial_myokymia",
    "benign_eyelid_twitch",
    "facial_tremor",
    "tics",
    "ms_related",
]


def session(adverse=(), effective=True, weeks=12.0, units=2.5):
    return ToxinSession(
        product="onabotulinumtoxinA",
        sites=(
            InjectionSite("orbicularis oculi", "medial pretarsal, upper lid", "left", units, "upper_lid"),
            InjectionSite("orbicularis oculi", "lateral pretarsal, upper lid", "left", units, "upper_lid"),
            InjectionSite("orbicularis oculi", "lateral pretarsal, lower lid", "left", units, "lower_lid"),
            InjectionSite("orbicularis oculi", "medial pretarsal, lower lid", "left", units, "lower_lid"),
            InjectionSite("zygomaticus major", "mid-belly", "left", 2.5, "lower_face"),
        ),
        effective=effective,
        effect_weeks=weeks,
        adverse_effects=tuple(adverse),
    )


@pytest.mark.parametrize("cause", CAUSES)
def test_every_cause_has_cited_options_and_the_disclaimer(cause):
    plan = suggest_plan(cause, PatientFactors(affected_side="left"))
    assert plan.options and plan.by_line("first")
    assert plan.disclaimer == "decision support — the clinician decides"
    for option in plan.options:
        assert option.cite and set(option.cite) <= DEFINED, (option.id, option.cite)
        assert option.patient_text


def test_hfs_first_line_is_toxin_on_the_affected_side():
    plan = suggest_plan("hemifacial_spasm", PatientFactors(affected_side="right"))
    first = plan.by_line("first")
    assert [o.id for o in first] == ["toxin"]
    assert {s.side for s in first[0].sites} == {"right"}
    assert all(s.units == LABEL_SITE_MIN_U for s in first[0].sites)
    assert plan.option("mvd_referral").line == "referral"


@pytest.mark.parametrize("factor", ["pregnant", "breastfeeding", "nmj_disorder"])
def test_pregnancy_and_nmj_disorders_take_toxin_off_first_line(factor):
    plan = suggest_plan("hemifacial_spasm", PatientFactors(affected_side="left", **{factor: True}))
    toxin = plan.option("toxin")
    assert toxin.line == "avoid"
    assert "toxin" not in [o.id for o in plan.by_line("first")]
    assert toxin.cautions[0]  # the reason is shown first
    assert any("toxin" in w for w in plan.warnings)


def test_blepharospasm_with_nmj_disorder_has_no_first_line_and_says_so():
    plan = suggest_plan("blepharospasm", PatientFactors(nmj_disorder=True))
    assert not plan.by_line("first")
    assert any("No first-line option" in w for w in plan.warnings)


def test_hla_b1502_reminder_and_positive_result():
    at_risk = suggest_plan("hemifacial_spasm", PatientFactors(hla_risk_ancestry=True))
    cbz = at_risk.option("carbamazepine")
    assert cbz.line == "next"
    assert "HLA-B*15:02" in cbz.cautions[0]
    assert any("HLA-B*15:02" in m and "BEFORE" in m for m in cbz.monitoring)
    assert any("HLA-B*15:02" in w for w in at_risk.warnings)
    positive = suggest_plan("hemifacial_spasm", PatientFactors(hla_risk_ancestry=True, hla_b1502="positive"))
    assert positive.option("carbamazepine").line == "avoid"
    negative = suggest_plan("hemifacial_spasm", PatientFactors(hla_risk_ancestry=True, hla_b1502="negative"))
    assert not any("HLA" in c for c in negative.option("carbamazepine").cautions)


def test_medication_plans_carry_titration_and_monitoring():
    plan = suggest_plan("hemifacial_spasm", PatientFactors())
    baclofen = plan.option("baclofen")
    assert [s.from_day for s in baclofen.titration] == [1, 4, 7, 10]
    assert "5 mg three times daily" in baclofen.titration[0].dose
    assert any("abruptly" in m for m in baclofen.monitoring)
    cbz = plan.option("carbamazepine")
    assert "100 mg twice daily" in cbz.titration[0].dose
    assert any("1200" in s.dose for s in cbz.titration)
    assert any("blood count" in m for m in cbz.monitoring) and any(
        "sodium" in m.lower() for m in cbz.monitoring
    )


def test_ptosis_lowers_upper_lid_units_only():
    sites, notes = adjust_toxin_sites(session(adverse=["ptosis"]))
    upper = [s for s in sites if s.zone == "upper_lid"]
    others = [s for s in sites if s.zone != "upper_lid"]
    assert upper and all(s.units == LABEL_SITE_MIN_U for s in upper)
    assert all(s.units == 2.5 for s in others)
    assert any("levator" in n for n in notes)


def test_diplopia_removes_medial_lower_lid_sites():
    sites, notes = adjust_toxin_sites(session(adverse=["diplopia"]))
    assert not [s for s in sites if s.zone == "lower_lid" and "medial" in s.position]
    assert len(sites) == 4 and any("inferior oblique" in n for n in notes)


def test_effective_session_is_repeated_and_short_effect_is_doubled_with_cap():
    same, notes = adjust_toxin_sites(session())
    assert [s.units for s in same] == [2.5] * 5 and "effective" in notes[0]
    more, notes = adjust_toxin_sites(session(effective=False, weeks=6, units=3.0))
    assert all(s.units <= LABEL_SITE_MAX_U for s in more)
    assert more[0].units == LABEL_SITE_MAX_U and more[-1].units == 5.0
    assert any("insufficient" in n for n in notes)


def test_plan_starts_from_last_effective_session():
    plan = suggest_plan("hemifacial_spasm", PatientFactors(affected_side="left"), session(adverse=["ptosis"]))
    toxin = plan.option("toxin")
    assert toxin.product == "onabotulinumtoxinA" and len(toxin.sites) == 5
    assert [s.units for s in toxin.sites if s.zone == "upper_lid"] == [LABEL_SITE_MIN_U] * 2


def test_anticoagulation_and_surgical_factors_shown():
    plan = suggest_plan(
        "hemifacial_spasm", PatientFactors(anticoagulated=True, age_years=78, surgical_comorbidities=True)
    )
    assert any("pressure" in c for c in plan.option("toxin").cautions)
    mvd = plan.option("mvd_referral").cautions
    assert any("78" in c for c in mvd) and any("Comorbidities" in c for c in mvd)
    assert any("2.3%" in c for c in mvd)


def test_synkinesis_first_line_is_facial_training():
    plan = suggest_plan("post_palsy_synkinesis", PatientFactors(affected_side="left"))
    assert [o.id for o in plan.by_line("first")] == ["facial_training"]
    assert plan.option("toxin").line == "next"


def test_default_sites_follow_the_label_pattern():
    sites = default_periocular_sites(("left", "right"))
    assert len(sites) == 6
    assert sum(1 for s in sites if s.zone == "upper_lid") == 4


def test_unknown_cause_and_bad_factor_rejected():
    with pytest.raises(ValueError, match="unknown cause"):
        suggest_plan("gout", PatientFactors())
    with pytest.raises(ValueError, match="hla_b1502"):
        PatientFactors(hla_b1502="maybe")


def test_plan_serialises_to_json():
    import json

    data = suggest_plan("hemifacial_spasm", PatientFactors(affected_side="left")).to_dict()
    text = json.dumps(data)
    assert "decision support" in text and data["sources"]


def test_every_cause_of_the_rules_has_cited_options():
    import re
    from pathlib import Path

    from facetwitch.clinic.care.differential import cause_labels
    from facetwitch.clinic.care.plans import PatientFactors, suggest_plan

    text = (Path(__file__).resolve().parents[2] / "docs" / "clinical-sources.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"\*\*(DS-\d+)\*\*", text))
    for cause in cause_labels():
        suggestion = suggest_plan(cause, PatientFactors())
        assert suggestion.options, cause
        assert all(o.cite and set(o.cite) <= defined for o in suggestion.options), cause
    seizure = suggest_plan("focal_motor_seizure", PatientFactors())
    assert "EEG" in seizure.options[0].title and not any(o.kind == "toxin" for o in seizure.options)
