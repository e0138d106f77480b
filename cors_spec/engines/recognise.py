"""Pasted text -> the engine message in it: which engine, which template, which values.

The engine-specific part of ``cors-spec explain-error``: the templates come from each
engine's catalogue; each engine module adds how its lines are read (``RECOGNISE_*``: the
API a template names, the reason a value picks, non-CORS lines, reproduction hints, lines
several checks print). :mod:`cors_spec.teach.diagnose` explains what is found here and
names no engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs

from cors_spec.engines import CATALOGS, chromium, firefox, webkit
from cors_spec.engines.console import Template, template_regex
from cors_spec.model.response import Reason

_MODULES: Final = (chromium, firefox, webkit)


@attrs.frozen
class Recognised:
    """One template found in the text."""

    engine: str
    template: Template
    values: dict[str, str]
    text: str  # the matched message
    inner: Recognised | None = None  # a wrapper's message inside (WebKit's refused redirect)
    span: tuple[int, int] = attrs.field(default=(0, 0), eq=False)  # where in the text it was found


_COMPILED: Final = [(engine, t, template_regex(t)) for engine, c in CATALOGS.items() if engine != "spec"
                    for t in c.templates]


def _literal_length(t: Template) -> int:
    return len(re.sub(r"\{[a-z_]+\}", "", t.text))


def recognise(text: str) -> list[Recognised]:
    """Every engine message found in ``text``, the most informative first."""
    found: list[Recognised] = []
    for engine, t, rx in _COMPILED:
        for m in rx.finditer(text):
            values = {k: v for k, v in m.groupdict().items() if v is not None}
            inner = None
            if "detail" in t.placeholders:  # a wrapper: the engine's own message inside
                inner = next((r for r in recognise(values.get("detail", "")) if r.engine == engine), None)
            found.append(Recognised(engine, t, values, m.group(0), inner, m.span()))
    # Messages that name a reason before the "load failed" lines; longer wording first.
    # A wrapper that holds another message (a refused redirect) before the message alone.
    found.sort(key=lambda r: (not (r.template.reasons or r.inner), r.inner is None, -_literal_length(r.template)))
    # Drop matches inside a longer one (a template that is a prefix of another): one sweep
    # over the spans by start, so a long paste costs O(n log n) in its matches.
    inside = _contained(found)
    return [r for r in found if id(r) not in inside]


def _contained(found: list[Recognised]) -> set[int]:
    """The ids of matches whose span lies inside another, longer match's span."""
    inside: set[int] = set()
    reach = -1  # the furthest end of the spans that start earlier (or as early and end later)
    by_start = sorted(found, key=lambda r: (r.span[0], -r.span[1]))
    i = 0
    while i < len(by_start):
        span = by_start[i].span
        j = i
        while j < len(by_start) and by_start[j].span == span:  # the same span: none drops another
            if reach >= span[1]:
                inside.add(id(by_start[j]))
            j += 1
        reach = max(reach, span[1])
        i = j
    return inside


Pick = tuple[tuple[str, str, Reason], ...]  # (value name, pattern of its value, the reason it picks)
_PICKS: Final[dict[str, Pick]] = {k: v for m in _MODULES for k, v in m.RECOGNISE_PICKS.items()}
_APIS: Final[dict[str, str]] = {k: v for m in _MODULES for k, v in m.RECOGNISE_APIS.items()}
_NOT_CORS: Final[dict[str, str]] = {k: v for m in _MODULES for k, v in m.RECOGNISE_NOT_CORS.items()}
_HINTS: Final[dict[str, str]] = {k: v for m in _MODULES for k, v in m.RECOGNISE_HINTS.items()}
_SHARED: Final[dict[str, str]] = {k: v for m in _MODULES for k, v in m.RECOGNISE_SHARED.items()}
#: Engines whose lines never name the page's origin.
NO_PAGE_ORIGIN: Final = frozenset(m.PROFILE.name for m in _MODULES if not getattr(m, "NAMES_PAGE_ORIGIN", True))


def pick_reason(template: Template, values: Mapping[str, str]) -> Reason | None:
    """The most likely reason of a template's line given the values it names."""
    if not template.reasons:
        return None
    for name, pattern, reason in _PICKS.get(template.id, ()):
        if re.fullmatch(pattern, values.get(name, "")):
            return reason
    return template.reasons[0]


def template_api(template_id: str) -> str | None:
    """The API (``img``, ``xhr``, ...) a template's words name, if they do."""
    return _APIS.get(template_id)


def not_cors(template_id: str) -> str | None:
    """What a line that is not a CORS failure is about (``x-frame-options``, ...), if it is one."""
    return _NOT_CORS.get(template_id)


def hint(template_id: str) -> str:
    """What a reproducing scenario needs for this line to print (``location-data-url``, ...)."""
    return _HINTS.get(template_id, "")


def shared(template_id: str) -> str:
    """For a line several checks print: every cause, and the look that tells them apart."""
    return _SHARED.get(template_id, "")


def names_page_origin(engine: str) -> bool:
    """Whether the engine's lines name the page's origin."""
    return engine not in NO_PAGE_ORIGIN


_APIS_TRIED: Final = ("fetch", "xhr", "img", "script", "stylesheet", "module-script", "font", "media")
_FOLLOWS: dict[str, tuple[Reason, ...]] = {}


def follows(template_id: str) -> tuple[Reason, ...]:
    """For a line that only says a load failed (WebKit's "Fetch API cannot load …", Firefox's
    "CORS request did not succeed"): every reason the engine prints it for (after the reason's
    own line, or alone), found by rendering each reason for each API."""
    if not _FOLLOWS:
        from cors_spec.model.response import Failure, RequestContext
        urls = ("https://api.example/a", "https://api.example/b")
        failures = [(Failure(reason, detail, url, 200, location), lst)
                    for reason in Reason
                    for detail in ("x", "20", "ftp://api.example/f", "https://u:p@api.example/", "6000")
                    for url in (urls[1], "ftp://api.example/f")
                    for location in ("", "https://api.example/c")
                    for lst in (urls, urls[1:])]
        for engine in ("chromium", "firefox", "webkit"):
            catalog = CATALOGS[engine]
            for api in _APIS_TRIED:
                for failure, lst in failures:
                    context = RequestContext(engine, api, "PUT", lst, "https://app.example", "https://app.example",
                                             "no-cors" if failure.reason is Reason.NO_CORS_REDIRECT_MODE else "cors")
                    try:
                        ids = [m.template for m in catalog.messages(failure, context)]
                    except (KeyError, ValueError, IndexError):
                        continue
                    for k, tid in enumerate(ids):
                        if k == 0 and catalog.template(tid).reasons:
                            continue
                        if failure.reason not in _FOLLOWS.get(tid, ()):
                            _FOLLOWS[tid] = (*_FOLLOWS.get(tid, ()), failure.reason)
    return _FOLLOWS.get(template_id, ())
