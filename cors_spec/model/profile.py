"""Profiles: every choice where the standard leaves room or where engines are known to differ.

An algorithm never asks which browser it models; it reads a field of the profile passed
in. Each field's comment says what the standard says (the ``spec`` value) and, for the
engine profiles, which golden scenario in spec_traces/ shows the engine's behaviour. In
the code, every place that reads a profile field is marked "Profile choice:".

Engine values were measured with the real-browser harness (``python -m harness``) on the
versions named in ``verified_against``; the few that cannot be measured in a short run
(max-age caps of hours) come from the engines' sources and say so.
"""

from __future__ import annotations

from typing import Literal

import attrs

from cors_spec.model.headers import HeaderList

LocationDuplicates = Literal["failure", "identical", "combined"]
AllowOriginMultiple = Literal["comma-or-space", "comma", "lines"]
#: The value grammar of a client-hint request header an engine safelists: a non-negative
#: decimal number ("1.5"), a non-negative integer, an effective connection type
#: (slow-2g, 2g, 3g, 4g), exactly "on", or "on" in any ASCII case ("ON", "On").
ClientHintValue = Literal["decimal", "integer", "ect", "on", "on-any-case"]
EmptyAllowOriginLine = Literal["always", "canonical-spelling"]
EmptyLocation = Literal["url", "absent", "failure"]


