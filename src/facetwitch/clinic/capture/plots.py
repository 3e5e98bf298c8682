"""The plot of one biofeedback session: the exercise's measure over time against its target zone (SVG)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 220, 48, 12, 12, 34

# Which way the target lies: below the target (relax, keep the eye open) or above it (symmetry).
TARGET_BELOW = {"relax_rest": True, "eye_open_smile": True, "symmetric_smile": False}
MEASURES = {
    "relax_rest": "Affected side's activity (0–1)",
    "eye_open_smile": "Eye closure while smiling (0–1)",
    "symmetric_smile": "Smile symmetry (1 = equal sides)",
}


def session_chart(session) -> SafeString:
    trace = session.trace or {}
    t, v = trace.get("t_s") or [], trace.get("value") or []
    kind, target = session.programme.kind, session.programme.target
    title = f"{MEASURES[kind]} during the session; the shaded band is the target zone"
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    t_max = max([*t, 1.0])

    def x(ts: float) -> float:
        return LEFT + plot_w * ts / t_max

    def y(value: float) -> float:
        return TOP + plot_h * (1 - min(max(value, 0.0), 1.0))

    parts = [
        f'<svg class="ft-chart ft-session" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    zone_top, zone_bottom = (target, 0.0) if TARGET_BELOW[kind] else (1.0, target)
    parts.append(
        f'<rect class="ft-target-zone" x="{LEFT}" y="{y(zone_top):.1f}" width="{plot_w}" '
        f'height="{y(zone_bottom) - y(zone_top):.1f}"/>'
    )
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line class="ft-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="ft-tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    step = max(1, round(t_max / 6))
    for s in range(0, int(t_max) + 1, step):
        parts.append(
            f'<text class="ft-tick" x="{x(s):.1f}" y="{HEIGHT - 12}" text-anchor="middle">{s} s</text>'
        )
    points = [(ts, val) for ts, val in zip(t, v, strict=False) if val is not None]
    if points:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(ts):.1f},{y(val):.1f}" for i, (ts, val) in enumerate(points)
        )
        parts.append(f'<path class="ft-line ft-session-line" d="{path}"/>')
    else:
        parts.append(
            f'<text class="ft-empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">No trace</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
