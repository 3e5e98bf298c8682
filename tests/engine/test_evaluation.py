"""Scoring against truth, on hand-built spans whose right answers are worked out by hand in each test."""

from __future__ import annotations

import pytest

from facetwitch.evaluation import (
    BARS,
    grouped,
    match,
    metrics,
    pairs,
    passes,
    score_video,
    worst_group,
)
from facetwitch.records import Episode, Event


def blink(t0: float, depth: float = 1.0, d: float = 0.25) -> Event:
    return Event("blink", t0, t0 + d, "both", ("eye",), peak=depth)


def test_matching_is_one_to_one_by_overlap_within_the_tolerance():
    truth = [blink(1.0), blink(3.0), blink(5.0)]
    # one hit, one found twice (only one may count), one just outside 0.1 s tolerance, one far false alarm
    found = [blink(1.05), blink(3.0), blink(3.1), blink(5.36), blink(8.0)]
    assert pairs(truth, found, 0.1) == [(0, 0), (1, 1)]
    s = match(truth, found, 0.1)
    assert (s.true_positives, s.false_positives, s.false_negatives) == (2, 3, 1)
    assert s.precision == pytest.approx(2 / 5) and s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 * (0.4 * 2 / 3) / (0.4 + 2 / 3))
    # widening the tolerance lets the 5.36 detection (0.11 s after the truth's end) match
    assert match(truth, found, 0.2).true_positives == 3


def test_episode_anatomy_onset_end_contractions_regions_pattern_and_side():
    truth = [
        Episode(2.0, 4.0, "left", "clonic", 6, ("eye", "cheek", "mouth")),
        Episode(10.0, 12.0, "right", "tonic", 1, ("eye", "cheek")),
    ]
    found = [
        Episode(2.4, 4.0, "left", "clonic", 4, ("brow", "eye", "mouth")),  # late, 2 contractions short
        Episode(10.1, 12.0, "left", "mixed", 2, ("eye", "cheek")),  # wrong side and pattern
    ]
    v = score_video([], truth, [], found, name="v", face="f", fps=30.0, minutes=0.5)
    assert v.episodes.true_positives == 2 and v.episodes.side_agreements == 1
    assert v.pattern_agreements == 1
    assert v.onset_errors_s == pytest.approx([0.4, 0.1])
    assert v.end_errors_s == pytest.approx([0.0, 0.0])
    assert v.contraction_errors == [-2, 1]
    # regions: eye, mouth, eye, cheek agree (4); brow extra (1); cheek missed (1)
    assert (v.regions.true_positives, v.regions.false_positives, v.regions.false_negatives) == (4, 1, 1)
    assert v.spasm_time_truth_s == pytest.approx(4.0) and v.spasm_time_found_s == pytest.approx(3.5)
    m = metrics([v])
    assert m["laterality"] == 0.5 and m["pattern_agreement"] == 0.5
    assert m["onset_error_median_s"] == pytest.approx(0.25)
    assert m["contractions_within_1"] == 0.5 and m["contractions_error_median"] == 1.5
    assert m["regions_f1"] == pytest.approx(0.8)
    assert m["spasm_time_rel_error"] == pytest.approx(0.125)
    assert passes("laterality", m["laterality"]) is False
    assert passes("onset_error_median_s", m["onset_error_median_s"]) is False
    assert passes("spasm_time_rel_error", m["spasm_time_rel_error"]) is True


def test_spasm_time_counts_overlapping_episodes_once():
    truth = [Episode(0.0, 2.0, "left", "tonic", 1), Episode(1.0, 3.0, "right", "tonic", 1)]
    v = score_video([], truth, [], truth)
    assert v.spasm_time_truth_s == pytest.approx(3.0)


