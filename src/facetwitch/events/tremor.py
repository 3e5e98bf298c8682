"""Tremor: a dominant 3-12 Hz rhythm of the jaw or a lid, steady in amplitude and rate (:func:`detect_tremor`),
and the same spectrum's test that a train of dips is a faster oscillation (:func:`tremor_rate`)."""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

from facetwitch.events.frames import bridge, runs
from facetwitch.events.params import DetectionParams
from facetwitch.records import Event
from facetwitch.signals import SIDES, Signals, frame_interval, robust_noise


def _uniform(sig_t: np.ndarray, x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Resample a gappy, possibly variable-rate series onto a uniform grid (NaN inside gaps > 0.2 s)."""
    ok = np.isfinite(x)
    if ok.sum() < 4:
        return np.array([]), np.array([])
    grid = np.arange(sig_t[ok][0], sig_t[ok][-1], 1.0 / fs)
    y = np.interp(grid, sig_t[ok], x[ok])
    # Blank grid points far from any real sample: interpolation across gaps would invent a signal.
    nearest = np.searchsorted(sig_t[ok], grid)
    nearest = np.clip(nearest, 1, ok.sum() - 1)
    gap = np.minimum(np.abs(sig_t[ok][nearest] - grid), np.abs(sig_t[ok][nearest - 1] - grid))
    y[gap > 0.2] = np.nan
    return grid, y


HIGHPASS_HZ = 1.5  # below the tremor band: removes drift, breathing, head sway and lighting flicker
SAME_TREMOR_HZ = 0.3  # two oscillations at the same time whose rates differ by this much or less are one
# A window's rate estimate wobbles by about this much (Hz): a tremor at the edge of the band (3.00 Hz read as
# 2.999 Hz) must not drop out of it window by window.
RATE_WOBBLE_HZ = 0.05
QUIET_MIN_S = 2.0  # the least of a recording outside rhythmic windows that its noise is read from


def _highpass(y: np.ndarray, fs: float) -> np.ndarray:
    """Zero-phase 2 Hz high-pass; gaps (NaN) stay gaps."""
    missing = ~np.isfinite(y)
    sos = sps.butter(2, HIGHPASS_HZ, btype="highpass", fs=fs, output="sos")
    out = sps.sosfiltfilt(sos, np.where(missing, np.nanmean(y), y))
    out[missing] = np.nan
    return out


def _dominant(y: np.ndarray, fs: float, band: tuple[float, float]) -> tuple[float, float, float]:
    """(peak frequency Hz, power concentration around it, RMS amplitude) of a detrended window."""
    y = sps.detrend(y)
    n = len(y)
    nfft = max(1024, 1 << int(np.ceil(np.log2(n * 8))))
    spec = np.abs(np.fft.rfft(y * np.hanning(n), nfft)) ** 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    broad = (freqs >= HIGHPASS_HZ) & (freqs <= min(15.0, 0.49 * fs))
    if not broad.any() or spec[broad].sum() <= 0:
        return 0.0, 0.0, 0.0
    k = np.flatnonzero(broad)[np.argmax(spec[broad])]
    f_peak = _parabolic(freqs, spec, k)
    if not _in_band(f_peak, band, fs):
        return f_peak, 0.0, float(np.std(y))
    near = broad & (np.abs(freqs - f_peak) <= 0.75)
    return f_peak, float(spec[near].sum() / spec[broad].sum()), float(np.std(y))


def _in_band(f: float, band: tuple[float, float], fs: float) -> bool:
    """Whether a rate ``f`` (Hz) lies in ``band`` (Hz), allowing the estimate's wobble at its edges, and well
    below the Nyquist rate of ``fs`` (Hz)."""
    return band[0] - RATE_WOBBLE_HZ <= f <= min(band[1] + RATE_WOBBLE_HZ, 0.45 * fs)


def _parabolic(freqs: np.ndarray, spec: np.ndarray, k: int) -> float:
    if 0 < k < len(spec) - 1:
        a, b, c = spec[k - 1], spec[k], spec[k + 1]
        denom = a - 2 * b + c
        if denom != 0:
            return float(freqs[k] + 0.5 * (a - c) / denom * (freqs[1] - freqs[0]))
    return float(freqs[k])


def spectral_rate(fps: float) -> float:
    """The uniform rate (Hz) a recording of ``fps`` frames/s is resampled to for tremor spectra: the frame rate,
    kept within 20-120 Hz."""
    return max(20.0, min(fps, 120.0))


def detect_tremor(sig: Signals, params: DetectionParams = DetectionParams()) -> list[Event]:
    """Rhythmic oscillation of the jaw (side "both") or of one eyelid (its side; "both" if both lids)."""
    p = params
    fs = spectral_rate(sig.fps)
    candidates = [("jaw", "both", sig.jaw)] + [("eye", s, sig.side("closure", s)) for s in SIDES]
    found: list[Event] = []
    for region, side, x in candidates:
        grid, y = _uniform(sig.t_s, x, fs)
        if grid.size < p.tremor_window_s * fs:
            continue
        y = _highpass(y, fs)
        min_rms = p.tremor_min_rms_jaw if region == "jaw" else p.tremor_min_rms_eye
        win, step = round(p.tremor_window_s * fs), max(1, round(p.tremor_step_s * fs))
        starts = range(0, grid.size - win + 1, step)
        centre_s = grid[np.array(starts, dtype=int) + win // 2]
        # Each window's (rate, concentration, RMS); None where it has a gap.
        spectra = [
            _dominant(y[i : i + win], fs, p.tremor_band_hz) if np.isfinite(y[i : i + win]).all() else None
            for i in starts
        ]
        clear_freq = np.full(len(starts), np.nan)  # each window's rate where its peak is clear
        rhythm = np.zeros(grid.size, dtype=bool)
        for k, i in enumerate(starts):
            if spectra[k] is not None and spectra[k][1] >= p.tremor_hold_concentration:
                clear_freq[k] = spectra[k][0]
                rhythm[i : i + win] = True
        noise = _noise_outside(sig.t_s, x, grid, rhythm)
        hits = np.zeros(grid.size, dtype=bool)
        for i, window in zip(starts, spectra, strict=True):
            if window is None:
                continue
            f, conc, rms = window
            rhythmic = conc >= p.tremor_concentration and rms >= max(min_rms, p.tremor_noise_k * noise)
            if rhythmic and _envelope_cv(y[i : i + win], fs, f) <= p.tremor_max_envelope_cv:
                hits[i + win // 4 : i + win - win // 4] = True  # the window's centre half
        hits = bridge(hits, grid, p.tremor_step_s * 2)
        # Each stretch: its frames grown back to whole windows, its envelope-bounded frames, rate (Hz) and RMS.
        stretches: list[tuple[int, int, int, int, float, float]] = []
        for start, stop in runs(hits):
            # Each hit marked only its window's centre half: grow back by a quarter window on both sides.
            grown = max(0, start - win // 4), min(grid.size, stop + win // 4)
            f, _, rms = _dominant(y[slice(*grown)], fs, p.tremor_band_hz)
            start, stop = _envelope_bounds(y, fs, f, *grown)
            # A window or two in the middle of a tremor that fail the tests split it into two stretches that
            # overlap once grown back: at the same rate they are one tremor.
            if stretches and start <= stretches[-1][3] and abs(stretches[-1][4] - f) <= SAME_TREMOR_HZ:
                previous = stretches.pop()
                grown, start = (previous[0], grown[1]), previous[2]
                f, _, rms = _dominant(y[slice(*grown)], fs, p.tremor_band_hz)
            stretches.append((*grown, start, stop, f, rms))
        for _, _, start, stop, f, rms in stretches:
            t0, t1 = float(grid[start]), float(grid[stop - 1])
            if t1 - t0 < p.tremor_min_s - p.tremor_step_s or not _holds_rate(
                centre_s, clear_freq, f, t0, t1, p
            ):
                continue
            found.append(
                Event("tremor", t0, t1, side, (region,), float(2 * np.sqrt(2) * rms), frequency_hz=f)
            )
    return _merge_lid_tremor(found)


def _noise_outside(t_s: np.ndarray, x: np.ndarray, grid: np.ndarray, rhythm: np.ndarray) -> float:
    """The noise of ``x`` (:func:`robust_noise`, its units) over the frames outside ``rhythm`` (windows with a
    clear rhythm in the band, on the uniform ``grid``, s). A tremor changes a lot from frame to frame: where it
    fills much of a recording, the noise read over all frames rises with it and raises the gate the tremor must
    pass. With less than ``QUIET_MIN_S`` of frames outside, all frames are used."""
    quiet = (np.interp(t_s, grid, rhythm.astype(float)) <= 0.5) & np.isfinite(x)
    if quiet.sum() * frame_interval(t_s) < QUIET_MIN_S:
        return robust_noise(x)
    return robust_noise(np.where(quiet, x, np.nan))


def _holds_rate(
    centre_s: np.ndarray, clear_freq: np.ndarray, f: float, t0: float, t1: float, p: DetectionParams
) -> bool:
    """Whether windows with a clear peak at the rate ``f`` (Hz, within ``SAME_TREMOR_HZ``), one after another,
    cover the stretch ``t0``-``t1`` (s) for ``tremor_min_s``.

    ``centre_s``: the windows' centres (s); ``clear_freq``: each window's rate (Hz), NaN where its peak holds less
    than ``tremor_hold_concentration`` of the power. A window whose centre lies within a tremor has at least half
    its length in it, and in the other half no rhythm to outweigh it: a tremor of ``tremor_min_s`` puts its rate
    in windows whose centres span about ``tremor_min_s`` (1.9-2.4 s for a 2-s tremor, 1.9 s or more for every
    true tremor of the stored sets). A quarter window is left for noise at its ends. Speech whose syllable rate
    steadies for a moment between speeding up and slowing down holds a rate over 0.7-1.3 s of centres.
    """
    need = p.tremor_min_s - p.tremor_window_s / 4
    same = np.abs(clear_freq - f) <= SAME_TREMOR_HZ  # NaN compares False
    return any(
        centre_s[a] <= t1 and centre_s[b - 1] >= t0 and centre_s[b - 1] - centre_s[a] >= need
        for a, b in runs(same)
    )


def _bandpass_envelope(y: np.ndarray, fs: float, f: float) -> np.ndarray:
    """Amplitude envelope of ``y`` band-passed to ``f`` +- 1 Hz."""
    low, high = max(0.5, f - 1.0), min(f + 1.0, 0.49 * fs)
    if high <= low:
        return np.abs(y - np.nanmean(y))
    sos = sps.butter(2, [low, high], btype="bandpass", fs=fs, output="sos")
    return np.abs(sps.hilbert(sps.sosfiltfilt(sos, np.nan_to_num(y - np.nanmean(y)))))


def _envelope_cv(w: np.ndarray, fs: float, f: float) -> float:
    """Variation of the oscillation's amplitude within a window (edges trimmed: filter transients)."""
    envelope = _bandpass_envelope(w, fs, f)
    core = envelope[len(w) // 8 : len(w) - len(w) // 8]
    return float(core.std() / core.mean()) if core.size and core.mean() > 0 else np.inf


def _envelope_bounds(y: np.ndarray, fs: float, f: float, start: int, stop: int) -> tuple[int, int]:
    """Tighten a tremor stretch to where the band-passed amplitude envelope exceeds half its median."""
    envelope = _bandpass_envelope(y, fs, f)
    level = 0.5 * np.median(envelope[start:stop])
    inside = [r for r in runs(envelope > level) if r[0] < stop and r[1] > start]
    if not inside:
        return start, stop
    return max(inside[0][0], start), min(inside[-1][1], stop)


def _one_oscillation(a: Event, b: Event) -> bool:
    """Whether two tremors overlap in time at rates at most ``SAME_TREMOR_HZ`` apart: one oscillation."""
    overlap = a.start_s < b.end_s and b.start_s < a.end_s
    return overlap and abs((a.frequency_hz or 0) - (b.frequency_hz or 0)) <= SAME_TREMOR_HZ


def _merge_lid_tremor(events: list[Event]) -> list[Event]:
    """Both lids trembling together at the same rate is one bilateral lid tremor. A lid "tremor" at the rate
    of a jaw tremor going on at the same time is the jaw's movement carried through the face mesh."""
    others = [e for e in events if e.regions != ("eye",)]
    jaws = [e for e in others if e.regions == ("jaw",)]
    lids = [e for e in events if e.regions == ("eye",) and not any(_one_oscillation(j, e) for j in jaws)]
    merged: list[Event] = []
    used: set[int] = set()
    for i, a in enumerate(lids):
        if i in used:
            continue
        for j in range(i + 1, len(lids)):
            b = lids[j]
            if j not in used and a.side != b.side and _one_oscillation(a, b):
                used.add(j)
                a = Event(
                    "tremor", min(a.start_s, b.start_s), max(a.end_s, b.end_s), "both", ("eye",),
                    max(a.peak, b.peak), frequency_hz=(a.frequency_hz + b.frequency_hz) / 2,
                )  # fmt: skip
        merged.append(a)
    return others + merged


def tremor_rate(t: np.ndarray, x: np.ndarray, train: list[int], fs: float, p: DetectionParams) -> bool:
    """Whether the dominant rhythm of ``x`` over a train of dips (half an interval beyond its first and last) is
    in the tremor band: the dips were every other peak of a faster oscillation, not twitches of their own.
    ``fs``: the rate the tremor spectra are computed at (:func:`spectral_rate`, Hz)."""
    half = 0.5 * float(np.min(np.diff(t[train])))
    inside = (t >= t[train[0]] - half) & (t <= t[train[-1]] + half)
    _, y = _uniform(t[inside], x[inside], fs)
    if y.size < 8 or not np.isfinite(y).all():
        return False
    return _in_band(_dominant(y, fs, p.tremor_band_hz)[0], p.tremor_band_hz, fs)
