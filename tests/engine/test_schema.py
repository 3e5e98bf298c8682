"""The analysis.json schema: it accepts what Analysis.to_dict() produces and names the field of every problem."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from facetwitch.records import (
    EVENT_KINDS,
    PATTERNS,
    REGIONS,
    SCHEMA_ID,
    SIDES,
    Analysis,
    Episode,
    Event,
    Gap,
    Quality,
    ScaleSuggestion,
    SideSummary,
    SuggestedScales,
    Summary,
    TremorSummary,
    VideoInfo,
)
from facetwitch.schema import AnalysisSchemaError, load_schema, validate_analysis


def analysis(**changes: Any) -> Analysis:
    """A small left-sided hemifacial spasm with a blink, a tonic episode and a tremor."""
    quiet = SideSummary(0, 0.0, 0.0, 0.0)
    fields: dict[str, Any] = {
        "video": VideoInfo("clip ü.mp4", 20.0, 600, 30.0, 720, 1280, rotation=90, mirrored=True),
        "quality": Quality(0.95, (Gap(3.0, 4.0),), ("head turned away for 1 s",)),
        "events": [
            Event("blink", 1.0, 1.2, "both", ("eye",), 0.9),
            Event("contraction", 6.0, 7.5, "left", ("eye", "cheek", "mouth"), 0.7),
            Event("tremor", 10.0, 12.0, "left", ("mouth",), 0.05, 7.5),
        ],
        "episodes": [Episode(6.0, 7.5, "left", "tonic", 1, ("eye", "cheek", "mouth"))],
        "summary": Summary(
            analysed_duration_s=19.0,
            blink_count=1,
            blink_rate_per_min=3.157895,
            episodes_total=1,
            left=SideSummary(1, 3.157895, 0.078947, 0.078947, ("eye", "cheek", "mouth"), True),
            right=quiet,
            both=quiet,
            laterality_index=-1.0,
            affected_side="left",
            longest_episode_s=1.5,
            tremor=TremorSummary(True, 7.5, 0.105263, ("mouth",)),
        ),
        "suggested_scales": SuggestedScales(
            ScaleSuggestion(3, "moderate"), ScaleSuggestion(1, "rare"), ScaleSuggestion(3, "tonic")
        ),
        "engine": {"facetwitch": "0.1.0"},
    }
    fields.update(changes)
    return Analysis(**fields)


def problems_of(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(AnalysisSchemaError) as caught:
        validate_analysis(doc)
    return caught.value.problems


def test_schema_is_valid_draft_2020_12_and_matches_the_record_vocabulary() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("/draft/2020-12/schema")
    assert schema["properties"]["schema"] == {"const": SCHEMA_ID}
    defs = schema["$defs"]
    assert tuple(defs["side"]["enum"]) == SIDES
    assert tuple(defs["regions"]["items"]["enum"]) == REGIONS
    assert tuple(defs["event"]["properties"]["kind"]["enum"]) == EVENT_KINDS
    assert tuple(defs["episode"]["properties"]["pattern"]["enum"]) == PATTERNS


# Fields added to facetwitch.analysis/1 after its first release: optional, so older documents stay valid.
OPTIONAL_FIELDS = {
    "complete", "incomplete_blink_count", "incomplete_blink_fraction", "lid_range_measured", "face_brightness",
    "lid_travel_left", "lid_travel_right", "max_fps",
}  # fmt: skip


def test_every_object_is_closed_and_requires_all_its_fields() -> None:
    def objects(node: Any):
        if isinstance(node, dict):
            if "properties" in node and node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(load_schema()))
    assert len(found) >= 10
    for node in found:
        assert node["additionalProperties"] is False, node
        assert set(node["required"]) == set(node["properties"]) - OPTIONAL_FIELDS, node
        for name in OPTIONAL_FIELDS & set(node["properties"]):
            assert "Optional" in node["properties"][name]["description"], name


def test_a_document_from_before_the_optional_fields_is_still_valid_and_readable() -> None:
    doc = analysis().to_dict()
    for event in doc["events"]:
        del event["complete"]
    del doc["summary"]["incomplete_blink_count"], doc["summary"]["incomplete_blink_fraction"]
    for field in ("lid_range_measured", "face_brightness", "lid_travel_left", "lid_travel_right"):
        del doc["quality"][field]
    del doc["video"]["max_fps"]
    validate_analysis(doc)
    loaded = Analysis.from_dict(doc)
    assert loaded.events[0].complete is None and loaded.summary.incomplete_blink_count == 0
    assert loaded.quality.lid_range_measured is True and loaded.quality.face_brightness is None
    assert loaded.quality.lid_travel_left is None and loaded.quality.lid_travel_right is None
    assert loaded.video.max_fps is None


def test_lids_no_blink_moved_are_written_and_read_back() -> None:
    original = analysis()
    flagged = replace(original, quality=replace(original.quality, lid_range_measured=False))
    doc = json.loads(flagged.to_json())
    validate_analysis(doc)
    assert doc["quality"]["lid_range_measured"] is False
    assert Analysis.from_dict(doc).quality.lid_range_measured is False
    doc["quality"]["lid_range_measured"] = "no"
    assert any("lid_range_measured" in p for p in problems_of(doc))


def test_the_face_s_brightness_is_written_and_read_back_within_0_to_255() -> None:
    original = analysis()
    lit = replace(original, quality=replace(original.quality, face_brightness=47.5))
    doc = json.loads(lit.to_json())
    validate_analysis(doc)
    assert Analysis.from_dict(doc).quality.face_brightness == 47.5
    doc["quality"]["face_brightness"] = 300.0
    assert any("face_brightness" in p for p in problems_of(doc))


def test_each_eye_s_lid_travel_is_written_and_read_back_within_0_to_1() -> None:
    original = analysis()
    weak = replace(original, quality=replace(original.quality, lid_travel_left=0.06, lid_travel_right=0.45))
    doc = json.loads(weak.to_json())
    validate_analysis(doc)
    back = Analysis.from_dict(doc).quality
    assert (back.lid_travel_left, back.lid_travel_right) == (0.06, 0.45)
    doc["quality"]["lid_travel_right"] = None  # not measured
    validate_analysis(doc)
    doc["quality"]["lid_travel_left"] = 1.5
    assert any("lid_travel_left" in p for p in problems_of(doc))


def test_a_frame_rate_cap_is_written_and_read_back_and_must_be_positive() -> None:
    original = analysis()
    capped = replace(original, video=replace(original.video, max_fps=30.0))
    doc = json.loads(capped.to_json())
    validate_analysis(doc)
    assert doc["video"]["max_fps"] == 30 and Analysis.from_dict(doc).video.max_fps == 30.0
    doc["video"]["max_fps"] = None  # every frame
    validate_analysis(doc)
    doc["video"]["max_fps"] = 0
    assert any("max_fps" in p for p in problems_of(doc))


def test_incomplete_blinks_are_written_and_read_back() -> None:
    blinks = [Event("blink", 1.0, 1.2, "both", ("eye",), 0.95, complete=True),
              Event("blink", 3.0, 3.2, "both", ("eye",), 0.5, complete=False)]  # fmt: skip
    original = analysis(events=blinks)
    doc = json.loads(original.to_json())
    validate_analysis(doc)
    assert [e["complete"] for e in doc["events"]] == [True, False]
    assert Analysis.from_dict(doc).events == blinks
    doc["events"][1]["complete"] = "no"
    assert any("complete" in p for p in problems_of(doc))


def test_every_field_of_a_real_document_is_described() -> None:
    # Walk the document and the schema together: a key that to_dict() emits but the schema lacks would be
    # rejected by additionalProperties, so validation passing proves coverage; check both directions anyway.
    doc = analysis().to_dict()
    validate_analysis(doc)
    schema = load_schema()
    assert set(schema["required"]) == set(doc)
    assert set(schema["properties"]["summary"]["required"]) == set(doc["summary"]) - OPTIONAL_FIELDS
    assert set(schema["properties"]["suggested_scales"]["required"]) == set(doc["suggested_scales"])


def test_document_round_trips_through_json() -> None:
    original = analysis()
    text = original.to_json()
    validate_analysis(json.loads(text))
    assert Analysis.from_json(text) == original


def test_nulls_where_the_contract_allows_them() -> None:
    quiet = SideSummary(0, 0.0, 0.0, 0.0)
    doc = analysis(
        events=[],
        episodes=[],
        summary=Summary(19.0, 0, 0.0, 0, quiet, quiet, quiet, None, None, 0.0, TremorSummary(False)),
        suggested_scales=SuggestedScales(
            ScaleSuggestion(None, "no face"),
            ScaleSuggestion(None, "no face"),
            ScaleSuggestion(None, "no spasm"),
        ),
    ).to_dict()
    assert doc["suggested_scales"]["jankovic_total"] is None
    validate_analysis(doc)


@pytest.mark.parametrize(
    ("mutate", "location", "words"),
    [
        (lambda d: d["events"][1].update(side="middle"), "events[1].side", "is not one of"),
        (lambda d: d["episodes"][0].update(start_s=-0.5), "episodes[0].start_s", "less than the minimum"),
        (
            lambda d: d["summary"]["tremor"].pop("frequency_hz"),
            "summary.tremor",
            "'frequency_hz' is a required",
        ),
        (lambda d: d.pop("quality"), "(document)", "'quality' is a required"),
        (lambda d: d["video"].update(fps=30), "video", "Additional properties"),
        (
            lambda d: d["summary"]["left"].update(spasm_time_fraction=1.2),
            "summary.left.spasm_time_fraction",
            "maximum",
        ),
        (lambda d: d["summary"].update(laterality_index=-1.5), "summary.laterality_index", "minimum"),
        (lambda d: d["events"][0].update(frequency_hz=4.0), "events[0].frequency_hz", "not of type 'null'"),
        (lambda d: d["events"][2].update(regions=["nose"]), "events[2].regions[0]", "is not one of"),
        (
            lambda d: d["suggested_scales"]["smc_grade"].update(value=0),
            "suggested_scales.smc_grade.value",
            "minimum",
        ),
        (
            lambda d: d["suggested_scales"]["jankovic_severity"].update(value=5),
            "jankovic_severity.value",
            "maximum",
        ),
        (lambda d: d["summary"].update(blink_count=1.5), "summary.blink_count", "not of type 'integer'"),
        (lambda d: d["video"].update(rotation=45), "video.rotation", "is not one of"),
        (lambda d: d.update(schema="facetwitch.analysis/2"), "schema", "facetwitch.analysis/1"),
        (lambda d: d["quality"]["gaps"][0].update(end_s=2.0), "quality.gaps[0]", "before start_s"),
        (lambda d: d["events"][1].update(peak=math.nan), "events[1].peak", "not a finite number"),
        (
            lambda d: d["suggested_scales"].update(jankovic_total=7),
            "suggested_scales.jankovic_total",
            "severity",
        ),
        (lambda d: d["engine"].update(mediapipe=1), "engine.mediapipe", "not of type 'string'"),
    ],
)
def test_bad_documents_are_rejected_naming_the_field(mutate, location: str, words: str) -> None:
    doc = analysis().to_dict()
    mutate(doc)
    problems = problems_of(doc)
    assert any(location in p and words in p for p in problems), problems


def test_all_problems_are_listed_in_one_error() -> None:
    doc = analysis().to_dict()
    doc["events"][0]["side"] = "up"
    doc["episodes"][0]["pattern"] = "twitchy"
    del doc["summary"]["blink_count"]
    with pytest.raises(AnalysisSchemaError) as caught:
        validate_analysis(doc)
    message = str(caught.value)
    assert "3 problems" in message
    for where in ("events[0].side", "episodes[0].pattern", "'blink_count' is a required property"):
        assert where in message


def test_load_schema_returns_an_independent_copy() -> None:
    schema = load_schema()
    schema["properties"].clear()
    validate_analysis(analysis().to_dict())
    assert load_schema()["properties"]


def test_a_non_object_is_rejected_clearly() -> None:
    assert any("is not of type 'object'" in p for p in problems_of(copy.deepcopy([1, 2])))
