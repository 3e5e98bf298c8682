"""Geometry of the schematic face map (SVG, viewBox 0 0 400 500).

The face is drawn as the clinician sees the patient: the patient's RIGHT side is on the viewer's LEFT.
Coordinates below are for the patient's right side and are mirrored (x -> 400 - x) for the left.
"""

from __future__ import annotations

from dataclasses import dataclass

from facetwitch.clinic.treatments import dosing

WIDTH = 400

#: muscle code -> (x, y) on the patient's right (viewer's left) half; midline muscles use x = 200.
_RIGHT_SIDE_POINTS: dict[str, tuple[int, int]] = {
    "frontalis": (140, 100),
    "corrugator": (172, 158),
    "oo_orbital_upper": (118, 160),
    "oo_preseptal_upper": (132, 182),
    "oo_pretarsal_upper": (150, 194),
    "oo_pretarsal_lower": (150, 218),
    "oo_preseptal_lower": (136, 232),
    "oo_orbital_lower": (142, 252),
    "oo_orbital_lateral": (92, 206),
    "levator_labii": (170, 272),
    "zygomaticus_minor": (140, 280),
    "zygomaticus_major": (108, 290),
    "buccinator": (120, 318),
    "risorius": (98, 342),
    "orbicularis_oris_upper": (178, 330),
    "orbicularis_oris_lower": (178, 360),
    "depressor_anguli_oris": (146, 382),
    "mentalis": (184, 400),
    "platysma": (140, 468),
}
_MIDLINE_POINTS: dict[str, tuple[int, int]] = {"procerus": (200, 172)}


@dataclass(frozen=True)
class Site:
    muscle: str
    side: str
    label: str
    x: int
    y: int

    @property
    def key(self) -> str:
        return f"{self.muscle}:{self.side}"


def sites() -> list[Site]:
    """Every clickable injection site, right side first, then left, then midline."""
    out: list[Site] = []
    for side in ("right", "left"):
        for muscle, (x, y) in _RIGHT_SIDE_POINTS.items():
            out.append(
                Site(
                    muscle,
                    side,
                    f"{dosing.MUSCLE_LABELS[muscle]} — patient's {side}",
                    x if side == "right" else WIDTH - x,
                    y,
                )
            )
    for muscle, (x, y) in _MIDLINE_POINTS.items():
        out.append(Site(muscle, "midline", f"{dosing.MUSCLE_LABELS[muscle]} — midline", x, y))
    return out
