"""Unit tests of the event, episode and summary stages on synthetic signals with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from facetwitch.episodes import group_episodes
from facetwitch.events import (
    DetectionParams,
    detect_events,
    detect_tremor,
    fill_short_gaps,
    runs,
    split_contractions,
)
from facetwitch.events.regions import cheek_from_picture, cheek_over_episodes
from facetwitch.events.relabel import one_per_movement
from facetwitch.lid_picture import OWN_RISE_MIN, one_sided_index, scaled_to_blinks, veto_two_sided_pictures
from facetwitch.records import Event
from facetwitch.signals import Signals
from facetwitch.simulate.kinematics import envelope
from facetwitch.summary import suggest_scales, summarise

FPS = 30.0


def make_signals(
    duration_s: float = 20.0, fps: float = FPS, noise: float = 0.01, seed: int = 0, t_s=None
) -> dict:
    rng = np.random.default_rng(seed)
    t = np.arange(0, duration_s, 1 / fps) if t_s is None else np.asarray(t_s)
    n = t.size
    sig = {"t_s": t, "usable": np.ones(n, dtype=bool)}
    for name in ("closure", "brow", "cheek", "mouth"):
        for side in ("left", "right"):
            sig[f"{name}_{side}"] = rng.normal(0, noise, n)
    sig["jaw"] = rng.normal(0, noise / 2, n)
    sig["closure_left"] = np.clip(sig["closure_left"] + 0.05, 0, 1)
    sig["closure_right"] = np.clip(sig["closure_right"] + 0.05, 0, 1)
    return sig


def pulse(t: np.ndarray, start: float, duration: float, height: float, ramp: float = 0.05) -> np.ndarray:
    """Trapezoid from ``start`` lasting ``duration`` s (ramps included), peak ``height``."""
    up = np.clip((t - start) / ramp, 0, 1)
    down = np.clip((start + duration - t) / ramp, 0, 1)
    return height * np.minimum(up, down)


def blink(sig: dict, start: float, duration: float = 0.25, depth: float = 0.95) -> None:
    """Both lids close alike by ``depth`` (shallower than 0.95: an incomplete blink, or a coupled twitch)."""
    for side in ("left", "right"):
        sig[f"closure_{side}"] = np.maximum(sig[f"closure_{side}"], pulse(sig["t_s"], start, duration, depth))


def spasm(sig: dict, side: str, start: float, duration: float, eye: float = 0.85, pull: float = 0.12) -> None:
    t = sig["t_s"]
    sig[f"closure_{side}"] = np.maximum(sig[f"closure_{side}"], pulse(t, start, duration, eye))
    sig[f"mouth_{side}"] = sig[f"mouth_{side}"] + pulse(t, start, duration, pull)
    sig[f"cheek_{side}"] = sig[f"cheek_{side}"] + pulse(t, start, duration, pull * 0.8)


def hold(
    sig: dict, side: str, start: float, length_s: float, rise_s: float = 0.15, fall_s: float = 0.3
) -> None:
    """A contraction of ``side`` lasting ``length_s`` from where it begins to where it ends, with raised-cosine
    ramps (as the simulator renders a tonic spasm): the eye closes 0.85, the mouth corner pulls 0.12."""
    held = np.array([envelope(x, start, rise_s, length_s - rise_s - fall_s, fall_s) for x in sig["t_s"]])
    sig[f"closure_{side}"] = np.maximum(sig[f"closure_{side}"], 0.85 * held)
    sig[f"mouth_{side}"] = sig[f"mouth_{side}"] + 0.12 * held


def build(sig: dict) -> Signals:
    return Signals(**sig)


def pictured_cheeks(sig: dict) -> None:
    """The cheeks' picture (facetwitch.cheek_picture) from ``sig["cheek_picture_*"]``, each frame's rise of the skin
    below the eye in nose lengths: a smooth texture moved up the face by that much, as patches."""
    import cv2

    from facetwitch.cheek_picture import CHEEK_SHAPE, ROW_NOSE

    rows, cols = CHEEK_SHAPE
    rng = np.random.default_rng(11)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (8 * rows, cols)).astype(np.float32), (0, 0), 5.0)
    texture = 60 + 140 * (texture - texture.min()) / np.ptp(texture)
    xs = np.tile(np.arange(cols, dtype=np.float32), (rows, 1))
    patches = []
    for right, left in zip(sig["cheek_picture_right"], sig["cheek_picture_left"], strict=True):
        sides = []
        for rise in (right, left):
            ys = 2 * rows + 4 * (np.arange(rows) + (rise if np.isfinite(rise) else 0) / ROW_NOSE)
            patch = cv2.remap(
                texture, xs, np.repeat(ys[:, None], cols, 1).astype(np.float32), cv2.INTER_LINEAR
            )
            sides.append(patch if np.isfinite(rise) else np.full_like(patch, np.nan))
        patches.append(np.concatenate([side.ravel() for side in sides]))
    sig["cheek_patches"] = np.array(patches, dtype=np.float16)


def test_runs_finds_half_open_ranges():
    assert runs(np.array([0, 1, 1, 0, 1], dtype=bool)) == [(1, 3), (4, 5)]
    assert runs(np.zeros(4, dtype=bool)) == []


def test_blinks_are_found_with_their_timing_and_are_not_spasms():
    sig = make_signals()
    onsets = [2.0, 5.5, 9.0, 14.2]
    for onset in onsets:
        blink(sig, onset)
    events = detect_events(build(sig))
    blinks = [e for e in events if e.kind == "blink"]
    assert [round(e.start_s, 1) for e in blinks] == pytest.approx(onsets, abs=0.1)
    assert all(e.side == "both" for e in blinks)
    assert not [e for e in events if e.kind == "contraction"]


def test_asynchronous_blink_does_not_become_a_unilateral_spasm():
    sig = make_signals()
    t = sig["t_s"]
    sig["closure_right"] = np.maximum(sig["closure_right"], pulse(t, 3.0, 0.25, 0.95))
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 3.05, 0.25, 0.95))  # one frame+ later
    events = detect_events(build(sig))
    assert [e.kind for e in events] == ["blink"]


def test_right_clonic_episode_side_timing_and_pattern():
    sig = make_signals()
    starts = [6.0, 6.5, 7.0, 7.5]
    for s in starts:
        spasm(sig, "right", s, 0.25)
    events = detect_events(build(sig))
    contractions = [e for e in events if e.kind == "contraction"]
    assert len(contractions) == 4
    assert {e.side for e in contractions} == {"right"}
    assert [e.start_s for e in contractions] == pytest.approx(starts, abs=0.07)
    assert set(contractions[0].regions) == {"eye", "cheek", "mouth"}
    episodes = group_episodes(events)
    assert len(episodes) == 1
    assert episodes[0].pattern == "clonic" and episodes[0].contractions == 4 and episodes[0].side == "right"


def test_left_tonic_episode_and_mixed_pattern():
    sig = make_signals()
    spasm(sig, "left", 4.0, 2.0)
    spasm(sig, "left", 12.0, 1.6)
    spasm(sig, "left", 14.0, 0.3)  # 0.4 s after the tonic one: same episode
    episodes = group_episodes(detect_events(build(sig)))
    assert [(e.side, e.pattern) for e in episodes] == [("left", "tonic"), ("left", "mixed")]


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_a_contraction_held_a_second_with_gradual_ramps_is_tonic_and_a_briefer_one_is_not(fps):
    """Held 1 s from where the movement begins to where it ends (raised-cosine ramps, as the simulator renders a
    tonic spasm), a contraction is tonic although its extent, read at 10 % of its height, is ~0.1 s shorter; a
    0.7-s contraction (twitches fused) stays clonic."""
    for length_s, rise_s, fall_s, pattern in [(1.0, 0.15, 0.3, "tonic"), (1.0, 0.1, 0.2, "tonic"),
                                              (0.7, 0.1, 0.2, "clonic"), (0.7, 0.15, 0.3, "clonic")]:  # fmt: skip
        sig = make_signals(fps=fps)
        hold(sig, "left", 6.0, length_s, rise_s, fall_s)
        (episode,) = group_episodes(detect_events(build(sig)))
        assert (episode.side, episode.contractions, episode.pattern) == ("left", 1, pattern), length_s


def test_smile_is_symmetric_and_not_a_spasm():
    sig = make_signals()
    t = sig["t_s"]
    for side in ("left", "right"):
        sig[f"mouth_{side}"] += pulse(t, 5, 3, 0.15, ramp=0.4)
        sig[f"cheek_{side}"] += pulse(t, 5, 3, 0.08, ramp=0.4)
    assert not [e for e in detect_events(build(sig)) if e.kind == "contraction"]


def test_mouth_only_unilateral_pull_is_a_contraction_of_that_side():
    sig = make_signals()
    sig["mouth_left"] += pulse(sig["t_s"], 8.0, 0.4, 0.12)
    contractions = [e for e in detect_events(build(sig)) if e.kind == "contraction"]
    assert len(contractions) == 1
    assert contractions[0].side == "left" and contractions[0].regions == ("mouth",)


def test_a_pull_only_each_side_s_own_pose_fit_reads_labels_a_standing_contraction_but_makes_none():
    # Signals.lower_alone: the lower face as each side's own pose fit reads it; the main fields hold what two pose
    # models agree on. A left eye twitch whose cheek and mouth pull only the own fit sees (the joint fit took it for
    # the turn) still involves them; the same pull alone, with no eye, is no contraction.
    sig = make_signals()
    t = sig["t_s"]
    alone = {f"{region}_{side}": sig[f"{region}_{side}"].copy() for region in ("brow", "cheek", "mouth")
             for side in ("left", "right")}  # fmt: skip
    for start in (5.0, 12.0):
        alone["mouth_left"] += pulse(t, start, 0.6, 0.12)
        alone["cheek_left"] += pulse(t, start, 0.6, 0.1)
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 5.0, 0.6, 0.85))
    contractions = [e for e in detect_events(build({**sig, "lower_alone": alone})) if e.kind == "contraction"]
    assert [(e.side, e.regions) for e in contractions] == [("left", ("eye", "cheek", "mouth"))]
    assert contractions[0].start_s == pytest.approx(5.0, abs=0.1)


def test_a_smile_relaxing_unevenly_is_no_contraction_but_a_pull_rising_from_rest_is():
    # A smile (both corners 0.18) relaxes at 14 s; the right corner falls within 0.1 s and settles 0.06 below its
    # old rest (the head rolled meanwhile), the left within 0.6 s: for a few frames the left corner stands 0.1 and
    # more above the right, with the right under its rest -- but it only falls. At 17 s the left corner alone
    # pulls 0.12 from rest.
    sig = make_signals()
    t = sig["t_s"]
    for side, fall_s in (("left", 0.6), ("right", 0.1)):
        up = np.clip((t - 12.0) / 0.3, 0, 1)
        down = np.clip((14.0 + fall_s - t) / fall_s, 0, 1)
        sig[f"mouth_{side}"] += 0.18 * np.minimum(up, down)
    sig["mouth_right"] -= 0.06 * np.clip((t - 14.0) / 0.1, 0, 1)
    sig["mouth_left"] += pulse(t, 17.0, 0.5, 0.12)
    contractions = [e for e in detect_events(build(sig)) if e.kind == "contraction"]
    assert [(e.side, e.regions) for e in contractions] == [("left", ("mouth",))]
    assert contractions[0].start_s == pytest.approx(17.0, abs=0.1)


def _coupled_twitches(
    sig: dict, starts: list[float], mouth: dict[str, float], other_eye: float = 0.3
) -> None:
    """Left lid twitches (closure 0.5) that the face mesh couples into the right eye (``other_eye``), with the
    mouth corners pulled by ``mouth`` (side -> pull) during each."""
    t = sig["t_s"]
    for start in starts:
        sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, start, 0.25, 0.5))
        sig["closure_right"] = np.maximum(sig["closure_right"], pulse(t, start + 0.03, 0.25, other_eye))
        for side, pull in mouth.items():
            sig[f"mouth_{side}"] = sig[f"mouth_{side}"] + pulse(t, start, 0.25, pull)


def test_a_blink_with_one_mouth_corner_pulled_and_that_eye_the_more_closed_is_a_twitch_of_that_side():
    starts = [5.0, 5.6, 6.2, 6.8]
    sig = make_signals()
    _coupled_twitches(sig, starts, {"left": 0.1})
    events = detect_events(build(sig))
    contractions = [e for e in events if e.kind == "contraction"]
    assert not [e for e in events if e.kind == "blink"]
    assert [e.start_s for e in contractions] == pytest.approx(starts, abs=0.07)
    assert {e.side for e in contractions} == {"left"} and {e.regions for e in contractions} == {
        ("eye", "mouth")
    }
    (episode,) = group_episodes(events)
    assert (episode.side, episode.pattern, episode.contractions) == ("left", "clonic", 4)
    # The same lids without a mouth corner pulled, or with both pulled alike (speech, a smile): blinks.
    for mouth in ({}, {"left": 0.1, "right": 0.1}):
        sig = make_signals()
        _coupled_twitches(sig, starts, mouth)
        assert [e.kind for e in detect_events(build(sig))] == ["blink"] * 4
    # Both eyes closed alike while one mouth corner pulls: still a blink; so is one whose pulled side's eye is
    # the less closed.
    for other_eye in (0.5, 0.7):
        sig = make_signals()
        _coupled_twitches(sig, starts, {"left": 0.1}, other_eye=other_eye)
        assert [e.kind for e in detect_events(build(sig)) if e.kind == "blink"] == ["blink"] * 4


def test_a_twitch_whose_mouth_corner_stays_pulled_after_the_lid_reopens_counts_once():
    """The lid twitch, coupled into the other eye, is first read as a blink and then as the twitch; the mouth
    corner's pull that outlasts it is the same movement, not a second contraction."""
    starts = [5.0, 5.6, 6.2]
    sig = make_signals()
    t = sig["t_s"]
    for start in starts:
        sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, start, 0.25, 0.63, ramp=0.08))
        sig["closure_right"] = np.maximum(sig["closure_right"], pulse(t, start, 0.25, 0.35, ramp=0.08))
        sig["mouth_left"] += pulse(t, start, 0.5, 0.12, ramp=0.08)
    contractions = [e for e in detect_events(build(sig)) if e.kind == "contraction"]
    assert [e.start_s for e in contractions] == pytest.approx(starts, abs=0.05)
    assert [e.end_s - e.start_s for e in contractions] == pytest.approx([0.5] * 3, abs=0.05)
    assert {(e.side, e.regions) for e in contractions} == {("left", ("eye", "mouth"))}
    (episode,) = group_episodes(contractions)
    assert episode.contractions == 3


