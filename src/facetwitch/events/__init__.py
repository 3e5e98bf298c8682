"""Events from normalised signals: blinks, contractions (unilateral or bilateral) and tremor.

Rules (all thresholds in :class:`DetectionParams`, times in seconds):

* A frame is a **unilateral eye contraction** of side S when S's eye is closing (``unilateral_close``), clearly
  more than the other eye (``asymmetry``), and the other eye stays less than ``eye_ratio`` as closed.
* A frame is a **unilateral lower-face contraction** of side S when S's mouth corner or cheek is pulled, more
  than the other side's by a margin above the noise, while the other side moves little (``unilateral_ratio``).
  Smiles and speech move both sides alike and so do not count. This is read on the one-sidedness two pose models
  agree on (:func:`facetwitch.signals.agreed_sides`); which parts took part in a contraction that stands, on each
  side's own pose fit (``Signals.read_alone``). Without the eye, the pull must have risen from its lowest level just
  before its run of one-sided activity (:func:`contractions._rose`): a level the corner already had, left by a
  smile relaxing unevenly, is none; nor with an eye that only goes on reopening from a blink
  (:func:`contractions._still_reopening`). Nor is a pull of the lower face alone that a straight line in the
  head's yaw explains (:func:`contractions._follows_the_turn`): what the pose models left of a turn MediaPipe
  reads as smaller than it is.
* **Blinks** are found by their shape in time (:func:`blinks.blink_dips`): a brief dip of both eyes' closure
  (lid geometry averaged with MediaPipe's eyeBlink blendshapes) that stands out from its surroundings by
  ``blink_prominence``, however deep; each is labelled complete or incomplete by its depth (``blink_complete``).
  Bilateral closures held longer than ``blink_max_s`` are **contractions of side "both"** (blepharospasm).
  Brief one-sided blips at a blink's edges, and one lid reopening more slowly than the other, are the blink's
  (also of a blink not counted because the face was lost before the lids reopened: :func:`blinks.blink_dips`).
  A "blink" with one side's mouth corner or cheek pulled (the lower-face test) and that side's eye clearly the
  more closed is that side's twitch, coupled into the other eye by the face mesh; so is one inside that side's
  clonic burst.
* Head jerks (angular speed above ``max_head_speed_deg_s``) never start a one-sided contraction; lower-face
  pulls during the other side's squeeze are mesh crosstalk.
* A run of one-sided activity is split into one contraction per peak (``split_prominence``), so every twitch of
  a clonic burst counts; up to ``gap_bridge_s`` without a usable face inside a contraction does not split it.
* Faint one-sided lid dips (``rhythm_prominence``) that reach none of those levels are noise alone, but three or
  more at a steady rate slower than tremor are a clonic burst, one contraction per dip (:func:`rhythm.rhythmic`);
  so are such trains that only one eye's picture shows (``picture_rhythm_prominence``,
  :func:`rhythm.pictured_rhythm`), where the mesh reads no contraction of that side.
* A one-sided contraction of the eye alone (or eye and brow) whose eye picture changed no more than the other
  eye's (``lid_picture_veto`` of a blink's change, :mod:`facetwitch.lid_picture`) is a blink or head motion the
  mesh read as one-sided, and is dropped, unless a one-sided contraction of its side that stands lies within
  ``MERGE_GAP_S`` (a burst's twitch: it can only lengthen an episode, never make one). Conversely, a "blink" that
  only one eye's picture shows (the other eye's changed less than ``picture_blink_balance`` as much) is that eye's
  twitch, coupled into the other eye by the mesh. And a bilateral dip too faint for a blink in the mesh
  (``picture_blink_prominence`` up to ``blink_prominence``) is one where both eyes' pictures show it and the head
  is still (:func:`blinks.pictured_blinks`): a weak lid's incomplete blink. Where the mesh reads no blink at all,
  both eyes' pictures alone find them (:func:`blinks.picture_only_blinks`); a blink of the mesh that neither
  eye's picture rose for is none (:func:`facetwitch.lid_picture.veto_unpictured_blinks`).
* **Tremor**: a sliding spectral window (after a 1.5 Hz high-pass) finds a dominant 3–12 Hz rhythm in the jaw or
  in one lid, steady in amplitude and rate, that holds for at least ``tremor_min_s`` (its rate kept in the
  windows around it, :func:`tremor._holds_rate`); its frequency is re-estimated on the whole stretch. A lid
  rhythm at a concurrent jaw tremor's rate is the jaw's, carried through the mesh.

Event spans use hysteresis: a core above the threshold, extended while the signal stays above a lower one.

One module per concern: :mod:`params` (the thresholds), :mod:`frames` (frame and mask helpers),
:mod:`contractions` (one-sided contractions and held bilateral closures), :mod:`blinks`, :mod:`eyes`
(one-sidedness of the eyes), :mod:`rhythm` (clonic trains of faint twitches), :mod:`relabel` ("blinks" that are
twitches), :mod:`regions` (which parts took part) and :mod:`tremor`; :func:`detect_events` runs them in order.
"""

