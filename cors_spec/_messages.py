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
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import attrs

from ._classify import is_token
from ._origin import parse_url, same_origin
from ._response import Failure, Reason, RequestContext, Result

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
                full["value"] = display_bytes(self.engine, full["value"])
            text = t.text.format(**full)
            shown = tuple((k, v) for k, v in values.items() if k not in OPTIONAL)
            out.append(ConsoleMessage(self.engine, tid, text, t.channel, shown))
        return tuple(out)


# -- shared helpers ----------------------------------------------------------------------


def display_bytes(engine: str, value: str) -> str:
    """How an engine's console shows header bytes (held one character per byte).

    Chromium escapes bytes above 0x7F as \\uXXXX; Firefox decodes the bytes as UTF-8
    (invalid sequences become U+FFFD); WebKit does the same and then writes that text's
    UTF-8 bytes as if they were Latin-1.
    """
    if value.isascii():
        return value
    if engine == "chromium":
        return "".join(c if c < "\x80" else f"\\u{ord(c):04X}" for c in value)
    raw = value.encode("latin-1", "replace")
    if engine == "firefox":
        return raw.decode("utf-8", "replace")
    if engine == "webkit":
        return raw.decode("utf-8", "replace").encode("utf-8").decode("latin-1")
    return value


def first_bad_token(value: str) -> str:
    """The first item of a #token list that is not a token (what Firefox names)."""
    for item in value.split(","):
        item = item.strip(" \t")
        if item and not is_token(item):
            return item
    return value

_ACAO_REASONS: Final = {
    Reason.MISSING_ALLOW_ORIGIN_HEADER: Reason.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER,
    Reason.WILDCARD_ORIGIN_NOT_ALLOWED: Reason.PREFLIGHT_WILDCARD_ORIGIN_NOT_ALLOWED,
    Reason.MULTIPLE_ALLOW_ORIGIN_VALUES: Reason.PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES,
    Reason.INVALID_ALLOW_ORIGIN_VALUE: Reason.PREFLIGHT_INVALID_ALLOW_ORIGIN_VALUE,
    Reason.ALLOW_ORIGIN_MISMATCH: Reason.PREFLIGHT_ALLOW_ORIGIN_MISMATCH,
    Reason.INVALID_ALLOW_CREDENTIALS: Reason.PREFLIGHT_INVALID_ALLOW_CREDENTIALS,
}
_PREFLIGHT_TO_PLAIN: Final = {v: k for k, v in _ACAO_REASONS.items()}
#: The CORS-check reasons of an actual response (the preflight variants map to these).
CHECK_REASONS: Final = frozenset(_ACAO_REASONS)
PREFLIGHT_REASONS: Final = frozenset(
    set(_PREFLIGHT_TO_PLAIN) | {Reason.PREFLIGHT_INVALID_STATUS, Reason.PREFLIGHT_DISALLOWED_REDIRECT,
                                Reason.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE,
                                Reason.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE,
                                Reason.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE,
                                Reason.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE})


def plain_reason(reason: Reason) -> Reason:
    """The actual-response reason a preflight CORS-check reason refines."""
    return _PREFLIGHT_TO_PLAIN.get(reason, reason)


def _origin_of(url: str) -> str | None:
    parsed = parse_url(url)
    return None if parsed is None else parsed.origin.serialized


def _cross_origin(context: RequestContext, *extra: str) -> bool:
    """Whether the request went (or was redirected) to another origin than the page's: a
    CORS request, as opposed to a same-origin one that failed for another reason."""
    page = parse_url(context.page_origin + "/") if context.page_origin != "null" else None
    for url in (*context.url_list, *extra):
        target = parse_url(url)
        if target is None or page is None or not same_origin(page.origin, target.origin):
            return True
    return False


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _without_userinfo(url: str) -> str:
    parsed = parse_url(url)
    if parsed is None or not parsed.includes_credentials:
        return url
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^@/]*@", r"\1", url)


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].lower()


def _header_as_written(context: RequestContext, lowered: str) -> str:
    return next((n for n in context.header_names if n.lower() == lowered), lowered)


R = Reason
Out = list[tuple[str, dict[str, str]]]

# -- Chromium ----------------------------------------------------------------------------

_CR_PREFIX = ("Access to {kind} at '{url}'{redirected_from} from origin '{origin}' has been blocked by "
              "CORS policy: ")
