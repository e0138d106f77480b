"""Errors for invalid input: the caller gave something the model cannot take.

These are Python exceptions (ValueError subclasses). What a page or server does wrong is
never one of these: that is a :class:`~cors_spec.Result` with a reason.
"""

from __future__ import annotations


class InputError(ValueError):
    """Invalid input; names the field, the rule it breaks and the value given."""

    def __init__(self, field: str, rule: str, value: str | None = None, *, file: str | None = None) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        """One line: control characters and lone surrogates in any part are escaped."""
        where = f"{_escape(self.file)}: " if self.file else ""
        shown = "" if self.value is None else f" (got {_shorten(self.value)!r})"
        return f"{where}{_escape(self.field)}: {_escape(self.rule)}{shown}"


#: The most characters of a given value an error line shows.
SHOWN_CHARS = 200


def _shorten(value: str) -> str:
    return value if len(value) <= SHOWN_CHARS else f"{value[:SHOWN_CHARS]}... ({len(value):,} characters)"


def _escape(text: str) -> str:
    """``text`` with what cannot stand on one printed line (controls, lone surrogates, other
    unprintables but the space) written as Python escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)
