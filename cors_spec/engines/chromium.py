"""Chromium: its profile (where it departs from the standard), its console messages and
how its console shows header bytes. The only module that knows this engine's choices."""

from __future__ import annotations

from typing import Final

import attrs

from cors_spec.engines.console import (
    Catalog,
    Out,
    R,
    Template,
    cross_origin,
    scheme_of,
    without_fragment,
)
from cors_spec.model.profile import SPEC
from cors_spec.model.response import Failure, RequestContext

#: Chromium 156 (Debian chromium 156.0.8078.114; the goldens were first measured on .108 and
#: every observation agreed again on .114), measured with the harness. The max-age
#: cap (2 h, services/network/cors/preflight_result.cc) is from the source.
PROFILE = attrs.evolve(
    SPEC,
    name="chromium",
    verified_against="Chromium 156.0.8078.114 (Debian), harness run on spec_traces/",
    default_request_headers=(),
    safelist_combined_values=True,
    wildcard_covers_authorization=True,
    xhr_upload_listener_needs_body=True,
    preflight_flag_allows_unlisted_method=False,
    max_age_negative_is_zero=True,
    max_age_cap=7200,
    preflight_cache_per_url=True,
    cache_refresh_resets_time=True,
    cache_opaque_page_origin=False,
    cache_tainted_origin=False,
    cache_safelisted_method_via_url=True,
    cache_wildcard_for_credentialed=False,
    cache_clear_on_response_failure=False,
    redirect_requires_location=True,
    location_duplicates="identical",
    redirect_userinfo_always_fails=True,
    preflight_redirect_checked_first=True,
    range_max_value=2**63 - 2,
    max_age_plus_sign=True,
    element_same_origin_cors_origin=frozenset({"img", "script", "stylesheet", "module-script", "font"}),
    stylesheet_requires_css_mime=False,
    safelisted_client_hints=(("device-memory", "decimal"), ("downlink", "decimal"), ("dpr", "decimal"),
                             ("ect", "ect"), ("rtt", "integer"), ("save-data", "on-any-case"),
                             ("viewport-width", "integer"), ("width", "integer")),
    extra_forbidden_request_headers=frozenset({"user-agent"}),
    redirect_drops_client_hints=True,
    client_hints_kept_on_redirect=frozenset({"save-data"}),
    empty_location="absent",
    origin_null_after_cross_origin_hop=True,
    opaque_origin_same_site_null=True,
)

def display(value: str) -> str:
    """Chromium's console escapes bytes above 0x7F as \\uXXXX."""
    if value.isascii():
        return value
    return "".join(c if c < "\x80" else f"\\u{ord(c):04X}" for c in value)


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


def _chromium_templates() -> tuple[Template, ...]:
    out = [Template("chromium.x-frame-options", "Refused to display '{url}' in a frame because it set "
                    "'X-Frame-Options' to '{value}'.", "", (), "an iframe whose response forbids framing (not CORS)")]
    for reason, (short, body) in _CR_BODIES.items():
        out.append(Template(f"chromium.{short}", _CR_PREFIX + body, "", (reason,),
                            "the CORS check of a response fails"))
        out.append(Template(f"chromium.preflight-{short}", _CR_PREFIX + _CR_PREFLIGHT + body, "",
                            (reason.preflight,), "the CORS check of a preflight response fails"))
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
    urls = tuple(without_fragment(u) for u in c.url_list) or (f.url,)
    kind = _CR_KINDS.get(c.api)
    base = {"kind": kind or "", "url": urls[-1], "origin": c.page_origin,
            "redirected_from": "1" if len(urls) > 1 else "", "first_url": urls[0]}
    hints = {"valid_value_hint": "1" if c.api == "fetch" else "",
             "with_credentials_hint": "1" if c.api == "xhr" else ""}
    r = f.reason
    plain = r.plain
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
    if kind is not None and r is R.REDIRECT_CONTAINS_CREDENTIALS and c.mode == "cors" and cross_origin(c, f.detail):
        return [*out, ("chromium.redirect-contains-credentials", base)]
    if kind is not None and r is R.REDIRECT_TO_NON_HTTP_SCHEME and scheme_of(f.detail) not in CHROMIUM_CORS_SCHEMES:
        return [*out, ("chromium.cors-scheme", {**base, "url": without_fragment(f.detail), "redirected_from": "1"})]
    if c.api == "fetch" and r in (R.CORS_DISABLED_SCHEME, R.UNSUPPORTED_SCHEME):
        return [*out, ("chromium.fetch-scheme", {"url": f.url, "scheme": scheme_of(f.url)})]
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


CATALOG: Final = Catalog("chromium", PROFILE.verified_against, _chromium_templates(), _chromium, display)

#: How ``cors-spec explain-error`` reads Chromium's lines (cors_spec/engines/recognise.py).
RECOGNISE_APIS: Final = {"chromium.module-mime": "module-script", "chromium.font-decode": "font",
                         "chromium.font-ots-sfnt": "font"}
RECOGNISE_PICKS: Final = {"chromium.fetch-scheme": (("scheme", r"ftp|file", R.CORS_DISABLED_SCHEME),)}
RECOGNISE_NOT_CORS: Final = {"chromium.x-frame-options": "x-frame-options", "chromium.xhr-unsafe-header": "unsafe-header"}
RECOGNISE_HINTS: Final[dict[str, str]] = {}
RECOGNISE_SHARED: Final[dict[str, str]] = {}
