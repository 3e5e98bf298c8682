"""Per-side facial signals from landmarks (patient's own sides), their baselines, and per-frame quality.

Two steps:

* :func:`measure` turns one frame's landmarks into a small row of raw, scale-free geometry (ratios of 3-D
  distances, so head rotation changes them little) plus the head pose. It runs inside the streaming loop.
* :func:`normalise` turns the whole series of rows into signals relative to each side's own baseline:
  ``closure`` 0 (eye as open as usual) .. 1 (lid margins touching), and deflections of brow, cheek, mouth
  corner and jaw as fractions of their resting distance. Baselines are rolling, so slow drifts (posture,
  lighting, fatigue) do not become events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from facetwitch.landmarks import FaceObservation

# MediaPipe face-mesh indices; "left"/"right" are the subject's own sides.
EYE = {
    "right": {"outer": 33, "inner": 133, "pairs": ((160, 144), (159, 145), (158, 153))},
    "left": {"outer": 263, "inner": 362, "pairs": ((387, 373), (386, 374), (385, 380))},
}
BROW_MID = {"right": 105, "left": 334}
CHEEK = {"right": 50, "left": 280}
MOUTH_CORNER = {"right": 61, "left": 291}
UPPER_LIP, LOWER_LIP, CHIN, NOSE_TIP = 13, 14, 152, 1

SIDES = ("left", "right")
SIGNALS = ("closure", "brow", "cheek", "mouth")
RAW_COLUMNS = (
    "aperture_left", "aperture_right", "brow_left", "brow_right", "cheek_left", "cheek_right",
    "mouth_left", "mouth_right", "jaw", "iod_px", "yaw_deg", "pitch_deg", "roll_deg",
)  # fmt: skip
RAW = {name: i for i, name in enumerate(RAW_COLUMNS)}
# Blendshapes kept in the per-frame table (MediaPipe's own names).
BLENDSHAPES = (
    "eyeBlinkLeft", "eyeBlinkRight", "eyeSquintLeft", "eyeSquintRight", "cheekSquintLeft", "cheekSquintRight",
    "mouthSmileLeft", "mouthSmileRight", "browDownLeft", "browDownRight", "jawOpen",
)  # fmt: skip


@dataclass(frozen=True)
class QualityLimits:
    max_yaw_deg: float = 35.0
    max_pitch_deg: float = 30.0
    min_iod_px: float = 25.0  # eyes closer than this in pixels: face too small to measure lids


def measure(obs: FaceObservation) -> np.ndarray:
    """Raw geometry of one face as a row ordered like :data:`RAW_COLUMNS` (float32)."""
    p = obs.points.astype(np.float64)
    row = np.empty(len(RAW_COLUMNS), dtype=np.float32)
    centre = {s: (p[EYE[s]["outer"]] + p[EYE[s]["inner"]]) / 2 for s in SIDES}
    iod = float(np.linalg.norm(centre["left"] - centre["right"]))
    for s in SIDES:
        eye = EYE[s]
        width = np.linalg.norm(p[eye["outer"]] - p[eye["inner"]])
        lids = np.mean([np.linalg.norm(p[a] - p[b]) for a, b in eye["pairs"]])
        row[RAW[f"aperture_{s}"]] = lids / width
        row[RAW[f"brow_{s}"]] = np.linalg.norm(p[BROW_MID[s]] - centre[s]) / iod
        row[RAW[f"cheek_{s}"]] = np.linalg.norm(p[CHEEK[s]] - p[eye["outer"]]) / iod
        row[RAW[f"mouth_{s}"]] = np.linalg.norm(p[MOUTH_CORNER[s]] - p[eye["outer"]]) / iod
    row[RAW["jaw"]] = np.linalg.norm(p[CHIN] - p[NOSE_TIP]) / iod
    row[RAW["iod_px"]] = float(np.linalg.norm((centre["left"] - centre["right"])[:2]))
    row[RAW["yaw_deg"]], row[RAW["pitch_deg"]], row[RAW["roll_deg"]] = head_angles(obs.pose)
    return row


def head_angles(pose: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from MediaPipe's facial transformation matrix."""
    r = pose[:3, :3] / np.linalg.norm(pose[:3, 0])
    yaw = np.degrees(np.arcsin(np.clip(-r[2, 0], -1.0, 1.0)))
    pitch = np.degrees(np.arctan2(r[2, 1], r[2, 2]))
    roll = np.degrees(np.arctan2(r[1, 0], r[0, 0]))
    return float(yaw), float(pitch), float(roll)


