"""The console messages each engine prints for a blocked request, byte for byte.

One :class:`Catalog` per engine: its templates (``{name}`` placeholders; a few optional
parts, see ``OPTIONAL``), the engine version the wording was checked against, and a
renderer that picks the templates for a :class:`~cors_spec.Result` the way that engine
does (which messages, in which order, with which values). The wording was learned from
the engines' own messages (Chromium: ``cors_error_string.cc`` and ``cors.mojom``; Firefox:
the ``CORS*`` strings of ``security.properties``; WebKit: ``CrossOriginAccessControl.cpp``)
and checked line by line against what the real engines printed in the harness
(``conformance/observed/``); this code is written from those observations.

A console line is rendered as its text (what DevTools shows, what people paste) and,
for comparison with harness records, as its record: the text behind the channel prefix
the harness writes (Firefox ``javascript error``, WebKit ``SECURITY ERROR`` / ``JS ERROR``,
none for Chromium).

Order: each request's messages are printed while that request runs, and the requests of
a scenario run one after the other, so a scenario's console is its requests' messages
concatenated in request order (:func:`scenario_console`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import attrs

from cors_spec.model.headers import is_token
from cors_spec.model.origin import parse_url, same_origin
from cors_spec.model.response import Failure, Reason, RequestContext

# -- templates -------------------------------------------------------------------------

#: Optional parts: a placeholder that renders as this text (itself with placeholders) or "".
OPTIONAL: Final = {
    "redirected_from": " (redirected from '{first_url}')",
    "valid_value_hint": " Have the server send the header with a valid value.",
    "with_credentials_hint": " The credentials mode of requests initiated by the XMLHttpRequest is "
                             "controlled by the withCredentials attribute.",
}
#: What a placeholder may match when a pasted message is recognised (default: anything).
_VALUE_PATTERNS: Final = {
    "status": r"\d{3}",
    "port": r"\d+",
    "limit": r"\d+",
    "sfnt": r"\d+",
    "url": r"\S+?",
    "first_url": r"[^']+",
    "location": r"\S+?",
    "origin": r"\S+?",
    "kind": r"fetch|XMLHttpRequest|image|script|CSS stylesheet|font|video|audio|track",
    "method": r"\S+",
    "name": r"[^\s\"']+",
    "scheme": r"[^\"]+",
    "family": r"[^\"]*",
    "document": r"\S+",
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@attrs.frozen
class Template:
    """One message wording of one engine."""

    id: str  # "<engine>.<short name>"
    text: str  # with {placeholders}
    channel: str  # the harness's record prefix ("" for Chromium)
    reasons: tuple[Reason, ...]  # the failure reasons it reports ((): a warning, not a failure)
    about: str = ""  # when the engine prints it

    @property
    def placeholders(self) -> tuple[str, ...]:
        out: list[str] = []
        for name in _PLACEHOLDER.findall(_expand(self.text)):
            if name not in out:
                out.append(name)
        return tuple(out)

    def shown(self) -> str:
        """The wording with optional parts in [brackets], for people."""
        return _PLACEHOLDER.sub(lambda m: f"[{OPTIONAL[m.group(1)]}]" if m.group(1) in OPTIONAL
                                else m.group(0), self.text)


def _expand(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: OPTIONAL.get(m.group(1), m.group(0)), text)


def template_regex(template: Template) -> re.Pattern[str]:
    """A pattern that finds this template's message inside a longer pasted text."""
    seen: set[str] = set()

    def compile_part(text: str) -> str:
        out: list[str] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            out.append(re.escape(text[pos:m.start()]))
            name = m.group(1)
            if name in OPTIONAL:
                out.append(f"(?:{compile_part(OPTIONAL[name])})?")
            elif name in seen:
                out.append(f"(?P={name})")
            else:
                seen.add(name)
                # A free value that ends the message runs to the end of the line.
                free = ".*" if m.end() == len(text) and text is template.text else ".*?"
                out.append(f"(?P<{name}>{_VALUE_PATTERNS.get(name, free)})")
            pos = m.end()
        out.append(re.escape(text[pos:]))
        return "".join(out)

    body = compile_part(template.text)
    # A message ends where its line (or a space, then DevTools' own words) does.
    return re.compile(body + r"(?=\s|$)", re.MULTILINE)


@attrs.frozen
class ConsoleMessage:
    """One console line an engine prints."""

    engine: str
    template: str  # Template.id
    text: str  # what DevTools shows
    channel: str  # the harness's record prefix
    values: tuple[tuple[str, str], ...] = ()

    def record(self) -> str:
        """The line as the harness records it (channel prefix, then the text)."""
        return f"{self.channel} {self.text}" if self.channel else self.text


@attrs.frozen
class Catalog:
    """One engine's messages and how it picks them."""

    engine: str
    verified_against: str
    templates: tuple[Template, ...]
    renderer: Callable[[Catalog, Failure | None, RequestContext], list[tuple[str, dict[str, str]]]] = attrs.field(
        repr=False, eq=False)
    #: How this engine's console shows header bytes (held one character per byte).
    display: Callable[[str], str] = attrs.field(default=str, repr=False, eq=False)

    def template(self, template_id: str) -> Template:
        for t in self.templates:
            if t.id == template_id:
                return t
        raise KeyError(template_id)

    def inner_text(self, item: tuple[str, dict[str, str]]) -> str:
        """A template's text used inside another message (WebKit's redirect wrapper)."""
        tid, values = item
        return self.template(tid).text.format(**values)

    def messages(self, failure: Failure | None, context: RequestContext) -> tuple[ConsoleMessage, ...]:
        out = []
        for tid, values in self.renderer(self, failure, context):
            t = self.template(tid)
            full = dict(values)
            for name in _PLACEHOLDER.findall(t.text):
                if name in OPTIONAL:
                    full[name] = OPTIONAL[name].format(**values) if values.get(name) else ""
            if "value" in full:
                full["value"] = self.display(full["value"])
            text = t.text.format(**full)
            shown = tuple((k, v) for k, v in values.items() if k not in OPTIONAL)
            out.append(ConsoleMessage(self.engine, tid, text, t.channel, shown))
        return tuple(out)


# -- shared helpers ----------------------------------------------------------------------


def first_bad_token(value: str) -> str:
    """The first item of a #token list that is not a token (what Firefox names)."""
    for item in value.split(","):
        item = item.strip(" \t")
        if item and not is_token(item):
            return item
    return value

def origin_of(url: str) -> str | None:
    parsed = parse_url(url)
    return None if parsed is None else parsed.origin.serialized


def cross_origin(context: RequestContext, *extra: str) -> bool:
    """Whether the request went (or was redirected) to another origin than the page's: a
    CORS request, as opposed to a same-origin one that failed for another reason."""
    page = parse_url(context.page_origin + "/") if context.page_origin != "null" else None
    for url in (*context.url_list, *extra):
        target = parse_url(url)
        if target is None or page is None or not same_origin(page.origin, target.origin):
            return True
    return False


def without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def without_userinfo(url: str) -> str:
    parsed = parse_url(url)
    if parsed is None or not parsed.includes_credentials:
        return url
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^@/]*@", r"\1", url)


def scheme_of(url: str) -> str:
    return url.split(":", 1)[0].lower()


def header_as_written(context: RequestContext, lowered: str) -> str:
    return next((n for n in context.header_names if n.lower() == lowered), lowered)


R = Reason
#: What a renderer returns: (template id, values) per line, in order.
Out = list[tuple[str, dict[str, str]]]
