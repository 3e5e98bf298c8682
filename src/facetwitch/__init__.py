"""facetwitch: objective measurement of facial twitching from ordinary videos.

Public API::

    import facetwitch
    analysis = facetwitch.analyze("patient.mp4")          # -> facetwitch.Analysis
    facetwitch.write_outputs(analysis, "out/patient")     # analysis.json, frames.parquet, report.html
    runs = facetwitch.batch(["videos/"], "out/cohort")    # many videos on Dask -> run manifest DataFrame
    info = facetwitch.probe_video("patient.mp4")           # -> facetwitch.VideoProbe (upright size, fps, codec)
    facetwitch.engine_info().version                       # -> facetwitch.EngineInfo of this engine
    svg = facetwitch.timeline_svg(analysis)                # the event/episode timeline, embeddable SVG

Everything else (stages, simulator internals) is private to the engine.
"""

from facetwitch.records import (
    DISCLAIMER,
    LOW_FPS,
    SCHEMA_ID,
    Analysis,
    EngineInfo,
    Episode,
    Event,
    Gap,
    Quality,
    ScaleSuggestion,
    SideSummary,
    SuggestedScales,
    Summary,
    TremorSummary,
    VideoInfo,
    VideoProbe,
    is_frame_rate_cap,
)
from facetwitch.version import __version__

__all__ = [
    "DISCLAIMER",
    "LOW_FPS",
    "MAX_FRAME_PIXELS",
    "SCHEMA_ID",
    "Analysis",
    "AnalysisError",
    "EngineInfo",
    "Episode",
    "Event",
    "Gap",
    "Quality",
    "ScaleSuggestion",
    "SideSummary",
    "SuggestedScales",
    "Summary",
    "TremorSummary",
    "VideoError",
    "VideoInfo",
    "VideoProbe",
    "__version__",
    "analyze",
    "batch",
    "engine_info",
    "is_frame_rate_cap",
    "picture_size_problem",
    "probe_video",
    "timeline_svg",
    "write_outputs",
]


def __getattr__(name: str):
    # Heavy imports (MediaPipe, PyAV) only when the pipeline is actually used.
    if name in {"AnalysisError", "VideoError"}:
        from facetwitch import errors

        return getattr(errors, name)
    if name in {"analyze", "engine_info"}:
        from facetwitch import pipeline

        return getattr(pipeline, name)
    if name in {"picture_size_problem", "MAX_FRAME_PIXELS"}:  # the limits of what the engine decodes
        from facetwitch import video

        return getattr(video, name)
    if name == "probe_video":
        from facetwitch.video import probe_video

        return probe_video
    if name == "timeline_svg":
        from facetwitch.timeline import timeline_svg

        return timeline_svg
    if name == "batch":
        from facetwitch.dask_batch import batch

        return batch
    if name == "write_outputs":
        from facetwitch.outputs import write_outputs

        return write_outputs
    raise AttributeError(f"module 'facetwitch' has no attribute {name!r}")