def test_twitches_of_a_burst_that_touch_stay_two_and_one_read_twice_is_one():
    """Adjacent twitches of a split burst touch or share a frame's edge: two contractions. A twitch read from a
    blink and the same twitch's mouth pull found by the one-sided detector overlap by most of the shorter: one."""

    def left(start_s: float, end_s: float, regions: tuple[str, ...]) -> Event:
        return Event("contraction", start_s, end_s, "left", regions, 0.6)

    touching = [left(3.63, 4.52, ("eye", "mouth")), left(4.50, 5.20, ("eye", "mouth"))]
    assert one_per_movement(touching) == touching
    read_twice = [left(2.62, 2.88, ("eye", "mouth")), left(2.64, 3.00, ("eye", "cheek", "mouth"))]
    assert one_per_movement(read_twice) == [left(2.62, 3.00, ("eye", "cheek", "mouth"))]
    other_side = [read_twice[0], Event("contraction", 2.64, 3.00, "right", ("mouth",), 0.2)]
    assert one_per_movement(other_side) == other_side


def test_cheek_over_a_burst_is_read_from_before_its_first_twitch_whatever_order_the_twitches_are_listed_in():
    """Twitches read again from blinks are listed among the blinks, before the detector's own; the burst's cheek
    level must still be taken before its first twitch in time, not before the first one listed."""
    starts = [5.0, 5.6, 6.2]
    sig = make_signals()
    t = sig["t_s"]
    for start in starts:
        sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, start, 0.25, 0.85))
        # The cheek climbs with each twitch and comes back only after the burst.
        sig["cheek_left"] += pulse(t, start, 6.6 - start, 0.03, ramp=0.1)
    signals = build(sig)
    twitches = [Event("contraction", s, s + 0.25, "left", ("eye",), 0.85) for s in starts]
    cheek = {side: signals.side("cheek", side) for side in ("left", "right")}
    for listed in (twitches, [twitches[2], twitches[0], twitches[1]]):
        read = sorted(cheek_over_episodes(listed, signals, DetectionParams(), cheek), key=lambda e: e.start_s)
        assert [e.regions for e in read] == [("eye",), ("eye",), ("eye", "cheek")]


def test_the_cheek_takes_part_where_the_picture_below_the_eye_rose_beyond_what_the_lids_own_blinks_move_it():
    """facetwitch.cheek_picture: each side's skin below the eye, in nose lengths. Every closure moves the patch a
    little (here 0.03 per unit of closure, on both blinks): a squeeze of the eye alone moves it as far and is no
    cheek; a squeeze that raises the cheek moves it further, on its own side. A bilateral closure involves the
    cheek only where both sides rose. Where the picture has no reading, the face mesh's label stands."""
    sig = make_signals(duration_s=16.0)
    t = sig["t_s"]
    rng = np.random.default_rng(5)
    for start in (1.0, 2.5):
        blink(sig, start)
    sig["closure_right"] = np.maximum(sig["closure_right"], pulse(t, 4.0, 1.0, 0.85))  # eye and cheek
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 7.0, 1.0, 0.85))  # the eye alone
    for side in ("left", "right"):
        sig["closure_" + side] = np.maximum(
            sig["closure_" + side], pulse(t, 10.0, 2.0, 0.9)
        )  # both, squeezed
        sig["cheek_picture_" + side] = 0.03 * sig["closure_" + side] + rng.normal(0, 0.002, t.size)
    sig["cheek_picture_right"] += pulse(t, 4.0, 1.0, 0.05) + pulse(t, 10.0, 2.0, 0.04)
    # The other side's patch changing as the head turns is not this side's cheek, nor evidence against it.
    sig["cheek_picture_left"] += pulse(t, 4.0, 1.0, 0.08)
    pictured_cheeks(sig)
    blinks = [(1.0, 1.25), (2.5, 2.75)]
    events = [
        Event("contraction", 4.0, 5.0, "right", ("eye",), 0.85),
        Event("contraction", 7.0, 8.0, "left", ("eye", "cheek"), 0.85),  # the mesh's cheek, wrongly
        Event("contraction", 10.0, 12.0, "both", ("eye",), 0.9),
    ]
    read = cheek_from_picture(events, build(sig), DetectionParams(), blinks)
    assert [e.regions for e in read] == [("eye", "cheek"), ("eye",), ("eye",)]
    # Both cheeks rising in the bilateral squeeze: the cheek took part.
    sig["cheek_picture_left"] += pulse(t, 10.0, 2.0, 0.04)
    pictured_cheeks(sig)
    assert cheek_from_picture(events, build(sig), DetectionParams(), blinks)[2].regions == ("eye", "cheek")
    # Without the blinks' drag taken off, the eye-only squeeze's 0.026 would have passed for a cheek.
    assert cheek_from_picture(events, build(sig), DetectionParams(), [])[1].regions == ("eye", "cheek")
    # No picture over the left squeeze (its frames without a reading): the mesh's label stands.
    sig["cheek_picture_left"][(t >= 6.9) & (t <= 8.1)] = np.nan
    sig["cheek_picture_right"][(t >= 6.9) & (t <= 8.1)] = np.nan
    pictured_cheeks(sig)
    assert cheek_from_picture(events, build(sig), DetectionParams(), blinks)[1].regions == ("eye", "cheek")


def test_the_cheek_over_a_clonic_burst_is_read_from_before_its_first_twitch_in_the_picture_too():
    """The skin below the eye climbs with each twitch of a burst and comes back only after it: the later twitches'
    own rises are small, their rise above the level before the burst is not."""
    sig = make_signals()
    t = sig["t_s"]
    rng = np.random.default_rng(6)
    starts = [5.0, 5.6, 6.2]
    for start in starts:
        sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, start, 0.25, 0.85))
    for side in ("left", "right"):
        sig["cheek_picture_" + side] = rng.normal(0, 0.002, t.size)
    for start in starts:
        sig["cheek_picture_left"] += pulse(t, start, 6.6 - start, 0.012, ramp=0.1)
    pictured_cheeks(sig)
    twitches = [Event("contraction", s, s + 0.25, "left", ("eye",), 0.85) for s in starts]
    read = cheek_from_picture(twitches, build(sig), DetectionParams(), [])
    assert [e.regions for e in read] == [("eye",), ("eye", "cheek"), ("eye", "cheek")]


def test_long_bilateral_closure_is_blepharospasm_not_blink():
    sig = make_signals()
    blink(sig, 3.0, 0.2)
    blink(sig, 8.0, 2.0)
    events = detect_events(build(sig))
    assert [(e.kind, e.side) for e in events] == [("blink", "both"), ("contraction", "both")]
    assert group_episodes(events)[0].pattern == "tonic"


