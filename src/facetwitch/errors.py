"""Errors with user-facing messages: each says what is wrong and what to do.

An error about one file keeps the file apart from the message: ``exc.reason`` is the message alone and
``exc.path`` the file (``None`` when not about a file); ``str(exc)`` is ``"<path>: <reason>"``. A caller that
knows the file under another name (the clinic's upload name) shows ``exc.reason`` beside that name, without
rewriting the text.
"""

from __future__ import annotations

import os


class AnalysisError(RuntimeError):
    """A video could not be analysed (unreadable, no video stream, no face, ...)."""

    def __init__(self, reason: str, *, path: str | os.PathLike[str] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.path = None if path is None else os.fspath(path)

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason

    def __reduce__(self):
        # Keeps reason and path across processes (batch workers send errors back pickled).
        return (_rebuild, (type(self), self.reason, self.__dict__))


def _rebuild(cls, reason: str, state: dict):
    exc = cls.__new__(cls)
    AnalysisError.__init__(exc, reason)
    exc.__dict__.update(state)
    return exc


class VideoError(AnalysisError):
    """The file cannot be read as a video."""


class NoFaceError(AnalysisError):
    """No usable face in the whole video."""


class TimeLimitError(AnalysisError):
    """The analysis ran past its per-file time limit and was stopped."""
