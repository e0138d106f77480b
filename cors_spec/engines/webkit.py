"""WebKitGTK: its profile (where it departs from the standard), its console messages and
how its console shows header bytes. The only module that knows this engine's choices."""

from __future__ import annotations

from typing import Final

import attrs

from cors_spec.engines.console import (
    Catalog,
    Out,
    R,
    Template,
    header_as_written,
    scheme_of,
    without_userinfo,
)
from cors_spec.model.profile import SPEC
from cors_spec.model.response import Failure, RequestContext

#: WebKitGTK 2.50 (Debian libwebkit2gtk-4.1-0 2.50.6), measured with the harness. The
#: max-age cap (10 min, CrossOriginPreflightResultCache.cpp) is from the source.
PROFILE = attrs.evolve(
    SPEC,
    name="webkit",
    verified_against="WebKitGTK 2.50.6 MiniBrowser (Debian), harness run on spec_traces/",
    default_request_headers=(),
    safelist_combined_values=True,
    wildcard_covers_authorization=True,
    preflight_flag_allows_unlisted_method=False,
    max_age_negative_is_zero=True,
    max_age_cap=600,
    preflight_cache_per_url=True,
    cache_refresh_resets_time=True,
    cache_tainted_origin=False,
    cache_safelisted_method_via_url=True,
    cache_wildcard_for_credentialed=False,
    cache_wildcard_covers_authorization=True,
    cache_clear_on_preflight_failure=False,
    cache_clear_on_response_failure=False,
    redirect_requires_location=True,
    location_duplicates="combined",
    redirect_drops_body_headers=False,
    redirect_drops_authorization=False,
    preflight_sticky_across_redirects=True,
    same_origin_credentials_stick=True,
    element_same_origin_cors_origin=frozenset({"img", "script", "stylesheet", "module-script", "media"}),
    preflight_status_checked_first=True,
    allow_origin_multiple="comma",
    font_cors=False,
    range_max_value=2**64 - 1,
    range_unit_case_insensitive=True,
    max_age_plus_sign=True,
    redirect_keeps_origin_header=True,
    stylesheet_missing_mime_ok=True,
    redirect_cross_origin_delete_becomes_get=True,
    empty_location="failure",
    redirect_userinfo_checked_after_preflight=True,
    stylesheet_mime_from_first_line=True,
    media_unplayable_fetched_again=True,
)

def display(value: str) -> str:
    """WebKit's console decodes header bytes as UTF-8, then writes that text's UTF-8 bytes
    as if they were Latin-1."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "replace").encode("utf-8").decode("latin-1")


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
    plain = r.plain
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
        first = ("webkit.header-not-allowed", {"name": header_as_written(c, f.detail)})
    elif r is R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE:
        first = ("webkit.invalid-allow-methods", {"value": f.detail})
    elif r is R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE:
        first = ("webkit.invalid-allow-headers", {"value": f.detail})
    elif r is R.TOO_MANY_REDIRECTS:
        first = ("webkit.too-many-redirects", {"limit": str(int(f.detail or "20"))})
    elif r is R.REDIRECT_TO_NON_HTTP_SCHEME:
        if scheme_of(f.detail) == "ftp":
            first = ("webkit.ftp-disabled", {})
        else:
            text = catalog.inner_text(("webkit.redirect-non-cors-scheme", {}))
            first = ("webkit.redirect-denied", {"location": f.detail, "detail": text})
    elif r is R.REDIRECT_CONTAINS_CREDENTIALS:
        text = catalog.inner_text(("webkit.redirect-credentials", {"location": f.detail}))
        first = ("webkit.redirect-denied", {"location": without_userinfo(f.detail), "detail": text})
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
    elif r is R.UNSUPPORTED_SCHEME and scheme_of(f.url) == "ftp":
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


CATALOG: Final = Catalog("webkit", PROFILE.verified_against, _webkit_templates(), _webkit, display)

#: How ``cors-spec explain-error`` reads WebKit's lines (cors_spec/engines/recognise.py):
#: the API a template names, the reason a value picks, what a non-CORS line is about,
#: and what a reproducing scenario needs to print the same line.
RECOGNISE_APIS: Final = {"webkit.stylesheet-mime": "stylesheet", "webkit.module-mime": "module-script",
                         "webkit.image-cannot-load": "img", "webkit.xhr-cannot-load": "xhr",
                         "webkit.script-denied": "script"}
RECOGNISE_PICKS: Final = {
    "webkit.preflight-not-successful": (("status", r"30[12378]", R.PREFLIGHT_DISALLOWED_REDIRECT),),
    "webkit.origin-not-allowed": (("status", r"204", R.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER),),
}
RECOGNISE_NOT_CORS: Final = {"webkit.x-frame-options": "x-frame-options", "webkit.xhr-unsafe-header": "unsafe-header",
                             "webkit.canvas-tainted": "canvas-tainted", "webkit.frame-access": "frame-access"}
RECOGNISE_HINTS: Final = {"webkit.redirect-non-cors-scheme": "location-data-url",
                          "webkit.unsafe-load": "redirect-from-page"}
#: A line several checks print, and the look at the response that tells them apart.
RECOGNISE_SHARED: Final = {
    "webkit.origin-not-allowed": "WebKit prints this one line when Access-Control-Allow-Origin is absent, empty, "
                                 "names another origin, is not an origin, or is 'null' while the request's origin "
                                 "is not (and for the preflight's response the same way). Look at the "
                                 "Access-Control-Allow-Origin header of the response whose status the line gives "
                                 "(the OPTIONS response if the request needed a preflight): absent -> "
                                 "missing-allow-origin-header; a value -> compare it byte for byte with the origin "
                                 "the line names ('null' after a cross-origin redirect).",
}