@pytest.mark.parametrize("freq", [3.5, 5.0, 8.0, 11.0])
def test_jaw_tremor_frequency_within_a_tenth_of_a_hertz(freq):
    fps = 30.0 if freq < 10 else 60.0
    sig = make_signals(duration_s=20, fps=fps)
    t = sig["t_s"]
    window = (t >= 6) & (t < 10)
    sig["jaw"] = sig["jaw"] + np.where(window, 0.04 * np.sin(2 * np.pi * freq * t), 0.0)
    tremors = detect_tremor(build(sig))
    assert len(tremors) == 1
    e = tremors[0]
    assert e.side == "both" and e.regions == ("jaw",)
    assert e.frequency_hz == pytest.approx(freq, abs=0.1)  # measured error <= 0.01 Hz; the bar is 0.3 Hz
    assert e.start_s == pytest.approx(6, abs=0.6) and e.end_s == pytest.approx(10, abs=0.6)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_tremor_with_a_brief_lull_is_one_tremor_and_a_change_of_rate_is_two(seed):
    sig = make_signals(duration_s=30, seed=seed)
    t = sig["t_s"]
    # 5 Hz from 6 to 12 s, its amplitude down to 30 % for half a second: the windows over the lull fail, and
    # the stretches on either side overlap once grown back to whole windows.
    amplitude = np.where((t >= 6) & (t < 12), 0.04, 0.0)
    amplitude = np.where((t >= 9) & (t < 9.5), 0.3 * amplitude, amplitude)
    sig["jaw"] = sig["jaw"] + amplitude * np.sin(2 * np.pi * 5.0 * t)
    tremors = detect_tremor(build(sig))
    assert [(round(e.start_s), round(e.end_s)) for e in tremors] == [(6, 12)]
    assert tremors[0].frequency_hz == pytest.approx(5.0, abs=0.1)

    # The same jaw moving at 5 Hz and then at 7 Hz: two tremors, each at its own rate.
    sig = make_signals(duration_s=30, seed=2 * seed)
    t = sig["t_s"]
    rate = np.where(t < 10, 5.0, 7.0)
    sig["jaw"] = sig["jaw"] + np.where((t >= 6) & (t < 14), 0.04 * np.sin(2 * np.pi * rate * t), 0.0)
    tremors = detect_tremor(build(sig))
    assert [round(e.frequency_hz) for e in tremors] == [5, 7]
    assert tremors[0].start_s == pytest.approx(6, abs=0.3) and tremors[1].end_s == pytest.approx(14, abs=0.3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_tremor_at_the_lower_edge_of_the_band_is_found_over_its_whole_length(seed):
    # 3.00 Hz is read as 3.00 +- 0.002 Hz window by window: the windows read just under 3 Hz fell outside the band,
    # and the tremor was found from 6.4 s instead of 6 s (seed 0).
    sig = make_signals(duration_s=20, seed=seed)
    t = sig["t_s"]
    sig["jaw"] = sig["jaw"] + np.where((t >= 6) & (t < 10), 0.04 * np.sin(2 * np.pi * 3.0 * t), 0.0)
    tremors = detect_tremor(build(sig))
    assert len(tremors) == 1
    assert tremors[0].start_s == pytest.approx(6, abs=0.2) and tremors[0].end_s == pytest.approx(10, abs=0.2)
    assert tremors[0].frequency_hz == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jaw_tremor_filling_most_of_a_recording_does_not_raise_its_own_noise_gate(seed):
    # 8.5 Hz then 5.5 Hz over 11.5 of 20 s: read over every frame, the tremor's own frame-to-frame change made the
    # recording's noise, and the gate (tremor_noise_k times it) rose above the tremor. Both were missed.
    sig = make_signals(duration_s=20, seed=seed)
    t = sig["t_s"]
    on = ((t >= 2) & (t < 7.5)) | ((t >= 11) & (t < 17))
    sig["jaw"] = sig["jaw"] + np.where(on, 0.04 * np.sin(2 * np.pi * np.where(t < 9, 8.5, 5.5) * t), 0.0)
    tremors = detect_tremor(build(sig))
    assert [round(e.frequency_hz, 1) for e in tremors] == [8.5, 5.5]
    for e, (start_s, end_s) in zip(tremors, ((2.0, 7.5), (11.0, 17.0)), strict=True):
        assert e.start_s == pytest.approx(start_s, abs=0.3) and e.end_s == pytest.approx(end_s, abs=0.3)


def _glide(sig: dict, start_s: float, duration_s: float, from_hz: float, to_hz: float) -> None:
    """Add to the jaw an opening and closing whose rate glides linearly from ``from_hz`` to ``to_hz``."""
    t = np.clip(sig["t_s"] - start_s, 0, duration_s)
    phase = 2 * np.pi * (from_hz * t + 0.5 * (to_hz - from_hz) / duration_s * t**2)
    inside = (sig["t_s"] >= start_s) & (sig["t_s"] < start_s + duration_s)
    sig["jaw"] = sig["jaw"] + np.where(inside, 0.1 * (0.5 - 0.5 * np.cos(phase)), 0.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_jaw_whose_rate_glides_is_not_tremor_though_one_window_looks_steady(seed):
    # Syllables speeding up from 3.5 to 5.5 Hz over 2.5 s: the window in the middle passes every test at
    # 4.5 Hz, but the windows either side of it are at other rates. A tremor holds its rate for tremor_min_s.
    sig = make_signals(duration_s=20, seed=seed)
    _glide(sig, 6.0, 2.5, 3.5, 5.5)
    assert detect_tremor(build(sig)) == []
    # The same movement at a steady 4.5 Hz for the same 2.5 s is a tremor.
    sig = make_signals(duration_s=20, seed=seed)
    _glide(sig, 6.0, 2.5, 4.5, 4.5)
    tremors = detect_tremor(build(sig))
    assert [round(e.frequency_hz, 1) for e in tremors] == [4.5]
    assert tremors[0].start_s == pytest.approx(6, abs=0.3) and tremors[0].end_s == pytest.approx(8.5, abs=0.3)


def _rates(sig, start_s: float, pieces: list[tuple[float, float, float]]) -> None:
    """Add to the jaw an opening and closing from ``start_s`` through ``pieces`` (duration s, rate from, rate to
    in Hz; each a linear glide), joined without a break in phase."""
    t = sig["t_s"]
    phase, inside = np.zeros_like(t), np.zeros(t.size, dtype=bool)
    t0, p0 = start_s, 0.0
    for duration_s, from_hz, to_hz in pieces:
        now = (t >= t0) & (t < t0 + duration_s)
        u = t[now] - t0
        phase[now] = p0 + 2 * np.pi * (from_hz * u + 0.5 * (to_hz - from_hz) / duration_s * u**2)
        inside |= now
        p0 += 2 * np.pi * (from_hz + to_hz) / 2 * duration_s
        t0 += duration_s
    sig["jaw"] = sig["jaw"] + np.where(inside, 0.1 * (0.5 - 0.5 * np.cos(phase)), 0.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_syllables_that_steady_for_a_second_between_speeding_up_and_slowing_are_not_tremor(seed):
    # Speech: the syllable rate rises from 3.5 to 4.5 Hz, holds it for a second, then rises on to 5.5 Hz. Windows
    # around the steady second hold 4.5 Hz over about 1.3 s of centres; a tremor of tremor_min_s holds its rate
    # over about tremor_min_s.
    sig = make_signals(duration_s=20, seed=seed)
    _rates(sig, 6.0, [(1.0, 3.5, 4.5), (1.0, 4.5, 4.5), (1.0, 4.5, 5.5)])
    assert detect_tremor(build(sig)) == []
    # Two seconds at a steady 4.5 Hz, the shortest tremor, is one.
    sig = make_signals(duration_s=20, seed=seed)
    _rates(sig, 6.0, [(2.0, 4.5, 4.5)])
    tremors = detect_tremor(build(sig))
    assert [round(e.frequency_hz, 1) for e in tremors] == [4.5]
    assert tremors[0].start_s == pytest.approx(6, abs=0.3) and tremors[0].end_s == pytest.approx(8, abs=0.3)


def test_irregular_speech_like_jaw_movement_is_not_tremor():
    sig = make_signals(duration_s=20)
    rng = np.random.default_rng(3)
    t = sig["t_s"]
    onset = 5.0
    while onset < 15:
        dur = rng.uniform(0.12, 0.35)
        sig["jaw"] = sig["jaw"] + pulse(t, onset, dur, rng.uniform(0.02, 0.08), ramp=dur / 2)
        onset += dur + rng.uniform(0.05, 0.4)
    assert detect_tremor(build(sig)) == []


def test_variable_frame_rate_keeps_true_times():
    rng = np.random.default_rng(1)
    dt = (1 / 30) * rng.uniform(0.7, 1.3, 600)
    t = np.cumsum(dt) - dt[0]
    sig = make_signals(t_s=t)
    spasm(sig, "right", 7.3, 0.3)
    contraction = next(e for e in detect_events(build(sig)) if e.kind == "contraction")
    assert contraction.start_s == pytest.approx(7.3, abs=0.06)


def test_gaps_are_not_events():
    sig = make_signals()
    gap = (sig["t_s"] > 5) & (sig["t_s"] < 7)
    sig["usable"][gap] = False
    for key, value in sig.items():
        if key not in ("t_s", "usable"):
            value[gap] = np.nan
    assert detect_events(build(sig)) == []


def _lose(sig: dict, lo_s: float, hi_s: float) -> None:
    """No usable face over [lo_s, hi_s): every signal NaN there, as the pipeline leaves it."""
    gap = (sig["t_s"] >= lo_s) & (sig["t_s"] < hi_s)
    sig["usable"][gap] = False
    for key, value in sig.items():
        if key not in ("t_s", "usable"):
            value[gap] = np.nan


def test_a_blink_half_hidden_by_a_gap_is_not_counted_but_one_with_frames_lost_inside_is_counted_once():
    sig = make_signals()
    for onset in (2.0, 6.0, 10.0, 14.0):
        blink(sig, onset, duration=0.3)
    _lose(sig, 4.0, 6.12)  # the face comes back with the lids already closed: the closing was not seen
    _lose(sig, 10.2, 12.0)  # the face is lost before the lids reopen
    _lose(sig, 14.1, 14.2)  # three frames lost at the deepest closure, the rest seen
    blinks = [e for e in detect_events(build(sig)) if e.kind == "blink"]
    assert [round(e.start_s, 1) for e in blinks] == pytest.approx([2.0, 14.0], abs=0.1)
    assert blinks[1].peak == pytest.approx(0.95, abs=0.05)


def test_a_blink_whose_reopening_is_lost_is_no_twitch_of_the_eye_that_closed_first_but_a_twitch_stays():
    # At 3 s the left lid closes two frames before the right (a turning head), both reach a full blink, and the
    # face is lost before they reopen: not countable as a blink, and no left twitch either. At 8 s the left eye
    # alone closes and the face is lost the same way: a left contraction.
    sig = make_signals()
    t = sig["t_s"]
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 3.0, 0.3, 0.95))
    sig["closure_right"] = np.maximum(sig["closure_right"], pulse(t, 3.067, 0.3, 0.95))
    spasm(sig, "left", 8.0, 0.3)
    _lose(sig, 3.25, 5.0)
    _lose(sig, 8.25, 10.0)
    events = detect_events(build(sig))
    assert [(e.kind, e.side) for e in events] == [("contraction", "left")]
    assert events[0].start_s == pytest.approx(8.0, abs=0.1)


def test_fill_short_gaps_interpolates_only_gaps_up_to_the_limit_between_two_samples():
    t = np.arange(12) / 10.0
    x = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, 5.0, np.nan, np.nan, np.nan, np.nan, np.nan, 3.0])
    out = fill_short_gaps(x, t, max_gap_s=0.3)
    assert out[2:4] == pytest.approx([2.0, 3.0])  # 0.3 s between the samples around it: filled
    assert np.isnan(out[0])  # before the first sample: nothing to interpolate from
    assert np.isnan(out[6:11]).all()  # 0.6 s: too long
    assert np.isnan(x[2])  # the input is left as it was


