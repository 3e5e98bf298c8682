"""Toxin-cycle forecast from one patient's own timeline (pure Python + numpy/scipy, no Django).

Input: points of a video metric (e.g. spasm episodes per minute, lower is better) with the number of days since
the injection before each recording. Model: a piecewise-linear response curve

    baseline b until onset day t_on; falls linearly to b - E at peak day t_peak; stays there until t_wane;
    returns linearly to b by t_off.

"Wear-off" is the day half of the peak effect is lost again (midway between t_wane and t_off). The suggested
next session is max(12 weeks, wear-off) after the last injection — never earlier than 12 weeks, because the
botulinum toxin label notes tolerance when treatments are given more often than every 3 months (DS-2).
Uncertainty: case bootstrap (refit on visits resampled with replacement), 10th-90th percentiles.
Decision support — the clinician decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from scipy.optimize import least_squares

from facetwitch.clinic.treatments import dosing

MIN_INTERVAL_DAYS = dosing.MIN_RETREATMENT_WEEKS * 7  # 12 weeks (DS-2); defined once in treatments/dosing.py
MIN_POINTS = 8
MIN_CYCLES = 2
EARLY_WINDOW_DAYS = 28  # at least one point while the effect builds / peaks
LATE_WINDOW_DAYS = 70  # and at least one point late in the cycle, where wear-off happens
NOISE_FACTOR = 2.0  # an effect smaller than twice the residual SD is reported as "no measurable effect"
SOURCES = ("DS-2",)


@dataclass(frozen=True)
class CyclePoint:
    """One measurement: ``days`` since the most recent injection (negative: before the first one)."""

    days: float
    value: float
    cycle: int


@dataclass(frozen=True)
class CurveParams:
    baseline: float
    effect: float
    onset_day: float
    peak_day: float
    wane_day: float
    off_day: float

    @property
    def wear_off_day(self) -> float:
        """Day by which half of the peak effect is lost again."""
        return 0.5 * (self.wane_day + self.off_day)


@dataclass(frozen=True)
class Forecast:
    """``status`` is "ok", "not_enough_data" or "no_effect"; ``reasons`` say why when it is not "ok"."""

    status: str
    reasons: tuple[str, ...] = ()
    params: CurveParams | None = None
    onset_band: tuple[float, float] | None = None
    peak_band: tuple[float, float] | None = None
    wear_off_band: tuple[float, float] | None = None
    effect_fraction: float | None = None
    recommended_interval_days: int | None = None
    interval_band_days: tuple[int, int] | None = None
    recommended_date: date | None = None
    date_band: tuple[date, date] | None = None
    n_points: int = 0
    n_cycles: int = 0
    residual_sd: float | None = None
    sources: tuple[str, ...] = SOURCES
    curve: list[tuple[float, float]] = field(default_factory=list)


def curve(days: np.ndarray, p: CurveParams) -> np.ndarray:
    """Model value at ``days`` since injection (same units as the metric)."""
    d = np.asarray(days, dtype=float)
    y = np.full_like(d, p.baseline)
    rise = (d > p.onset_day) & (d <= p.peak_day)
    y[rise] = p.baseline - p.effect * (d[rise] - p.onset_day) / max(p.peak_day - p.onset_day, 1e-9)
    y[(d > p.peak_day) & (d <= p.wane_day)] = p.baseline - p.effect
    fall = (d > p.wane_day) & (d < p.off_day)
    y[fall] = p.baseline - p.effect * (p.off_day - d[fall]) / max(p.off_day - p.wane_day, 1e-9)
    return y


def timeline_points(measurements: list[tuple[date, float]], injections: list[date]) -> list[CyclePoint]:
    """Attach to each dated measurement the days since the latest injection on or before it.

    Measurements before the first injection get negative days (they inform the baseline) and cycle 0.
    """
    shots = sorted(set(injections))
    points = []
    for when, value in sorted(measurements):
        if value is None or not np.isfinite(value):
            continue
        before = [s for s in shots if s <= when]
        if before:
            points.append(CyclePoint(float((when - before[-1]).days), float(value), len(before)))
        elif shots:
            points.append(CyclePoint(float((when - shots[0]).days), float(value), 0))
    return points


def forecast(
    points: list[CyclePoint],
    last_injection: date | None = None,
    *,
    lower_is_better: bool = True,
    bootstrap: int = 150,
    seed: int = 0,
) -> Forecast:
    """Fit the response curve and suggest the next session date (never under 12 weeks)."""
    reasons = _data_problems(points)
    cycles = {p.cycle for p in points if p.cycle > 0 and p.days >= 0}
    if reasons:
        return Forecast("not_enough_data", tuple(reasons), n_points=len(points), n_cycles=len(cycles))
    sign = 1.0 if lower_is_better else -1.0
    days = np.array([p.days for p in points])
    values = sign * np.array([p.value for p in points])
    best = _fit(days, values)
    fitted = curve(days, best)
    residuals = values - fitted
    dof = max(len(values) - 6, 1)
    sd = float(np.sqrt(np.sum(residuals**2) / dof))
    if best.effect <= NOISE_FACTOR * sd:
        return Forecast(
            "no_effect",
            ("No measurable toxin effect in this metric: the fitted effect is within the noise.",),
            n_points=len(points),
            n_cycles=len(cycles),
            residual_sd=sd,
        )
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(bootstrap):
        # Case (pairs) bootstrap: resampling the visits themselves widens the band where visits are sparse.
        pick = rng.integers(0, days.size, size=days.size)
        samples.append(_fit(days[pick], values[pick], start=best))
    band = _percentiles(samples)
    interval = max(MIN_INTERVAL_DAYS, round(best.wear_off_day))
    interval_band = tuple(max(MIN_INTERVAL_DAYS, round(v)) for v in band["wear_off"])
    params = CurveParams(
        sign * best.baseline, sign * best.effect, best.onset_day, best.peak_day, best.wane_day, best.off_day
    )
    grid = np.linspace(min(days.min(), 0.0), max(days.max(), best.off_day + 10), 120)
    shown = sign * curve(grid, best)
    fraction = best.effect / abs(best.baseline) if best.baseline else None
    return Forecast(
        status="ok",
        params=params,
        onset_band=band["onset"],
        peak_band=band["peak"],
        wear_off_band=band["wear_off"],
        effect_fraction=fraction,
        recommended_interval_days=interval,
        interval_band_days=interval_band,
        recommended_date=last_injection + timedelta(days=interval) if last_injection else None,
        date_band=(
            (
                last_injection + timedelta(days=interval_band[0]),
                last_injection + timedelta(days=interval_band[1]),
            )
            if last_injection
            else None
        ),
        n_points=len(points),
        n_cycles=len(cycles),
        residual_sd=sd,
        curve=[(float(x), float(y)) for x, y in zip(grid, shown, strict=True)],
    )


def _data_problems(points: list[CyclePoint]) -> list[str]:
    post = [p for p in points if p.days >= 0 and p.cycle > 0]
    cycles = {p.cycle for p in post}
    problems = []
    if len(points) < MIN_POINTS:
        problems.append(f"Only {len(points)} measurements; at least {MIN_POINTS} are needed.")
    if len(cycles) < MIN_CYCLES:
        problems.append(
            f"Only {len(cycles)} injection cycle(s) with measurements; at least {MIN_CYCLES} needed."
        )
    if not any(p.days <= EARLY_WINDOW_DAYS for p in post):
        problems.append(
            f"No measurement in the first {EARLY_WINDOW_DAYS} days after an injection (onset, peak)."
        )
    if not any(p.days >= LATE_WINDOW_DAYS for p in points):
        problems.append(f"No measurement {LATE_WINDOW_DAYS} days or more after an injection (wear-off).")
    return problems


def _unpack(x: np.ndarray) -> CurveParams:
    b, e, a1, a2, a3, a4 = (float(v) for v in x)
    on = a1
    peak = on + a2
    wane = peak + a3
    return CurveParams(b, e, on, peak, wane, wane + a4)


def _fit(days: np.ndarray, values: np.ndarray, start: CurveParams | None = None) -> CurveParams:
    """Least squares over (baseline, effect, onset, rise, plateau, decline); multi-start unless ``start``."""
    late = values[days >= max(LATE_WINDOW_DAYS, np.percentile(days, 90))]
    pre = values[days < 0]
    b0 = float(np.median(pre if pre.size else late if late.size else values))
    e0 = max(b0 - float(np.min(values)), 1e-3)
    lower = [-np.inf, 0.0, 0.0, 1.0, 0.0, 1.0]
    upper = [np.inf, np.inf, 30.0, 60.0, 200.0, 200.0]
    if start is not None:
        starts = [
            [
                start.baseline,
                start.effect,
                start.onset_day,
                start.peak_day - start.onset_day,
                start.wane_day - start.peak_day,
                start.off_day - start.wane_day,
            ]
        ]
    else:
        starts = [
            [b0, e0, on, rise, plateau, decline]
            for on in (1.0, 5.0)
            for rise in (7.0, 20.0)
            for plateau in (20.0, 40.0, 60.0)
            for decline in (15.0, 30.0, 50.0)
        ]
    best, best_cost = None, np.inf
    for x0 in starts:
        x0 = np.clip(np.array(x0, dtype=float), np.array(lower) + 1e-6, np.array(upper) - 1e-6)
        result = least_squares(
            lambda x: curve(days, _unpack(x)) - values,
            x0,
            bounds=(lower, upper),
            method="trf",
            loss="soft_l1",
        )
        if result.cost < best_cost:
            best, best_cost = result.x, result.cost
    return _unpack(best)


def _percentiles(samples: list[CurveParams]) -> dict[str, tuple[float, float]]:
    def band(values: list[float]) -> tuple[float, float]:
        lo, hi = np.percentile(values, [10, 90])
        return float(lo), float(hi)

    return {
        "onset": band([s.onset_day for s in samples]),
        "peak": band([s.peak_day for s in samples]),
        "wear_off": band([s.wear_off_day for s in samples]),
    }
