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

from dataclasses import dataclass, replace

import numpy as np

from facetwitch.cheek_picture import cheek_rise
from facetwitch.landmarks import FaceObservation

# SciPy (about a second of one core to import) is imported inside the functions that use it: the per-frame
# stage needs only numpy, so a video's frames start flowing while SciPy loads beside them
# (see pipeline.analyze).

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
OTHER_SIDE = {"left": "right", "right": "left"}
RAW_COLUMNS = (
    "aperture_left", "aperture_right", "brow_left", "brow_right", "cheek_left", "cheek_right",
    "mouth_left", "mouth_right", "jaw", "unit_px", "iod_px", "yaw_deg", "pitch_deg", "roll_deg",
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
    # Mean brightness (0-255) of the face's box over a recording, and live on the capture page: below, a dim
    # room's noise and soft contrast hide faint lid movements; above, the face's detail is washed out.
    min_face_luma: float = 60.0
    max_face_luma: float = 235.0
    # How far a full blink narrows an eye's opening in the face mesh (share of the open eye's): below this (hooded
    # lids, glasses, a small or blurred face) a one-sided lid twitch, a fraction of a blink, is near the noise.
    # Tuning suite and fresh draws: lids rendered at 30-40 % of their travel read 0.06-0.16 (lesser eye), every
    # other clip 0.20-0.82; weak-signal-eye controls (one lid at 23-30 %) 0.09, 0.20 and 0.27.
    min_lid_travel: float = 0.18


def measure(obs: FaceObservation) -> np.ndarray:
    """Raw geometry of one face as a row ordered like :data:`RAW_COLUMNS` (float32); see :func:`measure_many`."""
    return measure_many(obs.points[None], obs.pose[None])[0]


# The landmarks measure_many reads, and where each sits in its (N, len(_MEASURED), 3) gather.
_MEASURED = sorted(
    {i for s in SIDES for i in (EYE[s]["outer"], EYE[s]["inner"], BROW_MID[s], CHEEK[s], MOUTH_CORNER[s])}
    | {i for s in SIDES for pair in EYE[s]["pairs"] for i in pair}
    | {CHIN, NOSE_TIP}
)
_AT = {index: k for k, index in enumerate(_MEASURED)}


def measure_many(points: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """Raw geometry of N faces, (N, len(RAW_COLUMNS)) float32 rows ordered like :data:`RAW_COLUMNS`, from their
    landmarks (N, 478, 3; pixels, as :class:`FaceObservation`) and facial transformation matrices (N, 4, 4).

    Eye aperture is a ratio of 3-D distances (lid gap / eye width). Brow, cheek and mouth-corner positions are
    read in the head's own frame (the landmarks rotated by the inverse of the head's rotation: x towards the
    subject's left, y up, z out of the face) relative to the nose tip, in units of the distance
    between the inner eye corners: points that move neither with the lids nor with expressions. That distance
    itself is ``unit_px`` (landmark pixels, 3-D). Vectorised over frames, and only the landmarks measured are
    rotated.
    """
    p = points[:, _MEASURED].astype(np.float64)
    camera = p * np.array([1.0, -1.0, -1.0])  # image axes -> y up, z towards the camera
    rotation = poses[:, :3, :3] / np.linalg.norm(poses[:, :3, 0], axis=1)[:, None, None]
    f = (camera - camera[:, _AT[NOSE_TIP]][:, None]) @ rotation  # frontalised, nose tip at the origin

    def at(index: int) -> np.ndarray:
        return f[:, _AT[index]]

    def dist(a: int, b: int) -> np.ndarray:
        return np.linalg.norm(at(a) - at(b), axis=-1)

    rows = np.empty((len(points), len(RAW_COLUMNS)), dtype=np.float32)
    unit = dist(EYE["left"]["inner"], EYE["right"]["inner"])
    unit[unit == 0] = 1.0
    rows[:, RAW["unit_px"]] = unit
    outward = {"left": 1.0, "right": -1.0}
    for s in SIDES:
        eye = EYE[s]
        lids = np.mean([dist(a, b) for a, b in eye["pairs"]], axis=0)
        rows[:, RAW[f"aperture_{s}"]] = lids / dist(eye["outer"], eye["inner"])
        rows[:, RAW[f"brow_{s}"]] = at(BROW_MID[s])[:, 1] / unit
        rows[:, RAW[f"cheek_{s}"]] = at(CHEEK[s])[:, 1] / unit
        # Position of the mouth corner along the up-and-outward diagonal (the pull of zygomaticus/risorius).
        corner = at(MOUTH_CORNER[s])
        rows[:, RAW[f"mouth_{s}"]] = (outward[s] * corner[:, 0] + corner[:, 1]) / (np.sqrt(2.0) * unit)
    rows[:, RAW["jaw"]] = -at(CHIN)[:, 1] / unit
    centre = {s: (points[:, EYE[s]["outer"], :2] + points[:, EYE[s]["inner"], :2]) / 2 for s in SIDES}
    rows[:, RAW["iod_px"]] = np.linalg.norm(centre["left"] - centre["right"], axis=-1)
    angles = head_angles_many(poses)
    rows[:, RAW["yaw_deg"]], rows[:, RAW["pitch_deg"]], rows[:, RAW["roll_deg"]] = angles.T
    return rows


def head_angles(pose: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from MediaPipe's facial transformation matrix."""
    yaw, pitch, roll = head_angles_many(pose[None])[0]
    return float(yaw), float(pitch), float(roll)


def head_angles_many(poses: np.ndarray) -> np.ndarray:
    """(N, 3) yaw, pitch, roll in degrees from N facial transformation matrices (N, 4, 4)."""
    r = poses[:, :3, :3] / np.linalg.norm(poses[:, :3, 0], axis=1)[:, None, None]
    yaw = np.degrees(np.arcsin(np.clip(-r[:, 2, 0], -1.0, 1.0)))
    pitch = np.degrees(np.arctan2(r[:, 2, 1], r[:, 2, 2]))
    roll = np.degrees(np.arctan2(r[:, 1, 0], r[:, 0, 0]))
    return np.stack([yaw, pitch, roll], axis=1)


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

    ``closure_*``: 0 = eye as open as its own baseline, 1 = as closed as in this eye's own full blinks.
    ``brow_*`` / ``cheek_*``: raise (+) or lowering (-) from rest; ``mouth_*``: pull of the mouth corner up and
    outwards from rest; in units of the inner-eye-corner distance. ``jaw``: opening (chin away from nose) as a
    fraction of its resting distance. ``head_speed_deg_s`` (optional): angular speed of the head (degrees/s);
    frames of fast head motion are not read as one-sided contractions. ``blink_*`` (optional): MediaPipe's
    eyeBlinkLeft/Right blendshapes on the same scale as ``closure_*`` (0 open .. 1 this eye's full blink).
    ``lid_range_measured``: False where no blink moved an eye's lids measurably, so that eye's closure is read
    against a typical blink (:data:`DEFAULT_CLOSURE_DEPTH`) and blinks and lid twitches may be misjudged.
    ``lid_travel_*``: the full-blink depth each eye's closure is scaled by (:func:`eye_closure_depths`, the share
    of the open eye's aperture a blink closes in the mesh, 0..1); None where the lids were not measured.
    ``yaw_deg`` (optional): the head's yaw as MediaPipe estimates it (degrees, :func:`smooth_pose`): a one-sided
    pull that follows it is what the pose models left of a turn.
    ``lower_alone`` (optional): ``brow_*``, ``cheek_*`` and ``mouth_*`` as each side's own pose fit reads them, where
    those fields hold the one-sidedness two pose models agree on (:func:`agreed_sides`, :meth:`read_alone`).
    ``lid_picture_*`` (optional): how far each eye's picture differs from its rest picture (RMS grey levels,
    :func:`facetwitch.lid_picture.picture_change`): one-sided eye contractions whose pictures changed alike on both
    eyes are vetoed, faint twitches in a clonic train that only one eye's picture shows are found, and a "blink"
    only one eye's picture shows is that eye's twitch (:class:`facetwitch.events.DetectionParams`
    ``lid_picture_veto``, ``picture_rhythm_prominence``, ``picture_blink_balance``).
    ``cheek_picture_*`` (optional): how far the skin below each eye moved up the face from its rest picture (nose
    lengths, :func:`facetwitch.cheek_picture.cheek_rise`); ``cheek_patches`` (optional, N x CHEEK_VALUES): the
    patches themselves, registered against each contraction's own moments before (which contractions the cheek
    took part in, :func:`facetwitch.events.regions.cheek_from_picture`).
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
    head_speed_deg_s: np.ndarray | None = None
    blink_left: np.ndarray | None = None
    blink_right: np.ndarray | None = None
    lid_range_measured: bool = True
    lid_travel_left: float | None = None
    lid_travel_right: float | None = None
    lid_picture_left: np.ndarray | None = None
    lid_picture_right: np.ndarray | None = None
    cheek_picture_left: np.ndarray | None = None
    cheek_picture_right: np.ndarray | None = None
    cheek_patches: np.ndarray | None = None
    lower_alone: dict[str, np.ndarray] | None = None
    yaw_deg: np.ndarray | None = None

    def side(self, signal: str, side: str) -> np.ndarray:
        return getattr(self, f"{signal}_{side}")

    def read_alone(self) -> Signals:
        """These signals with brow, cheek and mouth corner as each side's own pose fit reads them (``lower_alone``):
        whether a contraction stands is decided on the readings both pose models agree on, which parts of the face
        took part in one that stands on this, the more sensitive reading."""
        return self if self.lower_alone is None else replace(self, **self.lower_alone, lower_alone=None)

    @property
    def has_blink_blendshapes(self) -> bool:
        """Whether the recording has MediaPipe's eyeBlink blendshapes for both eyes (``blink_*``)."""
        return self.blink_left is not None and self.blink_right is not None

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

    Computed on the usable frames only (gaps are skipped), then spread back to every frame. Near either end
    the window is filled by mirroring the series, not by repeating its first or last value: the tracker's
    settling frames would otherwise make up half the window over the first ``window_s / 2`` seconds.
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
        from scipy import ndimage

        base = ndimage.percentile_filter(series, percentile, size=size, mode="reflect")
    out[idx] = base
    # Frames between usable ones take the nearest baseline (only used for display).
    missing = ~np.isfinite(out)
    if missing.any():
        out[missing] = np.interp(t_s[missing], t_s[idx], base)
    return out


BASELINE_WINDOW_S = 20.0
SCALE_WINDOW_S = 1.0  # the face's size (inner-eye distance) is read as its median over this long
LOCAL_OPEN_WINDOW_S = 10.0  # longer than the longest sustained closure we expect to keep (tonic spasms)
DEFAULT_CLOSURE_DEPTH = 0.75  # a typical full-blink aperture drop when a recording has too few blinks to tell
MIN_CLOSURE_DEPTH = 0.08  # below this a "blink" is not a measurable lid movement: use the default instead
# ... unless both eyes dip together in at least MIN_PAIRED_BLINKS blinks, each eye by at least MIN_PAIRED_DEPTH and
# PAIRED_NOISE_K noise SDs: a small, compressed face with lids shown at 30 % of their travel moves the aperture
# only 6-9 % in a full blink, far above the frame-to-frame noise, and both eyes must then use their own blinks.
MIN_PAIRED_DEPTH = 0.04
MIN_PAIRED_BLINKS = 2
PAIRED_NOISE_K = 10.0
COUPLED_S = 0.1  # the two eyes' dips of one blink peak within this of each other
DIP_SHARE = 0.35  # dips shallower than this share of an eye's deepest are not blink candidates
# In a blink both eyes' eyeBlink blendshapes rise, a weak-signal eye's at least a quarter as far as the other's
# (0.25-0.42 on the tuning suite's weak eyes); a one-sided contraction lifts the other eye's by a median 0.08.
SECOND_ALIKE = 0.2


def robust_noise(x: np.ndarray) -> float:
    """Noise SD of a signal from the median absolute frame-to-frame difference (robust to events).

    Units: those of ``x``. NaN samples are skipped.
    """
    d = np.diff(x[np.isfinite(x)])
    if d.size < 3:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2))