_CR_PREFLIGHT = "Response to preflight request doesn't pass access control check: "
_CR_BODIES: Final = {
    R.MISSING_ALLOW_ORIGIN_HEADER: ("missing-allow-origin",
                                    "No 'Access-Control-Allow-Origin' header is present on the requested resource."),
    R.WILDCARD_ORIGIN_NOT_ALLOWED: ("wildcard-origin-not-allowed",
                                    "The value of the 'Access-Control-Allow-Origin' header in the response must not "
                                    "be the wildcard '*' when the request's credentials mode is 'include'."
                                    "{with_credentials_hint}"),
    R.MULTIPLE_ALLOW_ORIGIN_VALUES: ("multiple-allow-origin-values",
                                     "The 'Access-Control-Allow-Origin' header contains multiple values '{value}', "
                                     "but only one is allowed.{valid_value_hint}"),
    R.INVALID_ALLOW_ORIGIN_VALUE: ("invalid-allow-origin-value",
                                   "The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'."
                                   "{valid_value_hint}"),
    R.ALLOW_ORIGIN_MISMATCH: ("allow-origin-mismatch",
                              "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal "
                              "to the supplied origin.{valid_value_hint}"),
    R.INVALID_ALLOW_CREDENTIALS: ("invalid-allow-credentials",
                                  "The value of the 'Access-Control-Allow-Credentials' header in the response is "
                                  "'{value}' which must be 'true' when the request's credentials mode is "
                                  "'include'.{with_credentials_hint}"),
}
_CR_KINDS: Final = {"fetch": "fetch", "xhr": "XMLHttpRequest", "img": "image", "script": "script",
                    "module-script": "script", "stylesheet": "CSS stylesheet", "font": "font", "media": "video"}
#: The schemes Chromium lets a CORS request (or its redirect) use.
CHROMIUM_CORS_SCHEMES: Final = ("chrome", "chrome-experimental-site-token-provider", "chrome-extension",
                                "chrome-untrusted", "data", "http", "https", "isolated-app")
#: Font signatures OTS knows; any other first four bytes are "invalid sfntVersion".
_FONT_TAGS: Final = ("wOFF", "wOF2", "\x00\x01\x00\x00", "OTTO", "true", "ttcf")


#: Messages that are not about a failed fetch but that people paste with CORS errors:
#: recognised by ``cors-spec explain-error``, never rendered (the model does not predict
#: them: X-Frame-Options is not modelled, and reads are the page's doing).
RECOGNISED_ONLY: Final = frozenset({"chromium.x-frame-options", "firefox.x-frame-options", "webkit.x-frame-options",
                                    "webkit.canvas-tainted", "webkit.frame-access"})


def _chromium_templates() -> tuple[Template, ...]:
    out = [Template("chromium.x-frame-options", "Refused to display '{url}' in a frame because it set "
                    "'X-Frame-Options' to '{value}'.", "", (), "an iframe whose response forbids framing (not CORS)")]
    for reason, (short, body) in _CR_BODIES.items():
        out.append(Template(f"chromium.{short}", _CR_PREFIX + body, "", (reason,),
                            "the CORS check of a response fails"))
        out.append(Template(f"chromium.preflight-{short}", _CR_PREFIX + _CR_PREFLIGHT + body, "",
                            (_ACAO_REASONS[reason],), "the CORS check of a preflight response fails"))
    out += [
        Template("chromium.preflight-invalid-status", _CR_PREFIX + _CR_PREFLIGHT + "It does not have HTTP ok status.",
                 "", (R.PREFLIGHT_INVALID_STATUS,), "the preflight's status is not 200-299"),
        Template("chromium.preflight-disallowed-redirect",
                 _CR_PREFIX + _CR_PREFLIGHT + "Redirect is not allowed for a preflight request.", "",
                 (R.PREFLIGHT_DISALLOWED_REDIRECT,), "the preflight was answered with a redirect (checked first)"),
        Template("chromium.invalid-allow-methods",
                 _CR_PREFIX + "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
                 "", (R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE,)),
        Template("chromium.invalid-allow-headers",
                 _CR_PREFIX + "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
                 "", (R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE,)),
        Template("chromium.method-disallowed",
                 _CR_PREFIX + "Method {method} is not allowed by Access-Control-Allow-Methods in preflight response.",
                 "", (R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE,)),
        Template("chromium.header-disallowed",
                 _CR_PREFIX + "Request header field {name} is not allowed by Access-Control-Allow-Headers in "
                 "preflight response.", "", (R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE,)),
        Template("chromium.redirect-contains-credentials",
                 _CR_PREFIX + "Redirect location '' contains a username and password, which is disallowed for "
                 "cross-origin requests.", "", (R.REDIRECT_CONTAINS_CREDENTIALS,),
                 "a CORS request is redirected to a URL with user:password@"),
        Template("chromium.cors-scheme",
                 _CR_PREFIX + "Cross origin requests are only supported for protocol schemes: "
                 + ", ".join(CHROMIUM_CORS_SCHEMES) + ".", "", (R.REDIRECT_TO_NON_HTTP_SCHEME,),
                 "a CORS request is redirected to a scheme CORS does not support"),
        Template("chromium.fetch-scheme", 'Fetch API cannot load {url}. URL scheme "{scheme}" is not supported.',
                 "", (R.CORS_DISABLED_SCHEME, R.UNSUPPORTED_SCHEME), "fetch() of a URL Chromium cannot fetch"),
        Template("chromium.fetch-same-origin-mode",
                 'Fetch API cannot load {url}. Request mode is "same-origin" but the URL\'s origin is not same as '
                 "the request origin {origin}.", "", (R.DISALLOWED_BY_MODE,),
                 "mode 'same-origin' to another origin (not after a redirect: then nothing is printed)"),
        Template("chromium.fetch-no-cors-redirect-mode",
                 'Fetch API cannot load {url}. Request mode is "no-cors" but the redirect mode is not "follow".',
                 "", (R.NO_CORS_REDIRECT_MODE,)),
        Template("chromium.script-mime", "Refused to execute script from '{url}' because its MIME type ('{mime}') "
                 "is not executable.", "", (R.BLOCKED_BY_MIME_TYPE,)),
        Template("chromium.script-nosniff", "Refused to execute script from '{url}' because its MIME type ('{mime}') "
                 "is not executable, and strict MIME type checking is enabled.", "", (R.BLOCKED_BY_NOSNIFF,),
                 "a script with nosniff (a cross-origin stylesheet is blocked silently)"),
        Template("chromium.module-mime", "Failed to load module script: Expected a JavaScript-or-Wasm module script "
                 'but the server responded with a MIME type of "{mime}". Strict MIME type checking is enforced for '
                 "module scripts per HTML spec.", "", (R.LOAD_MIME_TYPE_MISMATCH,)),
        Template("chromium.font-decode", "Failed to decode downloaded font: {url}", "", (R.LOAD_UNDECODABLE,)),
        Template("chromium.font-ots-sfnt", "OTS parsing error: invalid sfntVersion: {sfnt}", "", (R.LOAD_UNDECODABLE,),
                 "after the previous line, when the body starts with no font signature"),
        Template("chromium.xhr-unsafe-header", 'Refused to set unsafe header "{name}"', "", (),
                 "XMLHttpRequest setRequestHeader() with a forbidden name (a warning: the header is dropped)"),
    ]
    return tuple(out)


