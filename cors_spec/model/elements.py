"""Loads started by elements: how HTML maps them to fetch, and what the page gets.

An element is never rejected like a script API call: a load that fails fires the element's
error event. What the page can read is decided by the response tainting: a cross-origin
load without ``crossorigin`` is fetched in mode "no-cors" and comes back opaque, so it
displays or runs but cannot be read (a tainted canvas, muted script errors, inaccessible
cssRules). Navigations (iframe) are not CORS at all.

https://html.spec.whatwg.org/multipage/urls-and-fetching.html#create-a-potential-cors-request
"""

from __future__ import annotations

from typing import Final

from cors_spec.model.classify import get_decode_split, mime_type_essence
from cors_spec.model.headers import HeaderList, lowered_get
from cors_spec.model.origin import Origin, Url, same_origin
from cors_spec.model.profile import Profile
from cors_spec.model.request import Api, Credentials, CrossOrigin, Destination, Mode, Redirect, Request, Tainting
from cors_spec.model.response import ElementLoad, Failure, Outcome, Reason
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import ABSENT, Decision, Recorder, Step

_DESTINATIONS: Final = {
    Api.IMG: Destination.IMAGE,
    Api.SCRIPT: Destination.SCRIPT,
    Api.MODULE_SCRIPT: Destination.SCRIPT,
    Api.STYLESHEET: Destination.STYLE,
    Api.FONT: Destination.FONT,
    Api.MEDIA: Destination.VIDEO,
    Api.IFRAME: Destination.IFRAME,
}
# fetch step 12: the default Accept value by destination
_ACCEPT: Final = {
    Destination.IMAGE: "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
    Destination.STYLE: "text/css,*/*;q=0.1",
    Destination.IFRAME: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
# https://mimesniff.spec.whatwg.org/#javascript-mime-type
JAVASCRIPT_MIME_TYPES: Final = frozenset(
    ["application/ecmascript", "application/javascript", "application/x-ecmascript",
     "application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
     "text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
     "text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript", "text/x-javascript"]
)
# Signatures (https://mimesniff.spec.whatwg.org/#matching-an-image-type-pattern and the
# font and audio/video pattern tables), as byte prefixes; "?" matches any byte.
_IMAGE_SIGNATURES: Final = ("\x89PNG\r\n\x1a\n", "GIF87a", "GIF89a", "\xff\xd8\xff", "BM", "\x00\x00\x01\x00",
                            "\x00\x00\x02\x00", "RIFF????WEBPVP")
_FONT_SIGNATURES: Final = ("wOFF", "wOF2", "\x00\x01\x00\x00", "OTTO", "true", "ttcf")
_VIDEO_SIGNATURES: Final = ("\x1a\x45\xdf\xa3", "????ftyp")
_AUDIO_SIGNATURES: Final = ("OggS\x00", "ID3", "fLaC", "RIFF????WAVE", "\xff\xfb", "\xff\xf3", "\xff\xf2")


def _matches(body: str, signatures: tuple[str, ...]) -> bool:
    for sig in signatures:
        if len(body) >= len(sig) and all(s == "?" or s == b for s, b in zip(sig, body)):
            return True
    return False


def extract_mime_essence(headers: HeaderList) -> str | None:
    """The essence of the response's MIME type, or None for failure (lowercased names).

    https://fetch.spec.whatwg.org/#concept-header-extract-mime-type (essence only)
    """
    value = lowered_get(headers, "content-type")
    if value is None:
        return None
    essence: str | None = None
    for item in get_decode_split(value):
        parsed = mime_type_essence(item)
        if parsed is None or parsed == "*/*":
            continue
        essence = parsed
    return essence


def determine_nosniff(headers: HeaderList) -> bool:
    """https://fetch.spec.whatwg.org/#determine-nosniff"""
    value = lowered_get(headers, "x-content-type-options")
    if value is None:
        return False
    return get_decode_split(value)[0].lower() == "nosniff"


def blocked_for_destination(destination: Destination, headers: HeaderList, trace: Recorder | None) -> Reason | None:
    """Main fetch step 20 for script-like and style destinations (MIME type, nosniff)."""
    if destination not in (Destination.SCRIPT, Destination.STYLE):
        return None
    essence = extract_mime_essence(headers)
    shown = essence or "(failure)"
    # should response to request be blocked due to nosniff?
    if determine_nosniff(headers):
        wrong = (essence not in JAVASCRIPT_MIME_TYPES if destination is Destination.SCRIPT
                 else essence != "text/css")
        if wrong:
            if trace is not None:
                trace.append(Step(Algorithm.BLOCKED_NOSNIFF, "", Decision.YES, (
                    ("x-content-type-options", "nosniff"), ("mime type", shown),
                    ("destination", destination.value))))
            return Reason.BLOCKED_BY_NOSNIFF
    # should response to request be blocked due to its MIME type?
    if destination is Destination.SCRIPT and essence is not None and (
        essence.startswith(("audio/", "image/", "video/")) or essence == "text/csv"
    ):
        if trace is not None:
            trace.append(Step(Algorithm.BLOCKED_MIME_TYPE, "", Decision.YES, (
                ("mime type", essence), ("destination", "script"))))
        return Reason.BLOCKED_BY_MIME_TYPE
    return None


def element_request(
    api: Api, crossorigin: CrossOrigin | None, url: Url, page: Origin, profile: Profile,
    trace: Recorder | None,
) -> Request:
    """The request an element makes (HTML: create a potential-CORS request, and the
    module-script, font and navigation variants)."""
    destination = _DESTINATIONS[api]
    if api is Api.IFRAME:
        mode, credentials, why = Mode.NAVIGATE, Credentials.INCLUDE, "navigation"
    elif api is Api.FONT and not profile.font_cors:
        # Profile choice: an engine that fetches fonts without CORS.
        mode, credentials, why = Mode.NO_CORS, Credentials.INCLUDE, "font-no-cors"
    elif api in (Api.MODULE_SCRIPT, Api.FONT):
        # Module scripts and fonts are always fetched in mode "cors".
        mode = Mode.CORS
        credentials = Credentials.INCLUDE if crossorigin is CrossOrigin.USE_CREDENTIALS else Credentials.SAME_ORIGIN
        why = "always-cors"
    elif crossorigin is None:
        mode, credentials, why = Mode.NO_CORS, Credentials.INCLUDE, "no-crossorigin"
    elif crossorigin is CrossOrigin.ANONYMOUS:
        mode, credentials, why = Mode.CORS, Credentials.SAME_ORIGIN, "crossorigin-anonymous"
    else:
        mode, credentials, why = Mode.CORS, Credentials.INCLUDE, "crossorigin-use-credentials"
    headers: list[tuple[str, str]] = [("Accept", _ACCEPT.get(destination, "*/*"))]
    for name, value in profile.default_request_headers:
        if name.lower() != "accept":
            headers.append((name, value))
    if trace is not None:
        trace.append(Step(Algorithm.DESTINATION, "", Decision.SET, (
            ("element", api.value), ("crossorigin", ABSENT if crossorigin is None else crossorigin.value),
            ("destination", destination.value), ("mode", mode.value), ("credentials", credentials.value),
            ("why", why))))
    return Request(
        method="GET", url_list=(url,), headers=tuple(headers), origin=page, mode=mode,
        credentials=credentials, redirect=Redirect.FOLLOW, api=api, destination=destination,
        unsafe_request=False,
    )


def _ok(status: int) -> bool:
    return 200 <= status <= 299


def media_fetched_again(
    api: Api, status: int, body: str, profile: Profile, trace: Recorder | None,
) -> bool:
    """Whether the engine sends a media element's whole load a second time (every hop
    again, as the first time) before the element fires error.

    Profile choice (``media_unplayable_fetched_again``): HTML fetches a media resource once
    per load. WebKitGTK's media pipeline loads it again when the fetch gave a response
    (the caller asks only then: no network error, CORS passed) whose status is below 400
    and whose body has no audio/video signature; a status of 400 or more is not retried.
    """
    if not profile.media_unplayable_fetched_again or api is not Api.MEDIA:
        return False
    if status in (204, 304):
        body = ""  # no content on the wire (RFC 9110, 15.3.5 and 15.4.5), whatever the server wrote
    again = status < 400 and not (_matches(body, _VIDEO_SIGNATURES) or _matches(body, _AUDIO_SIGNATURES))
    if again and trace is not None:
        trace.append(Step(Algorithm.FILTERED_RESPONSE, "", Decision.CHOSEN, (
            ("element", api.value), ("fetched again", "yes"),
            ("why", f"status {status} below 400, body not media"))))
    return again


def element_verdict(
    api: Api, page: Origin, request: Request, status: int, headers: HeaderList, body: str,
    url_list: tuple[Url, ...], failure: Failure | None, profile: Profile, trace: Recorder | None,
) -> tuple[ElementLoad, Outcome, Failure | None]:
    """Whether the element loaded, what the page can read, and the observed outcome."""
    tainting = request.tainting
    cors_same_origin = tainting is not Tainting.OPAQUE
    reason: Reason | None = None
    readable: bool | None = None
    if api is Api.IFRAME:
        # A navigation always ends in a document (an error page if need be): load fires.
        final = url_list[-1]
        xfo = (lowered_get(headers, "x-frame-options") or "").strip().lower() if failure is None else ""
        if failure is not None:
            loaded, readable, why = True, False, "error-page: " + failure.reason.value
        elif status in (204, 205):
            # HTML navigate: a 204 or 205 response aborts the navigation; no document, no load.
            loaded, readable, why = False, None, f"navigation-no-content: {status}"
        elif xfo == "deny" or (xfo == "sameorigin" and not same_origin(page, final.origin)):
            loaded, readable, why = True, False, f"x-frame-options: {xfo}"
        else:
            readable = same_origin(page, final.origin)
            loaded, why = True, ("same-origin-document" if readable
                                 else "cross-origin-document")
        element = ElementLoad(loaded, readable, why)
        outcome = Outcome.BASIC if readable else Outcome.OPAQUE
        failure = None
        if not loaded:
            outcome = Outcome.NETWORK_ERROR
            failure = Failure(Reason.LOAD_STATUS_NOT_OK, str(status), final.href)
    else:
        essence = extract_mime_essence(headers) if failure is None else None
        if failure is None and api is Api.STYLESHEET and profile.stylesheet_mime_from_first_line:
            # Profile choice: an engine that reads only the first Content-Type line.
            essence = extract_mime_essence(tuple(
                [(n, v) for n, v in headers if n.lower() == "content-type"][:1]))
        if failure is not None:
            loaded, why = False, "network-error: " + failure.reason.value
        elif api in (Api.SCRIPT, Api.MODULE_SCRIPT, Api.STYLESHEET, Api.MEDIA) and not _ok(status):
            loaded, why, reason = False, f"status-not-ok: {status}", Reason.LOAD_STATUS_NOT_OK
        elif api is Api.MODULE_SCRIPT and essence not in JAVASCRIPT_MIME_TYPES:
            loaded, why, reason = False, f"mime-not-javascript: {essence}", Reason.LOAD_MIME_TYPE_MISMATCH
        elif (api is Api.STYLESHEET and essence != "text/css" and profile.stylesheet_requires_css_mime
              # Profile choice: without a (non-empty) Content-Type the requirement is waived.
              and not (profile.stylesheet_missing_mime_ok
                       and not (lowered_get(headers, "content-type") or "").strip())):
            loaded, why, reason = False, f"mime-not-css: {essence}", Reason.LOAD_MIME_TYPE_MISMATCH
        elif (api is Api.IMG and essence == "image/svg+xml" and not _ok(status)
              # Profile choice: an engine that refuses an SVG image with a status not ok.
              and profile.svg_image_requires_ok_status):
            loaded, why, reason = False, f"status-not-ok: {status}", Reason.LOAD_STATUS_NOT_OK
        elif api is Api.IMG and not (_matches(body, _IMAGE_SIGNATURES) or essence == "image/svg+xml"):
            loaded, why, reason = False, "not-an-image", Reason.LOAD_UNDECODABLE
        elif api is Api.FONT and not _matches(body, _FONT_SIGNATURES):
            loaded, why, reason = False, "not-a-font", Reason.LOAD_UNDECODABLE
        elif api is Api.MEDIA and not (_matches(body, _VIDEO_SIGNATURES) or _matches(body, _AUDIO_SIGNATURES)):
            loaded, why, reason = False, "not-media", Reason.LOAD_UNDECODABLE
        else:
            loaded = True
            if api in (Api.MODULE_SCRIPT, Api.FONT):
                readable, why = True, "fetched-with-cors"
            elif api is Api.MEDIA and not _matches(body, _VIDEO_SIGNATURES):
                readable, why = None, "audio-only"
            else:
                readable = cors_same_origin
                why = {Api.IMG: "canvas", Api.SCRIPT: "error-details",
                       Api.STYLESHEET: "cssrules", Api.MEDIA: "canvas"}.get(api, "read") + (
                    "-allowed" if readable else "-blocked")
        element = ElementLoad(loaded, readable if loaded else None, why)
        if not loaded:
            outcome = Outcome.NETWORK_ERROR
            if failure is None and reason is not None:
                failure = Failure(reason, essence or str(status), url_list[-1].href)
        elif readable is False:
            outcome = Outcome.OPAQUE
        else:
            outcome = Outcome(tainting.value)
    if trace is not None:
        trace.append(Step(Algorithm.FILTERED_RESPONSE, "", Decision.RETURNED, (
            ("element", api.value), ("loaded", "yes" if element.loaded else "no"),
            ("readable", {True: "yes", False: "no", None: "no-probe"}[element.readable]), ("why", element.why))))
    return element, outcome, failure