def test_summary_rates_laterality_and_scales():
    sig = make_signals(duration_s=60)
    for onset in np.arange(2, 58, 4.0):  # 14 blinks per minute
        blink(sig, onset)
    spasm(sig, "right", 10.1, 0.3)
    spasm(sig, "right", 10.6, 0.3)
    spasm(sig, "right", 30.1, 2.5)
    s = build(sig)
    events = detect_events(s)
    episodes = group_episodes(events)
    summary = summarise(s, events, episodes)
    assert summary.blink_count == 14
    assert summary.blink_rate_per_min == pytest.approx(14, abs=0.5)
    assert summary.right.episodes == 2 and summary.left.episodes == 0
    assert summary.laterality_index == pytest.approx(1.0)
    assert summary.affected_side == "right"
    assert summary.right.spread_beyond_eye
    assert summary.right.spasm_time_fraction == pytest.approx((0.3 + 0.3 + 2.5) / 60, abs=0.01)
    scales = suggest_scales(summary, episodes, events)
    assert scales.jankovic_frequency.value == 3  # a spasm over 1 s, eyes open most of the time
    assert scales.jankovic_severity.value == 3  # lid closure, not incapacitating
    assert scales.smc_grade.value == 3  # tonic episode closing the eye
    assert "clinician confirms" in scales.label


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_jankovic_frequency_reads_a_spasm_of_a_second_as_lasting_a_second(fps):
    """JRS frequency 3 needs a spasm lasting more than 1 s [SC-1]: a tonic hold of 1 s from where its movement
    begins to where it ends (raised-cosine ramps) qualifies, though its extent at 10 % of its height is shorter,
    and it is the same episode the pattern calls tonic; a 0.7-s one does not."""
    for length_s, value, pattern in [(1.0, 3, "tonic"), (0.7, 2, "clonic")]:
        sig = make_signals(duration_s=30, fps=fps)
        for onset in (3.0, 9.0, 15.0, 21.0, 27.0):
            blink(sig, onset)
        hold(sig, "right", 12.0, length_s)
        s = build(sig)
        events = detect_events(s)
        episodes = group_episodes(events)
        assert [(e.side, e.pattern) for e in episodes] == [("right", pattern)]
        scales = suggest_scales(summarise(s, events, episodes), episodes, events)
        assert scales.jankovic_frequency.value == value, scales.jankovic_frequency.rule


def test_no_spasm_gives_zero_and_no_smc():
    sig = make_signals(duration_s=30)
    blink(sig, 5)
    s = build(sig)
    events = detect_events(s)
    scales = suggest_scales(summarise(s, events, []), [], events)
    assert scales.jankovic_severity.value == 0 and scales.smc_grade.value is None


def test_detection_params_are_respected():
    sig = make_signals()
    blink(sig, 3.0, 0.7)
    strict = detect_events(build(sig), DetectionParams(blink_max_s=0.5))
    lenient = detect_events(build(sig), DetectionParams(blink_max_s=1.0))
    assert strict[0].kind == "contraction" and lenient[0].kind == "blink"


def test_lid_oscillation_at_the_jaw_tremor_rate_is_crosstalk_not_a_lid_tremor():
    sig = make_signals(duration_s=20, noise=0.001)
    t = sig["t_s"]
    window = (t >= 6) & (t < 11)
    sig["jaw"] = sig["jaw"] + np.where(window, 0.04 * np.sin(2 * np.pi * 6.0 * t), 0.0)
    # The mesh carries a little of the jaw's movement into one lid, at the same rate.
    sig["closure_right"] = sig["closure_right"] + np.where(window, 0.012 * np.sin(2 * np.pi * 6.0 * t), 0.0)
    # An independent lid tremor at another rate and time is kept.
    lid = (t >= 13) & (t < 17)
    sig["closure_left"] = sig["closure_left"] + np.where(lid, 0.15 * np.sin(2 * np.pi * 4.5 * t), 0.0)
    tremors = detect_tremor(build(sig))
    assert [(e.side, e.regions) for e in tremors] == [("both", ("jaw",)), ("left", ("eye",))]
    assert tremors[1].frequency_hz == pytest.approx(4.5, abs=0.1)


@pytest.mark.parametrize("seed", [0, 1])
def test_both_lids_at_one_rate_are_one_bilateral_tremor_and_at_two_rates_are_two(seed):
    # The same rule as for the jaw's crosstalk: rates within SAME_TREMOR_HZ (0.3 Hz) are one oscillation. Each
    # lid's rate is read within ~0.01 Hz, so 5.0 and 5.45 Hz are two (the merge once allowed 0.5 Hz).
    for right_hz, expected in ((5.0, [("both", 5.0)]), (5.45, [("left", 5.0), ("right", 5.45)])):
        sig = make_signals(duration_s=20, noise=0.001, seed=seed)
        t = sig["t_s"]
        lid = (t >= 6) & (t < 11)
        for side, hz in (("left", 5.0), ("right", right_hz)):
            sig[f"closure_{side}"] += np.where(lid, 0.15 * np.sin(2 * np.pi * hz * t), 0.0)
        tremors = detect_tremor(build(sig))
        assert [(e.side, e.regions) for e in tremors] == [(side, ("eye",)) for side, _ in expected]
        for e, (_, hz) in zip(tremors, expected, strict=True):
            assert e.frequency_hz == pytest.approx(hz, abs=0.05)
            assert e.start_s == pytest.approx(6, abs=0.3) and e.end_s == pytest.approx(11, abs=0.3)


def test_a_smaller_twitch_before_a_larger_one_is_split_off_but_a_waver_in_a_hold_is_not():
    # Clonic lids need not relax between twitches: a 0.45 twitch, a valley at 0.3, then a 0.7 twitch are two
    # contractions even though the first rises only 0.15 (a fifth of the run's maximum) above the valley.
    t = np.arange(0, 1.4, 1 / FPS)
    x = pulse(t, 0.0, 0.5, 0.45, ramp=0.2) + pulse(t, 0.5, 0.9, 0.7, ramp=0.2)
    x = np.maximum(x, pulse(t, 0.2, 0.6, 0.3, ramp=0.01))  # the lid stays 0.3 closed in between
    assert len(split_contractions(x, 0, t.size, 0.3)) == 2
    # A tonic hold at 0.8 wavering down to 0.7 and back up to 0.78 is one contraction.
    hold = pulse(t, 0.0, 1.4, 0.8, ramp=0.2)
    hold[(t > 0.65) & (t < 0.75)] = 0.7
    hold[t >= 0.75] = np.minimum(hold[t >= 0.75], 0.78)
    assert len(split_contractions(hold, 0, t.size, 0.3)) == 1


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_shortest_contraction_is_the_same_length_at_every_frame_rate(fps):
    # A one-sided lid twitch above threshold for just min_contraction_s (3 frames at 30 fps) is a contraction
    # at any frame rate; a frame less is a flicker. Frame times are multiples of 1/fps, so a span of exactly
    # 0.1 s can come out a hair short in floating point.
    p = DetectionParams()
    frames = int(np.ceil(p.min_contraction_s * fps - 1e-9))
    found = []
    for n in (frames, frames - 1):
        sig = make_signals(fps=fps, noise=0.005)
        i0 = int(np.searchsorted(sig["t_s"], 6.0))
        sig["closure_left"][i0 : i0 + n] = 0.85
        found.append([e.side for e in detect_events(build(sig), p) if e.kind == "contraction"])
    assert found == [["left"], []]


def test_other_mouth_corner_dragged_as_a_squeeze_relaxes_is_not_a_contraction():
    # The face mesh drags the other mouth corner along with a strong squeeze, also while the lids reopen: a pull
    # that starts in the squeeze's closing ramp belongs to it, not to the other side.
    sig = make_signals(noise=0.005)
    t = sig["t_s"]
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 6.0, 0.5, 0.85, ramp=0.2))
    sig["mouth_left"] += pulse(t, 6.0, 0.5, 0.12, ramp=0.2)
    sig["mouth_right"] += pulse(t, 6.42, 0.25, 0.1, ramp=0.02)
    events = [e for e in detect_events(build(sig)) if e.kind == "contraction"]
    assert [e.side for e in events] == ["left"]


def test_a_lid_hanging_half_closed_after_a_blink_while_the_other_eye_opens_further_is_no_contraction():
    # After a blink the mesh reads the left lid at 0.33 for seconds, and two seconds later the right eye's
    # reading opens further (0.2 -> 0.05): the eyes now differ as a one-sided closure would, yet the left eye
    # never closed into it.
    sig = make_signals()
    t = sig["t_s"]
    blink(sig, 3.0)
    sig["closure_left"] = np.maximum(sig["closure_left"], np.where((t > 3.3) & (t < 9.0), 0.33, 0.0))
    sig["closure_right"] = np.maximum(sig["closure_right"], np.where((t > 3.3) & (t < 5.0), 0.2, 0.0))
    hung = build(sig)
    assert [e.kind for e in detect_events(hung)] == ["blink"]
    # The same level reached by closing the eye from rest is a (tonic) contraction.
    sig = make_signals()
    blink(sig, 3.0)
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 6.0, 2.0, 0.33, ramp=0.15))
    events = detect_events(build(sig))
    assert [(e.kind, e.side) for e in events] == [("blink", "both"), ("contraction", "left")]


def test_a_lid_reopening_slowly_up_to_the_next_blink_is_the_blink_s_tail_not_a_contraction():
    # The left lid reopens to 0.45 and hangs there until the next blink, 0.9 s later; the right reopens at once.
    sig = make_signals()
    t = sig["t_s"]
    blink(sig, 2.0)
    blink(sig, 2.9)
    sig["closure_left"] = np.maximum(sig["closure_left"], np.where((t > 2.1) & (t < 2.95), 0.45, 0.0))
    events = detect_events(build(sig))
    assert [e.kind for e in events] == ["blink", "blink"]


def _faint_twitches(starts: list[float], drag: float, held: tuple[float, float] | None = None) -> list:
    """Left lid twitches 0.45 s long (0.15-s ramps) that close the eye only 0.2-0.24 (a lid the mesh reads poorly,
    under every level a clear one-sided closure needs), the right eye dragged ``drag`` as far; with ``held``,
    the left lid is read 0.7 closed over that span and does not relax between the twitches on top of it."""
    sig = make_signals()
    t = sig["t_s"]
    for k, s in enumerate(starts):
        height = (0.2, 0.24)[k % 2]
        sig["closure_left"] = np.maximum(sig["closure_left"], 0.05 + pulse(t, s, 0.45, height, ramp=0.15))
        sig["closure_right"] = np.maximum(
            sig["closure_right"], 0.05 + pulse(t, s, 0.45, height * drag, ramp=0.15)
        )
    if held is not None:
        sig["closure_left"] += pulse(t, held[0], held[1] - held[0], 0.7, ramp=0.15)
    blink(sig, 2.0)
    blink(sig, 14.0)
    return [e for e in detect_events(build(sig)) if e.kind == "contraction"]


def test_faint_one_sided_twitches_in_a_clonic_rhythm_are_a_burst_and_the_same_dips_without_rhythm_are_not():
    rhythm = [6.0 + 0.55 * k for k in range(5)]
    found = _faint_twitches(rhythm, drag=0.25)
    assert [e.side for e in found] == ["left"] * 5
    assert [abs(e.start_s - s) < 0.15 for e in found for s in rhythm].count(True) == 5
    episodes = group_episodes(found)
    assert [(e.side, e.pattern, e.contractions) for e in episodes] == [("left", "clonic", 5)]
    # On a lid read mostly closed throughout the burst, each twitch on top is still its own contraction.
    assert len(_faint_twitches(rhythm, drag=0.25, held=(5.8, 8.8))) == 5
    # The same dips at irregular intervals (1.7, 0.7, 2.4, 0.8 s), or closing both eyes alike, are no burst.
    assert _faint_twitches([4.0, 5.7, 6.4, 8.8, 9.6], drag=0.25) == []
    assert _faint_twitches(rhythm, drag=0.9) == []
    # A one-sided lid oscillating at 4-5 Hz is tremor, not a burst read at every other peak.
    for freq, amp in ((4.0, 0.1), (4.0, 0.2), (5.0, 0.2)):
        sig = make_signals()
        t = sig["t_s"]
        wave = 0.5 - 0.5 * np.cos(2 * np.pi * freq * (t - 5.0))
        sig["closure_left"] += np.where((t > 5.0) & (t < 9.0), amp * wave, 0.0)
        assert not [e for e in detect_events(build(sig)) if e.kind == "contraction"]