def _chromium(catalog: Catalog, f: Failure | None, c: RequestContext) -> Out:
    out: Out = [("chromium.xhr-unsafe-header", {"name": n}) for n in c.refused_headers] if c.api == "xhr" else []
    if f is None:
        return out
    urls = tuple(_without_fragment(u) for u in c.url_list) or (f.url,)
    kind = _CR_KINDS.get(c.api)
    base = {"kind": kind or "", "url": urls[-1], "origin": c.page_origin,
            "redirected_from": "1" if len(urls) > 1 else "", "first_url": urls[0]}
    hints = {"valid_value_hint": "1" if c.api == "fetch" else "",
             "with_credentials_hint": "1" if c.api == "xhr" else ""}
    r = f.reason
    plain = plain_reason(r)
    if kind is not None and plain in _CR_BODIES:
        short = _CR_BODIES[plain][0]
        tid = f"chromium.{short}" if r is plain else f"chromium.preflight-{short}"
        return [*out, (tid, {**base, **hints, "value": f.detail})]
    simple = {
        R.PREFLIGHT_INVALID_STATUS: "chromium.preflight-invalid-status",
        R.PREFLIGHT_DISALLOWED_REDIRECT: "chromium.preflight-disallowed-redirect",
        R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE: "chromium.invalid-allow-methods",
        R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE: "chromium.invalid-allow-headers",
    }
    if kind is not None and r in simple:
        return [*out, (simple[r], base)]
    if kind is not None and r is R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        return [*out, ("chromium.method-disallowed", {**base, "method": f.detail})]
    if kind is not None and r is R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        return [*out, ("chromium.header-disallowed", {**base, "name": f.detail})]
    if kind is not None and r is R.REDIRECT_CONTAINS_CREDENTIALS and c.mode == "cors" and _cross_origin(c, f.detail):
        return [*out, ("chromium.redirect-contains-credentials", base)]
    if kind is not None and r is R.REDIRECT_TO_NON_HTTP_SCHEME and _scheme(f.detail) not in CHROMIUM_CORS_SCHEMES:
        return [*out, ("chromium.cors-scheme", {**base, "url": _without_fragment(f.detail), "redirected_from": "1"})]
    if c.api == "fetch" and r in (R.CORS_DISABLED_SCHEME, R.UNSUPPORTED_SCHEME):
        return [*out, ("chromium.fetch-scheme", {"url": f.url, "scheme": _scheme(f.url)})]
    if c.api == "fetch" and r is R.DISALLOWED_BY_MODE and len(urls) == 1:
        return [*out, ("chromium.fetch-same-origin-mode", {"url": f.url, "origin": c.page_origin})]
    if c.api == "fetch" and r is R.NO_CORS_REDIRECT_MODE:
        return [*out, ("chromium.fetch-no-cors-redirect-mode", {"url": f.url})]
    if r is R.BLOCKED_BY_MIME_TYPE:
        return [*out, ("chromium.script-mime", {"url": f.url, "mime": f.detail})]
    if r is R.BLOCKED_BY_NOSNIFF and c.api in ("script", "module-script"):
        return [*out, ("chromium.script-nosniff", {"url": f.url, "mime": f.detail})]
    if r is R.LOAD_MIME_TYPE_MISMATCH and c.api == "module-script":
        return [*out, ("chromium.module-mime", {"url": f.url, "mime": f.detail})]
    if r is R.LOAD_UNDECODABLE and c.api == "font":
        out.append(("chromium.font-decode", {"url": f.url}))
        head = f.body_head
        if len(head) == 4 and head not in _FONT_TAGS:
            out.append(("chromium.font-ots-sfnt", {"sfnt": str(int.from_bytes(head.encode("latin-1"), "big"))}))
        return out
    return out