def _check_redirect_limit(value: object) -> None:
    """Profile.redirect_limit is a whole number from 0 to 100 (docs/limits.md)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        from cors_spec.errors import InputError

        raise InputError("redirect_limit", "must be from 0 to 100 (Chromium, Firefox and WebKit use 20)", str(value))


@attrs.frozen
class _RequestChoices:
    """A profile's name, and its choices in building the request."""

    name: str
    #: What the values were checked against (an engine version, or the spec snapshot).
    verified_against: str

    # --- request construction ---------------------------------------------------------
    #: Headers in the request's header list before the CORS decision (fetch steps 12-14
    #: add `Accept: */*` and a user-agent-chosen `Accept-Language`). Spec: they count toward
    #: the 1024-byte safelisted total. Engines that add them later use ().
    default_request_headers: HeaderList = attrs.field(
        default=(("Accept", "*/*"), ("Accept-Language", "en-US,en;q=0.9")), metadata={"evidence": "preflight-total-1024-bytes"})
    #: Spec: the CORS-safelisted request-header test sees each header as appended. True:
    #: it sees the combined value of all headers of that name ("a, b"), as engines that
    #: keep one value per name do.
    safelist_combined_values: bool = attrs.field(
        default=False, metadata={"evidence": "preflight-content-language-entries-each-checked"})
    #: CORS-unsafe request-header names step 5: over this many bytes of safelisted values,
    #: all become unsafe (spec: 1024; None: no such limit).
    safelist_total_limit: int | None = attrs.field(
        default=1024, metadata={"evidence": "preflight-total-author-headers"})
    #: Spec: Access-Control-Request-Headers names are unique. False: a name set twice is
    #: listed twice.
    acrh_unique: bool = attrs.field(default=True, metadata={"evidence": "preflight-acrh-sorted-lowercase"})
    #: Spec: bytes 0x80-0xFF are not CORS-unsafe request-header bytes. True: they make
    #: Accept and Content-Type values unsafe.
    safelist_non_ascii_unsafe: bool = attrs.field(default=False, metadata={"evidence": "diff-accept-obs-text"})
    #: Spec: a Content-Type is safelisted when it parses as a MIME type. True: a value ending
    #: in an empty parameter after another ";" (`text/plain;a=b;`) is unsafe.
    content_type_trailing_empty_parameter_unsafe: bool = attrs.field(
        default=False, metadata={"evidence": "diff-content-type-trailing-semicolon-forms"})
    #: Spec: a Content-Type is safelisted when the whole value parses as a MIME type
    #: (`multipart/form-data; boundary=x, text/csv` parses, its essence is
    #: multipart/form-data). True: a value that is a comma-separated list (a comma outside
    #: quotes) is unsafe, whatever its types.
    content_type_list_unsafe: bool = attrs.field(
        default=False, metadata={"evidence": "diff-firefox-content-type-comma-list"})
    #: Spec: a Range's numbers have no upper bound. An engine's parser takes numbers up to
    #: this value; larger ones make Range unsafe.
    range_max_value: int | None = attrs.field(default=None, metadata={"evidence": "diff-range-64-bit-limits"})
    #: Spec: the Range unit is the literal `bytes`. True: any case (`Bytes=0-1`).
    range_unit_case_insensitive: bool = attrs.field(default=False, metadata={"evidence": "diff-range-prefix-case"})
    #: XHR send(): spec: an upload listener sets the use-CORS-preflight flag. True: only
    #: when there is a body.
    xhr_upload_listener_needs_body: bool = attrs.field(
        default=False, metadata={"evidence": "xhr-upload-listener-no-body"})
    #: Spec: no client-hint request header is CORS-safelisted. An engine's list of
    #: (lowercased name, value grammar): such a header with a value of that grammar is
    #: safelisted (no preflight, not in Access-Control-Request-Headers).
    safelisted_client_hints: tuple[tuple[str, ClientHintValue], ...] = attrs.field(
        default=(), metadata={"evidence": "diff-chromium-client-hints-safelisted"})
    #: Spec: User-Agent is not a forbidden request-header name. Names an engine still
    #: drops silently when script sets them (lowercased).
    extra_forbidden_request_headers: frozenset[str] = attrs.field(
        default=frozenset(), metadata={"evidence": "diff-chromium-user-agent-not-in-acrh"})

    # --- the Origin header --------------------------------------------------------------
    #: Spec: the Origin header serializes the request's origin, "null" only after
    #: redirect-taint (a hop between two URLs neither of which is same origin with the
    #: request's origin). True: a request whose response tainting is not "cors" (a no-cors
    #: POST) carries `Origin: null` from its first hop to a URL not same origin with the
    #: previous URL on (a.test -> api.a.test too); CORS-mode requests follow the spec
    #: (diff-chromium-cors-origin-kept-on-cross-origin-hop).
    origin_null_after_cross_origin_hop: bool = attrs.field(
        default=False, metadata={"evidence": "diff-chromium-no-cors-origin-null-on-cross-origin-hop"})
    #: Spec: a GET or HEAD that is not CORS-handled carries no Origin. True: from a page
    #: whose origin is opaque and whose precursor origin is known (the tuple origin the
    #: opaque one was made from: a sandboxed frame's document URL), such a request with
    #: credentials mode "include" (img, script, stylesheet, iframe; fetch no-cors with
    #: credentials "include") to a first URL same site with the precursor carries
    #: `Origin: null`, and keeps it on later hops while the method stays.
    opaque_origin_same_site_null: bool = attrs.field(
        default=False, metadata={"evidence": "diff-chromium-opaque-page-same-site-origin-null"})



