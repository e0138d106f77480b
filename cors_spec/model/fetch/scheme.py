"""Scheme fetch: HTTP(S) goes to HTTP fetch; `data:` URLs answer locally.

https://fetch.spec.whatwg.org/#concept-scheme-fetch
"""

from __future__ import annotations

from cors_spec.model.classify import mime_type_essence
from cors_spec.model.fetch.params import FetchParams, InternalResponse
from cors_spec.model.headers import lowercased
from cors_spec.model.request import Request
from cors_spec.model.response import Failure, Reason
from cors_spec.model.spec import Algorithm
from cors_spec.model.trace import Decision, Step


def data_url_response(params: FetchParams, request: Request) -> InternalResponse:
    """The `data:` URL processor, reduced to the MIME type (the body is not modelled).

    https://fetch.spec.whatwg.org/#data-url-processor
    """
    url = request.current_url
    text = url.href[5:].split(",", 1)[0].split("#", 1)[0].strip()
    is_base64 = text.lower().endswith(";base64")
    mime = text[: -len(";base64")] if is_base64 else text
    if mime.startswith(";"):
        mime = "text/plain" + mime
    if mime_type_essence(mime) is None:
        mime = "text/plain;charset=US-ASCII"
    if params.trace is not None:
        params.trace.append(Step(Algorithm.SCHEME_FETCH, "", Decision.RECEIVED,
                                 (("scheme", "data"), ("content-type", mime))))
    return InternalResponse(200, lowercased((("Content-Type", mime),)), "", request.url_list)


def non_http_scheme_fetch(params: FetchParams, request: Request) -> InternalResponse | Failure:
    """Scheme fetch for every scheme but HTTP(S): `data:` answers, others fail here."""
    url = request.current_url
    if url.scheme == "data":
        return data_url_response(params, request)
    if params.trace is not None:
        params.trace.append(Step(Algorithm.SCHEME_FETCH, "", Decision.NETWORK_ERROR, (("scheme", url.scheme),)))
    return Failure(Reason.UNSUPPORTED_SCHEME, url.scheme, url.href)
