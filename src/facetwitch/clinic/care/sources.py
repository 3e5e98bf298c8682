"""Full references of the DS-n ids, read from docs/clinical-sources.md (ids alone if the file is not there)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCES_FILE = Path(__file__).resolve().parents[4] / "docs" / "clinical-sources.md"
_ENTRY = re.compile(r"^- \*\*(DS-\d+)\*\* (.+?)(?=^- \*\*|^## |\Z)", re.S | re.M)


@dataclass(frozen=True)
class SourceEntry:
    id: str
    text: str

    @property
    def reference(self) -> str:
        """The citation part (before the " — " summary of what the product takes from it)."""
        return self.text.split(" — ")[0].replace("*", "")


@cache
def _entries() -> dict[str, str]:
    try:
        text = SOURCES_FILE.read_text(encoding="utf-8")
    except OSError:
        return {}
    return {m.group(1): " ".join(m.group(2).split()) for m in _ENTRY.finditer(text)}


def source_entries(ids) -> list[SourceEntry]:
    known = _entries()
    ordered = sorted(set(ids), key=lambda s: int(s.split("-")[1]) if s.split("-")[-1].isdigit() else 0)
    return [SourceEntry(i, known.get(i, "see docs/clinical-sources.md")) for i in ordered]