from __future__ import annotations

from facetwitch.episodes import MERGE_GAP_S
from facetwitch.events.blinks import STILL_HEAD_DEG_S, pictured_blinks
from facetwitch.events.contractions import closures_and_contractions, split_contractions
from facetwitch.events.frames import (
    bridge,
    bridge_gaps,
    exceeds,
    extend,
    fill_short_gaps,
    runs,
    short_gaps,
    span,
)
from facetwitch.events.params import MAIN_THRESHOLDS, DetectionParams
from facetwitch.events.regions import cheek_from_picture
from facetwitch.events.relabel import one_eyed_blinks
from facetwitch.events.tremor import detect_tremor
from facetwitch.lid_picture import (
    scaled_pictures,
    veto_two_sided_pictures,
    veto_unpictured_blinks,
    veto_unseen_bilateral_holds,
)
from facetwitch.records import Event
from facetwitch.signals import Signals

__all__ = [
    "MAIN_THRESHOLDS",
    "DetectionParams",
    "bridge",
    "bridge_gaps",
    "detect_events",
    "detect_tremor",
    "extend",
    "fill_short_gaps",
    "runs",
    "short_gaps",
    "span",
    "split_contractions",
]


def detect_events(sig: Signals, params: DetectionParams = DetectionParams()) -> list[Event]:
    """All events of a recording, sorted by start time."""
    events = sorted(
        closures_and_contractions(sig, params) + detect_tremor(sig, params),
        key=lambda e: (e.start_s, e.kind),
    )
    scaled = scaled_pictures(sig, [e for e in events if e.kind == "blink"])
    if scaled is not None and params.picture_blink_balance > 0:
        events = one_eyed_blinks(events, sig, scaled, params)
    moving = None if sig.head_speed_deg_s is None else exceeds(sig.head_speed_deg_s, STILL_HEAD_DEG_S)
    if params.lid_picture_veto > 0:
        events = veto_two_sided_pictures(
            sig.t_s, scaled, events, params.lid_picture_veto, MERGE_GAP_S, moving
        )
    events = veto_unseen_bilateral_holds(sig.t_s, scaled, events)
    events = veto_unpictured_blinks(sig.t_s, scaled, events)
    if scaled is not None and params.picture_blink_prominence > 0:
        events = sorted(
            events + pictured_blinks(sig, scaled, events, params), key=lambda e: (e.start_s, e.kind)
        )
    # Last, once every contraction is decided: which of them the cheek took part in, where the picture shows it.
    events = cheek_from_picture(
        events, sig, params, [(e.start_s, e.end_s) for e in events if e.kind == "blink"]
    )
    if params.lid_picture_veto > 0:
        # A closure the mesh's cheek landmark made a cheek contraction, whose cheek the picture did not see, is
        # lid-only after all: both eyes' pictures judge it like the others (fresh draw 7's
        # depth-weak-lid-luispedro-00: a weak lid's mesh reading it 0.44 closed for 0.7 s before a blink while
        # neither eye's picture nor blendshape moved).
        events = veto_two_sided_pictures(
            sig.t_s, scaled, events, params.lid_picture_veto, MERGE_GAP_S, moving
        )
    return events