@attrs.frozen
class _PreflightChoices(_RequestChoices):
    """Choices in the CORS-preflight fetch and the preflight cache."""

    # --- CORS-preflight fetch -----------------------------------------------------------
    #: Which failure is reported when a preflight has both a non-ok status and a failing
    #: CORS check (spec step 7 checks the CORS check first). Only the reason changes.
    preflight_status_checked_first: bool = attrs.field(
        default=False, metadata={"evidence": "msg-preflight-check-order"})
    #: Which failure is reported when a preflight answers with a redirect (3xx with a
    #: Location) whose CORS check also fails. Spec: the CORS check's (step 7). True: the
    #: redirect is refused first. Only the reason (and the console message) changes.
    preflight_redirect_checked_first: bool = attrs.field(
        default=False, metadata={"evidence": "msg-preflight-check-order"})
    #: When a failing Access-Control-Allow-Origin counts as "several values" (the reason,
    #: and so the console message): "comma-or-space" in the combined value (the model's
    #: refinement, named like Chromium's), "comma" only, or "lines": only when the response
    #: has more than one Access-Control-Allow-Origin line.
    allow_origin_multiple: AllowOriginMultiple = attrs.field(
        default="comma-or-space", metadata={"evidence": "check-acao-two-origins-one-line"})
    #: Whether `Access-Control-Allow-Headers: *` (without credentials) covers Authorization.
    #: Spec: never (step 7.6).
    wildcard_covers_authorization: bool = attrs.field(
        default=False, metadata={"evidence": "preflight-authorization-not-wildcard"})
    #: Step 7.4: with the use-CORS-preflight flag and no Access-Control-Allow-Methods, the
    #: request's method counts as allowed. False: engines that lack step 7.4.
    preflight_flag_allows_unlisted_method: bool = attrs.field(
        default=True, metadata={"evidence": "xhr-upload-listener-put-no-acam"})
    #: Spec: a preflight response must pass the CORS check. True: a preflight whose URL is
    #: same origin with the origin it carries skips the Access-Control-Allow-Origin check
    #: (only with ``preflight_origin_tainted`` False).
    preflight_same_origin_skips_cors_check: bool = attrs.field(
        default=False, metadata={"evidence": "diff-redirect-preflighted-put-to-page-origin"})
    #: Spec: header lines with empty values take part in combining ("", "true" is ", true").
    #: True: an empty line is dropped when another line of that name has a value (a name
    #: whose lines are all empty stays, with an empty value, and script sees it);
    #: Access-Control-Allow-Origin lines as ``empty_allow_origin_line_kept`` says.
    empty_header_lines_ignored: bool = attrs.field(
        default=False, metadata={"evidence": "diff-acac-true-and-empty-line"})
    #: With ``empty_header_lines_ignored``: when an empty Access-Control-Allow-Origin line
    #: is kept anyway. "always"; "canonical-spelling": only when every
    #: Access-Control-Allow-Origin line is spelled exactly so (another case drops it).
    empty_allow_origin_line_kept: EmptyAllowOriginLine = attrs.field(
        default="always", metadata={"evidence": "diff-firefox-acao-empty-line-name-case"})
    #: Spec: the preflight after a tainting redirect carries `Origin: null` like the request
    #: itself. False: it carries the page's origin, is checked against it and cached under
    #: it.
    preflight_origin_tainted: bool = attrs.field(
        default=True, metadata={"evidence": "redirect-preflighted-put-307-tainted"})

    # --- CORS-preflight cache -----------------------------------------------------------
    #: Whether the user agent has a preflight cache at all (spec: it may not).
    preflight_cache: bool = True
    #: Max-age when Access-Control-Max-Age is absent (step 7.9: 5).
    max_age_default: int = 5
    #: Max-age when Access-Control-Max-Age fails to parse (step 7.9: 5, as when absent).
    max_age_on_invalid: int = attrs.field(default=5, metadata={"evidence": "cache-max-age-non-numeric-defaults-to-5"})
    #: Spec: a negative value fails delta-seconds parsing, so it means the default. True:
    #: it means 0 (nothing cached).
    max_age_negative_is_zero: bool = attrs.field(
        default=False, metadata={"evidence": "cache-max-age-negative-defaults-to-5"})
    #: Spec: `+5` fails delta-seconds parsing. True: a leading plus sign is accepted.
    max_age_plus_sign: bool = attrs.field(default=False, metadata={"evidence": "diff-cache-max-age-plus-sign"})
    #: Spec: an empty Access-Control-Max-Age fails delta-seconds parsing (so it means
    #: ``max_age_on_invalid``). True: an empty value counts as absent (``max_age_default``).
    max_age_empty_is_absent: bool = attrs.field(default=False, metadata={"evidence": "diff-cache-max-age-empty"})
    #: The imposed limit on max-age (step 7.10; user-agent defined; None = no limit).
    max_age_cap: int | None = attrs.field(default=None, metadata={"evidence": "source"})
    #: Spec: one entry per allowed method and per allowed header name, refreshed or added.
    #: True: a preflight replaces everything cached for the URL.
    preflight_cache_per_url: bool = attrs.field(default=False, metadata={"evidence": "source"})
    #: Spec: refreshing an entry (steps 7.12, 7.14) sets only its max-age, so it still
    #: expires max-age after it was first stored. True: refreshing restarts the clock.
    cache_refresh_resets_time: bool = attrs.field(
        default=False, metadata={"evidence": "cache-refresh-keeps-storing-time"})
    #: Whether preflights made for an opaque page's origin are cached (the page's origin
    #: serializes as "null").
    cache_opaque_page_origin: bool = attrs.field(default=True, metadata={"evidence": "cache-null-page-origin"})
    #: Whether preflights for a request whose origin a redirect tainted to "null" are
    #: cached (engines that make a fresh opaque origin per tainted request never hit).
    cache_tainted_origin: bool = attrs.field(
        default=True, metadata={"evidence": "cache-null-origin-shared-by-tainted-chains"})
    #: Spec: a safelisted method needs its own method entry when the use-CORS-preflight
    #: flag forces a preflight (HTTP fetch step 4.1). True: engines keep one record per URL
    #: and count a safelisted method as allowed by any live record for the URL.
    cache_safelisted_method_via_url: bool = attrs.field(
        default=False, metadata={"evidence": "cache-use-cors-preflight-flag-method-entry"})
    #: Spec: `*` entries match any method / any non-Authorization header name. False: `*`
    #: is stored but only ever matches a literal "*".
    cache_wildcards: bool = attrs.field(default=True, metadata={"evidence": "cache-star-method-entry"})
    #: Spec: the cache match does not re-check credentials for a `*` entry, so a `*` made by
    #: a credentialed preflight is a wildcard too. False: only uncredentialed `*` entries
    #: are wildcards.
    cache_wildcard_for_credentialed: bool = attrs.field(
        default=True, metadata={"evidence": "cache-star-method-credentialed-spec-letter"})
    #: Spec: a `*` header-name entry never matches Authorization. True: it does.
    cache_wildcard_covers_authorization: bool = attrs.field(
        default=False, metadata={"evidence": "cache-star-header-not-authorization"})
    #: Spec: an entry made with credentials also serves requests without them. False:
    #: entries only serve requests with the same credentials mode.
    cache_credentialed_serves_uncredentialed: bool = attrs.field(
        default=True, metadata={"evidence": "cache-credentialed-entry-serves-uncredentialed"})
    #: Main fetch step 12: a network error in the preflighted branch clears the URL's
    #: entries; these two say whether that happens when the preflight failed and when the
    #: actual response failed.
    cache_clear_on_preflight_failure: bool = attrs.field(
        default=True, metadata={"evidence": "cache-cleared-after-failed-preflight"})
    cache_clear_on_response_failure: bool = attrs.field(
        default=True, metadata={"evidence": "cache-cleared-after-failed-actual-response"})



