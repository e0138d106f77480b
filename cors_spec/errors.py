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
        where = f"{self.file}: " if self.file else ""
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}{self.field}: {self.rule}{shown}"