@pytest.mark.parametrize("blendshapes", [True, False])
def test_faint_rhythmic_twitches_beside_an_eye_the_mesh_drags_half_closed_count_where_the_blendshapes_see_them(
    blendshapes,
):
    # A weak lid's clonic burst (depth-weak-lid-hopper-20, tuning): after its first twitch the mesh holds the other
    # eye 0.12 more closed, so each faint left twitch (0.18) ends only 0.06 more closed than it, under the
    # asymmetry / 2 (0.075) a rhythmic twitch needs on the mesh. The eyeBlink blendshapes see the left lid alone.
    sig = make_signals(noise=0.005)
    t = sig["t_s"]
    starts = [6.0 + 0.55 * k for k in range(5)]
    for start in starts:
        sig["closure_left"] = np.maximum(sig["closure_left"], 0.05 + pulse(t, start, 0.45, 0.18, ramp=0.15))
    sig["closure_right"] = sig["closure_right"] + pulse(t, 5.6, 3.6, 0.12, ramp=0.3)
    for b in (2.0, 14.0):
        blink(sig, b)
    if blendshapes:
        sig["blink_left"] = 0.05 + sum(pulse(t, start, 0.45, 0.3, ramp=0.15) for start in starts)
        sig["blink_right"] = np.full(t.size, 0.05)
        for b in (2.0, 14.0):
            for side in ("left", "right"):
                sig[f"blink_{side}"] = np.maximum(sig[f"blink_{side}"], pulse(t, b, 0.25, 0.9))
    episodes = group_episodes(detect_events(build(sig)))
    if blendshapes:
        assert [(e.side, e.pattern, e.contractions) for e in episodes] == [("left", "clonic", 5)]
    else:  # the mesh alone: no twitch is one-sided enough to make a train
        assert episodes == []


@pytest.mark.parametrize("seed", range(3))
def test_a_brow_level_a_turn_left_behind_is_not_the_contraction_s_but_a_brow_that_moves_with_it_is(seed):
    """The brow takes part in a contraction when it moves with it, from its level just before (as the cheek and
    mouth corner are judged); a one-sided brow level already there (what pose compensation leaves of a slow
    head turn, here 5-9 s) is not involvement. A one-sided pull of the mouth corner and cheek at 7 s."""
    t_on, t_off = 7.0, 7.6
    results = {}
    for case in ("offset", "moves"):
        sig = make_signals(seed=seed)
        t = sig["t_s"]
        for onset in (2.0, 11.0, 14.0, 17.0):
            blink(sig, onset)
        sig["mouth_right"] = sig["mouth_right"] + pulse(t, t_on, t_off - t_on, 0.12)
        sig["cheek_right"] = sig["cheek_right"] + pulse(t, t_on, t_off - t_on, 0.1)
        if case == "offset":
            sig["brow_right"] = sig["brow_right"] + pulse(t, 5.0, 4.0, 0.08, ramp=1.0)
        else:
            sig["brow_right"] = sig["brow_right"] + pulse(t, t_on, t_off - t_on, 0.08)
        [episode] = group_episodes(detect_events(build(sig)))
        assert episode.side == "right" and set(episode.regions) >= {"cheek", "mouth"}
        results[case] = "brow" in episode.regions
    assert results == {"offset": False, "moves": True}


def _pictures(t_s: np.ndarray, blinks_s: list[float], right: list[float], left: list[float]) -> dict:
    """Per-eye picture change (grey levels): 1 level of rest noise, 20 in each blink, and 20 x the given share of a
    blink in a 0.3-s bump at each time in ``right`` / ``left`` (x 0.5 as (start, share) pairs)."""
    rng = np.random.default_rng(1)
    change = {}
    for side, bumps in (("right", right), ("left", left)):
        values = 1.0 + 0.2 * rng.standard_normal(t_s.size)
        for b in blinks_s:
            values += pulse(t_s, b, 0.25, 20.0)
        for start, share in bumps:
            values += pulse(t_s, start, 0.3, 20.0 * share)
        change[side] = values
    return change


def test_a_one_sided_lid_closure_both_pictures_show_alike_is_dropped_and_one_its_own_eye_shows_stays():
    sig = make_signals(duration_s=12.0)
    for b in (1.0, 10.5):
        blink(sig, b)
    t = sig["t_s"]
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 4.0, 0.3, 0.7))  # the mesh: left eye only
    sig["closure_right"] = np.maximum(
        sig["closure_right"], pulse(t, 7.0, 0.3, 0.7)
    )  # the mesh: right eye only
    # The pictures: at 4 s both eyes changed by half a blink (a blink read as one-sided); at 7 s the right eye.
    change = _pictures(t, [1.0, 10.5], right=[(4.0, 0.5), (7.0, 0.4)], left=[(4.0, 0.5)])
    pictured = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})

    def one_sided(events):
        return [(e.side, round(e.start_s)) for e in events if e.kind == "contraction"]

    assert one_sided(detect_events(build(sig))) == [("left", 4), ("right", 7)]  # no pictures: no veto
    assert one_sided(detect_events(pictured)) == [("right", 7)]
    assert one_sided(detect_events(pictured, DetectionParams(lid_picture_veto=0))) == [
        ("left", 4),
        ("right", 7),
    ]
    # A veto above the right eye's own share (0.4 of a blink) drops that one too.
    assert one_sided(detect_events(pictured, DetectionParams(lid_picture_veto=0.5))) == []


@pytest.mark.parametrize("rule", ["on", "off"])
def test_a_blink_only_one_eyes_picture_shows_is_that_eyes_twitch_and_a_blink_both_show_stays(rule):
    # A left clonic burst of three twitches; the face mesh couples the middle one into both eyes alike (a head
    # roll does), so it reads as an incomplete blink. The pictures show the left eye alone at all three. At 9 s a
    # shallow blink that both eyes' pictures show stays a blink.
    sig = make_signals(duration_s=14.0)
    for b in (1.0, 12.5):
        blink(sig, b)
    t = sig["t_s"]
    for start in (4.4, 5.6):
        spasm(sig, "left", start, 0.25)
    for start in (5.0, 9.0):
        blink(sig, start, depth=0.45)
    change = _pictures(t, [1.0, 12.5, 9.0], left=[(4.4, 0.8), (5.0, 0.8), (5.6, 0.8)], right=[(5.0, 0.1)])
    signals = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    params = DetectionParams(picture_blink_balance=0.45 if rule == "on" else 0.0)
    events = detect_events(signals, params)
    blinks = [round(e.start_s, 1) for e in events if e.kind == "blink"]
    episodes = group_episodes(events)
    assert [(e.side, e.pattern) for e in episodes] == [("left", "clonic")]
    if rule == "on":
        assert blinks == [1.0, 9.0, 12.5]
        assert episodes[0].contractions == 3
    else:  # read by the mesh alone, the middle twitch is a blink and the burst counts two
        assert blinks == [1.0, 5.0, 9.0, 12.5]
        assert episodes[0].contractions == 2


def test_a_bursts_last_twitch_is_read_from_each_eyes_level_just_before_it_where_the_other_eye_drifted():
    # A left clonic burst; the mesh couples its last twitch (5.6 s) into both eyes: a "blink". A head roll has
    # carried the right eye's picture half a blink away from its rest picture since 5.1 s, so against the rest
    # pictures both eyes changed (0.55 against 0.8): no one-eyed reading. From each eye's level just before, only
    # the left eye moved. At 9 s the same pictures 0.55 s after a single left contraction, not a burst: the
    # "blink" stays a blink (a weak lid's mesh drifting half-closed reads as such a contraction).
    sig = make_signals(duration_s=14.0)
    for b in (1.0, 12.5):
        blink(sig, b)
    t = sig["t_s"]
    for start in (4.4, 5.0, 8.2):
        spasm(sig, "left", start, 0.25)
    for start in (5.6, 9.0):
        blink(sig, start, depth=0.45)
    bumps = [(4.4, 0.8), (5.0, 0.8), (5.6, 0.8), (8.2, 0.8), (9.0, 0.8)]
    change = _pictures(t, [1.0, 12.5], left=bumps, right=[])
    drift = np.clip((t - 5.1) / 0.3, 0, 1) * (t < 6.3) + np.clip((t - 8.5) / 0.3, 0, 1) * (t < 9.7)
    change["right"] = change["right"] + 20.0 * 0.55 * drift
    signals = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    events = detect_events(signals, DetectionParams())
    assert [round(e.start_s, 1) for e in events if e.kind == "blink"] == [1.0, 9.0, 12.5]
    episodes = group_episodes(events)
    assert [(e.side, e.contractions) for e in episodes] == [("left", 3), ("left", 1)]


@pytest.mark.parametrize("rule", ["on", "off"])
def test_a_faint_dip_is_a_blink_where_both_pictures_show_it_with_the_head_still(rule):
    # A weak lid: the mesh reads four blinks as dips of 0.12 in both eyes, under blink_prominence (0.18). At 4 s
    # both eyes' pictures changed 0.7 of a blink; at 7 s only the right eye's (0.3 in the left); at 10 s both, but
    # the head was turning (12 degrees/s); at 13 s neither picture changed.
    sig = make_signals(duration_s=17.0)
    for b in (1.0, 15.5):
        blink(sig, b)
    t = sig["t_s"]
    for start in (4.0, 7.0, 10.0, 13.0):
        blink(sig, start, depth=0.17)
    change = _pictures(
        t,
        [1.0, 15.5],
        right=[(4.0, 0.7), (7.0, 0.7), (10.0, 0.7)],
        left=[(4.0, 0.7), (7.0, 0.3), (10.0, 0.7)],
    )
    head_speed = np.where((t > 9.5) & (t < 10.8), 12.0, 1.0)
    signals = build(
        {
            **sig,
            "lid_picture_left": change["left"],
            "lid_picture_right": change["right"],
            "head_speed_deg_s": head_speed,
        }
    )
    params = DetectionParams(picture_blink_prominence=0.06 if rule == "on" else 0.0)
    events = detect_events(signals, params)
    assert all(e.kind == "blink" for e in events)
    blinks = [(round(e.start_s, 1), e.complete) for e in events]
    if rule == "on":
        assert blinks == [(1.0, True), (4.0, False), (15.5, True)]
    else:
        assert blinks == [(1.0, True), (15.5, True)]
    # Without head pose the stillness cannot be judged: the mesh alone decides.
    unposed = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    assert [round(e.start_s, 1) for e in detect_events(unposed, params)] == [1.0, 15.5]