def test_blinks_incomplete_recall_rate_error_and_worst_face():
    truth_a = [blink(1.0), blink(3.0, depth=0.7), blink(5.0, depth=0.6), blink(7.0)]
    found_a = [blink(1.0), blink(3.02), blink(7.0)]  # the 0.6 incomplete blink is missed
    truth_b = [blink(1.0), blink(2.0)]
    found_b = [blink(1.0), blink(2.0)]
    a = score_video(truth_a, [], found_a, [], name="a", face="obama", fps=30.0, minutes=0.2)
    b = score_video(truth_b, [], found_b, [], name="b", face="biden", fps=60.0, minutes=0.2)
    assert (a.incomplete_truth, a.incomplete_found) == (2, 1)
    assert a.blink_rate_error == pytest.approx(0.25) and b.blink_rate_error == 0.0
    m = metrics([a, b])
    assert m["incomplete_blink_recall"] == 0.5
    assert m["blink_f1"] == pytest.approx(2 * 5 / (2 * 5 + 0 + 1))
    assert m["worst_face"] == "obama" and m["blink_f1_worst_face"] == pytest.approx(2 * 3 / (2 * 3 + 1))
    assert m["blink_rate_rel_error_max"] == pytest.approx(0.25)
    per_fps = grouped([a, b], lambda v: v.fps)
    assert per_fps[60.0]["blink_f1"] == 1.0 and per_fps[30.0]["videos"] == 1
    assert worst_group([a, b], lambda v: v.face, lambda vs: metrics(vs)["blink_f1"])[0] == "obama"


def test_blink_rate_error_compares_the_reported_rate_over_the_analysed_time_with_the_true_rate():
    truth = [blink(t) for t in (0.9, 2.3, 3.2, 5.6, 6.5, 7.4, 9.4, 12.9)]  # 8 blinks in a 14-s recording
    # 3.5 s of it turned past the usable yaw: the two blinks there are missed, the rate is over 10.5 s
    seen = [b for b in truth if not 2.0 < b.start_s < 5.5]
    turned = score_video(truth, [], seen, [], minutes=10.5 / 60, truth_minutes=14 / 60)
    assert turned.blinks.false_negatives == 2
    assert turned.blink_rate_error == pytest.approx(0.0)
    # the same six blinks over the whole 14 s: a rate a quarter too low
    whole = score_video(truth, [], seen, [], minutes=14 / 60, truth_minutes=14 / 60)
    assert whole.blink_rate_error == pytest.approx(0.25)
    # a face seen half the time with no blink missed: the reported rate is twice the true one
    half = score_video(truth, [], truth, [], minutes=7 / 60, truth_minutes=14 / 60)
    assert half.blink_rate_error == pytest.approx(1.0)


def test_controls_count_false_episodes_per_minute_and_false_tremor():
    tremor = Event("tremor", 1.0, 4.0, "both", ("jaw",), 0.05, frequency_hz=5.0)
    control = score_video(
        [blink(1.0)],
        [],
        [blink(1.0), tremor],
        [Episode(3.0, 3.5, "left", "clonic", 2)],
        minutes=0.5,
    )
    assert control.control and control.false_episodes == 1 and control.false_tremors == 1
    real = score_video(
        [tremor], [], [Event("tremor", 1.2, 4.0, "both", ("jaw",), 0.05, frequency_hz=5.2)], []
    )
    assert not real.control and real.false_tremors == 0
    m = metrics([control, real])
    assert m["false_episodes_per_min_controls"] == pytest.approx(2.0)
    assert m["false_tremors"] == 1 and passes("false_tremors", m["false_tremors"]) is False
    assert m["tremor_max_error_hz"] == pytest.approx(0.2)
    assert passes("tremor_max_error_hz", m["tremor_max_error_hz"]) is True


def test_nothing_to_measure_is_not_a_pass():
    m = metrics([score_video([], [], [], [])])
    assert m["episode_f1"] is None and m["blink_f1"] is None and passes("blink_f1", m["blink_f1"]) is None
    assert set(BARS) <= set(m)
