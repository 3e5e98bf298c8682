"""Episodes: contractions of the same side no more than ``merge_gap_s`` apart, with their pattern."""

from __future__ import annotations

from facetwitch.records import Episode, Event, canonical_regions

MERGE_GAP_S = 1.0
# A contraction this long or longer is sustained (tonic). Meant: held for about a second from where its movement
# begins to where it ends. Its extent is read between the feet at 10 % of its height (events.extent_share), and
# each gradual ramp (0.1-0.3 s, raised-cosine-like) loses about a fifth of its length there: a 1-s hold reads
# 0.85-0.95 s. Brief clonic twitches read 0.2-0.6 s (docs/validation.md, twenty-third round).
SUSTAINED_S = 0.85


def group_episodes(
    events: list[Event], *, merge_gap_s: float = MERGE_GAP_S, sustained_s: float = SUSTAINED_S
) -> list[Episode]:
    """Group contraction events per side into episodes.

    Pattern: ``tonic`` when every contraction is sustained (>= ``sustained_s``), ``clonic`` when none is,
    ``mixed`` otherwise.
    """
    episodes: list[Episode] = []
    for side in ("left", "right", "both"):
        contractions = sorted(
            (e for e in events if e.kind == "contraction" and e.side == side), key=lambda e: e.start_s
        )
        group: list[Event] = []
        for event in contractions:
            if group and event.start_s - max(e.end_s for e in group) > merge_gap_s:
                episodes.append(_episode(group, sustained_s))
                group = []
            group.append(event)
        if group:
            episodes.append(_episode(group, sustained_s))
    return sorted(episodes, key=lambda e: e.start_s)


def _episode(group: list[Event], sustained_s: float) -> Episode:
    sustained = [e.duration_s >= sustained_s for e in group]
    pattern = "tonic" if all(sustained) else "clonic" if not any(sustained) else "mixed"
    regions = {r for e in group for r in e.regions}
    return Episode(
        start_s=group[0].start_s,
        end_s=max(e.end_s for e in group),
        side=group[0].side,
        pattern=pattern,
        contractions=len(group),
        regions=canonical_regions(regions),
    )
