"""Errors with user-facing messages: each says what is wrong and what to do."""


class AnalysisError(RuntimeError):
    """A video could not be analysed (unreadable, no video stream, no face, ...)."""


class VideoError(AnalysisError):
    """The file cannot be read as a video."""


class NoFaceError(AnalysisError):
    """No usable face in the whole video."""


class TimeLimitError(AnalysisError):
    """The analysis ran past its per-file time limit and was stopped."""
