"""The detection thresholds (:class:`DetectionParams`), the names of the main ones (``MAIN_THRESHOLDS``, which the
benchmark's sensitivity table varies) and the time constants several rules share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectionParams:
    close: float = 0.45  # eye closure counted as "closed" (bilateral sustained closures: blepharospasm)
    close_low: float = 0.2  # hysteresis: the event continues while closure stays above this
    unilateral_close: float = 0.3  # one eye at least this closed ...
    asymmetry: float = 0.15  # ... and more closed than the other eye by this much
    eye_ratio: float = 0.38  # ... and the other eye less than 0.38 times as closed (plateau 0.3-0.5, tuning)
    # ... or only this closed where MediaPipe's eyeBlink blendshapes agree (``close_low``, ``eye_ratio``)
    confirmed_close: float = 0.15
    lower_face_min: float = 0.06  # minimum pull, and side-to-side difference (inner-canthal distances)
    noise_k: float = 6.0  # ... or this many robust noise SDs of the difference, whichever is larger
    unilateral_ratio: float = 0.3  # ... and the other side moves less than this share of it
    cheek_min: float = (
        0.008  # cheek rise from just before a contraction's onset that marks the cheek involved
    )
    brow_min: float = 0.04  # brow movement beyond what the lid closure itself drags along
    # The skin below the eye moved up this far in the picture (nose lengths, facetwitch.cheek_picture; what the
    # same eye's blinks drag along taken off): the cheek took part in the contraction.
    cheek_picture_min: float = 0.02
    blink_max_s: float = 0.5  # bilateral closures longer than this are spasms (blepharospasm)
    # ... unless they drift open by more than this share of their depth a second (a blink's tail)
    hold_drift_per_s: float = 0.2
    # A dip of both eyes narrower than this at half height is no blink: a frame or two of the mesh jolted by a
    # head jerk (tuning: every true blink found is 0.11 s wide or more; such jolts 0.044-0.046 s).
    blink_min_s: float = 0.07
    blink_prominence: float = 0.18  # a blink dips both eyes' closure at least this far below its surroundings
    blink_complete: float = 0.85  # ... and is complete when its depth reaches this (else incomplete)
    blink_blendshape_weight: float = 0.25  # share of the eyeBlink blendshape in the lid signal for blinks
    # A blink that the next one interrupts: the less-closed eye at least this share as closed as the other.
    blink_balance: float = 0.6
    blink_window_s: float = 1.5  # the surroundings a blink's prominence is measured against
    split_prominence: float = 0.3  # a contraction's peak rising this share of the run's maximum: a new twitch
    gap_bridge_s: float = 0.5  # frames without a usable face inside a contraction, up to this long, bridged
    max_head_speed_deg_s: float = 25.0  # faster head motion (a jerk) is not read as a one-sided contraction
    min_contraction_s: float = 0.1
    held_ratio: float = (
        0.3  # a sustained shallow one-sided closure: the other eye less than this share as closed
    )
    held_min_s: float = 0.5  # ... for at least this long
    max_ramp_s: float = (
        0.4  # a one-sided eye contraction's onset/offset ramp below the core, at most this long
    )
    rhythm_prominence: float = 0.08  # a faint one-sided lid dip this prominent counts in a clonic rhythm
    # A one-sided contraction of the eye (or eye and brow) stands only if its eye's picture changed more than the
    # other eye's by this share of a blink's picture change (facetwitch.lid_picture); 0 turns the veto off.
    lid_picture_veto: float = 0.1
    # A faint twitch of a clonic train read from the pictures: (own eye - other eye) this far above its surroundings,
    # in units of a blink's picture change (facetwitch.lid_picture); 0 turns it off.
    picture_rhythm_prominence: float = 0.15
    # A "blink" whose other eye's picture changed less than this share of the one eye's is that eye's twitch
    # (facetwitch.lid_picture.one_eyed_side; tuning: blinks 0.64 or more); 0 turns it off.
    picture_blink_balance: float = 0.45
    # A bilateral dip this prominent (under ``blink_prominence``) is a blink where both eyes' pictures changed at
    # least half a blink's and the head held still (:func:`facetwitch.events.blinks.pictured_blinks`; tuning: the
    # blinks a weak lid's mesh misses dip 0.075 or more); 0 turns it off.
    picture_blink_prominence: float = 0.06
    # A contraction starts and ends where its signal is this share of its height above rest (and onset_noise_k
    # noise SDs): the feet of its ramps, not the threshold crossings.
    extent_share: float = 0.1
    onset_noise_k: float = 3.0
    bridge_s: float = 0.07  # gaps this short inside a contraction are bridged (tracking jitter)
    blink_shadow_s: float = 0.15  # brief one-eye closures this close to a blink belong to the blink
    blink_shadow_max_s: float = 0.3
    tremor_band_hz: tuple[float, float] = (3.0, 12.0)
    tremor_window_s: float = 2.0
    tremor_step_s: float = 0.25
    tremor_min_s: float = 2.0
    tremor_concentration: float = 0.85  # share of the 2-15 Hz power within +-0.75 Hz of the peak
    tremor_max_envelope_cv: float = 0.25  # tremor keeps its amplitude; speech syllables do not
    # ... and its rate for tremor_min_s: the windows around it whose peak holds this share of the power stay at it
    # (a chance run of regular syllables passes the tests in a window or two, then its rate drifts)
    tremor_hold_concentration: float = 0.5
    tremor_min_rms_jaw: float = 0.0015  # RMS of the jaw oscillation (fraction of the chin-nose distance)
    tremor_min_rms_eye: float = 0.004  # RMS of the lid oscillation (closure units)
    tremor_noise_k: float = 4.0


SETTLE_S = 0.3
RISE_LOOKBACK_S = 1.0
# Frame times are sums of 1/fps: spans compared with a duration allow for floating-point rounding (three frames at
# 30 fps add up to a hair under 0.1 s).
TIME_TOLERANCE_S = 1e-9

# The thresholds that decide what is an event, and which parts of the face took part (the benchmark's sensitivity
# table moves each by +-30 %); the defaults sit in the middle of a plateau: blinks, contractions and their regions
# are found alike from 0.7x to 1.3x.
MAIN_THRESHOLDS: tuple[str, ...] = (
    "blink_prominence",
    "blink_max_s",
    "unilateral_close",
    "asymmetry",
    "eye_ratio",
    "confirmed_close",
    "lower_face_min",
    "split_prominence",
    "blink_balance",
    "blink_min_s",
    "rhythm_prominence",
    "lid_picture_veto",
    "picture_rhythm_prominence",
    "picture_blink_balance",
    "picture_blink_prominence",
    "cheek_picture_min",
)