def usable_mask(raw: np.ndarray, found: np.ndarray, limits: QualityLimits = QualityLimits()) -> np.ndarray:
    """Frames with a face that is frontal enough and large enough to measure the lids."""
    with np.errstate(invalid="ignore"):
        return (
            found
            & (np.abs(raw[:, RAW["yaw_deg"]]) <= limits.max_yaw_deg)
            & (np.abs(raw[:, RAW["pitch_deg"]]) <= limits.max_pitch_deg)
            & (raw[:, RAW["iod_px"]] >= limits.min_iod_px)
        )


@dataclass(frozen=True)
class Signals:
    """Normalised per-frame signals; NaN where the frame is not usable.

    ``closure_*``: 0 = eye as open as its own baseline, 1 = closed. ``brow_*``: relative raise (+) or lowering (-)
    of the brow. ``cheek_*``: relative raise of the cheek toward the eye. ``mouth_*``: relative pull of the mouth
    corner toward the ipsilateral eye. ``jaw``: relative opening (chin away from nose). All unitless fractions.
    """

    t_s: np.ndarray
    usable: np.ndarray
    closure_left: np.ndarray
    closure_right: np.ndarray
    brow_left: np.ndarray
    brow_right: np.ndarray
    cheek_left: np.ndarray
    cheek_right: np.ndarray
    mouth_left: np.ndarray
    mouth_right: np.ndarray
    jaw: np.ndarray

    def side(self, signal: str, side: str) -> np.ndarray:
        return getattr(self, f"{signal}_{side}")

    @property
    def fps(self) -> float:
        """Median frame rate of the usable frames (frames/s)."""
        dt = np.diff(self.t_s)
        dt = dt[dt > 0]
        return float(1.0 / np.median(dt)) if dt.size else 30.0


def rolling_baseline(
    t_s: np.ndarray, values: np.ndarray, usable: np.ndarray, *, percentile: float, window_s: float
) -> np.ndarray:
    """Rolling percentile of ``values`` over usable frames in a centred window of ``window_s`` seconds.

    Computed on the usable frames only (gaps are skipped), then spread back to every frame.
    """
    out = np.full(values.shape, np.nan, dtype=np.float64)
    idx = np.flatnonzero(usable & np.isfinite(values))
    if idx.size == 0:
        return out
    series = values[idx].astype(np.float64)
    dt = np.median(np.diff(t_s[idx])) if idx.size > 1 else 1 / 30
    size = int(max(3, min(idx.size, round(window_s / max(dt, 1e-3)))))
    if size >= idx.size:
        base = np.full(idx.size, np.percentile(series, percentile))
    else:
        base = ndimage.percentile_filter(series, percentile, size=size, mode="nearest")
    out[idx] = base
    # Frames between usable ones take the nearest baseline (only used for display).
    missing = ~np.isfinite(out)
    if missing.any():
        out[missing] = np.interp(t_s[missing], t_s[idx], base)
    return out


BASELINE_WINDOW_S = 20.0


def normalise(t_s: np.ndarray, raw: np.ndarray, usable: np.ndarray) -> Signals:
    """Normalise raw rows (N x len(RAW_COLUMNS)) against each side's rolling resting baseline."""

    def col(name: str) -> np.ndarray:
        return np.where(usable, raw[:, RAW[name]].astype(np.float64), np.nan)

    def relative(name: str, sign: float) -> np.ndarray:
        values = col(name)
        base = rolling_baseline(t_s, values, usable, percentile=50, window_s=BASELINE_WINDOW_S)
        return sign * (values / base - 1.0)

    out: dict[str, np.ndarray] = {}
    for s in SIDES:
        aperture = col(f"aperture_{s}")
        # The open-eye baseline is a high percentile: blinks and spasms only ever lower the aperture.
        open_base = rolling_baseline(t_s, aperture, usable, percentile=85, window_s=BASELINE_WINDOW_S)
        out[f"closure_{s}"] = np.clip(1.0 - aperture / open_base, 0.0, 1.0)
        out[f"brow_{s}"] = relative(f"brow_{s}", +1.0)
        out[f"cheek_{s}"] = relative(f"cheek_{s}", -1.0)
        out[f"mouth_{s}"] = relative(f"mouth_{s}", -1.0)
    out["jaw"] = relative("jaw", +1.0)
    return Signals(t_s=t_s, usable=usable, **out)
