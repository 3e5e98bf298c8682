"""Parsing of values typed into URLs and forms by people (or by anything else): never an exception, never a 500.

Only ASCII digits count as numbers (``str.isdigit`` accepts "²" and "١٢", which ``int`` refuses or turns into
numbers nobody typed), numbers are bounded (a 40-digit id overflows the database's integers) and dates are kept
inside the years a clinic can mean (``date.max + 1 day`` overflows).
"""

from __future__ import annotations

import re
from datetime import date

_INT = re.compile(r"-?[0-9]{1,18}")
#: Largest id any database we run on stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: Dates a clinic record can carry; outside these a typed date is treated as a typing error.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def parse_int(value: object, *, lo: int | None = None, hi: int | None = None) -> int | None:
    """The integer in ``value`` (ASCII digits, optional minus, surrounding spaces allowed) within [lo, hi], else
    None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _INT.fullmatch(text):
        return None
    number = int(text)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        return None
    return number


def parse_id(value: object) -> int | None:
    """A record id (1 .. MAX_ID) or None."""
    return parse_int(value, lo=1, hi=MAX_ID)


def parse_date(value: object) -> date | None:
    """An ISO date (YYYY-MM-DD) between EARLIEST_DATE and LATEST_DATE, else None."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


def is_bad_number_error(exc: BaseException) -> bool:
    """An exception Django raises deep inside a query when a typed id is no number or too large (seen in the
    admin's list actions and many-to-many pickers, which we do not write)."""
    if isinstance(exc, OverflowError):
        return True
    return isinstance(exc, ValueError) and str(exc).startswith("Field '") and "expected a number" in str(exc)


class BadNumberMiddleware:
    """A typed id that is no number or too large for the database is a 400 with a clear message, not a 500."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_bad_number_error(exception):
            return None
        from django.http import HttpResponseBadRequest

        return HttpResponseBadRequest(
            "A number in this request is not a valid record number (empty, not a number, or too large). "
            "Go back, check the selection and try again.",
            content_type="text/plain; charset=utf-8",
        )