def _dips(x: np.ndarray, noise: float, fps: float) -> np.ndarray:
    """Indices of brief (<= 1 s at half height) dips of a closure-like series, above 5 noise SDs."""
    from scipy.signal import find_peaks

    filled = np.nan_to_num(x, nan=0.0)
    peaks, _ = find_peaks(filled, prominence=max(0.03, 5.0 * noise), width=(None, max(2.0, fps)))
    return peaks


def eye_closure_depths(
    raw_closure: dict[str, np.ndarray], fps: float, second: dict[str, np.ndarray] | None = None
) -> tuple[dict[str, float], bool]:
    """Each eye's own full-blink depth: how far ITS aperture drops in this person's blinks (0..1).

    The face mesh never brings the lid margins fully together and how close it gets differs between faces
    and between the two eyes of one face (ptosis, glasses, a lid the mesh reads poorly: a "weak-signal" eye
    may move only a third as much as the other). Each eye is therefore scaled by its own blink amplitude,
    so that a symmetric blink reads the same on both eyes and a weak-signal eye does not make the other look
    like a one-sided contraction.

    Blinks are told from one-sided twitches (which can be deeper than blinks, and make the other eye dip a
    little through the mesh's coupling) in two steps, among each eye's brief dips at least ``DIP_SHARE`` as deep
    as its deepest: each eye's dips are scaled by the 90th percentile
    of that eye's dips; the dips of the two eyes that coincide (within ``COUPLED_S``) and are comparable in
    depth on that scale (the shallower at least half the deeper) are blinks, and each eye's depth is the
    90th percentile of its blinks (the largest, with one or two). Without such blinks the first-step scale is
    used; without brief dips at all, a typical depth. A depth under ``MIN_CLOSURE_DEPTH`` is not measurable
    and falls back to the typical depth, unless both eyes dip together in ``MIN_PAIRED_BLINKS`` blinks that
    stand ``PAIRED_NOISE_K`` noise SDs (and ``MIN_PAIRED_DEPTH``) deep on that eye.

    ``second`` (optional): another reading of the same two eyes (MediaPipe's eyeBlink blendshapes, rise above
    rest), which the mesh's coupling does not drag along. A pair of dips is then a blink only if that reading
    rises on both eyes too, the lesser at least ``SECOND_ALIKE`` of the greater: a one-sided contraction drags
    the other eye's mesh aperture down by up to half as much, but hardly its blendshape. When no blink is found
    at all, both eyes take the deeper eye's scale: an eye whose only dips are such drag would otherwise be
    scaled up to read as closed as the contracting one.

    Returns each eye's depth and whether both were measured here (False where an eye fell back to the typical
    depth: no blink moved its lids measurably).
    """
    window = max(1, round(COUPLED_S * fps))
    dips = {s: _dips(raw_closure[s], robust_noise(raw_closure[s]), fps) for s in SIDES}
    # Blinks are among an eye's deepest brief dips; the many shallow wobbles (head turns, the mesh's coupling
    # to the other eye) would otherwise outnumber them.
    for s in SIDES:
        if dips[s].size:
            heights = raw_closure[s][dips[s]]
            dips[s] = dips[s][heights >= DIP_SHARE * np.percentile(heights, 98)]
    measured = {s: _typical_depth(raw_closure[s][dips[s]]) for s in SIDES}
    # No brief dip at all, or none deep enough: the typical depth stands in for this eye's own.
    typical = {s: dips[s].size == 0 or measured[s] < MIN_CLOSURE_DEPTH for s in SIDES}
    first = {s: DEFAULT_CLOSURE_DEPTH if typical[s] else measured[s] for s in SIDES}
    # Paired blinks may be shallower than MIN_CLOSURE_DEPTH when they stand far above the noise: pair the
    # dips on the eyes' own scales, so that one eye just under the floor is not compared on the default scale
    # with the other just over it (every blink then looked one-sided).
    floor = {s: max(MIN_PAIRED_DEPTH, PAIRED_NOISE_K * robust_noise(raw_closure[s])) for s in SIDES}
    scale = {s: measured[s] if measured[s] >= floor[s] else first[s] for s in SIDES}
    left, right = dips["left"], dips["right"]
    blinks: dict[str, np.ndarray] = {"left": left[:0], "right": right[:0]}
    if left.size and right.size:
        gap = np.abs(left[:, None] - right[None, :])
        j = np.argmin(gap, axis=1)
        pairs = [
            (i, right[k]) for i, k in zip(left, j, strict=True) if gap[left.searchsorted(i), k] <= window
        ]
        if pairs:
            li, ri = (np.array(x) for x in zip(*pairs, strict=True))
            nl, nr = raw_closure["left"][li] / scale["left"], raw_closure["right"][ri] / scale["right"]
            alike = np.fmin(nl, nr) >= 0.5 * np.fmax(nl, nr)
            if second is not None:
                sl, sr = _rise_at(second["left"], li, window), _rise_at(second["right"], ri, window)
                alike &= np.nan_to_num(np.fmin(sl, sr) - SECOND_ALIKE * np.fmax(sl, sr), nan=1.0) >= 0
            blinks = {"left": li[alike], "right": ri[alike]}
    if second is not None and not any(blinks[s].size for s in SIDES):
        deeper = max(SIDES, key=first.__getitem__)
        return {s: first[deeper] for s in SIDES}, not typical[deeper]
    out: dict[str, float] = {}
    fell_back = False
    for s in SIDES:
        depth = _typical_depth(raw_closure[s][blinks[s]]) if blinks[s].size else first[s]
        paired = blinks[s].size >= MIN_PAIRED_BLINKS and depth >= floor[s]
        own = blinks[s].size > 0 and (depth >= MIN_CLOSURE_DEPTH or paired)
        out[s] = depth if own else first[s]
        fell_back |= not own and typical[s]
    return out, not fell_back