# -- Firefox -----------------------------------------------------------------------------

_FF = "javascript error"
_FF_BLOCKED = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. "
_FF_FONT = ' (font-family: "{family}" style:normal weight:400 stretch:100 src index:0)'


def _firefox_templates() -> tuple[Template, ...]:
    acao = (R.ALLOW_ORIGIN_MISMATCH, R.INVALID_ALLOW_ORIGIN_VALUE, R.PREFLIGHT_ALLOW_ORIGIN_MISMATCH,
            R.PREFLIGHT_INVALID_ALLOW_ORIGIN_VALUE, R.MULTIPLE_ALLOW_ORIGIN_VALUES,
            R.PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES)
    return (
        Template("firefox.x-frame-options", "The loading of “{url}” in a frame is denied by “X-Frame-Options“ "
                 "directive set to “{value}“.", _FF, (), "an iframe whose response forbids framing (not CORS)"),
        Template("firefox.missing-allow-origin", _FF_BLOCKED + "(Reason: CORS header ‘Access-Control-Allow-Origin’ "
                 "missing). Status code: {status}.", _FF,
                 (R.MISSING_ALLOW_ORIGIN_HEADER, R.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER)),
        Template("firefox.allow-origin-not-matching", _FF_BLOCKED + "(Reason: CORS header ‘Access-Control-Allow-Origin’"
                 " does not match ‘{value}’).", _FF, acao,
                 "any value other than the origin (one line: a list of origins on one line too)"),
        Template("firefox.multiple-allow-origin", _FF_BLOCKED + "(Reason: Multiple CORS header "
                 "‘Access-Control-Allow-Origin’ not allowed).", _FF,
                 (R.MULTIPLE_ALLOW_ORIGIN_VALUES, R.PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES),
                 "more than one Access-Control-Allow-Origin line"),
        Template("firefox.credentials-wildcard", _FF_BLOCKED.replace("{url}", "‘{url}’") + "(Reason: Credential is not "
                 "supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).", _FF,
                 (R.WILDCARD_ORIGIN_NOT_ALLOWED, R.PREFLIGHT_WILDCARD_ORIGIN_NOT_ALLOWED)),
        Template("firefox.allow-credentials", _FF_BLOCKED + "(Reason: expected ‘true’ in CORS header "
                 "‘Access-Control-Allow-Credentials’).", _FF,
                 (R.INVALID_ALLOW_CREDENTIALS, R.PREFLIGHT_INVALID_ALLOW_CREDENTIALS)),
        Template("firefox.method-not-found", _FF_BLOCKED + "(Reason: Did not find method in CORS header "
                 "‘Access-Control-Allow-Methods’).", _FF, (R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE,)),
        Template("firefox.header-not-allowed", _FF_BLOCKED + "(Reason: header ‘{name}’ is not allowed according to "
                 "header ‘Access-Control-Allow-Headers’ from CORS preflight response).", _FF,
                 (R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE,)),
        Template("firefox.invalid-allow-methods", _FF_BLOCKED + "(Reason: invalid token ‘{value}’ in CORS header "
                 "‘Access-Control-Allow-Methods’).", _FF, (R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE,)),
        Template("firefox.invalid-allow-headers", _FF_BLOCKED + "(Reason: invalid token ‘{value}’ in CORS header "
                 "‘Access-Control-Allow-Headers’).", _FF, (R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE,)),
        Template("firefox.preflight-not-ok", _FF_BLOCKED + "(Reason: CORS preflight response did not succeed). "
                 "Status code: {status}.", _FF, (R.PREFLIGHT_INVALID_STATUS, R.PREFLIGHT_DISALLOWED_REDIRECT)),
        Template("firefox.preflight-redirect", _FF_BLOCKED + "(Reason: CORS request external redirect not allowed).",
                 _FF, (R.PREFLIGHT_DISALLOWED_REDIRECT,), "before the previous one, for a redirected preflight"),
        Template("firefox.did-not-succeed", _FF_BLOCKED + "(Reason: CORS request did not succeed). Status code: (null).",
                 _FF, (), "after a failed preflight or a refused redirect: the request itself did not complete"),
        Template("firefox.not-http", _FF_BLOCKED + "(Reason: CORS request not http).", _FF,
                 (R.CORS_DISABLED_SCHEME, R.REDIRECT_TO_NON_HTTP_SCHEME)),
        Template("firefox.same-origin-mode", "Security Error: Content at {document} may not load data from {url}.",
                 _FF, (R.DISALLOWED_BY_MODE,), "{document} is the page's URL"),
        Template("firefox.font-download-failed", "downloadable font: download failed" + _FF_FONT
                 + ": bad URI or cross-site access not allowed source: {url}", _FF, (),
                 "after the CORS message, for a font; {family} is the page's @font-face name"),
        Template("firefox.font-sanitizer", "downloadable font: rejected by sanitizer" + _FF_FONT + " source: {url}",
                 _FF, (R.LOAD_UNDECODABLE,)),
        Template("firefox.module-mime", "Loading module from “{url}” was blocked because of a disallowed MIME type "
                 "(“{mime}”).", _FF, (R.LOAD_MIME_TYPE_MISMATCH,)),
        Template("firefox.script-mime", "Script from “{url}” was blocked because of a disallowed MIME type "
                 "(“{mime}”).", _FF, (R.BLOCKED_BY_MIME_TYPE,)),
        Template("firefox.nosniff", "The resource from “{url}” was blocked due to MIME type (“{mime}”) mismatch "
                 "(X-Content-Type-Options: nosniff).", _FF, (R.BLOCKED_BY_NOSNIFF,)),
        Template("firefox.stylesheet-mime", "The stylesheet {url} was not loaded because its MIME type, “{mime}”, "
                 "is not “text/css”.", _FF, (R.LOAD_MIME_TYPE_MISMATCH,), "same-origin stylesheets only"),
    )