def test_the_veto_keeps_what_the_picture_cannot_judge():
    t_s = np.arange(0, 10, 1 / FPS)
    change = _pictures(t_s, [1.0], right=[(4.0, 0.5)], left=[(4.0, 0.5)])
    lid = Event("contraction", 4.0, 4.3, "right", ("eye",), peak=0.7)
    with_mouth = Event("contraction", 4.0, 4.3, "right", ("eye", "mouth"), peak=0.7)
    blink_event = Event("blink", 1.0, 1.25, "both", ("eye",), peak=1.0, complete=True)
    # Both eyes alike: a lid-only contraction goes, one that also pulls the mouth corner stays (the mouth is not in
    # the picture).
    scaled = scaled_to_blinks(t_s, change, [blink_event])
    assert veto_two_sided_pictures(t_s, scaled, [blink_event, lid], 0.1) == [blink_event]
    assert veto_two_sided_pictures(t_s, scaled, [blink_event, with_mouth], 0.1) == [blink_event, with_mouth]
    # No blink to scale by: nothing to compare with, so nothing is dropped.
    assert scaled_to_blinks(t_s, change, []) is None
    assert veto_two_sided_pictures(t_s, None, [lid], 0.1) == [lid]
    # No picture over the contraction (face lost): kept.
    blank = {side: np.where((t_s > 3.5) & (t_s < 5), np.nan, values) for side, values in scaled.items()}
    assert veto_two_sided_pictures(t_s, blank, [blink_event, lid], 0.1) == [blink_event, lid]


def test_the_veto_spares_a_burst_s_twitch_but_not_a_lone_one():
    # At 4 s both eyes' pictures changed alike under a right lid-only contraction; at 4.8 s the right eye's alone.
    t_s = np.arange(0, 12, 1 / FPS)
    change = _pictures(t_s, [1.0], right=[(4.0, 0.5), (4.8, 0.5)], left=[(4.0, 0.5)])
    scaled = scaled_to_blinks(t_s, change, [Event("blink", 1.0, 1.25, "both", ("eye",), peak=1.0)])
    first = Event("contraction", 4.0, 4.3, "right", ("eye",), peak=0.5)
    second = Event("contraction", 4.8, 5.1, "right", ("eye",), peak=0.5)
    left = Event("contraction", 4.8, 5.1, "left", ("eye", "mouth"), peak=0.5)  # the mouth: not the veto's
    # Alone, the first goes; 0.5 s before a standing twitch of its side, within the gap, it is the burst's first.
    assert veto_two_sided_pictures(t_s, scaled, [first], 0.1, burst_gap_s=1.0) == []
    assert veto_two_sided_pictures(t_s, scaled, [first, second], 0.1, burst_gap_s=1.0) == [first, second]
    assert veto_two_sided_pictures(t_s, scaled, [first, second], 0.1, burst_gap_s=0.2) == [second]
    # A standing contraction of the other side does not spare it.
    assert veto_two_sided_pictures(t_s, scaled, [first, left], 0.1, burst_gap_s=1.0) == [left]


def test_the_veto_drops_a_lid_closure_whose_own_eyes_picture_never_rose_from_its_level_just_before():
    # Both eyes' pictures (in blinks) stand 0.3 from rest from 2 s to 8 s (a weak lid's mesh hanging half-closed).
    # From 4.0 to 4.5 s the left eye's falls back to 0.05 while the right eye's stays: the one-sided index of a
    # right lid-only contraction there is 0.25, but the right eye's picture never rose. At 6.0 s it does rise.
    t_s = np.arange(0, 10, 1 / FPS)
    right = np.where((t_s >= 2) & (t_s < 8), 0.3, 0.0)
    right[(t_s >= 6.0) & (t_s < 6.3)] = 0.6
    left = np.where((t_s >= 2) & (t_s < 8), 0.3, 0.0)
    left[(t_s >= 4.0) & (t_s < 4.5)] = 0.05
    scaled = {"left": left, "right": right}
    drift = Event("contraction", 4.0, 4.5, "right", ("eye",), peak=0.3)
    twitch = Event("contraction", 6.0, 6.3, "right", ("eye",), peak=0.5)
    assert one_sided_index(t_s, right, left, drift.start_s, drift.end_s) == pytest.approx(0.25)
    assert veto_two_sided_pictures(t_s, scaled, [drift, twitch], 0.1) == [twitch]
    # The mouth is not in the picture: a contraction that pulls it too stays.
    with_mouth = Event("contraction", 4.0, 4.5, "right", ("eye", "mouth"), peak=0.3)
    assert veto_two_sided_pictures(t_s, scaled, [with_mouth], 0.1) == [with_mouth]
    # Within the merge gap of a standing twitch of its side, it is that burst's and stays.
    near = Event("contraction", 5.6, 5.9, "right", ("eye",), peak=0.3)
    assert veto_two_sided_pictures(t_s, scaled, [near, twitch], 0.1, burst_gap_s=0.5) == [near, twitch]


def test_the_veto_reads_a_closure_that_runs_into_a_blink_outside_the_blink():
    # The mesh reads the right lid closing from 4.6 s while neither eye's picture moves; a blink follows at 5.0 s,
    # in which the right eye's picture leads the left's by four frames. Read over the blink too, the right eye seems
    # to change first and alone until 5.1 s; outside it, neither eye changed.
    t_s = np.arange(0, 10, 1 / FPS)
    right = np.where((t_s >= 5.0) & (t_s < 5.3), 1.0, 0.0)
    left = np.where((t_s >= 5.0 + 4 / FPS) & (t_s < 5.3), 1.0, 0.0)
    scaled = {"left": left, "right": right}
    blink_event = Event("blink", 5.0, 5.3, "both", ("eye",), peak=1.0, complete=True)
    closure = Event("contraction", 4.6, 5.1, "right", ("eye",), peak=0.3)
    assert veto_two_sided_pictures(t_s, scaled, [closure, blink_event], 0.1) == [blink_event]
    # Without the blink among the events, the blink's frames count, and the closure stands.
    assert veto_two_sided_pictures(t_s, scaled, [closure], 0.1) == [closure]
    # A closure wholly inside a blink cannot be judged: it stays.
    inside = Event("contraction", 5.05, 5.25, "right", ("eye",), peak=0.3)
    assert veto_two_sided_pictures(t_s, scaled, [inside, blink_event], 0.1) == [inside, blink_event]


@pytest.mark.parametrize("pictures", ["neither", "both", "unmeasured"])
def test_a_blink_of_the_mesh_that_neither_eye_s_picture_rose_for_is_none(pictures):
    # The mesh reads blinks at 1, 5 and 12.5 s; both eyes' pictures change in those at 1 and 12.5 s. At 5 s the
    # pictures show it in both eyes (0.7 of a blink), in neither (a weak lid's mesh and blendshapes settling a
    # quarter closed), or are not measured over it.
    sig = make_signals(duration_s=14.0)
    for b in (1.0, 5.0, 12.5):
        blink(sig, b, depth=0.5 if b == 5.0 else 0.95)
    t = sig["t_s"]
    shown = ([(5.0, 0.7)], [(5.0, 0.7)]) if pictures == "both" else ([], [])
    change = _pictures(t, [1.0, 12.5], right=shown[0], left=shown[1])
    if pictures == "unmeasured":
        for side in change:
            change[side][(t > 4.8) & (t < 5.5)] = np.nan
    events = detect_events(
        build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    )
    assert all(e.kind == "blink" for e in events)
    found = [round(e.start_s, 1) for e in events]
    assert found == ([1.0, 12.5] if pictures == "neither" else [1.0, 5.0, 12.5])


def test_where_the_mesh_reads_no_blink_both_eyes_pictures_find_them_and_scale_the_rest():
    # A lid the mesh cannot follow: its closure never dips. Both eyes' pictures change in blinks at 1, 9 and 12.5 s;
    # at 3 s only the right eye's picture changes (no blink); at 10.5 s both change while the head turns (12
    # degrees/s); a left-eye clonic train (4.0-6.4 s) changes the left eye's picture by 0.3 of a blink, the mesh's
    # left lid by 0.05 (under every mesh rule).
    sig = make_signals(duration_s=14.0)
    t = sig["t_s"]
    starts = [4.0, 4.6, 5.2, 5.8, 6.4]
    for start in starts:
        sig["closure_left"] = sig["closure_left"] + pulse(t, start, 0.3, 0.05)
    twitches = [(start, 0.3) for start in starts]
    change = _pictures(t, [1.0, 9.0, 12.5], right=[(3.0, 1.0), (10.5, 1.0)], left=[(10.5, 1.0), *twitches])
    head_speed = np.where((t > 10.0) & (t < 11.3), 12.0, 1.0)
    pictured = {**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]}
    events = detect_events(build({**pictured, "head_speed_deg_s": head_speed}))
    assert [round(e.start_s, 1) for e in events if e.kind == "blink"] == [1.0, 9.0, 12.5]
    # The pictures, scaled to those blinks, read the train.
    (episode,) = group_episodes(events)
    assert (episode.side, episode.pattern, episode.contractions) == ("left", "clonic", 5)
    # Without head pose the stillness cannot be judged: no blink is read from the pictures alone.
    assert not [e for e in detect_events(build(pictured)) if e.kind == "blink"]


def test_the_veto_drops_a_lid_closure_made_with_the_head_still_whose_other_eye_s_picture_rose_as_much():
    # A blink that a weak lid's mesh read as a right lid-only closure: both eyes' pictures rise by 0.6 of a blink's
    # change, the right one two frames first, so that the one-sided index reads 0.6.
    t_s = np.arange(0, 10, 1 / FPS)
    lead = 2 / FPS
    right = np.where((t_s >= 4.0 - lead) & (t_s < 4.4), 0.6, 0.0)
    left = np.where((t_s >= 4.0) & (t_s < 4.4), 0.6, 0.0)
    # A true twitch at 6 s: the right eye's picture rises 0.4, the left one's 0.1 with it.
    right[(t_s >= 6.0) & (t_s < 6.3)] = 0.4
    left[(t_s >= 6.0) & (t_s < 6.3)] = 0.1
    scaled = {"left": left, "right": right}
    blink = Event("contraction", 4.0 - lead, 4.4, "right", ("eye",), peak=0.4)
    twitch = Event("contraction", 6.0, 6.3, "right", ("eye",), peak=0.4)
    assert one_sided_index(t_s, right, left, blink.start_s, blink.end_s) == pytest.approx(0.6)
    still = np.zeros(t_s.size, dtype=bool)
    assert veto_two_sided_pictures(t_s, scaled, [blink, twitch], 0.1, moving=still) == [twitch]
    # In a turn one eye's picture changes with the turn alone: the rises are not compared there.
    turning = (t_s >= 3.5) & (t_s < 4.6)
    assert veto_two_sided_pictures(t_s, scaled, [blink, twitch], 0.1, moving=turning) == [blink, twitch]
    # The right eye's picture rising OWN_RISE_MIN more than the left one's keeps it.
    right[(t_s >= 4.0 - lead) & (t_s < 4.4)] = 0.6 + OWN_RISE_MIN + 0.01
    assert veto_two_sided_pictures(t_s, scaled, [blink, twitch], 0.1, moving=still) == [blink, twitch]


