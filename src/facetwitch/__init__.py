"""facetwitch: objective measurement of facial twitching from ordinary videos.

Public API::

    import facetwitch
    analysis = facetwitch.analyze("patient.mp4")          # -> facetwitch.Analysis
    facetwitch.write_outputs(analysis, "out/patient")     # analysis.json, frames.parquet, report.html
    runs = facetwitch.batch(["videos/"], "out/cohort")    # many videos on Dask -> run manifest DataFrame

Everything else (stages, simulator internals) is private to the engine.
"""

from facetwitch.records import (
    DISCLAIMER,
    SCHEMA_ID,
    Analysis,
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
)
from facetwitch.version import __version__

__all__ = [
    "DISCLAIMER",
    "MAX_FRAME_PIXELS",
    "SCHEMA_ID",
    "Analysis",
    "AnalysisError",
    "Episode",
    "Event",
    "Gap",
    "Quality",
    "ScaleSuggestion",
    "SideSummary",
    "SuggestedScales",
    "Summary",
    "TremorSummary",
    "VideoInfo",
    "__version__",
    "analyze",
    "batch",
    "picture_size_problem",
    "write_outputs",
]


def __getattr__(name: str):
    # Heavy imports (MediaPipe, PyAV) only when the pipeline is actually used.
    if name in {"analyze", "AnalysisError"}:
        from facetwitch import pipeline

        return getattr(pipeline, name)
    if name in {"picture_size_problem", "MAX_FRAME_PIXELS"}:  # the limits of what the engine decodes
        from facetwitch import video

        return getattr(video, name)
    if name == "batch":
        from facetwitch.dask_batch import batch

        return batch
    if name == "write_outputs":
        from facetwitch.outputs import write_outputs

        return write_outputs
    raise AttributeError(f"module 'facetwitch' has no attribute {name!r}")