_FF_CHECK: Final = {
    R.MISSING_ALLOW_ORIGIN_HEADER: "firefox.missing-allow-origin",
    R.WILDCARD_ORIGIN_NOT_ALLOWED: "firefox.credentials-wildcard",
    R.MULTIPLE_ALLOW_ORIGIN_VALUES: "firefox.multiple-allow-origin",
    R.INVALID_ALLOW_ORIGIN_VALUE: "firefox.allow-origin-not-matching",
    R.ALLOW_ORIGIN_MISMATCH: "firefox.allow-origin-not-matching",
    R.INVALID_ALLOW_CREDENTIALS: "firefox.allow-credentials",
}


def _firefox(catalog: Catalog, f: Failure | None, c: RequestContext) -> Out:
    if f is None:
        return []
    r = f.reason
    plain = plain_reason(r)
    urls = c.url_list or (f.url,)
    status = "" if f.status is None else str(f.status)
    did_not_succeed = ("firefox.did-not-succeed", {"url": f.url})
    if plain in _FF_CHECK:
        out: Out = [(_FF_CHECK[plain], {"url": f.url, "status": status, "value": f.detail})]
        if r is not plain:  # a preflight: the request itself then fails too
            if f.location:
                out.append(did_not_succeed)
            out.append(did_not_succeed)
        else:
            if f.location and c.redirect == "follow":
                out.append(did_not_succeed)
            if c.api == "font":
                out.append(("firefox.font-download-failed", {"url": f.url, "family": ""}))
        return out
    per_value = {
        R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE: ("firefox.method-not-found", {}),
        R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE: ("firefox.header-not-allowed", {"name": f.detail}),
        R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE: ("firefox.invalid-allow-methods",
                                                     {"value": first_bad_token(f.detail)}),
        R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE: ("firefox.invalid-allow-headers",
                                                     {"value": first_bad_token(f.detail)}),
        R.PREFLIGHT_INVALID_STATUS: ("firefox.preflight-not-ok", {"status": status}),
    }
    if r in per_value:
        tid, values = per_value[r]
        return [(tid, {"url": f.url, **values}), did_not_succeed]
    if r is R.PREFLIGHT_DISALLOWED_REDIRECT:
        return [("firefox.preflight-redirect", {"url": f.url}),
                ("firefox.preflight-not-ok", {"url": f.url, "status": status}), did_not_succeed]
    if r is R.REDIRECT_CONTAINS_CREDENTIALS and c.mode == "cors" and _cross_origin(c, f.detail):
        return [did_not_succeed]
    if r is R.REDIRECT_TO_NON_HTTP_SCHEME and c.mode == "cors" and _cross_origin(c):
        return [("firefox.not-http", {"url": f.detail}), did_not_succeed]
    if r is R.CORS_DISABLED_SCHEME:
        return [("firefox.not-http", {"url": f.url})]
    if r is R.BAD_PORT and len(urls) > 1 and c.mode == "cors" and _cross_origin(c):
        return [("firefox.did-not-succeed", {"url": urls[-2]})]
    if r is R.DISALLOWED_BY_MODE:
        document = c.page_origin + "/" if c.page_origin != "null" else "moz-nullprincipal:{…}"
        return [("firefox.same-origin-mode", {"document": document, "url": f.url})]
    if r is R.LOAD_UNDECODABLE and c.api == "font":
        return [("firefox.font-sanitizer", {"url": f.url, "family": ""})]
    if r is R.LOAD_MIME_TYPE_MISMATCH and c.api == "module-script":
        return [("firefox.module-mime", {"url": f.url, "mime": f.detail})]
    if r is R.LOAD_MIME_TYPE_MISMATCH and c.api == "stylesheet" and not _cross_origin(c):
        return [("firefox.stylesheet-mime", {"url": f.url, "mime": f.detail})]
    if r is R.BLOCKED_BY_MIME_TYPE:
        return [("firefox.script-mime", {"url": f.url, "mime": f.detail})]
    if r is R.BLOCKED_BY_NOSNIFF:
        return [("firefox.nosniff", {"url": f.url, "mime": f.detail})]
    return []


# -- WebKit ------------------------------------------------------------------------------

_WK = "SECURITY ERROR"
_JS = "JS ERROR"