def _rise_at(x: np.ndarray, peaks: np.ndarray, window: int) -> np.ndarray:
    """The highest value of ``x`` within ``window`` frames of each peak (NaN where ``x`` has none there)."""
    out = np.full(peaks.size, np.nan)
    for k, i in enumerate(peaks):
        part = x[max(0, i - window) : i + window + 1]
        if np.isfinite(part).any():
            out[k] = np.nanmax(part)
    return out


def _typical_depth(heights: np.ndarray) -> float:
    """A full blink's depth from dip heights: their 90th percentile (the largest of one or two); a typical depth
    without any."""
    if heights.size == 0:
        return DEFAULT_CLOSURE_DEPTH
    return float(np.percentile(heights, 90)) if heights.size >= 3 else float(heights.max())


POSE_ITERATIONS = 6
# Pose changes within this band are not used (see pose_compensated). On the tuning suite 0.5-1.0 deg works:
# below, spasms during a turn are fitted away; above, a nod's perspective on the mouth corners is left in.
POSE_DEAD_BAND_DEG = 0.7
POSE_MIN_RANGE_DEG = 6.0  # below this range of yaw and pitch there is nothing to regress out


def _pose_terms(
    yaw_deg: np.ndarray, pitch_deg: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Yaw and pitch (degrees) about the recording's median, less the dead band; None when the pose hardly
    varies (nothing to regress out) or there are too few frames."""
    if ok.sum() < 60:
        return None
    yaw, pitch = yaw_deg - np.median(yaw_deg[ok]), pitch_deg - np.median(pitch_deg[ok])
    # A squeeze of the lids or a blink moves MediaPipe's pose estimate by a degree or so for its whole length;
    # pose changes within that band are not used, so the fit cannot explain a spasm away.
    yaw, pitch = (np.sign(a) * np.maximum(np.abs(a) - POSE_DEAD_BAND_DEG, 0.0) for a in (yaw, pitch))
    if np.ptp(yaw[ok]) < POSE_MIN_RANGE_DEG and np.ptp(pitch[ok]) < POSE_MIN_RANGE_DEG:
        return None
    return np.nan_to_num(yaw), np.nan_to_num(pitch)


def _pose_fit(
    t_s: np.ndarray, series: list[np.ndarray], designs: list[np.ndarray], oks: list[np.ndarray]
) -> np.ndarray | None:
    """Coefficients shared by ``series`` (each ``values ~ slow baseline + design @ coef``), by least squares
    repeated with the frames more than 3 robust SDs off the fit left out (blinks, contractions); the slow
    baseline (a rolling median) and the pose dependence are estimated in turn, each without the other. None when
    too few frames are left."""
    coef = np.zeros(designs[0].shape[1])
    selected = list(oks)
    for _ in range(POSE_ITERATIONS):
        residual = [
            values
            - rolling_baseline(t_s, values - design @ coef, ok, percentile=50, window_s=BASELINE_WINDOW_S)
            for values, design, ok in zip(series, designs, oks, strict=True)
        ]
        for _ in range(2):
            coef, *_ = np.linalg.lstsq(
                np.vstack([d[sel] for d, sel in zip(designs, selected, strict=True)]),
                np.concatenate([r[sel] for r, sel in zip(residual, selected, strict=True)]),
                rcond=None,
            )
            for k, (r, design, ok) in enumerate(zip(residual, designs, oks, strict=True)):
                fitted = r - design @ coef
                spread = 1.4826 * np.median(np.abs(fitted[ok] - np.median(fitted[ok])))
                selected[k] = ok & (np.abs(fitted) <= 3.0 * spread + 1e-12)
            if min(sel.sum() for sel in selected) < 30:
                return None
    return coef


def pose_compensated(
    t_s: np.ndarray, values: np.ndarray, yaw_deg: np.ndarray, pitch_deg: np.ndarray, usable: np.ndarray
) -> np.ndarray:
    """``values`` with the part that follows head pose removed (same units).

    Turning or nodding the head foreshortens the far eye and changes the perspective on the mouth corners in
    the face mesh even after the rotation is undone; left and right change in opposite directions, which
    looks like a one-sided contraction. The pose dependence is fitted per signal as a quadratic in yaw and
    pitch (degrees) to the deviation from a slow rolling median, by least squares repeated with the dips
    (blinks, contractions: they only move one way) left out, and subtracted. Recordings whose pose hardly
    varies are returned unchanged. The two eyes are fitted together instead (:func:`pose_compensated_pair`);
    a side's brow, cheek and mouth corner both ways (:func:`agreed_sides`).
    """
    ok = usable & np.isfinite(values) & np.isfinite(yaw_deg) & np.isfinite(pitch_deg)
    terms = _pose_terms(yaw_deg, pitch_deg, ok)
    if terms is None:
        return values
    yaw, pitch = terms
    design = np.column_stack([yaw, pitch, yaw**2 / 10.0, pitch**2 / 10.0, yaw * pitch / 10.0]) / 10.0
    coef = _pose_fit(t_s, [values], [design], [ok])
    return values if coef is None else values - design @ coef


def pose_compensated_pair(
    t_s: np.ndarray,
    pair: dict[str, np.ndarray],
    yaw_deg: np.ndarray,
    pitch_deg: np.ndarray,
    usable: np.ndarray,
    fit_frames: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """One measure of the face's two sides (``left``/``right``: the eyes' log apertures, or a brow, cheek or mouth
    corner position) with the part that follows head pose removed (same units).

    The two sides are fitted together, as a part both share (``S``: the nod, and the turn as far as MediaPipe's
    yaw and pitch couple: pitch, yaw, yaw², pitch²) and a part that moves one side as much as the other the
    other way (``A``: foreshortening of the far side, odd in yaw: yaw, yaw·pitch): left = S + A, right = S − A.
    A one-sided contraction moves one side only, which neither part can follow without the other side
    disagreeing; fitted per eye, the quadratic took a tonic spasm at a turn's extreme (where a turn has few
    frames) for the turn's effect, read the eye's rest before it as closure and merged two episodes.
    Same robust fit and dead band as :func:`pose_compensated`; the sides are returned unchanged when the pose
    hardly varies. ``fit_frames`` (bool, N; optional) limits the frames the fit learns from (:func:`lids_still`),
    not those it is subtracted from.
    """
    ok = {s: usable & np.isfinite(pair[s]) & np.isfinite(yaw_deg) & np.isfinite(pitch_deg) for s in SIDES}
    terms = _pose_terms(yaw_deg, pitch_deg, ok["left"] & ok["right"])
    if fit_frames is not None:
        ok = {s: ok[s] & fit_frames for s in SIDES}
    if terms is None:
        return dict(pair)
    yaw, pitch = terms
    shared = np.column_stack([pitch, yaw, yaw**2 / 10.0, pitch**2 / 10.0]) / 10.0
    opposite = np.column_stack([yaw, yaw * pitch / 10.0]) / 10.0
    designs = {"left": np.hstack([shared, opposite]), "right": np.hstack([shared, -opposite])}
    coef = _pose_fit(t_s, [pair[s] for s in SIDES], [designs[s] for s in SIDES], [ok[s] for s in SIDES])
    if coef is None:
        return dict(pair)
    return {s: pair[s] - designs[s] @ coef for s in SIDES}


def agreed_sides(own: dict[str, np.ndarray], joint: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The two sides' deflections from rest (``left``/``right``, same units) as far as two pose models agree.

    ``own``: each side with its own pose fit (:func:`pose_compensated`); ``joint``: the sides fitted together
    (:func:`pose_compensated_pair`). The two disagree where the pose estimate moves for a reason other than the
    head, or the fit's nearly collinear terms run away: a smile lifts MediaPipe's pitch by 2-3°, and a fit per side
    that had learned opposite pitch terms on a turn combining yaw and pitch turned the smile into one mouth
    corner's pull. Per frame, the one-sidedness (left - right) is the smaller of the two readings' where they
    have the same sign and none where they differ; what both sides share is ``own``'s.
    """
    a_own, a_joint = own["left"] - own["right"], joint["left"] - joint["right"]
    with np.errstate(invalid="ignore"):
        agree = np.sign(a_own) == np.sign(a_joint)
    one_sided = np.where(agree, np.sign(a_own) * np.fmin(np.abs(a_own), np.abs(a_joint)), 0.0)
    one_sided = np.where(np.isfinite(a_own) & np.isfinite(a_joint), one_sided, np.nan)
    shared = (own["left"] + own["right"]) / 2
    return {"left": shared + one_sided / 2, "right": shared - one_sided / 2}


