"""The oracle's declared intent: what a server's owner means to allow.

An :class:`Intent` says which origins, methods, request headers, credentials and exposed
response headers a server's owner means to allow. :func:`cors_spec.oracle.check.check` runs
browser requests (:class:`cors_spec.oracle.requests.BrowserRequest`) through the model
against a server (see :mod:`cors_spec.oracle.adapters`) and raises an
:class:`AssertionError` carrying a minimal scenario file and the trace when the browser's
outcome differs from the intent, or when a property that needs no intent fails.

>>> intent = Intent.from_dict({"origins": ["https://app.example"], "methods": ["PUT"]})
>>> intent.allows_origin("https://app.example"), intent.allows_origin("https://app.example.evil.test")
(True, False)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import attrs

from cors_spec.errors import InputError
from cors_spec.model.classify import CORS_SAFELISTED_RESPONSE_HEADER_NAMES, is_cors_safelisted_method
from cors_spec.model.headers import is_token
from cors_spec.model.origin import parse_origin

__all__ = ["Intent"]

_INTENT_KEYS = frozenset({"origins", "methods", "headers", "credentials", "expose", "max_age"})

@attrs.frozen
class Intent:
    """What the server's owner means to allow.

    ``origins``: exact origins as browsers send them (``https://app.example``,
    ``http://localhost:3000``, ``null``), ``*`` for any origin, or a subdomain pattern
    ``https://*.example.org`` (one or more labels before ``.example.org``, same scheme and
    port). ``methods``: methods that need a preflight and may be used, compared
    case-sensitively as browsers compare them (GET, HEAD and POST are always allowed: the
    CORS protocol cannot refuse them by method). ``headers``: request header names that
    may be set beyond the CORS-safelisted ones (``*`` for any). ``credentials``: whether
    requests with credentials mode "include" may read responses. ``expose``: response
    header names script may read beyond the CORS-safelisted ones (``*`` for all).
    ``max_age``: the preflight lifetime the server should announce, if any.
    """

    origins: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    credentials: bool = False
    expose: tuple[str, ...] = ()
    max_age: int | None = None
    source: str = attrs.field(default="<intent>", eq=False)

    @classmethod
    def load(cls, path: str | Path) -> Intent:
        """Read an intent file: TOML, or JSON when the name ends in ``.json``."""
        from cors_spec.scenario.files import read_json, read_toml

        p = Path(path)
        data = read_json(p, what="intent files") if p.suffix.lower() == ".json" else read_toml(p)
        return cls.from_dict(data, str(p))

    @classmethod
    def from_dict(cls, data: object, file: str = "<intent>") -> Intent:
        """Check a decoded intent and build it; errors name the key and the rule."""
        if not isinstance(data, dict):
            raise InputError("$", "an intent must be a table (TOML) or object (JSON)", file=file)
        for key in data:
            if key not in _INTENT_KEYS:
                raise InputError(str(key), "unknown key; allowed: " + ", ".join(sorted(_INTENT_KEYS)), file=file)
        origins = tuple(_check_origin(o, f"origins[{i}]", file) for i, o in enumerate(_str_list(data, "origins", file)))
        methods = _str_list(data, "methods", file)
        for i, m in enumerate(methods):
            if m != "*" and not is_token(m):
                raise InputError(f"methods[{i}]", "must be an HTTP method (a token) or '*'", m, file=file)
        headers = tuple(h.lower() for h in _str_list(data, "headers", file))
        expose = tuple(h.lower() for h in _str_list(data, "expose", file))
        for key, names in (("headers", headers), ("expose", expose)):
            for i, h in enumerate(names):
                if h != "*" and not is_token(h):
                    raise InputError(f"{key}[{i}]", "must be a header name (a token) or '*'", h, file=file)
        credentials = data.get("credentials", False)
        if not isinstance(credentials, bool):
            raise InputError("credentials", "must be true or false", repr(credentials), file=file)
        max_age = data.get("max_age")
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
            raise InputError("max_age", "must be a whole number of seconds, zero or more", repr(max_age), file=file)
        return cls(origins, tuple(methods), headers, credentials, expose, max_age, file)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"origins": list(self.origins), "methods": list(self.methods),
                                  "headers": list(self.headers), "credentials": self.credentials,
                                  "expose": list(self.expose)}
        if self.max_age is not None:
            out["max_age"] = self.max_age
        return out

    def allows_origin(self, origin: str) -> bool:
        """Whether script on a page of ``origin`` (serialized, as sent) may read responses."""
        for entry in self.origins:
            if entry == "*" or entry == origin:
                return True
            if "://*." in entry and _wildcard_match(entry, origin):
                return True
        return False

    def allows_method(self, method: str) -> bool:
        """GET, HEAD, POST, or a method the intent lists (case-sensitively), or any with ``*``."""
        return is_cors_safelisted_method(method) or "*" in self.methods or method in self.methods

    def allows_header(self, name: str) -> bool:
        return "*" in self.headers or name.lower() in self.headers

    def exposes(self, name: str) -> bool:
        lname = name.lower()
        return lname in CORS_SAFELISTED_RESPONSE_HEADER_NAMES or "*" in self.expose or lname in self.expose

    def exact_origins(self) -> tuple[str, ...]:
        """The origins listed literally (no ``*``, no pattern)."""
        return tuple(o for o in self.origins if o != "*" and "://*." not in o)


MAX_LIST_ENTRIES = 1000
"""Entries in one list of an intent: an allow-list longer than this is not a policy a
person wrote, and the audit's cost grows with each listed origin."""


def _str_list(data: Mapping[str, object], key: str, file: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(key, "must be a list of strings", json.dumps(value, default=str)[:80], file=file)
    if len(value) > MAX_LIST_ENTRIES:
        raise InputError(key, f"has {len(value)} entries; an intent list holds at most {MAX_LIST_ENTRIES} "
                         "(the intent list limit)", file=file)
    return [str(v) for v in value]


def _check_origin(entry: str, where: str, file: str) -> str:
    if entry in ("*", "null"):
        return entry
    probe = entry.replace("://*.", "://x.", 1) if "://*." in entry else entry
    parsed = parse_origin(probe) if "://" in probe else None
    if parsed is None or parsed.opaque or parsed.serialized != probe:
        hint = ""
        if parsed is not None and not parsed.opaque:
            hint = f"; did you mean {parsed.serialized.replace('://x.', '://*.', 1) if probe != entry else parsed.serialized!r}?"
        raise InputError(where, "must be an origin exactly as browsers send it (scheme://host[:port], lowercase, "
                         "no path, no default port), 'null', '*', or 'scheme://*.domain'" + hint, entry, file=file)
    return entry


def _wildcard_match(entry: str, origin: str) -> bool:
    scheme, _, rest = entry.partition("://*")
    prefix = scheme + "://"
    if not (origin.startswith(prefix) and origin.endswith(rest)):
        return False
    label = origin[len(prefix): len(origin) - len(rest)]
    return bool(label) and not label.startswith(".") and not label.endswith(".") and not any(c in label for c in ":/[]@")