def _webkit_templates() -> tuple[Template, ...]:
    return (
        Template("webkit.x-frame-options", "Refused to display '{url}' in a frame because it set 'X-Frame-Options' "
                 "to '{value}'.", _WK, (), "an iframe whose response forbids framing (not CORS)"),
        Template("webkit.canvas-tainted", "Unable to get image data from canvas because the canvas has been tainted "
                 "by cross-origin data.", _WK, (),
                 "the page read back a canvas holding a cross-origin image loaded without CORS (not a failed load)"),
        Template("webkit.frame-access", 'Blocked a frame with origin "{origin}" from accessing a frame with origin '
                 '"{frame_origin}". Protocols, domains, and ports must match.', _JS, (),
                 "the page touched a cross-origin iframe's document (not CORS)"),
        Template("webkit.origin-not-allowed", "Origin {origin} is not allowed by Access-Control-Allow-Origin. "
                 "Status code: {status}", _WK,
                 (R.MISSING_ALLOW_ORIGIN_HEADER, R.ALLOW_ORIGIN_MISMATCH, R.INVALID_ALLOW_ORIGIN_VALUE,
                  R.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER, R.PREFLIGHT_ALLOW_ORIGIN_MISMATCH,
                  R.PREFLIGHT_INVALID_ALLOW_ORIGIN_VALUE),
                 "missing, another origin, or not an origin at all: one message for the three"),
        Template("webkit.multiple-origins", "Access-Control-Allow-Origin cannot contain more than one origin.", _WK,
                 (R.MULTIPLE_ALLOW_ORIGIN_VALUES, R.PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES), "a comma in the value"),
        Template("webkit.wildcard-credentials", "Cannot use wildcard in Access-Control-Allow-Origin when credentials "
                 "flag is true.", _WK, (R.WILDCARD_ORIGIN_NOT_ALLOWED, R.PREFLIGHT_WILDCARD_ORIGIN_NOT_ALLOWED)),
        Template("webkit.allow-credentials", 'Credentials flag is true, but Access-Control-Allow-Credentials is not '
                 '"true".', _WK, (R.INVALID_ALLOW_CREDENTIALS, R.PREFLIGHT_INVALID_ALLOW_CREDENTIALS)),
        Template("webkit.redirect-denied", "Cross-origin redirection to {location} denied by Cross-Origin Resource "
                 "Sharing policy: {detail}", _WK, (),
                 "a redirect refused; {detail} is one of the other messages, or the two below"),
        Template("webkit.redirect-credentials", "redirection URL {location} has credentials", "",
                 (R.REDIRECT_CONTAINS_CREDENTIALS,), "inside webkit.redirect-denied"),
        Template("webkit.redirect-non-cors-scheme", "not allowed to follow a cross-origin CORS redirection with non "
                 "CORS scheme", "", (R.REDIRECT_TO_NON_HTTP_SCHEME,), "inside webkit.redirect-denied"),
        Template("webkit.preflight-not-successful", "Preflight response is not successful. Status code: {status}", _WK,
                 (R.PREFLIGHT_INVALID_STATUS, R.PREFLIGHT_DISALLOWED_REDIRECT),
                 "checked before the preflight's CORS headers"),
        Template("webkit.method-not-allowed", "Method {method} is not allowed by Access-Control-Allow-Methods.", _WK,
                 (R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE,)),
        Template("webkit.header-not-allowed", "Request header field {name} is not allowed by "
                 "Access-Control-Allow-Headers.", _WK, (R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE,),
                 "the name as script wrote it"),
        Template("webkit.invalid-allow-methods", "Header Access-Control-Allow-Methods has an invalid value: {value}",
                 _WK, (R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE,)),
        Template("webkit.invalid-allow-headers", "Header Access-Control-Allow-Headers has an invalid value: {value}",
                 _WK, (R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE,)),
        Template("webkit.too-many-redirects", "Load cannot follow more than {limit} redirections", _WK,
                 (R.TOO_MANY_REDIRECTS,)),
        Template("webkit.ftp-disabled", "FTP URLs are disabled", _WK, (R.REDIRECT_TO_NON_HTTP_SCHEME, R.UNSUPPORTED_SCHEME)),
        Template("webkit.cors-http-only", "Cross origin requests are only supported for HTTP.", _WK,
                 (R.CORS_DISABLED_SCHEME,)),
        Template("webkit.redirect-mode-error", "Not allowed to follow a redirection while loading {url}", _WK,
                 (R.REDIRECT_MODE_ERROR,)),
        Template("webkit.no-cors-redirect-mode", "No-Cors mode requires follow redirect mode", _WK,
                 (R.NO_CORS_REDIRECT_MODE,)),
        Template("webkit.not-allowed-to-request", "Not allowed to request resource", _WK, (R.NO_CORS_REDIRECT_MODE,),
                 "after the previous one"),
        Template("webkit.restricted-port", "Not allowed to use restricted network port {port}: {url}", _WK,
                 (R.BAD_PORT,)),
        Template("webkit.unsafe-load", "Unsafe attempt to load URL {url} from origin {origin}. Domains, protocols "
                 "and ports must match.", _WK, (R.DISALLOWED_BY_MODE,), "mode 'same-origin', after a redirect"),
        Template("webkit.fetch-cannot-load", "Fetch API cannot load {url} due to access control checks.", _JS, (),
                 "after the message that says why, for fetch()"),
        Template("webkit.fetch-cannot-load-bare", "Fetch API cannot load {url}.", _JS, (R.DISALLOWED_BY_MODE,),
                 "mode 'same-origin' to another origin, before anything is sent"),
        Template("webkit.xhr-cannot-load", "XMLHttpRequest cannot load {url} due to access control checks.", _JS, (),
                 "after the message that says why, for XMLHttpRequest"),
        Template("webkit.image-cannot-load", "Cannot load image {url} due to access control checks.", _WK, (),
                 "after the message that says why, for <img> (the URL the element asked for)"),
        Template("webkit.script-denied", "Cross-origin script load denied by Cross-Origin Resource Sharing policy.",
                 _JS, (), "after the message that says why, for a classic <script>"),
        Template("webkit.script-mime", "Refused to execute {url} as script because {mime} is not a script MIME "
                 "type.", _WK, (R.BLOCKED_BY_MIME_TYPE,)),
        Template("webkit.script-nosniff", 'Refused to execute {url} as script because "X-Content-Type-Options: '
                 'nosniff" was given and its Content-Type is not a script MIME type.', _WK, (R.BLOCKED_BY_NOSNIFF,)),
        Template("webkit.stylesheet-mime", "Did not parse stylesheet at '{url}' because non CSS MIME types are not "
                 "allowed in strict mode.", _WK, (R.BLOCKED_BY_NOSNIFF, R.LOAD_MIME_TYPE_MISMATCH)),
        Template("webkit.module-mime", "TypeError: '{mime}' is not a valid JavaScript MIME type.", _JS,
                 (R.LOAD_MIME_TYPE_MISMATCH,)),
        Template("webkit.xhr-unsafe-header", 'Refused to set unsafe header "{name}"', _JS, (),
                 "XMLHttpRequest setRequestHeader() with a forbidden name (a warning: the header is dropped)"),
    )


