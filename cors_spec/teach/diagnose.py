"""From a pasted console message back to the cause and the fix.

:func:`diagnose` finds the engine message in pasted text (DevTools adds noise around it:
file:line prefixes, "[Error]", "Understand this error", a following network line), says
which engine printed it and which :class:`~cors_spec.Reason` it reports, extracts the URL,
origin and value it names, explains what the browser checked and what the server must
change, and builds a minimal format-v1 scenario that reproduces it (``cors-spec run``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs

from cors_spec.engines.recognise import (
    Recognised,
    follows,
    hint,
    names_page_origin,
    not_cors,
    pick_reason,
    recognise,
    shared,
    template_api,
)
from cors_spec.errors import InputError
from cors_spec.model.origin import parse_origin, parse_url
from cors_spec.model.response import Reason
from cors_spec.teach.pasted import number, wire_values

__all__ = ["EXPLAIN", "Diagnosis", "Recognised", "diagnose", "recognise", "reproduce"]

R = Reason
#: The page origin written where the pasted line names none (some engines' lines): visible, and said.
PLACEHOLDER_PAGE: Final = "https://your-page.example"
#: The CORS check's reasons (for a response or a preflight's response) that a tainted origin explains.
_ORIGIN_CHECKS: Final = frozenset({R.MISSING_ALLOW_ORIGIN_HEADER, R.ALLOW_ORIGIN_MISMATCH, R.INVALID_ALLOW_ORIGIN_VALUE,
                                   R.WILDCARD_ORIGIN_NOT_ALLOWED, R.MULTIPLE_ALLOW_ORIGIN_VALUES})


@attrs.frozen
class Diagnosis:
    """What a pasted message means."""

    engine: str
    template: str
    reason: Reason | None  # the most likely reason (None: the line only says a load failed)
    alternatives: tuple[Reason, ...]  # other reasons the same wording is printed for
    values: dict[str, str]  # what the message names (url, origin, value, method, name, ...)
    message: str
    checked: str  # what the browser checked, in plain words
    fix: str  # what the server (or the page) must change
    scenario: dict[str, object] | None  # a format-v1 scenario that reproduces it
    also: tuple[str, ...] = ()  # other engines that print the very same words

    def to_json(self) -> dict[str, object]:
        return {"engine": self.engine, "also": list(self.also), "template": self.template,
                "reason": None if self.reason is None else self.reason.value,
                "alternatives": [r.value for r in self.alternatives], "values": self.values,
                "message": self.message, "checked": self.checked, "fix": self.fix, "scenario": self.scenario}


# -- what each reason means ----------------------------------------------------------------

#: reason: (what the browser checked, what to change). {origin}, {value}, {method},
#: {name}, {status} come from the message (or a neutral word).
EXPLAIN: Final[dict[Reason, tuple[str, str]]] = {
    R.MISSING_ALLOW_ORIGIN_HEADER: (
        "The response has no Access-Control-Allow-Origin header, so the server did not agree to share it "
        "with a page from another origin.",
        "Have the server add the header to this response (every response of the URL, errors and redirects "
        "included):\n    Access-Control-Allow-Origin: {origin}"),
    R.WILDCARD_ORIGIN_NOT_ALLOWED: (
        "The request carries credentials (cookies, credentials: 'include' / withCredentials), and the response "
        "answers Access-Control-Allow-Origin: *. A wildcard never shares a credentialed response.",
        "Echo the page's origin instead of *, and allow credentials:\n    Access-Control-Allow-Origin: {origin}\n"
        "    Access-Control-Allow-Credentials: true\n    Vary: Origin\n"
        "(or send the request without credentials)."),
    R.MULTIPLE_ALLOW_ORIGIN_VALUES: (
        "Access-Control-Allow-Origin must be exactly one origin (or *); the response sent several ({value}), "
        "in one line or in several header lines.",
        "Send one header line with the one origin that made the request (check the Origin request header "
        "against your allow-list and echo it):\n    Access-Control-Allow-Origin: {origin}\n    Vary: Origin"),
    R.INVALID_ALLOW_ORIGIN_VALUE: (
        "Access-Control-Allow-Origin must be an origin such as https://app.example (scheme, host, port; no path), "
        "null or *; the response sent '{value}'.",
        "Send the page's serialized origin, byte for byte:\n    Access-Control-Allow-Origin: {origin}"),
    R.ALLOW_ORIGIN_MISMATCH: (
        "The browser compares Access-Control-Allow-Origin with the request's origin byte for byte (no case "
        "folding, no trailing slash, the port only when not the default; 'null' after a cross-origin redirect). "
        "The response allows '{value}', another origin.",
        "Send the origin that made the request (the Origin request header), exactly:\n"
        "    Access-Control-Allow-Origin: {origin}\n    Vary: Origin"),
    R.INVALID_ALLOW_CREDENTIALS: (
        "The request carries credentials, so the response must also say Access-Control-Allow-Credentials: true "
        "(exactly 'true', lowercase); it said '{value}'.",
        "Add to the response:\n    Access-Control-Allow-Credentials: true\n"
        "(or send the request without credentials)."),
    R.PREFLIGHT_INVALID_STATUS: (
        "The request needed a preflight (an OPTIONS request) and the server answered it with status {status}; "
        "a preflight needs an ok status (200-299).",
        "Answer OPTIONS for this URL with 204 (or 200) and the CORS headers, before any authentication or "
        "routing that would reject it:\n    HTTP/1.1 204 No Content\n    Access-Control-Allow-Origin: {origin}\n"
        "    Access-Control-Allow-Methods: {method}"),
    R.PREFLIGHT_DISALLOWED_REDIRECT: (
        "The preflight (OPTIONS) was answered with a redirect; a preflight is never redirected.",
        "Answer OPTIONS at the URL itself (no redirect to https://, to a trailing slash or to a login page), "
        "or have the page request the final URL directly."),
    R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE: (
        "Access-Control-Allow-Methods must be a comma-separated list of method names; '{value}' does not parse.",
        "Separate the methods with commas:\n    Access-Control-Allow-Methods: GET, POST, PUT"),
    R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE: (
        "Access-Control-Allow-Headers must be a comma-separated list of header names; '{value}' does not parse.",
        "Separate the names with commas:\n    Access-Control-Allow-Headers: Content-Type, X-Token"),
    R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE: (
        "The request's method {method} needs the server's permission, asked by the preflight; the preflight "
        "response's Access-Control-Allow-Methods does not list it (method names are case-sensitive; * does not "
        "count for a credentialed request).",
        "Add to the preflight (OPTIONS) response:\n    Access-Control-Allow-Methods: {method}"),
    R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE: (
        "The request sets the header {name}, which needs the server's permission, asked by the preflight; the "
        "preflight response's Access-Control-Allow-Headers does not list it (* does not count for a "
        "credentialed request, nor for Authorization).",
        "Add to the preflight (OPTIONS) response:\n    Access-Control-Allow-Headers: {name}"),
    R.REDIRECT_CONTAINS_CREDENTIALS: (
        "A CORS request was redirected to a URL with user:password@ in it, which the browser refuses.",
        "Redirect to a URL without credentials (send credentials in an Authorization header instead)."),
    R.REDIRECT_TO_NON_HTTP_SCHEME: (
        "The request was redirected to a URL whose scheme is not http or https.",
        "Redirect to an http(s) URL."),
    R.INVALID_LOCATION: (
        "The response is a redirect whose Location does not parse as a URL (or appears twice with different "
        "values).",
        "Send one Location header with a valid URL."),
    R.TOO_MANY_REDIRECTS: (
        "The request was redirected more than {limit} times (a redirect loop).",
        "Fix the loop: the final URL must answer without redirecting."),
    R.REDIRECT_MODE_ERROR: (
        "The request was made with redirect: 'error' and the response is a redirect.",
        "Request the final URL, or use redirect: 'follow'."),
    R.NO_CORS_REDIRECT_MODE: (
        "mode: 'no-cors' only works with redirect: 'follow'.",
        "Leave redirect at 'follow', or use mode: 'cors'."),
    R.DISALLOWED_BY_MODE: (
        "The request was made with mode: 'same-origin' and its URL (or a redirect) is on another origin.",
        "Use mode: 'cors' (and have the server send the CORS headers), or keep the request on the page's origin."),
    R.CORS_DISABLED_SCHEME: (
        "A CORS request can only go to http: or https: URLs.",
        "Request an http(s) URL."),
    R.UNSUPPORTED_SCHEME: (
        "The browser cannot fetch this URL scheme at all.",
        "Request an http(s) URL."),
    R.BAD_PORT: (
        "The URL uses a port browsers refuse to connect to (it belongs to another protocol).",
        "Serve the resource on another port (80, 443, 8080, ...)."),
    R.BLOCKED_BY_MIME_TYPE: (
        "A script was answered with an image, audio, video or CSV Content-Type ({mime}), which never runs.",
        "Serve the script with Content-Type: text/javascript."),
    R.BLOCKED_BY_NOSNIFF: (
        "The response says X-Content-Type-Options: nosniff and its Content-Type ({mime}) is not a JavaScript "
        "(or CSS) type, so the browser does not run (or apply) it.",
        "Serve it with the right type:\n    Content-Type: text/javascript\n(text/css for a stylesheet)."),
    R.LOAD_MIME_TYPE_MISMATCH: (
        "Module scripts need a JavaScript MIME type and stylesheets text/css; the response said {mime}.",
        "Serve it with Content-Type: text/javascript (module) or text/css (stylesheet)."),
    R.LOAD_STATUS_NOT_OK: (
        "A script, stylesheet or media element needs an ok status (200-299); the response was an error page.",
        "Fix the URL or the server so it answers 200 with the resource."),
    R.LOAD_UNDECODABLE: (
        "The body is not a font (or image) the browser can decode.",
        "Serve the actual font file (check the URL does not return an HTML error page)."),
}
for _plain, _preflight in ((R.MISSING_ALLOW_ORIGIN_HEADER, R.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER),
                           (R.WILDCARD_ORIGIN_NOT_ALLOWED, R.PREFLIGHT_WILDCARD_ORIGIN_NOT_ALLOWED),
                           (R.MULTIPLE_ALLOW_ORIGIN_VALUES, R.PREFLIGHT_MULTIPLE_ALLOW_ORIGIN_VALUES),
                           (R.INVALID_ALLOW_ORIGIN_VALUE, R.PREFLIGHT_INVALID_ALLOW_ORIGIN_VALUE),
                           (R.ALLOW_ORIGIN_MISMATCH, R.PREFLIGHT_ALLOW_ORIGIN_MISMATCH),
                           (R.INVALID_ALLOW_CREDENTIALS, R.PREFLIGHT_INVALID_ALLOW_CREDENTIALS)):
    _checked, _fix = EXPLAIN[_plain]
    EXPLAIN[_preflight] = (
        "The request needed a preflight (OPTIONS); its response failed the same check as any response: " + _checked,
        _fix.replace("Have the server add the header to this response", "Have the server add the header to the "
                     "OPTIONS (preflight) response").replace("Add to the response", "Add to the OPTIONS (preflight) "
                                                             "response"))

_KIND_APIS: Final = {"fetch": "fetch", "XMLHttpRequest": "xhr", "image": "img", "script": "script",
                     "CSS stylesheet": "stylesheet", "font": "font", "video": "media", "audio": "media"}
_DEFAULT_PAGE = "https://app.example"
_DEFAULT_URL = "https://api.example/data"


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return {"origin": _DEFAULT_PAGE, "value": "", "method": "PUT", "name": "X-Token", "status": "404",
                "limit": "20", "mime": "text/plain"}.get(key, "?")


#: The longest pasted text explain-error reads (docs/limits.md).
MAX_PASTE = 64 * 1024


def diagnose(text: str) -> Diagnosis | None:
    """The best explanation of the first engine message found in ``text`` (None: none found)."""
    if len(text) > MAX_PASTE:
        raise InputError("MESSAGE", f"is {len(text):,} characters; paste at most {MAX_PASTE:,} "
                         "(one console message is under 2 KiB: the paste limit)")
    found = recognise(text)
    if not found:
        return None
    best = found[0]
    shown = best.inner or best
    values = dict(best.values)
    if best.inner is not None:
        values.update(best.inner.values)
        values.pop("detail", None)
        values["redirect_location"] = best.values.get("location", "")
    reasons = shown.template.reasons
    reason = pick_reason(shown.template, values)
    alternatives = tuple(r for r in reasons if r is not reason)
    if best.inner is not None and reason is not None and reason in (
            R.MISSING_ALLOW_ORIGIN_HEADER, R.ALLOW_ORIGIN_MISMATCH, R.INVALID_ALLOW_ORIGIN_VALUE,
            R.WILDCARD_ORIGIN_NOT_ALLOWED, R.MULTIPLE_ALLOW_ORIGIN_VALUES, R.INVALID_ALLOW_CREDENTIALS):
        values["on_redirect"] = "yes"
    kind = not_cors(shown.template.id)
    if reason is None and kind is not None:
        checked, fix = (x.format_map(_Defaults(values)) for x in _NOT_CORS[kind])
    elif reason is None:
        alternatives = follows(shown.template.id)
        checked = ("This line only says that the load failed and that CORS (or another security check) stopped "
                   "it; the line printed just before it says why" + (
                       " (the engine prints it after each of the reasons listed)." if alternatives else "."))
        fix = "Paste the line before it."
    else:
        fill = _Defaults(values)
        if "origin" not in values and "page" in values:
            fill["origin"] = values["page"]
        checked, fix = (s.format_map(fill) for s in EXPLAIN.get(reason, ("", "")))
        tainted = _tainted(values)
        if tainted and reason.plain in _ORIGIN_CHECKS:
            checked = (f"The request was redirected from {values.get('first_url') or 'another origin'} to "
                       f"{values.get('url') or values.get('redirect_location')}, another origin, so its origin became "
                       "null (a redirect to another origin taints it), and the browser compared "
                       "Access-Control-Allow-Origin with null" + (f", not with {values['origin']}" if
                                                                  values.get("origin", "null") != "null" else "")
                       + ". " + checked)
            fix = ("The second hop must allow the null origin: answer it with Access-Control-Allow-Origin: * "
                   "(only without credentials) or Access-Control-Allow-Origin: null"
                   + (" on the OPTIONS (preflight) response too" if reason.from_preflight else "")
                   + "; or the redirect must go: have the page request the final URL directly.")
        if shared(shown.template.id):
            checked += " " + shared(shown.template.id)
        elif len(alternatives) and reason in (R.MISSING_ALLOW_ORIGIN_HEADER, R.ALLOW_ORIGIN_MISMATCH):
            checked += (" (This wording is also printed when the header is present but names another origin, or "
                        "is not an origin at all, and for the preflight's response: check both responses.)")
        if "origin" not in values and "page" not in values and not names_page_origin(best.engine):
            fix = fix.replace(_DEFAULT_PAGE, PLACEHOLDER_PAGE) + (
                f"\n(The message names no page origin: {PLACEHOLDER_PAGE} stands for your page's origin.)")
    element = (template_api(shown.template.id) or _KIND_APIS.get(values.get("kind", ""), "fetch")) not in (
        "fetch", "xhr")
    if reason is None and R.CORS_DISABLED_SCHEME in alternatives and not values.get("url", "http").startswith("http"):
        reason = None  # the URL itself is not http(s): that is the likely cause
        alternatives = (R.CORS_DISABLED_SCHEME, *(r for r in alternatives if r is not R.CORS_DISABLED_SCHEME))
    likely = reason or (R.CORS_DISABLED_SCHEME if alternatives[:1] == (R.CORS_DISABLED_SCHEME,) else None) or (R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE if R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE in
                        alternatives and not element else
                        next((r for r in alternatives if not r.before_network and not r.from_preflight), None))
    scenario = None if likely is None else reproduce(best.engine, likely, values, shown.template.id)
    if kind == "unsafe-header":
        scenario = {"name": "reproduce-unsafe-header", "about": "XMLHttpRequest refuses a forbidden header "
                    "(built by cors-spec explain-error).", "page": _DEFAULT_PAGE,
                    "requests": [{"api": "xhr", "url": _DEFAULT_URL, "headers": [[values.get("name", "Cookie"), "1"]]}],
                    "server": [{"url": _DEFAULT_URL, "headers": [["Access-Control-Allow-Origin", "*"]]}]}
    engines = tuple(sorted({r.engine for r in found if r.text == best.text} - {best.engine}))
    return Diagnosis(best.engine, shown.template.id, reason, alternatives, values, best.text, checked, fix,
                     scenario, engines)


_XFO = ("Not CORS: the framed page's response says X-Frame-Options: {value}, so the browser refuses to show it "
        "in a frame.", "Remove X-Frame-Options from the framed page (or use Content-Security-Policy: "
        "frame-ancestors with the pages allowed to frame it).")
#: What a line that is not a CORS failure is about (engines/recognise.py says which kind).
_NOT_CORS: Final = {
    "x-frame-options": _XFO,
    "unsafe-header": ("A warning, not a failure: XMLHttpRequest refuses to set the forbidden header "
                      "{name}; the request goes out without it.", "Do not set {name} from script: the "
                      "browser controls it."),
    "canvas-tainted": ("The image loaded, but without CORS (no crossorigin attribute, or no "
                              "Access-Control-Allow-Origin), so drawing it taints the canvas and reading pixels back "
                              "throws.", "Load the image with crossorigin=\"anonymous\" and have its server send "
                              "Access-Control-Allow-Origin."),
    "frame-access": ("Not CORS: a page cannot reach into a cross-origin iframe's document.",
                            "Talk to the frame with postMessage()."),
}


# -- a scenario that reproduces it -----------------------------------------------------------

def _host(origin: str) -> str:
    return re.sub(r":\d+$", "", origin.split("://", 1)[-1]) or "other.example"


def _tainted(values: Mapping[str, str]) -> bool:
    """The pasted line shows a redirect to another origin (the request's origin is then null)."""
    first = parse_url(values.get("first_url", ""))
    now = parse_url(values.get("url", ""))
    if first is not None and now is not None:
        return first.origin.serialized not in (now.origin.serialized, values.get("origin"))
    return values.get("origin") == "null" and values.get("on_redirect") == "yes"


def reproduce(engine: str, reason: Reason, values: Mapping[str, str], template: str = "") -> dict[str, object]:
    """A minimal format-v1 scenario whose run (under ``engine``'s profile) fails for ``reason``
    and prints the pasted line: its URLs, origin, values, redirect and status are kept."""
    values = wire_values(values)  # fit for a scenario run accepts (cors_spec/teach/pasted.py)
    url = values.get("url") or values.get("redirect_location") or _DEFAULT_URL
    target = parse_url(url)
    if target is not None and target.is_http and target.includes_credentials:  # a route cannot name userinfo
        url = target.request_target
        target = parse_url(url)
    odd = url if target is not None and not target.is_http else ""  # an ftp:, data: ... URL as pasted
    if target is None or not target.is_http:
        url, target = _DEFAULT_URL, parse_url(_DEFAULT_URL)
    assert target is not None
    origin = values.get("origin") or values.get("page") or (
        _DEFAULT_PAGE if names_page_origin(engine) else PLACEHOLDER_PAGE)
    if parse_origin(origin) is None or (parse_url(origin + "/") is None and origin != "null"):
        origin = _DEFAULT_PAGE
    first = parse_url(values.get("first_url", ""))
    redirected = first is not None and first.is_http and first.origin.serialized != target.origin.serialized \
        and (reason.plain in _ORIGIN_CHECKS or reason.plain is R.INVALID_ALLOW_CREDENTIALS or reason.from_preflight)
    if origin != "null" and parse_url(origin + "/") is not None and target.origin.serialized == origin \
            and not redirected and reason is not R.REDIRECT_CONTAINS_CREDENTIALS:
        origin = "http://app.example" if origin != "http://app.example" else "http://page.example"
    tainted = redirected and first is not None and first.origin.serialized != origin
    api = _KIND_APIS.get(values.get("kind", ""), "fetch")
    api = template_api(template) or api
    start = values.get("first_url", "") if redirected else url
    request: dict[str, object] = {"url": start}
    if api != "fetch":
        request["api"] = api
    routes: list[dict[str, object]] = []
    ok = [["Access-Control-Allow-Origin", origin]]
    plain = reason.plain if reason.from_preflight and reason.plain is not reason else None
    check = plain or reason
    value = values.get("value", "")
    seen = "null" if tainted else origin  # the origin the final hop's check compares with
    acao: list[list[str]] = []
    if check is R.WILDCARD_ORIGIN_NOT_ALLOWED:
        acao = [["Access-Control-Allow-Origin", "*"]]
    elif check is R.MULTIPLE_ALLOW_ORIGIN_VALUES:
        lines = value.split(", ") if ", " in value else [value] if value.strip() else [seen, "https://other.example"]
        acao = [["Access-Control-Allow-Origin", v] for v in lines]
    elif check is R.INVALID_ALLOW_ORIGIN_VALUE:
        acao = [["Access-Control-Allow-Origin", value if value not in ("*", "null", seen) else "app.example"]]
    elif check is R.ALLOW_ORIGIN_MISMATCH:
        acao = [["Access-Control-Allow-Origin", value if "value" in values and value not in (seen, "*")
                 else "https://other.example"]]
    elif check is R.INVALID_ALLOW_CREDENTIALS:
        acao = [["Access-Control-Allow-Origin", seen]] + (
            [["Access-Control-Allow-Credentials", v] for v in value.split(", ")]
            if value != "true" and "value" in values else [])
    credentialed = check in (R.WILDCARD_ORIGIN_NOT_ALLOWED, R.INVALID_ALLOW_CREDENTIALS)
    if credentialed:
        request["credentials" if api in ("fetch", "xhr") else "crossorigin"] = (
            "include" if api in ("fetch", "xhr") else "use-credentials")
    elif api in ("img", "script", "stylesheet", "media", "module-script"):
        request["crossorigin"] = "anonymous"
    preflighted = plain is not None or reason.from_preflight
    by_header = reason in (R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE, R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE)
    if preflighted and not (by_header and "method" not in values):
        request["method"] = values.get("method", "PUT")
    if redirected:  # the first hop passes and redirects; the line is about the next one
        status = 307 if preflighted else 302
        hop = [["Access-Control-Allow-Origin", origin]] + (
            [["Access-Control-Allow-Credentials", "true"]] if credentialed else [])
        if preflighted:
            routes.append({"method": "OPTIONS", "url": start, "status": 204,
                           "headers": hop + [["Access-Control-Allow-Methods", str(request.get("method", "GET"))],
                                             ["Access-Control-Allow-Headers", values.get("name", "X-Token")]]})
        routes.append({"url": start, "status": status, "headers": hop + [["Location", url]]})
    ok = [["Access-Control-Allow-Origin", seen]]
    if plain is not None:
        # the preflight fails the check
        headers = acao + [["Access-Control-Allow-Methods", str(request.get("method", "GET"))]]
        if check is R.WILDCARD_ORIGIN_NOT_ALLOWED:
            headers.append(["Access-Control-Allow-Credentials", "true"])
        routes.append({"method": "OPTIONS", "url": url, "status": 204, "headers": headers})
        routes.append({"url": url, "headers": ok, "body": "ok"})
    elif check in _ORIGIN_CHECKS or check is R.INVALID_ALLOW_CREDENTIALS:
        status = number(values.get("status", ""), 200)
        extra = [["Location", url + "/next"]] if 300 <= status < 400 else []
        loc = values.get("redirect_location", "")
        if loc and not values.get("url"):  # the check failed on a redirect response to ``loc``
            status = status if 300 <= status < 400 else 302
            url = _DEFAULT_URL if loc != _DEFAULT_URL else "https://api.example/hop"
            request["url"] = url
            extra = [["Location", loc]]
        routes.append({"url": url, **({"status": status} if status != 200 else {}), "headers": acao + extra,
                       "body": "ok"})
    elif reason in (R.PREFLIGHT_INVALID_STATUS, R.PREFLIGHT_DISALLOWED_REDIRECT):
        request["method"] = "PUT"
        status = number(values.get("status", ""), 307 if reason is R.PREFLIGHT_DISALLOWED_REDIRECT else 404)
        if reason is R.PREFLIGHT_DISALLOWED_REDIRECT and status not in (301, 302, 303, 307, 308):
            status = 307
        headers = ok + [["Access-Control-Allow-Methods", "PUT"]]
        if reason is R.PREFLIGHT_DISALLOWED_REDIRECT:
            headers.append(["Location", url + "/"])
        routes.append({"method": "OPTIONS", "url": url, "status": status, "headers": headers})
    elif reason is R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        request["method"] = values.get("method", "PUT")
        routes.append({"method": "OPTIONS", "url": url, "status": 204, "headers": ok})
    elif reason is R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        name = values.get("name", "X-Token")
        # a safelisted name needs a value that is not safelisted to be asked for
        unsafe = {"content-type": "application/json", "accept": '"x"', "accept-language": '"x"',
                  "content-language": '"x"', "range": "x"}.get(name.lower(), "1")
        request["headers"] = [[name, unsafe]]
        routes.append({"method": "OPTIONS", "url": url, "status": 204, "headers": ok})
    elif reason is R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE:
        request["method"] = "PUT"
        routes.append({"method": "OPTIONS", "url": url, "status": 204,
                       "headers": ok + [["Access-Control-Allow-Methods", value or "PUT GET"]]})
    elif reason is R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE:
        request["headers"] = [["X-Token", "1"]]
        routes.append({"method": "OPTIONS", "url": url, "status": 204,
                       "headers": ok + [["Access-Control-Allow-Headers", value or "x-token;"]]})
    elif reason is R.REDIRECT_CONTAINS_CREDENTIALS:
        location = values.get("location", "")
        routes.append({"url": url, "status": 302, "headers": ok + [
            ["Location", location if "@" in location else "https://user:pass@other.example/"]]})
    elif reason is R.REDIRECT_TO_NON_HTTP_SCHEME:
        location = "data:text/plain,hi" if hint(template) == "location-data-url" else odd or "ftp://other.example/file"
        if odd and first is not None and first.is_http:
            url = request["url"] = first.href
        routes.append({"url": url, "status": 302, "headers": ok + [["Location", location]]})
    elif reason is R.INVALID_LOCATION:
        routes.append({"url": url, "status": 302, "headers": ok + [["Location", "http://[bad"]]})
    elif reason is R.TOO_MANY_REDIRECTS:
        routes.append({"url": url, "status": 302, "headers": ok + [["Location", url]]})
    elif reason is R.REDIRECT_MODE_ERROR:
        request["redirect"] = "error"
        routes.append({"url": url, "status": 302, "headers": ok + [["Location", url + "/"]]})
    elif reason is R.NO_CORS_REDIRECT_MODE:
        request.update(mode="no-cors", redirect="manual")
    elif reason is R.DISALLOWED_BY_MODE:
        request["mode"] = "same-origin"
        if hint(template) == "redirect-from-page":  # printed when a redirect leaves the origin
            start = (origin if origin != "null" else _DEFAULT_PAGE) + "/start"
            request["url"] = start
            routes.append({"url": start, "status": 302, "headers": [["Location", url]]})
    elif reason in (R.CORS_DISABLED_SCHEME, R.UNSUPPORTED_SCHEME):
        request["url"] = odd or "ftp://" + _host(target.origin.serialized) + "/file"
        if reason is R.UNSUPPORTED_SCHEME:
            request["mode"] = "no-cors"
    elif reason is R.BAD_PORT:
        request["url"] = url if target.port is not None else f"http://{_host(target.origin.serialized)}:6000/"
    elif reason is R.LOAD_STATUS_NOT_OK:
        origin = target.origin.serialized
        request = {"api": "script", "url": url}
        routes.append({"url": url, "status": 404, "headers": [["Content-Type", "text/javascript"]], "body": ""})
    elif reason in (R.BLOCKED_BY_MIME_TYPE, R.BLOCKED_BY_NOSNIFF, R.LOAD_MIME_TYPE_MISMATCH, R.LOAD_UNDECODABLE):
        origin = target.origin.serialized  # same-origin: the MIME rules, not CORS
        mime = values.get("mime") or ("image/png" if reason is R.BLOCKED_BY_MIME_TYPE else "text/plain")
        request = {"api": api if api not in ("fetch", "xhr") else "script", "url": url}
        if reason is R.LOAD_MIME_TYPE_MISMATCH and request["api"] == "script":
            request["api"] = "module-script"
        if reason is R.LOAD_UNDECODABLE:
            request["api"] = "font"
            mime = "font/woff2"
        headers = [["Content-Type", mime]]
        if reason is R.BLOCKED_BY_NOSNIFF:
            headers.append(["X-Content-Type-Options", "nosniff"])
        body = "not a font" if reason is R.LOAD_UNDECODABLE else "x"
        if number(values.get("sfnt", ""), 1 << 32) < 1 << 32:  # the body's first 4 bytes
            body = number(values["sfnt"], 0).to_bytes(4, "big").decode("latin-1") + " not a font"
        routes.append({"url": url, "headers": headers, "body": body})
    scenario: dict[str, object] = {
        "name": f"reproduce-{reason.value}",
        "about": f"Reproduces the {engine} message for {reason.value} (built by cors-spec explain-error).",
        "page": origin, "requests": [request], "server": routes}
    return scenario
