"""The frame loop: framing, expression warp, head motion, camera look, orientation, and encoding (PyAV)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from facetwitch.records import Episode, Event

from .faces import geometry
from .kinematics import Motion
from .scenario import HeadMotion, HeadTurn, Scenario, truth_of
from .staging import camera_effects, stage
from .timing import frame_times, time_base

# codec name -> (PyAV encoder, pixel format, containers it may go in (first = default))
# (.mp4 takes every codec here, display rotation included.)
ENCODERS = {
    "h264": ("libx264", "yuv420p", (".mp4", ".mov", ".mkv")),
    "hevc": ("libx265", "yuv420p", (".mp4", ".mov", ".mkv")),
    "mjpeg": ("mjpeg", "yuvj420p", (".avi", ".mp4", ".mov", ".mkv")),
    "mpeg4": ("mpeg4", "yuv420p", (".avi", ".mp4", ".mov", ".mkv")),
    "vp9": ("libvpx-vp9", "yuv420p", (".webm", ".mp4", ".mkv")),
}
ROTATION_CONTAINERS = (".mp4", ".mov")


@dataclass
class SimulatedVideo:
    """A rendered clip and its ground truth (engine vocabulary; times in seconds; patient's sides)."""

    path: Path
    truth_events: list[Event]
    truth_episodes: list[Episode]
    scenario: Scenario
    frame_times_s: list[float] = field(default_factory=list)
    inter_ocular_px: float = 0.0  # inter-ocular distance of the still face in the upright picture (pixels)


def head_transform(
    hm: HeadMotion | None,
    t: float,
    center: np.ndarray,
    out_center: np.ndarray,
    seed: int,
    turn: tuple[float, float, float] = (0.0, 0.0, 0.0),
):
    """3x3 homography from canvas to output pixels at time ``t`` (s): roll, translation, scale drift and a
    slight yaw (perspective) about the face centre, plus ``turn`` = (yaw, pitch, roll) degrees as a flat
    picture turned in perspective (:class:`HeadTurn` yaw/pitch go through :func:`cylinder_turn` instead)."""
    rng = np.random.default_rng([seed, 4242])
    phases = rng.uniform(0, 2 * np.pi, size=5)
    to_origin = np.array([[1, 0, -center[0]], [0, 1, -center[1]], [0, 0, 1.0]])
    back = np.array([[1, 0, out_center[0]], [0, 1, out_center[1]], [0, 0, 1.0]])
    roll = np.deg2rad(turn[2])
    yaw, pitch = np.deg2rad(turn[0]), np.deg2rad(turn[1])
    tx = ty = 0.0
    s = 1.0
    if hm is not None:
        w = 2 * np.pi / hm.period_s
        roll += np.deg2rad(hm.amplitude_deg) * np.sin(w * t + phases[0])
        tx = hm.translate_px * np.sin(w * t / 1.3 + phases[1])
        ty = hm.translate_px * 0.6 * np.sin(w * t / 1.7 + phases[2])
        s = 1.0 + hm.scale * np.sin(w * t / 2.1 + phases[3])
        yaw += np.deg2rad(hm.yaw_deg) * np.sin(w * t / 1.5 + phases[4])
    c, si = np.cos(roll), np.sin(roll)
    sim = np.array([[s * c, -s * si, tx], [s * si, s * c, ty], [0, 0, 1.0]])
    f = 2.5 * abs(center[1])  # a plausible focal length in pixels for the perspective impression
    yaw_h = np.array([[np.cos(yaw), 0, 0], [0, 1, 0], [-np.sin(yaw) / f, 0, 1.0]])
    pitch_h = np.array([[1, 0, 0], [0, np.cos(pitch), 0], [0, -np.sin(pitch) / f, 1.0]])
    return back @ sim @ yaw_h @ pitch_h @ to_origin


CYLINDER_IOD = 1.2  # radius of the cylinder a HeadTurn rolls the face around, in inter-ocular distances


def cylinder_turn(frame: np.ndarray, center: np.ndarray, radius: float, yaw_deg: float, pitch_deg: float):
    """The picture wrapped on a vertical (yaw) and a horizontal (pitch) cylinder of ``radius`` pixels about
    ``center`` and turned by the angles (degrees): the side turning away compresses, the near side widens.
    Fades to no motion beyond the cylinder. Separable, so the maps are two 1-D lookups."""
    h, w = frame.shape[:2]

    def axis(n: int, c: float, angle_deg: float) -> np.ndarray:
        x = np.arange(n, dtype=np.float64)
        u = (x - c) / radius
        src = c + radius * np.sin(np.arcsin(np.clip(u, -1, 1)) - np.deg2rad(angle_deg))
        fade = np.clip((1.25 - np.abs(u)) / 0.35, 0.0, 1.0)
        return (x + fade * (src - np.clip(u, -1, 1) * radius - c)).astype(np.float32)

    map_x = np.broadcast_to(axis(w, center[0], yaw_deg)[None, :], (h, w))
    map_y = np.broadcast_to(axis(h, center[1], pitch_deg)[:, None], (h, w))
    return cv2.remap(frame, np.ascontiguousarray(map_x), np.ascontiguousarray(map_y), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT101)  # fmt: skip


def render_frames(scenario: Scenario) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield (pts, time s, stored RGB frame) for every frame, after orientation and mirroring."""
    scenario.validate()
    if scenario.renderer == "mesh":
        from .mesh import mesh_frames

        for pts, t, frame in mesh_frames(scenario):
            yield pts, t, orient(frame, scenario)
        return
    if scenario.renderer == "depth":
        from .depth import depth_frames

        for pts, t, frame in depth_frames(scenario):
            yield pts, t, orient(frame, scenario)
        return
    st = stage(scenario.face, tuple(scenario.size), float(scenario.zoom), tuple(scenario.offset))
    motion = Motion(scenario)
    w, h = scenario.size
    cam = scenario.camera
    out_center = np.array([w / 2 + scenario.offset[0] * w, h / 2 - 0.03 * h + scenario.offset[1] * h])
    face_c = out_center + st.margin
    turning = any(isinstance(e, HeadTurn) for e in scenario.events)
    radius = CYLINDER_IOD * st.rig.iod
    for i, (pts, t) in enumerate(frame_times(scenario)):
        face = st.rig.apply(st.canvas, motion.pose_at(t))
        yaw, pitch, roll = motion.head_turn(t)
        if scenario.head_motion is None and not turning:
            m = st.margin
            frame = np.ascontiguousarray(face[m : m + h, m : m + w])
        else:
            hom = head_transform(scenario.head_motion, t, face_c, out_center, scenario.seed, (0.0, 0.0, roll))
            frame = cv2.warpPerspective(
                face, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
            )
            if yaw or pitch:
                frame = cylinder_turn(frame, out_center, radius, yaw, pitch)
        frame = camera_effects(frame, cam, t, scenario.seed, i)
        yield pts, t, orient(frame, scenario)


def orient(frame: np.ndarray, scenario: Scenario) -> np.ndarray:
    """The upright picture as stored: mirrored like a selfie camera, and turned counter-clockwise by the
    scenario's rotation (the player turns it back clockwise from the metadata)."""
    if scenario.mirrored:
        frame = frame[:, ::-1]
    if scenario.rotation:
        frame = np.rot90(frame, k=scenario.rotation // 90)
    return np.ascontiguousarray(frame)


def render(scenario: Scenario, path: str | os.PathLike[str]) -> SimulatedVideo:
    """Render ``scenario`` to the video file ``path`` (written atomically) and return the ground truth.

    The container follows ``path``'s suffix, which must suit the codec: ``.mp4`` takes every codec;
    ``scenario.suffix`` is the codec's usual container (``.webm`` for vp9, ``.avi`` for mjpeg/mpeg4).
    """
    scenario.validate()
    path = Path(path)
    encoder, pix_fmt, containers = ENCODERS[scenario.codec]
    suffix = path.suffix.lower()
    if suffix not in containers:
        raise ValueError(
            f"codec {scenario.codec!r} needs a file ending in one of {containers}, got {path.name!r}"
        )
    if scenario.vfr and suffix == ".avi":
        raise ValueError("AVI cannot store variable frame rate: use .mp4, .mov or .mkv")
    if scenario.rotation and suffix not in ROTATION_CONTAINERS:
        raise ValueError(f"rotation metadata is written only to {ROTATION_CONTAINERS} files")
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = scenario.size
    stored_w, stored_h = (h, w) if scenario.rotation in (90, 270) else (w, h)
    times: list[float] = []
    fd, tmp_name = tempfile.mkstemp(prefix=".sim-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        with av.open(tmp_name, mode="w") as container:
            stream = container.add_stream(encoder, rate=Fraction(scenario.fps).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = stored_w, stored_h, pix_fmt
            tb = time_base(scenario)
            stream.time_base = tb
            stream.codec_context.time_base = tb
            stream.codec_context.gop_size = max(1, round(2 * scenario.fps))
            stream.options = _encoder_options(scenario)
            if scenario.rotation:
                stream.set_display_rotation(-scenario.rotation)  # PyAV takes counter-clockwise degrees
            for pts, t, rgb in render_frames(scenario):
                if (
                    pix_fmt == "yuv420p"
                ):  # OpenCV's BT.601 limited-range conversion: same as swscale's, faster
                    yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
                    frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                else:
                    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts, frame.time_base = pts, tb
                times.append(t)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    events, episodes = truth_of(scenario, eye_height_iod=geometry(scenario.face).eye_height_iod())
    return SimulatedVideo(path, events, episodes, scenario, times, still_iod_px(scenario))


def still_iod_px(scenario: Scenario) -> float:
    """Inter-ocular distance (pixels) of the still face in the upright picture the renderer makes."""
    size, zoom, offset = tuple(scenario.size), float(scenario.zoom), tuple(scenario.offset)
    if scenario.renderer == "mesh":
        from .mesh import mesh_stage

        return mesh_stage(scenario.face, size, zoom, offset).geom.iod
    return stage(scenario.face, size, zoom, offset).rig.iod


def _encoder_options(scenario: Scenario) -> dict[str, str]:
    crf = str(scenario.camera.crf)
    if scenario.codec in ("h264", "hevc"):
        opts = {"preset": "superfast", "crf": crf}
        if scenario.codec == "hevc":
            opts["x265-params"] = "log-level=error"
        return opts
    if scenario.codec == "vp9":
        return {"crf": str(scenario.camera.crf + 10), "b": "0", "deadline": "realtime", "cpu-used": "8"}
    if scenario.codec in ("mjpeg", "mpeg4"):
        return {"qscale": "3"}
    return {}