_WK_CHECK: Final = {
    R.MISSING_ALLOW_ORIGIN_HEADER: "webkit.origin-not-allowed",
    R.ALLOW_ORIGIN_MISMATCH: "webkit.origin-not-allowed",
    R.INVALID_ALLOW_ORIGIN_VALUE: "webkit.origin-not-allowed",
    R.MULTIPLE_ALLOW_ORIGIN_VALUES: "webkit.multiple-origins",
    R.WILDCARD_ORIGIN_NOT_ALLOWED: "webkit.wildcard-credentials",
    R.INVALID_ALLOW_CREDENTIALS: "webkit.allow-credentials",
}


def _webkit_tail(f: Failure, c: RequestContext) -> Out:
    """The second line: which load failed (by API)."""
    if c.api == "fetch":
        return [("webkit.fetch-cannot-load", {"url": f.url})]
    if c.api == "xhr":
        return [("webkit.xhr-cannot-load", {"url": f.url})]
    if c.api == "img":
        return [("webkit.image-cannot-load", {"url": c.url_list[0] if c.url_list else f.url})]
    if c.api == "script":
        return [("webkit.script-denied", {})]
    return []


def _webkit(catalog: Catalog, f: Failure | None, c: RequestContext) -> Out:
    out: Out = [("webkit.xhr-unsafe-header", {"name": n}) for n in c.refused_headers] if c.api == "xhr" else []
    if f is None:
        return out
    r = f.reason
    plain = plain_reason(r)
    status = "" if f.status is None else str(f.status)

    first: tuple[str, dict[str, str]] | None = None
    if plain in _WK_CHECK:
        first = (_WK_CHECK[plain], {"origin": c.request_origin, "status": status})
        if r is plain and f.location:
            text = catalog.inner_text(first)
            first = ("webkit.redirect-denied", {"location": f.location, "detail": text})
    elif r in (R.PREFLIGHT_INVALID_STATUS, R.PREFLIGHT_DISALLOWED_REDIRECT):
        first = ("webkit.preflight-not-successful", {"status": status})
    elif r is R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        first = ("webkit.method-not-allowed", {"method": f.detail})
    elif r is R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        first = ("webkit.header-not-allowed", {"name": _header_as_written(c, f.detail)})
    elif r is R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE:
        first = ("webkit.invalid-allow-methods", {"value": f.detail})
    elif r is R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE:
        first = ("webkit.invalid-allow-headers", {"value": f.detail})
    elif r is R.TOO_MANY_REDIRECTS:
        first = ("webkit.too-many-redirects", {"limit": str(int(f.detail or "20"))})
    elif r is R.REDIRECT_TO_NON_HTTP_SCHEME:
        if _scheme(f.detail) == "ftp":
            first = ("webkit.ftp-disabled", {})
        else:
            text = catalog.inner_text(("webkit.redirect-non-cors-scheme", {}))
            first = ("webkit.redirect-denied", {"location": f.detail, "detail": text})
    elif r is R.REDIRECT_CONTAINS_CREDENTIALS:
        text = catalog.inner_text(("webkit.redirect-credentials", {"location": f.detail}))
        first = ("webkit.redirect-denied", {"location": _without_userinfo(f.detail), "detail": text})
    elif r is R.REDIRECT_MODE_ERROR:
        first = ("webkit.redirect-mode-error", {"url": f.url})
    elif r is R.NO_CORS_REDIRECT_MODE:
        out += [("webkit.no-cors-redirect-mode", {}), ("webkit.not-allowed-to-request", {})]
    elif r is R.BAD_PORT:
        return [*out, ("webkit.restricted-port", {"port": f.detail, "url": f.url})]
    elif r is R.DISALLOWED_BY_MODE:
        if len(c.url_list) <= 1:
            return [*out, ("webkit.fetch-cannot-load-bare", {"url": f.url})] if c.api == "fetch" else out
        first = ("webkit.unsafe-load", {"url": f.url, "origin": c.page_origin})
    elif r is R.CORS_DISABLED_SCHEME:
        first = ("webkit.cors-http-only", {})
    elif r is R.UNSUPPORTED_SCHEME and _scheme(f.url) == "ftp":
        first = ("webkit.ftp-disabled", {})
    elif r is R.BLOCKED_BY_MIME_TYPE:
        return [*out, ("webkit.script-mime", {"url": f.url, "mime": f.detail})]
    elif r is R.BLOCKED_BY_NOSNIFF and c.api in ("script", "module-script"):
        return [*out, ("webkit.script-nosniff", {"url": f.url})]
    elif r in (R.BLOCKED_BY_NOSNIFF, R.LOAD_MIME_TYPE_MISMATCH) and c.api == "stylesheet":
        return [*out, ("webkit.stylesheet-mime", {"url": f.url})]
    elif r is R.LOAD_MIME_TYPE_MISMATCH and c.api == "module-script":
        return [*out, ("webkit.module-mime", {"mime": f.detail})]
    else:
        return out
    if first is not None:
        out.append(first)
    return out + _webkit_tail(f, c)


