"""Values read from a pasted console message, made fit for a scenario that `run` accepts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cors_spec.model.origin import parse_url

__all__ = ["number", "wire_values"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_ON_THE_WIRE = re.compile("[\x00\r\n]")


def number(text: str, default: int) -> int:
    """A pasted number (a status, a font's first bytes) of at most 10 ASCII digits, else ``default``."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else default


def _unescape(v: str) -> str:
    """A value as a console showed it (\\u00E9 for a byte) back to its characters."""
    return re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), v)


def wire_values(values: Mapping[str, str]) -> dict[str, str]:
    """The pasted values as a scenario can hold them.

    A pasted value is text; header values are bytes (one character each): characters
    beyond U+00FF (e.g. U+FFFD) become their UTF-8 bytes. A console never holds a lone
    surrogate (U+FFFD stands for it), and no server can send a NUL, CR or LF in a value:
    those are dropped. A request URL with user:password@ is not one fetch takes (a
    TypeError) nor one a route can name: what the server sees, the request target, is kept.
    """
    out = {k: _LONE_SURROGATE.sub("\ufffd", _unescape(v)) for k, v in values.items()}
    out = {k: _NOT_ON_THE_WIRE.sub("", v if all(c <= "\xff" for c in v) else v.encode("utf-8").decode("latin-1"))
           for k, v in out.items()}
    for key in ("url", "first_url"):
        pasted = parse_url(out.get(key, ""))
        if pasted is not None and pasted.is_http and pasted.includes_credentials:
            out[key] = pasted.request_target
    return out
