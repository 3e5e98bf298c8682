"""Test helpers: a finished recording whose analysis.json is a complete engine ``Analysis`` (facetwitch.analysis/1)
built from the engine's own records, with the summary parts a test needs."""

from __future__ import annotations

import datetime as dt


def analysis_json(summary: dict, blink_rate_per_min: float = 15.0, lids_measured: bool = True) -> str:
    """A complete ``facetwitch.analysis/1`` document (the engine's own records) with the given summary parts;
    ``lids_measured=False``: no blink moved the eyelids measurably (``quality.lid_range_measured``)."""
    import facetwitch

    def side_summary(data: dict) -> facetwitch.SideSummary:
        return facetwitch.SideSummary(**{**data, "regions": tuple(data["regions"])})

    tremor = summary["tremor"]
    analysis = facetwitch.Analysis(
        video=facetwitch.VideoInfo("v.mp4", 60.0, 1800, 30.0, 640, 480),
        quality=facetwitch.Quality(face_found_fraction=1.0, lid_range_measured=lids_measured),
        events=[],
        episodes=[],
        summary=facetwitch.Summary(
            analysed_duration_s=60.0,
            blink_count=int(blink_rate_per_min),
            blink_rate_per_min=blink_rate_per_min,
            episodes_total=sum(summary[k]["episodes"] for k in ("left", "right", "both")),
            left=side_summary(summary["left"]),
            right=side_summary(summary["right"]),
            both=side_summary(summary["both"]),
            laterality_index=None,
            affected_side=summary["affected_side"],
            longest_episode_s=1.0,
            tremor=facetwitch.TremorSummary(**{**tremor, "regions": tuple(tremor["regions"])}),
        ),
        suggested_scales=facetwitch.SuggestedScales(
            facetwitch.ScaleSuggestion(None, "test"),
            facetwitch.ScaleSuggestion(None, "test"),
            facetwitch.ScaleSuggestion(None, "test"),
        ),
    )
    return analysis.to_json()


def analysed_recording(
    patient, settings, summary: dict, recorded_on=dt.date(2026, 2, 1), lids_measured: bool = True, **fields
):
    from facetwitch.clinic.recordings.models import Recording

    rel = f"results/{patient.pk}/{recorded_on}/analysis.json"
    path = settings.PRIVATE_MEDIA_ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    blink = fields.get("blink_rate_per_min", 15.0)
    path.write_text(analysis_json(summary, blink, lids_measured), encoding="utf-8")
    return Recording.objects.create(
        patient=patient,
        recorded_on=recorded_on,
        original_name="v.mp4",
        video_file="v.mp4",
        sha256="0" * 64,
        size=10,
        status="done",
        analysis_json=rel,
        **fields,
    )


def side(regions=(), episodes=0):
    return {
        "episodes": episodes,
        "episodes_per_min": 0.0,
        "spasm_time_fraction": 0.0,
        "eye_closure_fraction": 0.0,
        "regions": list(regions),
        "spread_beyond_eye": len(regions) > 1,
    }


HFS_VIDEO = {
    "left": side(["eye", "cheek", "mouth"], 12),
    "right": side(),
    "both": side(),
    "tremor": {"present": True, "frequency_hz": 6.2, "time_fraction": 0.2, "regions": ["jaw"]},
    "affected_side": "left",
}
