"""Path converters of the clinic's URLs."""

from __future__ import annotations


class RecordId:
    """A record id in a path (``<id:pk>``): 1 to 18 ASCII digits, so that an id no database can hold is a 404,
    never an integer overflow in the query (Django's ``int`` converter takes any number of digits)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
