"""Firefox ESR: its profile (where it departs from the standard), its console messages and
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
    first_bad_token,
)
from cors_spec.model.profile import SPEC
from cors_spec.model.response import Failure, RequestContext

#: Firefox ESR 153 (Debian firefox-esr 153.8.0esr), measured with the harness. The
#: max-age cap (24 h, nsCORSListenerProxy / nsPreflightCache) is from the source.
PROFILE = attrs.evolve(
    SPEC,
    name="firefox",
    verified_against="Firefox 153.8.0esr (Debian), harness run on spec_traces/",
    safelist_total_limit=None,
    acrh_unique=False,
    wildcard_covers_authorization=True,
    preflight_flag_allows_unlisted_method=False,
    preflight_origin_tainted=False,
    max_age_on_invalid=0,
    max_age_empty_is_absent=True,
    max_age_negative_is_zero=True,
    max_age_cap=86400,
    cache_refresh_resets_time=True,
    cache_wildcards=False,
    cache_wildcard_for_credentialed=False,
    cache_credentialed_serves_uncredentialed=False,
    cache_safelisted_method_via_url=True,
    location_duplicates="identical",
    preflight_sticky_across_redirects=True,
    allow_origin_multiple="lines",
    safelist_non_ascii_unsafe=True,
    content_type_trailing_empty_parameter_unsafe=True,
    range_max_value=2**64 - 1,
    empty_header_lines_ignored=True,
    preflight_same_origin_skips_cors_check=True,
    empty_allow_origin_line_kept="canonical-spelling",
    stylesheet_missing_mime_ok=True,
    svg_image_requires_ok_status=True,
    content_type_list_unsafe=True,
)

def display(value: str) -> str:
    """Firefox's console decodes header bytes as UTF-8 (invalid sequences become U+FFFD)."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


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
    plain = r.plain
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
    if r is R.REDIRECT_CONTAINS_CREDENTIALS and c.mode == "cors" and cross_origin(c, f.detail):
        return [did_not_succeed]
    if r is R.REDIRECT_TO_NON_HTTP_SCHEME and c.mode == "cors" and cross_origin(c):
        return [("firefox.not-http", {"url": f.detail}), did_not_succeed]
    if r is R.CORS_DISABLED_SCHEME:
        return [("firefox.not-http", {"url": f.url})]
    if r is R.BAD_PORT and len(urls) > 1 and c.mode == "cors" and cross_origin(c):
        return [("firefox.did-not-succeed", {"url": urls[-2]})]
    if r is R.DISALLOWED_BY_MODE:
        document = c.page_origin + "/" if c.page_origin != "null" else "moz-nullprincipal:{…}"
        return [("firefox.same-origin-mode", {"document": document, "url": f.url})]
    if r is R.LOAD_UNDECODABLE and c.api == "font":
        return [("firefox.font-sanitizer", {"url": f.url, "family": ""})]
    if r is R.LOAD_MIME_TYPE_MISMATCH and c.api == "module-script":
        return [("firefox.module-mime", {"url": f.url, "mime": f.detail})]
    if r is R.LOAD_MIME_TYPE_MISMATCH and c.api == "stylesheet" and not cross_origin(c):
        return [("firefox.stylesheet-mime", {"url": f.url, "mime": f.detail})]
    if r is R.BLOCKED_BY_MIME_TYPE:
        return [("firefox.script-mime", {"url": f.url, "mime": f.detail})]
    if r is R.BLOCKED_BY_NOSNIFF:
        return [("firefox.nosniff", {"url": f.url, "mime": f.detail})]
    return []


CATALOG: Final = Catalog("firefox", PROFILE.verified_against, _firefox_templates(), _firefox, display)

#: How ``cors-spec explain-error`` reads Firefox's lines (cors_spec/engines/recognise.py).
RECOGNISE_APIS: Final = {"firefox.stylesheet-mime": "stylesheet", "firefox.module-mime": "module-script",
                         "firefox.font-sanitizer": "font", "firefox.font-download-failed": "font"}
RECOGNISE_PICKS: Final = {
    "firefox.missing-allow-origin": (("status", r"204", R.PREFLIGHT_MISSING_ALLOW_ORIGIN_HEADER),),
}
RECOGNISE_NOT_CORS: Final = {"firefox.x-frame-options": "x-frame-options"}
RECOGNISE_HINTS: Final[dict[str, str]] = {}
RECOGNISE_SHARED: Final[dict[str, str]] = {}
#: Firefox's lines name no page origin.
NAMES_PAGE_ORIGIN: Final = False