@pytest.mark.parametrize("case", ["one eye", "both eyes", "irregular", "off"])
def test_a_clonic_train_that_only_its_own_eyes_picture_shows_is_an_episode_though_the_mesh_barely_moves(case):
    sig = make_signals(duration_s=14.0)
    for b in (1.0, 12.5):
        blink(sig, b)
    t = sig["t_s"]
    starts = [4.0, 4.4, 5.9, 6.2, 8.0] if case == "irregular" else [4.0, 4.6, 5.2, 5.8, 6.4]
    for (
        start
    ) in starts:  # the mesh: the left lid dips by 0.05, under every mesh rule (rhythm_prominence 0.08)
        sig["closure_left"] = sig["closure_left"] + pulse(t, start, 0.3, 0.05)
    # The pictures: each twitch changes the left eye's by 0.3 of a blink's (in "both eyes", the right eye's too).
    twitches = [(start, 0.3) for start in starts]
    change = _pictures(t, [1.0, 12.5], right=twitches if case == "both eyes" else [], left=twitches)
    pictured = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    params = DetectionParams(
        picture_rhythm_prominence=0 if case == "off" else DetectionParams().picture_rhythm_prominence
    )
    events = detect_events(pictured, params)
    episodes = group_episodes(events)
    if case != "one eye":
        assert [e.kind for e in events] == ["blink", "blink"] and episodes == []
        return
    assert [e.kind for e in events] == ["blink", *["contraction"] * 5, "blink"]
    (episode,) = episodes
    assert (episode.side, episode.pattern, episode.contractions) == ("left", "clonic", 5)
    assert episode.start_s == pytest.approx(4.0, abs=0.15) and episode.end_s == pytest.approx(6.7, abs=0.15)
    # Without pictures the same recording has no episode: the mesh alone does not see the burst.
    assert group_episodes(detect_events(build(sig))) == []


def test_a_burst_the_mesh_reads_is_counted_once_though_the_pictures_peak_a_few_frames_off_its_twitches():
    sig = make_signals(duration_s=14.0)
    for b in (1.0, 12.5):
        blink(sig, b)
    t = sig["t_s"]
    starts = [4.0, 4.6, 5.2, 5.8, 6.4]
    for start in starts:  # clear one-sided twitches in the mesh, each with the mouth corner pulled
        spasm(sig, "left", start, 0.35)
    # The pictures peak 0.1 s after the mesh: the lid is read at its deepest, the skin around it later.
    change = _pictures(t, [1.0, 12.5], right=[], left=[(start + 0.1, 0.6) for start in starts])
    pictured = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    for signals in (build(sig), pictured):
        (episode,) = group_episodes(detect_events(signals))
        assert (episode.side, episode.contractions) == ("left", 5)


@pytest.mark.parametrize("pictured", [True, False])
def test_a_clonic_train_the_pictures_show_inside_one_long_closure_of_the_mesh_is_counted_twitch_by_twitch(
    pictured,
):
    # A weak lid (depth-weak-lid-hopper-11, tuning): the mesh reads the left eye ramping to 0.5 closed and holding
    # there for 2.9 s, while each of five twitches shows in the left eye's picture alone (0.4 of a blink's change).
    sig = make_signals(duration_s=14.0, noise=0.005)
    for b in (1.0, 12.5):
        blink(sig, b)
    t = sig["t_s"]
    sig["closure_left"] = np.maximum(sig["closure_left"], pulse(t, 3.9, 2.9, 0.5, ramp=0.4))
    if pictured:
        change = _pictures(t, [1.0, 12.5], right=[], left=[(s, 0.4) for s in (4.0, 4.6, 5.2, 5.8, 6.4)])
        sig = {**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]}
    events = detect_events(build(sig))
    episodes = group_episodes(events)
    if pictured:
        assert [(e.side, e.pattern, e.contractions) for e in episodes] == [("left", "clonic", 5)]
        # each contraction holds one twitch: cut where the picture falls back between two
        twitches = [e for e in events if e.kind == "contraction"]
        assert [
            sum(e.start_s <= s + 0.15 <= e.end_s for e in twitches) for s in (4.0, 4.6, 5.2, 5.8, 6.4)
        ] == [1] * 5
    else:  # the mesh alone: one sustained closure
        assert [(e.side, e.pattern, e.contractions) for e in episodes] == [("left", "tonic", 1)]


# fmt: off
# The face mesh around a blink (14.5-14.8 s) and the next (15.4 s) in a rendered control, fresh draw 3's
# tilt-warp-control-lean-luispedro (60 fps, read at 0.1 s): the right lid reopens more slowly than the left, and a
# smile relaxes, the left mouth corner at once, the right one slowly. Columns: t (s), closure left/right, eyeBlink
# left/right, mouth corner left/right.
_REOPENING_TRACE = np.array([
    (13.8, 0.121, 0.121, 0.071, 0.121, 0.133, 0.145), (13.9, 0.108, 0.125, 0.063, 0.138, 0.133, 0.146),
    (14.0, 0.083, 0.114, 0.053, 0.127, 0.131, 0.144), (14.1, 0.067, 0.089, 0.055, 0.120, 0.147, 0.141),
    (14.2, 0.045, 0.055, 0.042, 0.078, 0.151, 0.147), (14.3, 0.047, 0.059, 0.043, 0.084, 0.159, 0.152),
    (14.4, 0.078, 0.077, 0.058, 0.115, 0.159, 0.161), (14.5, 0.121, 0.146, 0.091, 0.187, 0.150, 0.172),
    (14.6, 0.749, 0.668, 0.686, 0.576, 0.120, 0.141), (14.7, 0.302, 0.506, 0.231, 0.435, 0.085, 0.111),
    (14.8, 0.088, 0.304, 0.073, 0.288, 0.045, 0.082), (14.9, 0.066, 0.220, 0.059, 0.235, 0.017, 0.071),
    (15.0, 0.069, 0.124, 0.058, 0.177, 0.001, 0.067), (15.1, 0.080, 0.106, 0.073, 0.152, -0.004, 0.063),
    (15.2, 0.082, 0.109, 0.073, 0.140, -0.009, 0.059), (15.3, 0.102, 0.140, 0.098, 0.143, -0.016, 0.053),
    (15.4, 0.136, 0.257, 0.143, 0.221, -0.014, 0.048), (15.5, 0.997, 0.834, 0.999, 0.826, -0.023, 0.027),
    (15.6, 0.272, 0.257, 0.219, 0.217, -0.028, 0.024), (15.7, 0.032, 0.000, 0.040, 0.000, -0.024, 0.010),
    (15.8, 0.000, 0.000, 0.021, 0.000, -0.029, 0.006), (15.9, 0.000, 0.000, 0.015, 0.000, -0.029, 0.010),
    (16.0, 0.002, 0.022, 0.015, 0.002, -0.028, 0.013), (16.1, 0.017, 0.065, 0.028, 0.068, -0.018, 0.007),
    (16.2, 0.004, 0.035, 0.014, 0.053, -0.012, 0.008),
])
# fmt: on


@pytest.mark.parametrize("twitch", [False, True])
def test_an_eye_still_reopening_from_a_blink_beside_a_smile_relaxing_unevenly_is_no_contraction(twitch):
    # Between the blinks, the right eye reads more closed than the left (0.22 against 0.07 at 14.9 s) and its mouth
    # corner stands 0.07 above the left one: one-sided, but each only falls. A twitch that closes the right eye
    # again 0.15 s after the blink (0.45, with its blendshape) is a contraction.
    sig = make_signals(fps=60.0, noise=0.005)
    t = sig["t_s"]
    trace = _REOPENING_TRACE
    inside = (t >= trace[0, 0]) & (t <= trace[-1, 0])
    names = ("closure_left", "closure_right", "blink_left", "blink_right", "mouth_left", "mouth_right")
    for column, name in enumerate(names, 1):
        sig[name] = np.where(inside, np.interp(t, trace[:, 0], trace[:, column]), sig.get(name, 0.05))
    if twitch:
        for name in ("closure_right", "blink_right"):
            sig[name] = np.maximum(sig[name], pulse(t, 14.95, 0.3, 0.45, ramp=0.1))
    events = detect_events(build(sig))
    assert [e.kind for e in events if e.kind == "blink"] == ["blink", "blink"]
    contractions = [e for e in events if e.kind == "contraction"]
    if twitch:
        assert [e.side for e in contractions] == ["right"]
        assert contractions[0].start_s == pytest.approx(14.95, abs=0.1)
    else:
        assert contractions == []


def _turn_with_residue(with_yaw: bool, spasm_at: float | None = None, lag_s: float = 0.0) -> list[Event]:
    """A turn out and back (MediaPipe's yaw 0 -> 8 degrees over 1.5 s, held 1.5 s, back over 1.5 s from 6 s) whose
    right mouth corner and cheek the pose models leave pulled in proportion to the yaw (0.13 and 0.1 at its
    height), ``lag_s`` behind it; with ``spasm_at``, a right tonic pull of its own (0.12, 1.15 s) on top.
    ``with_yaw``: whether the signals carry the yaw."""
    sig = make_signals(noise=0.005)
    t = sig["t_s"]
    yaw = 8.0 * np.array([envelope(x, 6.0, 1.5, 1.5, 1.5) for x in t])
    residue = 8.0 * np.array([envelope(x - lag_s, 6.0, 1.5, 1.5, 1.5) for x in t])
    sig["mouth_right"] += 0.016 * residue
    sig["cheek_right"] += 0.012 * residue
    if with_yaw:
        sig["yaw_deg"] = yaw
    if spasm_at is not None:
        held = np.array([envelope(x, spasm_at, 0.15, 0.7, 0.3) for x in t])
        sig["mouth_right"] += 0.12 * held
        sig["cheek_right"] += 0.1 * held
    blink(sig, 3.0)
    blink(sig, 14.0)
    return [e for e in detect_events(build(sig)) if e.kind == "contraction"]


def test_a_lower_face_pull_the_head_s_yaw_explains_is_no_contraction_but_a_spasm_on_top_of_it_is():
    # Without the yaw the residue reads as a right tonic contraction lasting the turn; with it, none.
    assert [(e.side, e.regions) for e in _turn_with_residue(with_yaw=False)] == [
        ("right", ("cheek", "mouth"))
    ]
    assert _turn_with_residue(with_yaw=True) == []
    # Nor where the residue trails the yaw by a quarter of a second (as the warped turns' do: 0.34-0.59 of the pull
    # threshold above the line); one that trails it by 0.4 s rises and falls on a time of its own.
    assert _turn_with_residue(with_yaw=True, lag_s=0.25) == []
    assert [e.side for e in _turn_with_residue(with_yaw=True, lag_s=0.4)] == ["right"]
    # A spasm of the same side at the turn's height stands above what the yaw explains.
    (spasm,) = _turn_with_residue(with_yaw=True, spasm_at=7.5)
    assert spasm.side == "right" and spasm.start_s < 7.5 < spasm.end_s


def _dragged_squeeze(travel: float | None, other_peak: float = 0.4) -> list[Event]:
    """A left tonic squeeze (the mesh's closure 0.8 for about a second from 6 s, the blendshape 0.8) whose right
    eye the mesh and the blendshape drag along to ``other_peak`` (0.4: half the squeeze, as on a face turned or
    rolled), blinks at 3 and 14 s; both lids' blink travel in the mesh ``travel`` (None: not measured)."""
    sig = make_signals(noise=0.005)
    t = sig["t_s"]
    for side in ("left", "right"):
        sig[f"blink_{side}"] = np.clip(sig[f"closure_{side}"] - 0.05, 0, 1)
    for b in (3.0, 14.0):
        blink(sig, b)
        for side in ("left", "right"):
            sig[f"blink_{side}"] = np.maximum(sig[f"blink_{side}"], pulse(t, b, 0.25, 0.95))
    held = np.array([envelope(x, 6.0, 0.15, 0.8, 0.3) for x in t])
    for name, depth in (("closure_left", 0.8), ("blink_left", 0.8), ("closure_right", other_peak),
                        ("blink_right", other_peak * 0.9)):  # fmt: skip
        sig[name] = np.maximum(sig[name], depth * held)
    sig["lid_travel_left"] = sig["lid_travel_right"] = travel
    return [e for e in detect_events(build(sig)) if e.kind == "contraction"]


