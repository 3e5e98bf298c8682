"""The JSON Schema of ``analysis.json`` (``facetwitch.analysis/1``) and a validator that lists every problem.

The schema checks structure, types, enums and ranges. :func:`validate_analysis` adds the checks a JSON Schema
cannot express: every number finite (no NaN/Infinity), every interval ending at or after its start, and
``jankovic_total`` equal to severity + frequency.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

__all__ = ["AnalysisSchemaError", "load_schema", "validate_analysis"]

SCHEMA_FILE = "analysis.schema.json"


class AnalysisSchemaError(ValueError):
    """An analysis document that breaks ``facetwitch.analysis/1``; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"analysis document does not match schema facetwitch.analysis/1 "
            f"({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}):\n{listing}"
        )


def load_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``analysis.json`` as a fresh dict."""
    return json.loads(resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_analysis(doc: dict[str, Any]) -> None:
    """Check an ``analysis.json`` document (``Analysis.to_dict()``); raise :class:`AnalysisSchemaError`.

    Every problem is reported at once, each prefixed with the location of the offending field
    (e.g. ``events[3].side``).
    """
    problems = [
        f"{_location(error.absolute_path)}: {error.message}"
        for error in sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    problems += _non_finite_numbers(doc, ())
    if isinstance(doc, dict):
        problems += _interval_problems(doc)
        problems += _total_problems(doc)
    if problems:
        raise AnalysisSchemaError(problems)


def _location(path: Any) -> str:
    """``['events', 3, 'side']`` -> ``events[3].side``; the document itself is ``(document)``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _non_finite_numbers(value: Any, path: tuple[Any, ...]) -> list[str]:
    # JSON has no NaN/Infinity, and range keywords let NaN through (every comparison with NaN is false).
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{_location(path)}: {value!r} is not a finite number"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _non_finite_numbers(v, (*path, k))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _non_finite_numbers(v, (*path, i))]
    return []


def _interval_problems(doc: dict[str, Any]) -> list[str]:
    problems = []
    intervals = [("events", doc.get("events")), ("episodes", doc.get("episodes"))]
    quality = doc.get("quality")
    if isinstance(quality, dict):
        intervals.append(("quality.gaps", quality.get("gaps")))
    for name, items in intervals:
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            start, end = item.get("start_s"), item.get("end_s")
            if _is_number(start) and _is_number(end) and end < start:
                problems.append(f"{name}[{i}]: end_s {end} is before start_s {start}")
    return problems


def _total_problems(doc: dict[str, Any]) -> list[str]:
    scales = doc.get("suggested_scales")
    if not isinstance(scales, dict):
        return []
    values = [
        part.get("value") if isinstance(part, dict) else None
        for part in (scales.get("jankovic_severity"), scales.get("jankovic_frequency"))
    ]
    expected = sum(values) if all(_is_number(v) for v in values) else None
    total = scales.get("jankovic_total")
    if "jankovic_total" in scales and total != expected:
        return [f"suggested_scales.jankovic_total: {total!r} is not severity + frequency ({expected!r})"]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
