"""Patient search that forgives accents and case the same way on SQLite and PostgreSQL.

Each patient keeps a normalised copy of the words people search by (``Patient.search_text``: MRN, given and family
name without accents, case-folded), written by ``Patient.save``; a query is normalised the same way and each of its
words must appear there. A word that is a date (YYYY-MM-DD, or DD.MM.YYYY) matches the date of birth instead.
SQLite's LIKE folds only ASCII case and neither database ignores accents by default, so the folding is done once,
in Python, for both.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from facetwitch.clinic.accounts.params import parse_date

_SPACES = re.compile(r"\s+")
_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
#: Letters that Unicode does not decompose into a base letter plus an accent.
_EXTRA = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th"})


def normalise(text: str) -> str:
    """Lower-case ASCII-ish form of ``text``: "Östberg" -> "ostberg", "ÉMILE" -> "emile", spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.translate(_EXTRA)).strip()


def search_text_for(*parts: str) -> str:
    return normalise(" ".join(p for p in parts if p))


def as_birth_date(word: str) -> date | None:
    """The date a search word names (ISO or day.month.year), or None."""
    dotted = _DOTTED.fullmatch(word)
    if dotted:
        day, month, year = dotted.groups()
        return parse_date(f"{year}-{int(month):02d}-{int(day):02d}")
    return parse_date(word)


def search(queryset, query: str):
    """Patients of ``queryset`` matching every word of ``query`` (accent- and case-insensitive; dates of birth)."""
    for word in query.split():
        born = as_birth_date(word)
        if born is not None:
            queryset = queryset.filter(date_of_birth=born)
        else:
            queryset = queryset.filter(search_text__contains=normalise(word))
    return queryset