def widen(mask: np.ndarray, frames: int) -> np.ndarray:
    """``mask`` (bool, N) with every True frame spread ``frames`` frames to either side."""
    from scipy import ndimage

    return ndimage.binary_dilation(mask, structure=np.ones(2 * frames + 1, dtype=bool))


# A lid moves where an eyeBlink blendshape rises more than LID_STILL_RISE above its lowest level (10th
# percentile) of the surrounding LID_STILL_WINDOW_S. Outside blinks and spasms that quick rise never passed 0.085
# on the tuning clips, head turns and nods included (0.01-0.05 typical); twitches rise 0.2-1. The window is short
# so that a blendshape drifting with the head's pose stays still.
LID_STILL_RISE = 0.1
LID_STILL_WINDOW_S = 3.0
LID_STILL_MARGIN_S = 0.1  # either side of a moving frame: the lid starts and ends a movement before the score


def lids_still(t_s: np.ndarray, blink_rise: dict[str, np.ndarray], usable: np.ndarray) -> np.ndarray:
    """Frames (bool, N) where neither eye's lid moves by the eyeBlink blendshapes.

    Parameters
    ----------
    t_s : (N,) frame times, seconds.
    blink_rise : each eye's eyeBlink rise above its open level, 0..1 (:func:`_blendshape_rise`).
    usable : (N,) bool, frames with a usable face.

    Returns
    -------
    (N,) bool: True where no eye's rise passes ``LID_STILL_RISE`` above its local lowest level, nor within
    ``LID_STILL_MARGIN_S`` of such a frame.
    """
    moving = np.zeros(t_s.size, dtype=bool)
    for s in SIDES:
        low = rolling_baseline(t_s, blink_rise[s], usable, percentile=10, window_s=LID_STILL_WINDOW_S)
        moving |= blink_rise[s] - low > LID_STILL_RISE
    return ~widen(moving, max(1, round(LID_STILL_MARGIN_S / frame_interval(t_s))))


