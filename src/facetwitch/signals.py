"""Per-side facial signals from landmarks (patient's own sides), their baselines, and per-frame quality.

Two steps:

* :func:`measure` turns one frame's landmarks into a small row of raw, scale-free geometry read in the head's
  own frame (the head rotation MediaPipe estimates is undone first) plus the head pose. It runs inside the
  streaming loop.
* :func:`normalise` turns the whole series of rows into signals relative to each side's own baseline:
  ``closure`` 0 (eye as open as usual) .. 1 (as closed as in the patient's own blinks), and deflections of brow,
  cheek, mouth corner and jaw from rest. Baselines are rolling, so slow drifts (posture, lighting, fatigue) do
  not become events.
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
CHIN, NOSE_TIP = 152, 1

SIDES = ("left", "right")
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


def frontalise(obs: FaceObservation) -> np.ndarray:
    """Landmarks rotated into the head's own frame (x towards the subject's left, y up, z out of the face).

    Undoes the head rotation reported by MediaPipe's facial transformation matrix, so that turning or tilting
    the head changes these coordinates little while facial movements still do. Units: pixels.
    """
    p = obs.points.astype(np.float64)
    camera = np.column_stack([p[:, 0], -p[:, 1], -p[:, 2]])  # image axes -> y up, z towards the camera
    rotation = obs.pose[:3, :3] / np.linalg.norm(obs.pose[:3, 0])
    return (camera - camera[NOSE_TIP]) @ rotation


def measure(obs: FaceObservation) -> np.ndarray:
    """Raw geometry of one face as a row ordered like :data:`RAW_COLUMNS` (float32).

    Eye aperture is a ratio of 3-D distances (lid gap / eye width). Brow, cheek and mouth-corner positions are
    read in the head's own frame (see :func:`frontalise`) relative to the nose tip, in units of the distance
    between the inner eye corners: points that move neither with the lids nor with expressions.
    """
    f = frontalise(obs)
    row = np.empty(len(RAW_COLUMNS), dtype=np.float32)
    unit = float(np.linalg.norm(f[EYE["left"]["inner"]] - f[EYE["right"]["inner"]])) or 1.0
    outward = {"left": 1.0, "right": -1.0}
    for s in SIDES:
        eye = EYE[s]
        eye_width = np.linalg.norm(f[eye["outer"]] - f[eye["inner"]])
        lids = np.mean([np.linalg.norm(f[a] - f[b]) for a, b in eye["pairs"]])
        row[RAW[f"aperture_{s}"]] = lids / eye_width
        row[RAW[f"brow_{s}"]] = f[BROW_MID[s], 1] / unit
        row[RAW[f"cheek_{s}"]] = f[CHEEK[s], 1] / unit
        # Position of the mouth corner along the up-and-outward diagonal (the pull of zygomaticus/risorius).
        corner = f[MOUTH_CORNER[s]]
        row[RAW[f"mouth_{s}"]] = (outward[s] * corner[0] + corner[1]) / (np.sqrt(2.0) * unit)
    row[RAW["jaw"]] = -f[CHIN, 1] / unit
    p = obs.points
    centre = {s: (p[EYE[s]["outer"], :2] + p[EYE[s]["inner"], :2]) / 2 for s in SIDES}
    row[RAW["iod_px"]] = float(np.linalg.norm(centre["left"] - centre["right"]))
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

    ``closure_*``: 0 = eye as open as its own baseline, 1 = as closed as in this person's blinks. ``brow_*`` / ``cheek_*``: raise (+) or
    lowering (-) from rest; ``mouth_*``: pull of the mouth corner up and outwards from rest; in units of the
    inner-eye-corner distance. ``jaw``: opening (chin away from nose) as a fraction of its resting distance.
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
        """Median frame rate of the decoded frames (frames/s)."""
        return 1.0 / frame_interval(self.t_s)


def frame_interval(t_s: np.ndarray) -> float:
    """Median interval between frames (s); 1/30 s when there are too few frames to tell."""
    dt = np.diff(t_s)
    dt = dt[dt > 0]
    return float(np.median(dt)) if dt.size else 1 / 30


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
    dt = frame_interval(t_s[idx])
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


DEFAULT_CLOSURE_DEPTH = 0.75


def full_closure_depth(closure_left: np.ndarray, closure_right: np.ndarray) -> float:
    """How far the landmarker's aperture drops when this person's lids are fully shut (0..1).

    The face mesh never brings the lid margins fully together, and how close it gets depends on the face
    (deep-set eyes, glasses). Every recording has blinks, and a blink is a full closure of both eyes, so the
    99th percentile of the bilateral closure is this person's full-closure depth; without enough blinks a
    typical depth is used. Dividing by it expresses closure relative to the patient's own blink.
    """
    both = np.fmin(closure_left, closure_right)
    both = both[np.isfinite(both)]
    if both.size < 30:
        return DEFAULT_CLOSURE_DEPTH
    depth = float(np.percentile(both, 99))
    return depth if depth >= 0.4 else DEFAULT_CLOSURE_DEPTH


def normalise(t_s: np.ndarray, raw: np.ndarray, usable: np.ndarray) -> Signals:
    """Normalise raw rows (N x len(RAW_COLUMNS)) against each side's rolling resting baseline."""

    def col(name: str) -> np.ndarray:
        return np.where(usable, raw[:, RAW[name]].astype(np.float64), np.nan)

    def deviation(name: str, sign: float, *, relative: bool) -> np.ndarray:
        values = col(name)
        base = rolling_baseline(t_s, values, usable, percentile=50, window_s=BASELINE_WINDOW_S)
        return sign * (values / base - 1.0 if relative else values - base)

    out: dict[str, np.ndarray] = {}
    for s in SIDES:
        aperture = col(f"aperture_{s}")
        # The open-eye baseline is a high percentile: blinks and spasms only ever lower the aperture.
        open_base = rolling_baseline(t_s, aperture, usable, percentile=85, window_s=BASELINE_WINDOW_S)
        out[f"closure_{s}"] = np.clip(1.0 - aperture / open_base, 0.0, 1.0)
    depth = full_closure_depth(out["closure_left"], out["closure_right"])
    for s in SIDES:
        out[f"closure_{s}"] = np.clip(out[f"closure_{s}"] / depth, 0.0, 1.0)
        out[f"brow_{s}"] = deviation(f"brow_{s}", +1.0, relative=False)
        out[f"cheek_{s}"] = deviation(f"cheek_{s}", +1.0, relative=False)
        out[f"mouth_{s}"] = deviation(f"mouth_{s}", +1.0, relative=False)
    out["jaw"] = deviation("jaw", +1.0, relative=True)
    return Signals(t_s=t_s, usable=usable, **out)