def test_a_one_sided_squeeze_whose_other_eye_the_mesh_drags_along_is_that_side_s_contraction():
    # The other eye half as closed: neither the brief-closure rule (eye_ratio) nor the shallow hold (held_ratio)
    # takes it; held this long with the squeezed eye past ``close`` it is the left side's tonic contraction.
    (squeeze,) = _dragged_squeeze(travel=0.5)
    assert squeeze.side == "left" and squeeze.regions == ("eye",)
    assert squeeze.start_s == pytest.approx(6.0, abs=0.15) and squeeze.end_s == pytest.approx(7.25, abs=0.2)
    # Not where a lid's blinks barely move the mesh (a weak lid reads its own blinks at half depth), nor where
    # lid travel was not measured.
    assert _dragged_squeeze(travel=0.1) == []
    assert _dragged_squeeze(travel=None) == []
    # Nor where the other eye closes past ``close`` as well: two eyes held closed are no one-sided squeeze.
    assert all(e.side != "left" for e in _dragged_squeeze(travel=0.5, other_peak=0.5))


def _held_both(pictured: float, far_eye: float | None = None) -> list[tuple[str, str]]:
    """Blinks at 3 and 14 s and both eyes' mesh closure held at 0.6 from 7 to 9.5 s; each eye's picture (grey
    levels, 1 at rest, 20 in a blink) over the hold ``pictured`` of a blink's change above rest (the right eye's
    ``far_eye`` where given)."""
    sig = make_signals()
    t = sig["t_s"]
    for b in (3.0, 14.0):
        blink(sig, b)
    for side in ("left", "right"):
        sig[f"closure_{side}"] = np.maximum(sig[f"closure_{side}"], pulse(t, 7.0, 2.5, 0.6, ramp=0.15))
    rng = np.random.default_rng(2)
    for side, share in (("left", pictured), ("right", pictured if far_eye is None else far_eye)):
        values = 1.0 + 0.2 * rng.standard_normal(t.size)
        for b in (3.0, 14.0):
            values += pulse(t, b, 0.25, 20.0)
        sig[f"lid_picture_{side}"] = values + pulse(t, 7.0, 2.5, 20.0 * share, ramp=0.15)
    return [(e.kind, e.side) for e in detect_events(build(sig))]


def test_a_held_closure_of_both_eyes_that_neither_eye_s_picture_shows_is_no_blepharospasm():
    # The eyes held closed show in their pictures: blepharospasm, as without pictures.
    assert ("contraction", "both") in _held_both(pictured=0.9)
    # On a turned face the far eye's picture barely changes; the near one's still shows the hold.
    assert ("contraction", "both") in _held_both(pictured=0.9, far_eye=0.1)
    # The mesh settling half-closed on both lids for seconds, as a weak lid's may after a blink, while neither
    # picture moves from rest: no closure.
    assert _held_both(pictured=0.0) == [("blink", "both"), ("blink", "both")]


def test_two_blinks_in_quick_succession_get_spans_that_do_not_overlap():
    # The lids reopen only partly between a shallow blink and a deeper one: the deeper dip's base, 10 % of its
    # prominence, lies below the valley between them, so measured there alone its span would swallow the first.
    sig = make_signals()
    t = sig["t_s"]
    for side in ("left", "right"):
        lid = np.maximum.reduce([pulse(t, 2.0, 0.3, 0.45), pulse(t, 2.0, 0.9, 0.2), pulse(t, 2.6, 0.3, 0.6)])
        sig[f"closure_{side}"] = np.maximum(sig[f"closure_{side}"], lid)
    blinks = [e for e in detect_events(build(sig)) if e.kind == "blink"]
    assert [round(e.start_s, 1) for e in blinks] == pytest.approx([2.0, 2.6], abs=0.15)
    assert blinks[0].end_s <= blinks[1].start_s
    assert blinks[1].end_s == pytest.approx(2.9, abs=0.1)


@pytest.mark.parametrize("mouth", [0.05, 0.0])
def test_a_blink_that_the_mesh_blendshapes_picture_and_mouth_all_put_on_one_side_is_that_side_s_twitch(mouth):
    # A left clonic burst on a rolled face: the mesh and the blendshapes drag the right eye to 0.8 of the left one
    # (under every one-reading bar), so each twitch reads as an incomplete blink. The right eye's picture drifted
    # 0.6 of a blink from its rest picture with the roll just before the burst, so against the rest pictures both
    # eyes changed; from each eye's level just before, the left alone. The left mouth corner rises 0.05 (under the
    # pull threshold). At 9 s a blink as lopsided in the mesh, with the same mouth corner moving (speech), that both
    # eyes' pictures show, stays a blink. Without the mouth corner the burst's twitches stay blinks.
    sig = make_signals(duration_s=14.0, noise=0.005)  # pull threshold lower_face_min (0.06)
    t = sig["t_s"]
    for b in (1.0, 12.5):
        blink(sig, b)
    sig["blink_left"], sig["blink_right"] = sig["closure_left"].copy(), sig["closure_right"].copy()
    for start in (4.4, 5.0, 5.6, 9.0):
        for name, depths in (("closure", (0.55, 0.44)), ("blink", (0.55, 0.4))):
            for side, depth in zip(("left", "right"), depths, strict=True):
                sig[f"{name}_{side}"] = np.maximum(sig[f"{name}_{side}"], pulse(t, start, 0.25, depth))
        sig["mouth_left"] = sig["mouth_left"] + pulse(t, start, 0.25, mouth if start < 9 else 0.05)
    change = _pictures(t, [1.0, 12.5, 9.0], left=[(4.4, 0.8), (5.0, 0.8), (5.6, 0.8)], right=[])
    change["right"] += 20.0 * 0.6 * np.clip((t - 3.9) / 0.3, 0, 1) * (t < 6.5)
    signals = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    events = detect_events(signals)
    blinks = [round(e.start_s, 1) for e in events if e.kind == "blink"]
    if mouth:
        assert blinks == [1.0, 9.0, 12.5]
        assert [(e.side, e.pattern, e.contractions) for e in group_episodes(events)] == [
            ("left", "clonic", 3)
        ]
    else:
        assert blinks == [1.0, 4.4, 5.0, 5.6, 9.0, 12.5]
        assert not group_episodes(events)


def _coupled(pictured: str, travel: float = 0.5) -> list[Event]:
    """Left twitches at 4.4 and 5 s (two: too few for a rhythm) on a rolled face: the mesh closes the left eye 0.35
    and drags the right to 0.15 (0.43 of it, over ``eye_ratio``), the eyeBlink blendshapes read 0.35 and 0.08.
    Blinks at 1 and 12.5 s move both lids' mesh by ``travel``. The pictures (``pictured``): "left" the left eye
    alone 0.8 of a blink in each twitch, "both" both eyes alike."""
    sig = make_signals(duration_s=14.0, noise=0.005)
    t = sig["t_s"]
    blinks, starts = [1.0, 12.5], [4.4, 5.0]
    sig["lid_travel_left"] = sig["lid_travel_right"] = travel
    for b in blinks:
        blink(sig, b)
    sig["blink_left"], sig["blink_right"] = sig["closure_left"].copy(), sig["closure_right"].copy()
    for start in starts:
        for name, depths in (("closure", (0.35, 0.15)), ("blink", (0.35, 0.08))):
            for side, depth in zip(("left", "right"), depths, strict=True):
                sig[f"{name}_{side}"] = np.maximum(sig[f"{name}_{side}"], pulse(t, start, 0.25, depth))
    bumps = [(start, 0.8) for start in starts]
    change = _pictures(t, blinks, left=bumps, right=bumps if pictured == "both" else [])
    signals = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    return [e for e in detect_events(signals) if e.kind == "contraction"]


def test_a_twitch_the_mesh_couples_into_the_other_eye_counts_where_the_blendshapes_and_pictures_put_it_on_one_side():
    twitches = _coupled("left")
    assert [(e.side, round(e.start_s, 1)) for e in twitches] == [("left", 4.4), ("left", 5.0)]
    assert [(e.side, e.contractions) for e in group_episodes(twitches)] == [("left", 2)]
    # Both eyes' pictures changed alike: the mesh and the blendshapes alone do not make it one-sided.
    assert _coupled("both") == []
    # Nor where a lid's blinks barely move the mesh: a weak lid's mesh can hang half-closed after a blink.
    assert _coupled("left", travel=0.1) == []


@pytest.mark.parametrize("rises", [True, False])
def test_a_blink_is_one_eye_s_twitch_only_where_that_eye_s_picture_rose_more_than_the_other_s(rises):
    # A shallow bilateral dip at 6 s (0.4 in both eyes' mesh). The left eye's picture changes 0.8 of a blink over
    # it (``rises``), or has stood 0.8 of a blink from its rest picture since 5 s (the far eye of a face turned far,
    # as the head moves) while the dip changes the right eye's 0.2: against the rest pictures only the left eye
    # differs; from their levels just before, only the right eye moved. Read as the left eye's twitch, the blink
    # was lost.
    sig = make_signals(duration_s=12.0)
    t = sig["t_s"]
    for b in (1.0, 10.5):
        blink(sig, b)
    blink(sig, 6.0, duration=0.3, depth=0.4)
    change = _pictures(
        t, [1.0, 10.5], left=[(6.0, 0.8)] if rises else [], right=[] if rises else [(6.0, 0.2)]
    )
    if not rises:
        change["left"] += 20.0 * 0.8 * np.clip((t - 5.0) / 0.3, 0, 1) * (t < 7.5)
    signals = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
    events = [(e.kind, e.side) for e in detect_events(signals) if 5.5 < e.start_s < 6.5]
    assert events == ([("contraction", "left")] if rises else [("blink", "both")])


def test_a_closure_left_lid_only_once_the_picture_reads_no_cheek_is_judged_by_both_eyes_pictures_too():
    # A right lid closure at 4 s with the mesh's cheek landmark pulled up on that side (a head turn can do it),
    # both eyes' pictures changing alike (half a blink each): a blink or head motion the mesh read as one-sided. The
    # veto of lid-only closures spared it as a cheek contraction; the cheek's own picture shows no rise, so it is
    # lid-only after all and goes. With the right eye's picture alone changing it stays, as the eye's.
    def right_closures(left_share: float) -> list[tuple[str, tuple[str, ...]]]:
        sig = make_signals(duration_s=12.0, noise=0.005)
        t = sig["t_s"]
        for b in (1.0, 10.5):
            blink(sig, b)
        sig["closure_right"] = np.maximum(sig["closure_right"], pulse(t, 4.0, 0.4, 0.7))
        sig["cheek_right"] = sig["cheek_right"] + pulse(t, 4.0, 0.4, 0.1)
        for side in ("left", "right"):
            sig["cheek_picture_" + side] = 0.03 * sig["closure_" + side]
        pictured_cheeks(sig)
        change = _pictures(t, [1.0, 10.5], right=[(4.0, 0.5)], left=[(4.0, left_share)] if left_share else [])
        signals = build({**sig, "lid_picture_left": change["left"], "lid_picture_right": change["right"]})
        return [(e.side, e.regions) for e in detect_events(signals) if e.kind == "contraction"]

    assert right_closures(left_share=0.5) == []
    assert right_closures(left_share=0.0) == [("right", ("eye",))]