POSE_SMOOTH_S = 0.5


def smooth_pose(t_s: np.ndarray, angle_deg: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """A head angle (degrees) median-filtered over ``POSE_SMOOTH_S``: MediaPipe's pose estimate jumps by a degree
    or two for the few frames of a blink or twitch (it is fitted to the whole mesh, lids included), and a pose
    model fitted to those jumps would explain the blink away. Real turns and nods are slower."""
    values = np.where(usable, angle_deg.astype(np.float64), np.nan)
    ok = np.isfinite(values)
    if ok.sum() < 3:
        return values
    size = max(3, round(POSE_SMOOTH_S / frame_interval(t_s)) | 1)
    from scipy import ndimage

    out = np.full(values.shape, np.nan)
    out[ok] = ndimage.median_filter(values[ok], size=size, mode="nearest")
    return out


def normalise(
    t_s: np.ndarray,
    raw: np.ndarray,
    usable: np.ndarray,
    blend: np.ndarray | None = None,
    lid_picture: np.ndarray | None = None,
    cheek_patches: np.ndarray | None = None,
) -> Signals:
    """Normalise raw rows (N x len(RAW_COLUMNS)) against each side's rolling resting baseline.

    Head pose is regressed out of every per-side signal first (:func:`pose_compensated`, both eyes together:
    :func:`pose_compensated_pair`; the lower face both ways, :func:`agreed_sides`); eye closure is
    then scaled by each eye's own blink depth (:func:`eye_closure_depths`). ``blend`` (N x len(BLENDSHAPES),
    optional) is kept for the per-frame table; its eyeBlink scores confirm which dips are blinks, give
    ``blink_*`` (:func:`blendshape_closure`) and keep moving lids out of the eyes' pose fit (:func:`lids_still`).
    ``lid_picture`` (N x 2, optional: right eye, left eye) is :func:`facetwitch.lid_picture.picture_change`, kept
    over usable frames as ``lid_picture_*``; ``cheek_patches`` (N x CHEEK_VALUES, optional, NaN rows without a face)
    are both cheeks' grey patches (:mod:`facetwitch.cheek_picture`): kept as they are, and read against their
    median over the usable frames as ``cheek_picture_*``.
    """

    yaw, pitch = (smooth_pose(t_s, raw[:, RAW[name]], usable) for name in ("yaw_deg", "pitch_deg"))

    def col(name: str) -> np.ndarray:
        return np.where(usable, raw[:, RAW[name]].astype(np.float64), np.nan)

    # The face's size changes slowly (the patient leans in or back), but the inner-eye distance each frame's
    # positions are divided by jitters with the tracking by ~0.1 %: for the chin, 1.6 of those units below the
    # nose, as much as a faint jaw tremor. Positions are read against the size over SCALE_WINDOW_S instead.
    unit = col("unit_px")
    rescale = unit / rolling_baseline(t_s, unit, usable, percentile=50, window_s=SCALE_WINDOW_S)

    def deviation(values: np.ndarray, *, relative: bool = False) -> np.ndarray:
        base = rolling_baseline(t_s, values, usable, percentile=50, window_s=BASELINE_WINDOW_S)
        return values / base - 1.0 if relative else values - base

    out: dict[str, np.ndarray] = {}
    raw_closure: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        log_aperture = {
            s: np.log(np.where(col(f"aperture_{s}") > 0, col(f"aperture_{s}"), np.nan)) for s in SIDES
        }
    blink_rise = _blendshape_rise(t_s, blend, usable) if blend is not None else {}
    # The pose fit learns from frames where the blendshapes see no lid move: a burst that fills a turn would
    # otherwise be taken in part for the turn (the mesh's 3-SD rule misses the shallower twitches), and the
    # eye's rest during the turn would read as more open than it is, its twitches shallower.
    still = lids_still(t_s, blink_rise, usable) if blink_rise else None
    compensated = pose_compensated_pair(t_s, log_aperture, yaw, pitch, usable, still)
    for s in SIDES:
        aperture = np.exp(compensated[s])
        # The open-eye baseline is a high percentile: blinks and spasms only ever lower the aperture.
        open_base = rolling_baseline(t_s, aperture, usable, percentile=85, window_s=BASELINE_WINDOW_S)
        closure = 1.0 - aperture / open_base
        # The face mesh sometimes settles a few percent lower after a blink or a turn and stays there for seconds:
        # closure counts from the most open level of the surrounding seconds, so such steps are not spasms.
        local_open = rolling_baseline(t_s, closure, usable, percentile=10, window_s=LOCAL_OPEN_WINDOW_S)
        raw_closure[s] = np.clip(closure - np.fmax(local_open, 0.0), 0.0, 1.0)
    depths, lids_measured = eye_closure_depths(raw_closure, 1.0 / frame_interval(t_s), blink_rise or None)
    for s in SIDES:
        out[f"closure_{s}"] = np.clip(raw_closure[s] / depths[s], 0.0, 1.0)
    # Each region's two sides are read through two pose models: each side's own fit (pose_compensated) and the
    # two sides fitted together (pose_compensated_pair). Only the one-sidedness both agree on is kept.
    alone: dict[str, np.ndarray] = {}
    for region in ("brow", "cheek", "mouth"):
        pair = {s: col(f"{region}_{s}") * rescale for s in SIDES}
        joint = pose_compensated_pair(t_s, pair, yaw, pitch, usable)
        own_fit = {s: pose_compensated(t_s, pair[s], yaw, pitch, usable) for s in SIDES}
        own = {s: deviation(own_fit[s]) for s in SIDES}
        # Where neither model changed the values (the pose hardly varies: most recordings), both readings are one.
        if all(joint[s] is own_fit[s] for s in SIDES):
            out.update({f"{region}_{s}": own[s] for s in SIDES})
        else:
            agreed = agreed_sides(own, {s: deviation(joint[s]) for s in SIDES})
            out.update({f"{region}_{s}": agreed[s] for s in SIDES})
        alone.update({f"{region}_{s}": own[s] for s in SIDES})
    out["jaw"] = deviation(pose_compensated(t_s, col("jaw") * rescale, yaw, pitch, usable), relative=True)
    if blink_rise:
        out.update(blendshape_closure(t_s, blink_rise))
    if lid_picture is not None:
        out["lid_picture_right"], out["lid_picture_left"] = np.where(usable[:, None], lid_picture, np.nan).T
    if cheek_patches is not None:
        rise = cheek_rise(cheek_patches, usable & np.isfinite(cheek_patches[:, 0]))
        out["cheek_picture_right"], out["cheek_picture_left"] = rise.T
        out["cheek_patches"] = cheek_patches
    return Signals(
        t_s=t_s,
        usable=usable,
        head_speed_deg_s=head_speed(t_s, raw, usable),
        lid_range_measured=lids_measured,
        lower_alone=alone,
        yaw_deg=yaw,
        **{f"lid_travel_{s}": depths[s] if lids_measured else None for s in SIDES},
        **out,
    )


def _blendshape_rise(t_s: np.ndarray, blend: np.ndarray, usable: np.ndarray) -> dict[str, np.ndarray]:
    """MediaPipe's eyeBlinkLeft/Right (the subject's own sides): rise above the eye's rolling open level
    (15th percentile), 0..1. Empty when the model gave none."""
    raw_blink: dict[str, np.ndarray] = {}
    for s in SIDES:
        column = blend[:, BLENDSHAPES.index(f"eyeBlink{s.capitalize()}")].astype(np.float64)
        values = np.where(usable, column, np.nan)
        if not np.isfinite(values).any():
            return {}
        base = rolling_baseline(t_s, values, usable, percentile=15, window_s=BASELINE_WINDOW_S)
        raw_blink[s] = np.clip(values - base, 0.0, 1.0)
    return raw_blink


def blendshape_closure(t_s: np.ndarray, raw_blink: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The eyeBlink blendshapes' rise (:func:`_blendshape_rise`) as ``blink_left``/``blink_right`` on the
    closure scale: divided by this eye's own full-blink rise (:func:`eye_closure_depths`). The blendshape comes
    from a separate model head that reads the eye's appearance, so it still moves when the mesh reads a lid
    poorly."""
    depths, _ = eye_closure_depths(raw_blink, 1.0 / frame_interval(t_s))
    return {f"blink_{s}": np.clip(raw_blink[s] / depths[s], 0.0, 1.0) for s in SIDES}


def head_speed(t_s: np.ndarray, raw: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Angular speed of the head (degrees/s) per frame from yaw, pitch and roll, over usable frames.

    Frame-to-frame differences of the pose angles, divided by the frame interval, combined as a vector norm
    and median-filtered over 0.15 s: MediaPipe's pose estimate jumps for a frame or two when the lids or mouth
    move fast (it is fitted to the whole mesh), a jerk of the head lasts longer. NaN where not usable.
    """
    angles = raw[:, [RAW["yaw_deg"], RAW["pitch_deg"], RAW["roll_deg"]]].astype(np.float64)
    angles = np.where(usable[:, None], angles, np.nan)
    if t_s.size < 3:
        return np.zeros(t_s.size)
    rate = np.gradient(angles, t_s, axis=0)
    speed = np.sqrt(np.sum(rate**2, axis=1))
    filled = np.nan_to_num(speed, nan=0.0)
    size = max(3, round(0.15 / frame_interval(t_s)) | 1)
    from scipy import ndimage

    return np.where(np.isfinite(speed), ndimage.median_filter(filled, size=size, mode="nearest"), np.nan)