@attrs.frozen
class _LoadChoices(_PreflightChoices):
    """Choices in element loads and redirects."""

    # --- element loads ------------------------------------------------------------------
    #: Spec: a same-origin request keeps tainting "basic", so a GET carries no Origin even in
    #: mode "cors". Engines send Origin anyway for these elements' CORS-mode loads.
    element_same_origin_cors_origin: frozenset[str] = attrs.field(
        default=frozenset(), metadata={"evidence": "element-img-same-origin-basic-anonymous"})
    #: HTML: a stylesheet whose Content-Type is not text/css fails to load. False: it loads.
    stylesheet_requires_css_mime: bool = attrs.field(
        default=True, metadata={"evidence": "element-stylesheet-text-plain-error"})
    #: HTML: an image is decoded whatever the response's status. True: an SVG image
    #: (image/svg+xml) whose status is not ok fails to load.
    svg_image_requires_ok_status: bool = attrs.field(
        default=False, metadata={"evidence": "diff-firefox-svg-image-not-ok-status"})
    #: HTML: a stylesheet without a Content-Type (or with an empty one) is not text/css and
    #: fails. True: the text/css requirement applies only when a MIME type is given.
    stylesheet_missing_mime_ok: bool = attrs.field(
        default=False, metadata={"evidence": "diff-stylesheet-without-content-type-loads"})
    #: HTML: the stylesheet's MIME type is extracted from all Content-Type lines (header
    #: list "get" combines them; the last valid type wins). True: only the first
    #: Content-Type line is read.
    stylesheet_mime_from_first_line: bool = attrs.field(
        default=False, metadata={"evidence": "diff-webkit-stylesheet-content-type-two-lines"})
    #: CSS Fonts: font loads are CORS requests. False: fetched like a no-cors load (no
    #: Origin; a cross-origin font loads without Access-Control-Allow-Origin).
    font_cors: bool = attrs.field(default=True, metadata={"evidence": "element-font-cross-origin-no-acao-error"})
    #: HTML: a media element fetches its resource once per load. True: when the fetch gives
    #: a response (no network error) whose status is below 400 but whose body is not media
    #: (no audio/video signature: text, an empty 204, a 3xx without Location), the whole
    #: load is sent again once, every hop as the first time (same method, URL and Origin),
    #: before the element fires error. A status of 400 or more, or a network error (CORS),
    #: is not retried.
    media_unplayable_fetched_again: bool = attrs.field(
        default=False, metadata={"evidence": "diff-webkit-media-fetched-twice"})

    # --- redirects ----------------------------------------------------------------------
    #: HTTP-redirect fetch step 7: redirect count at which fetch gives up (spec: 20).
    redirect_limit: int = attrs.field(default=20, validator=lambda _s, _a, v: _check_redirect_limit(v))
    #: Spec: a redirect status is a redirect even without Location (redirect: "error" fails
    #: on it). True: without Location it is an ordinary response in redirect modes "follow"
    #: and "error"; with "manual" it is still an opaque-redirect response (every engine,
    #: diff-manual-redirect-without-location).
    redirect_requires_location: bool = attrs.field(
        default=False, metadata={"evidence": "redirect-mode-error-without-location"})
    #: An empty Location value. Spec "url": it parses (relative to the current URL) as
    #: that URL, so the redirect is followed (to itself). "absent": as if there were no
    #: Location (the 3xx is the response); "failure": a network error. Only for redirect
    #: mode "follow" (with "manual" every engine gives an opaque-redirect response).
    empty_location: EmptyLocation = attrs.field(
        default="url", metadata={"evidence": "diff-empty-location-followed"})
    #: Two Location lines. Spec: failure. "identical": fine when the values are equal;
    #: "combined": the combined value "a, b" is parsed as one URL.
    location_duplicates: LocationDuplicates = attrs.field(
        default="failure", metadata={"evidence": "redirect-location-two-identical-headers"})
    #: Spec: userinfo in the location URL fails only for CORS requests (steps 9-10). True:
    #: any redirect to a URL with userinfo fails.
    redirect_userinfo_always_fails: bool = attrs.field(
        default=False, metadata={"evidence": "redirect-no-cors-userinfo-followed"})
    #: Spec: steps 9-10 fail before anything more is sent. True: when the next hop would
    #: need a CORS preflight (not covered by the cache), that preflight is sent to the
    #: location URL first; the fetch then fails all the same (with the preflight's failure
    #: when it fails).
    redirect_userinfo_checked_after_preflight: bool = attrs.field(
        default=False, metadata={"evidence": "diff-webkit-redirect-userinfo-after-preflight"})
    #: Step 12: a redirect that turns the method into GET deletes the request-body headers
    #: (Content-Type...). False: they stay.
    redirect_drops_body_headers: bool = attrs.field(
        default=True, metadata={"evidence": "redirect-301-post-becomes-get"})
    #: Spec: the Origin header is appended afresh at every hop, so a same-origin GET made by
    #: a redirect that changed the method carries none. True: when that redirect stays on
    #: the same origin, the Origin sent before the method changed stays on the request
    #: (until a hop to another origin).
    redirect_keeps_origin_header: bool = attrs.field(
        default=False, metadata={"evidence": "diff-webkit-origin-kept-after-method-change"})
    #: Spec: step 12 changes the method only for 301/302 with POST and 303. True: a DELETE
    #: redirected to another origin (any redirect status) becomes a GET without a body.
    redirect_cross_origin_delete_becomes_get: bool = attrs.field(
        default=False, metadata={"evidence": "diff-webkit-delete-cross-origin-redirect-becomes-get"})
    #: Spec: a redirect keeps the request's headers (step 13 aside). True: a hop to another
    #: origin deletes the client-hint headers of ``safelisted_client_hints`` (the engine
    #: sets them per origin), except those of ``client_hints_kept_on_redirect``.
    redirect_drops_client_hints: bool = attrs.field(
        default=False, metadata={"evidence": "diff-chromium-client-hints-dropped-on-redirect"})
    #: With ``redirect_drops_client_hints``: the client-hint names (lowercased) a hop to
    #: another origin keeps all the same (spec: every header stays, so this list has no
    #: effect under the spec's choice).
    client_hints_kept_on_redirect: frozenset[str] = attrs.field(
        default=frozenset(), metadata={"evidence": "diff-chromium-save-data-kept-on-redirect"})
    #: Step 13: a hop to another origin deletes Authorization. False: it stays.
    redirect_drops_authorization: bool = attrs.field(
        default=True, metadata={"evidence": "redirect-authorization-dropped-cross-origin"})
    #: Spec: after a redirect, main fetch decides afresh whether a preflight is needed.
    #: True: every cross-origin hop after a redirect is preflighted when the request's
    #: original headers needed a preflight or an earlier hop did (even after a 303 made it
    #: a GET); a method that needed one no longer counts once a redirect made it GET before
    #: any preflight (diff-sticky-preflight-not-after-303).
    preflight_sticky_across_redirects: bool = attrs.field(
        default=False, metadata={"evidence": "redirect-303-put-becomes-get"})
    #: Spec: the CORS check on a redirect response uses the request's credentials mode.
    #: True: for a request that started same-origin with credentials mode "same-origin",
    #: the CORS check on a later cross-origin *redirect* response counts it as credentialed
    #: (it needs Access-Control-Allow-Credentials: true).
    same_origin_credentials_stick: bool = attrs.field(
        default=False, metadata={"evidence": "redirect-taint-via-other-port"})



@attrs.frozen
class Profile(_LoadChoices):
    """A frozen set of behaviour choices; ``SPEC`` follows the Fetch standard to the letter.

    The fields are declared by stage (request, preflight and cache, loads and redirects) in
    the base classes above; a profile is one flat record of all of them.
    """


SPEC = Profile(name="spec", verified_against="Fetch standard @ 586cd2a (2026-07-02)")

#: For each field where an engine profile departs from the spec: the golden scenario that
#: shows the difference in a real engine (or "source" where only the engine's source shows
#: it, e.g. a cap of hours). Written once, on the field (its ``evidence`` metadata).
FIELD_EVIDENCE: dict[str, str] = {
    f.name: f.metadata["evidence"] for f in attrs.fields(Profile) if "evidence" in f.metadata
}


def differences_from_spec(profile: Profile) -> dict[str, tuple[object, object]]:
    """Fields where ``profile`` departs from SPEC: name -> (spec value, profile value)."""
    out: dict[str, tuple[object, object]] = {}
    for field in attrs.fields(Profile):
        if field.name in ("name", "verified_against"):
            continue
        a, b = getattr(SPEC, field.name), getattr(profile, field.name)
        if a != b:
            out[field.name] = (a, b)
    return out
