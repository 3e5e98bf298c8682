"""The engine's version, at the bottom of the package so that every module can read it without an import circle."""

__version__ = "0.1.0"
