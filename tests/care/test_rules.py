"""The rules file is one reviewed data file: consistent, and every rule cites an existing DS-n source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from facetwitch.clinic.care import codes
from facetwitch.clinic.care.differential import RULES_PATH, Findings, derive, evaluate, load_rules

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "docs" / "clinical-sources.md").read_text(encoding="utf-8")
DEFINED = set(re.findall(r"\*\*(DS-\d+)\*\*", SOURCES))


def _cites(rules: dict) -> list[tuple[str, str]]:
    found = []
    for key, item in rules["thresholds"].items():
        found += [(f"threshold {key}", c) for c in item["cite"]]
    for cause in rules["causes"]:
        for item in (*cause["for"], *cause["against"]):
            found += [(f"{cause['id']}/{item['finding']}", c) for c in item["cite"]]
    for flag in rules["red_flags"]:
        found += [(f"red flag {flag['id']}", c) for c in flag["cite"]]
    return found


def test_sources_file_defines_ds_entries_once():
    ids = re.findall(r"\*\*(DS-\d+)\*\*", SOURCES)
    assert len(ids) == len(set(ids)), "a DS id is defined twice"
    assert len(ids) >= 20


def test_every_rule_cites_a_defined_source():
    rules = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    cites = _cites(rules)
    assert cites
    missing = [(where, c) for where, c in cites if c not in DEFINED]
    assert not missing, f"citations not in docs/clinical-sources.md: {missing}"


def test_every_rule_has_a_citation_and_a_known_finding():
    rules = load_rules()
    for cause in rules["causes"]:
        assert cause["for"], cause["id"]
        for item in (*cause["for"], *cause["against"]):
            assert item["cite"], (cause["id"], item["finding"])
            assert item["finding"] in rules["findings"]
            assert 1 <= item["weight"] <= 4
    for flag in rules["red_flags"]:
        assert flag["cite"] and flag["workup"]
        assert set(flag["when_any"]) <= set(rules["findings"])


def test_rules_cover_the_causes_and_red_flags_of_the_brief():
    rules = load_rules()
    assert {c["id"] for c in rules["causes"]} == {
        "hemifacial_spasm",
        "blepharospasm",
        "post_palsy_synkinesis",
        "facial_myokymia",
        "benign_eyelid_twitch",
        "facial_tremor",
        "tics",
        "ms_related",
        "secondary_hfs",
        "functional_facial_spasm",
        "tardive_orofacial_dyskinesia",
        "oromandibular_dystonia",
        "hemimasticatory_spasm",
        "focal_motor_seizure",
        "brainstem_lesion_myokymia",
    }
    assert {f["id"] for f in rules["red_flags"]} == {
        "facial_weakness",
        "other_cranial_nerve_signs",
        "hearing_loss",
        "bilateral_hfs",
        "lower_face_onset",
        "multiple_sclerosis",
        "rapid_progression",
        "structural_lesion",
        "drug_exposure",
        "paediatric_onset",
        "suspected_seizure",
    }
    workups = {f["id"]: " ".join(f["workup"]) for f in rules["red_flags"]}
    assert "contrast" in workups["structural_lesion"]
    assert "EEG" in workups["suspected_seizure"]
    assert "Medication review" in workups["drug_exposure"]
    assert any("posterior fossa" in w and "thin-slice" in w for f in rules["red_flags"] for w in f["workup"])


def test_code_table_sources_are_defined():
    for system in codes.VERIFIED.values():
        for _display, cites in system.values():
            assert set(cites) <= DEFINED


def test_unknown_is_not_absent():
    derived = derive(Findings())
    assert all(v is None for v in derived.values())
    result = evaluate(Findings())
    assert result.red_flags == ()
    assert all(c.score == 0 for c in result.candidates)
    assert result.candidates[0].not_assessed  # tells the clinician what to examine


def test_bad_findings_are_rejected_clearly():
    with pytest.raises(ValueError, match="side"):
        Findings(side="upper")
    with pytest.raises(ValueError, match="unknown finding"):
        Findings.from_dict({"sidee": "left"})


def test_every_suggestion_shows_sources_and_the_decision_support_wording():
    result = evaluate(Findings(side="left", onset_region="eyelid", hearing_loss=True))
    assert result.disclaimer == "decision support — the clinician decides"
    top = result.top
    assert top.id == "secondary_hfs" and top.sources and all(s in DEFINED for s in top.sources)
    assert all(f.cite for f in result.red_flags)


def test_every_cited_source_has_a_readable_reference():
    from facetwitch.clinic.care.sources import source_entries

    rules = load_rules()
    entries = source_entries({c for _where, c in _cites(rules)})
    assert entries and all(
        e.reference != "see docs/clinical-sources.md" and len(e.reference) > 30 for e in entries
    )


TYPICAL_HFS = dict(
    side="left",
    onset_region="eyelid",
    spread_to_lower_face=True,
    other_babinski_sign=True,
    regions=("eye", "mouth"),
)


def test_a_lesion_on_imaging_puts_secondary_hfs_first_even_with_a_typical_phenotype():
    assert evaluate(Findings(**TYPICAL_HFS)).top.id == "hemifacial_spasm"
    result = evaluate(Findings(**TYPICAL_HFS, imaging_result="lesion_cpa"))
    assert result.top.id == "secondary_hfs"
    assert [f.id for f in result.red_flags] == ["structural_lesion"]
    assert (
        evaluate(Findings(**TYPICAL_HFS, imaging_result="neurovascular_contact")).top.id == "hemifacial_spasm"
    )


def test_alternating_eyelid_twitching_is_not_bilateral_hfs():
    both = dict(side="both", bilateral_synchronous=False, regions=("eye",))
    assert [f.id for f in evaluate(Findings(**both)).red_flags] == ["bilateral_hfs"]
    alternating = evaluate(Findings(**both, alternating_sides=True))
    assert alternating.red_flags == ()
    assert derive(Findings(**both, alternating_sides=True))["bilateral_asynchronous"] is False


def test_weakness_explained_by_a_known_palsy_raises_no_facial_weakness_flag():
    base = dict(side="right", prior_bells_palsy=True, facial_weakness=True)
    assert [f.id for f in evaluate(Findings(**base)).red_flags] == ["facial_weakness"]
    assert evaluate(Findings(**base, weakness_explained=True)).red_flags == ()
    assert evaluate(Findings(**base, weakness_explained=False)).red_flags[0].id == "facial_weakness"


def test_paediatric_onset_flag_except_for_tics_with_an_urge():
    child = dict(side="right", age_at_onset_years=9.0)
    assert [f.id for f in evaluate(Findings(**child)).red_flags] == ["paediatric_onset"]
    assert evaluate(Findings(**child, premonitory_urge=True)).red_flags == ()
    assert evaluate(Findings(side="right", age_at_onset_years=18.0)).red_flags == ()


def test_drug_exposure_and_seizure_flags_carry_their_workup():
    result = evaluate(Findings(dopamine_blocker_exposure=True, clonic_jerks=True))
    flags = {f.id: f for f in result.red_flags}
    assert set(flags) == {"drug_exposure", "suspected_seizure"}
    assert any("EEG" in w for w in flags["suspected_seizure"].workup)
    with pytest.raises(ValueError, match="imaging_result"):
        Findings(imaging_result="blurry")