# -- the spec profile --------------------------------------------------------------------

def _spec_templates() -> tuple[Template, ...]:
    return (Template("spec.network-error", "{api} {url}: network error: {reason}{detail}", "", tuple(Reason),
                     "the model's own line: the standard prescribes no console wording"),)


def _spec(catalog: Catalog, f: Failure | None, c: RequestContext) -> Out:
    if f is None:
        return []
    return [("spec.network-error", {"api": c.api, "url": c.url_list[-1] if c.url_list else f.url,
                                    "reason": f.reason.value, "detail": f" ({f.detail})" if f.detail else ""})]


CATALOGS: Final[dict[str, Catalog]] = {
    "chromium": Catalog("chromium", "Chromium 156.0.8078.108 (Debian), harness run on spec_traces/",
                        _chromium_templates(), _chromium),
    "firefox": Catalog("firefox", "Firefox 153.8.0esr (Debian), harness run on spec_traces/",
                       _firefox_templates(), _firefox),
    "webkit": Catalog("webkit", "WebKitGTK 2.50.6 MiniBrowser (Debian), harness run on spec_traces/",
                      _webkit_templates(), _webkit),
    "spec": Catalog("spec", "cors_spec's own wording (no engine)", _spec_templates(), _spec),
}
#: Which catalog a profile's results are worded with.
PROFILE_CATALOGS: Final = {"spec": "spec", "chromium": "chromium", "firefox": "firefox", "webkit": "webkit"}


def catalog_for(profile: str) -> Catalog:
    """The catalog of the engine a profile models (KeyError for an unknown profile)."""
    return CATALOGS[PROFILE_CATALOGS.get(profile, profile)]


def render(result: Result, profile: str | None = None) -> tuple[ConsoleMessage, ...]:
    """The console messages for one result, for ``profile`` (default: the result's own)."""
    context = result.context or RequestContext()
    name = profile or context.profile or "spec"
    return catalog_for(name).messages(result.failure, context)


def scenario_console(results: Iterable[Result], profile: str | None = None) -> tuple[ConsoleMessage, ...]:
    """A scenario's console: each request's messages, in request order."""
    out: list[ConsoleMessage] = []
    for r in results:
        out.extend(render(r, profile))
    return tuple(out)


def all_templates() -> Sequence[Template]:
    return [t for c in CATALOGS.values() for t in c.templates]


#: Placeholders whose values the page chooses, not the request (the document's URL, an
#: @font-face family name): comparing with a line recorded from another page ignores them.
PAGE_CHOSEN: Final = ("document", "family")


def masked(line: str, engine: str) -> str:
    """``line`` with the values of page-chosen placeholders replaced by their names."""
    catalog = CATALOGS.get(engine)
    if catalog is None:
        return line
    for t in catalog.templates:
        names = [n for n in PAGE_CHOSEN if n in t.placeholders]
        if not names:
            continue
        m = template_regex(t).search(line)
        if m is None:
            continue
        spans = sorted((m.span(n), n) for n in names if m.group(n) is not None)
        for (a, b), n in reversed(spans):
            line = line[:a] + "{" + n + "}" + line[b:]
        return line
    return line
