"""Toxin-cycle forecast validated on simulated patient histories with known response curves."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from facetwitch.clinic.care.forecast import (
    MIN_INTERVAL_DAYS,
    CurveParams,
    CyclePoint,
    curve,
    forecast,
    timeline_points,
)


def simulate(
    true: CurveParams,
    *,
    seed: int,
    cycles: int = 3,
    visits: int = 8,
    noise: float | None = None,
    interval_days=(100, 130),
):
    """Dated injections and video measurements of one simulated patient (metric: episodes/min, lower is better)."""
    rng = np.random.default_rng(seed)
    noise = 0.08 * true.baseline if noise is None else noise
    start = date(2024, 1, 8)
    injections, measurements = [], []
    for when in (start - timedelta(days=30), start - timedelta(days=7)):  # two pre-treatment baselines
        measurements.append((when, true.baseline + rng.normal(0, noise)))
    day = start
    for _ in range(cycles):
        injections.append(day)
        length = int(rng.integers(*interval_days))
        for offset in sorted(rng.choice(np.arange(1, length), size=visits, replace=False)):
            value = float(curve(np.array([float(offset)]), true)[0]) + rng.normal(0, noise)
            measurements.append((day + timedelta(days=int(offset)), value))
        day += timedelta(days=length)
    return injections, measurements


def random_truth(rng: np.random.Generator) -> CurveParams:
    baseline = rng.uniform(3, 8)
    onset = rng.uniform(1, 5)
    peak = onset + rng.uniform(7, 15)
    wane = peak + rng.uniform(35, 60)
    return CurveParams(
        baseline, baseline * rng.uniform(0.5, 0.8), onset, peak, wane, wane + rng.uniform(25, 45)
    )


def test_recovers_known_curves_of_simulated_patients():
    rng = np.random.default_rng(2026)
    errors = {"onset": [], "peak": [], "wear_off": [], "effect": []}
    covered = 0
    n = 12
    for i in range(n):
        true = random_truth(rng)
        injections, measurements = simulate(true, seed=i)
        result = forecast(timeline_points(measurements, injections), injections[-1], bootstrap=100, seed=i)
        assert result.status == "ok", result.reasons
        p = result.params
        errors["onset"].append(abs(p.onset_day - true.onset_day))
        errors["peak"].append(abs(p.peak_day - true.peak_day))
        errors["wear_off"].append(abs(p.wear_off_day - true.wear_off_day))
        errors["effect"].append(abs(p.effect - true.effect) / true.effect)
        lo, hi = result.wear_off_band
        covered += lo - 3 <= true.wear_off_day <= hi + 3  # band plus the 3-day rounding of visit days
        assert result.recommended_interval_days >= MIN_INTERVAL_DAYS
        assert result.recommended_date == injections[-1] + timedelta(days=result.recommended_interval_days)
    # Tolerances: 8 visits per ~115-day cycle leave ~14 days between visits, so no estimate can be expected to
    # be better than one visit gap in the worst patient; typical (median) errors must be far smaller.
    assert np.median(errors["onset"]) <= 4 and max(errors["onset"]) <= 8, errors["onset"]
    assert np.median(errors["peak"]) <= 5 and max(errors["peak"]) <= 14, errors["peak"]
    assert np.median(errors["wear_off"]) <= 5 and max(errors["wear_off"]) <= 14, errors["wear_off"]
    assert np.median(errors["effect"]) <= 0.1 and max(errors["effect"]) <= 0.2, errors["effect"]
    assert covered >= 0.6 * n, f"uncertainty band covered the true wear-off in only {covered}/{n} patients"


def test_next_session_never_under_twelve_weeks():
    true = CurveParams(6.0, 4.0, 2.0, 10.0, 25.0, 50.0)  # effect gone by about 6 weeks
    injections, measurements = simulate(true, seed=3, interval_days=(90, 100))
    result = forecast(timeline_points(measurements, injections), injections[-1], bootstrap=60)
    assert result.status == "ok"
    assert result.params.wear_off_day < 45
    assert result.recommended_interval_days == MIN_INTERVAL_DAYS
    assert min(result.interval_band_days) >= MIN_INTERVAL_DAYS
    assert result.recommended_date - injections[-1] == timedelta(days=84)


def test_too_few_points_is_not_enough_data():
    true = CurveParams(6.0, 4.0, 3.0, 14.0, 70.0, 110.0)
    injections, measurements = simulate(true, seed=1, cycles=1, visits=3)
    result = forecast(timeline_points(measurements, injections), injections[-1])
    assert result.status == "not_enough_data"
    assert result.recommended_date is None and result.params is None
    assert any("at least 8" in r for r in result.reasons)
    assert any("cycle" in r for r in result.reasons)


def test_missing_late_points_is_not_enough_data():
    points = [
        CyclePoint(float(d), 5.0 - (2.0 if d > 5 else 0.0), c) for c in (1, 2) for d in (2, 6, 12, 20, 30)
    ]
    result = forecast(points)
    assert result.status == "not_enough_data"
    assert any("wear-off" in r for r in result.reasons)


def test_flat_metric_reports_no_measurable_effect():
    rng = np.random.default_rng(5)
    points = [
        CyclePoint(float(d), 5.0 + rng.normal(0, 0.3), c) for c in (1, 2) for d in (3, 10, 20, 40, 70, 95)
    ]
    result = forecast(points)
    assert result.status == "no_effect"
    assert result.recommended_date is None


def test_higher_is_better_metrics_are_supported():
    true = CurveParams(6.0, 4.0, 3.0, 14.0, 70.0, 110.0)
    injections, measurements = simulate(true, seed=7)
    flipped = [(d, 20.0 - v) for d, v in measurements]  # e.g. a "calm time" score that rises with the toxin
    result = forecast(
        timeline_points(flipped, injections), injections[-1], lower_is_better=False, bootstrap=60
    )
    assert result.status == "ok"
    assert result.params.effect == pytest.approx(-4.0, rel=0.25)
    assert abs(result.params.wear_off_day - true.wear_off_day) <= 10


def test_timeline_points_count_days_from_the_latest_injection():
    injections = [date(2025, 1, 1), date(2025, 4, 15)]
    points = timeline_points(
        [(date(2024, 12, 20), 6.0), (date(2025, 1, 11), 3.0), (date(2025, 4, 25), 2.5)], injections
    )
    assert [(p.days, p.cycle) for p in points] == [(-12.0, 0), (10.0, 1), (10.0, 2)]
