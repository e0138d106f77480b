"""One reader for every JSON or TOML input file (scenarios, intents, HAR files).

Each file is refused with one :class:`InputError` line naming the file and the limit when
it is larger than ``max_bytes``, nested deeper than :data:`MAX_DEPTH`, or holds a number
of more than :data:`MAX_DIGITS` digits, NaN or Infinity (docs/limits.md). Inside the
limits reading is linear in the file's size and never recurses past the nesting limit.
"""

from __future__ import annotations

import json
import math
import re
import sys
from itertools import accumulate
from pathlib import Path

from cors_spec.errors import InputError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_DIGITS", "decode_json", "decode_toml", "read_json", "read_text",
           "read_toml"]

#: Largest scenario or intent file, in bytes (HAR files pass their own, larger limit).
MAX_BYTES = 4 * 1024 * 1024
#: Deepest nesting of arrays and objects (tables) in any input file.
MAX_DEPTH = 64
#: Most digits in one number (statuses, seconds and max-age fit; Python's own limit is 4,300).
MAX_DIGITS = 20

# A JSON string literal, unrolled (each character is consumed one way only, so no backtracking
# and a run of plain characters is taken at once).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


def read_text(path: Path, *, max_bytes: int = MAX_BYTES, encoding: str = "utf-8", what: str = "files") -> str:
    """The file's text, refused (one line) when unreadable, not UTF-8, or over ``max_bytes``."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError("$", f"the file is {_size(size)}; {what} are at most {_size(max_bytes)} "
                             "(the file size limit)", file=str(path))
        data = path.read_bytes()
    except OSError as e:
        raise InputError("$", f"cannot read the file: {e.strerror or e}", file=str(path)) from None
    if len(data) > max_bytes:  # it grew since stat()
        raise InputError("$", f"the file is over {_size(max_bytes)} (the file size limit)", file=str(path))
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError("$", f"must be UTF-8 text (a byte 0x{data[e.start]:02X} at offset {e.start} is not)",
                         file=str(path)) from None


def _too_deep(file: str) -> InputError:
    return InputError("$", f"nested deeper than {MAX_DEPTH} levels (the nesting limit)", file=file)


def _number_rule(file: str, literal: str) -> InputError:
    digits = sum(c.isdigit() for c in literal)
    return InputError("$", f"a number has {digits:,} digits; numbers have at most {MAX_DIGITS} "
                      "(the number limit)", file=file)


def decode_json(text: str, file: str) -> object:
    """Decode JSON text within the nesting and number limits (one-line InputError otherwise)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if brackets and max(accumulate(_STEP[c] for c in brackets)) > MAX_DEPTH:
        raise _too_deep(file)

    def refuse_constant(name: str) -> object:
        raise InputError("$", f"{name} is not a JSON number (numbers are finite)", file=file)

    def checked_int(literal: str) -> int:
        if len(literal.lstrip("-")) > MAX_DIGITS:
            raise _number_rule(file, literal)
        return int(literal)

    def checked_float(literal: str) -> float:
        if sum(c.isdigit() for c in literal) > MAX_DIGITS * 2:
            raise _number_rule(file, literal)
        value = float(literal)
        if not math.isfinite(value):
            raise InputError("$", f"the number {literal[:40]} is too large to hold (numbers are finite)", file=file)
        return value

    try:
        return json.loads(text, parse_constant=refuse_constant, parse_int=checked_int, parse_float=checked_float)
    except json.JSONDecodeError as e:
        raise InputError("$", f"is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}", file=file) from None
    except RecursionError:  # a nesting the bracket count could not see (never expected)
        raise _too_deep(file) from None


def _check_tree(value: object, file: str) -> None:
    """Refuse a decoded TOML value nested too deep or holding an over-long or non-finite number."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise _too_deep(file)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int) and abs(item) >= 10 ** MAX_DIGITS:
            raise InputError("$", f"a number has more than {MAX_DIGITS} digits (the number limit)", file=file)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InputError("$", f"{item} is not a number a file may hold (numbers are finite)", file=file)


def decode_toml(text: str, file: str) -> object:
    """Decode TOML text within the same limits as JSON."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise InputError("$", "TOML needs Python 3.11 or the tomli package; or write JSON (.json)",
                             file=file) from None
    try:
        data: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError("$", f"is not valid TOML: {e}", file=file) from None
    except RecursionError:
        raise _too_deep(file) from None
    except ValueError:  # an integer beyond Python's conversion limit
        raise InputError("$", f"a number has more than {MAX_DIGITS} digits (the number limit)", file=file) from None
    _check_tree(data, file)
    return data


def read_json(path: Path, *, max_bytes: int = MAX_BYTES, encoding: str = "utf-8", what: str = "files") -> object:
    """Read and decode one JSON file within every limit."""
    return decode_json(read_text(path, max_bytes=max_bytes, encoding=encoding, what=what), str(path))


def read_toml(path: Path, *, max_bytes: int = MAX_BYTES) -> object:
    """Read and decode one TOML file within every limit."""
    return decode_toml(read_text(path, max_bytes=max_bytes), str(path))
