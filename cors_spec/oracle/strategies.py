"""Hypothesis strategies for testing CORS implementations against the model.

Importing this module needs hypothesis (``import cors_spec`` does not). Everything here
draws values a real page and browser could produce: origins as browsers serialize them
(near misses of the allowed ones included), methods, request headers with the edge values
of each CORS-safelist rule, whole requests (``fetch()`` and XHR, modes, credentials,
redirect modes, a cookie the browser may hold), sequences of them, and sets of CORS
response headers (valid and malformed) for testing other engines.

>>> from cors_spec.oracle.intent import Intent
>>> intent = Intent.from_dict({"origins": ["https://app.example"]})
>>> "https://app.example.evil.test" in near_misses("https://app.example")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hypothesis import strategies as st

from cors_spec.model.origin import parse_origin
from cors_spec.model.request import Api, Credentials, Mode, Redirect
from cors_spec.oracle.intent import Intent
from cors_spec.oracle.requests import BrowserRequest

__all__ = [
    "GENERIC_ORIGINS",
    "browser_requests",
    "cors_response_headers",
    "malformed_values",
    "methods",
    "near_misses",
    "origins",
    "request_headers",
    "request_sequences",
    "safelist_edge_values",
]

#: Origins that are nobody's in particular, for intents with ``*``.
GENERIC_ORIGINS: tuple[str, ...] = (
    "https://app.example", "http://app.example", "https://evil.test", "http://localhost:3000",
    "https://a.b.example", "http://127.0.0.1:8080", "null",
)
COOKIE = "session=oracle"

#: Unescaped-dot look-alikes made per origin: one per dot of the first this many dots (a real
#: host has a few labels; without a cap a host of 5,000 labels makes 5,000 near misses of its
#: own length, quadratic in the host's length).
DOT_LOOKALIKES = 16

_LOOKALIKES = {"a": "à", "e": "é", "o": "ö", "i": "í", "u": "ü", "c": "ç", "n": "ñ", "s": "ś"}


def _canonical(text: str) -> str | None:
    o = parse_origin(text)
    if o is None or (not o.opaque and not o.serialized.startswith(("http://", "https://"))):
        return None
    return o.serialized


def near_misses(origin: str) -> list[str]:
    """Origins a careless check may confuse with ``origin`` (canonical, distinct, sorted by kind).

    Other scheme, other port, suffix and prefix tricks (``https://example.com.evil.test``,
    ``https://evilexample.com``), a subdomain and the parent domain, unescaped-dot
    look-alikes (``wwwxexample.com``), case (which browsers fold back to ``origin``), a
    trailing dot, an IDN look-alike, and ``null``. Look-alikes of the first
    :data:`DOT_LOOKALIKES` dots only, so the cost is linear in the origin's length. For a pattern ``https://*.example.org``
    the near misses of ``https://x.example.org`` and the bare ``https://example.org``.
    """
    if origin == "*":
        return list(GENERIC_ORIGINS)
    base = origin.replace("://*.", "://x.", 1)
    o = parse_origin(base)
    if o is None or o.opaque:
        return ["null"]
    scheme, _, hostport = o.serialized.partition("://")
    host, colon, port = hostport.rpartition(":") if hostport.count(":") == 1 else (hostport, "", "")
    if not colon:
        host, port = hostport, ""
    p = f":{port}" if port else ""
    other = "http" if scheme == "https" else "https"
    labels = host.split(".")
    raw = [
        f"{other}://{host}{p}",  # other scheme
        f"{scheme}://{host}:8443", f"{scheme}://{host}:8080", f"{scheme}://{host}",  # other port
        f"{scheme}://{host}.evil.test{p}",  # suffix
        f"{scheme}://evil{host}{p}", f"{scheme}://evil-{host}{p}",  # prefix
        f"{scheme}://evil.{host}{p}",  # subdomain
        f"{scheme}://{host.upper()}{p}",  # case (browsers lowercase it)
        f"{scheme}://{host}.{p}",  # trailing dot
        "null",
    ]
    if len(labels) >= 2:
        raw.append(f"{scheme}://{'.'.join(labels[1:])}{p}")  # parent domain
        for i in range(min(len(labels) - 1, DOT_LOOKALIKES)):  # an unescaped regex dot matches any character
            raw.append(f"{scheme}://{'.'.join(labels[:i])}{'.' if i else ''}{labels[i]}x{'.'.join(labels[i + 1:])}{p}")
        raw.append(f"{scheme}://{'.'.join(labels[:-1])}.{labels[-1]}x{p}")  # other TLD
    for i, ch in enumerate(host):
        if ch in _LOOKALIKES:
            raw.append(f"{scheme}://{host[:i]}{_LOOKALIKES[ch]}{host[i + 1:]}{p}")  # IDN look-alike
            break
    if base != origin:  # a pattern: its bare domain and a deeper subdomain
        raw.append(f"{scheme}://{'.'.join(labels[1:])}{p}")
        raw.append(f"{scheme}://a.b.{'.'.join(labels[1:])}{p}")
    seen: dict[str, None] = {}  # insertion-ordered set
    for r in raw:
        c = _canonical(r)
        if c is not None and c != o.serialized:  # case folds back to the origin itself
            seen[c] = None
    return list(seen)


def _allowed_examples(entries: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}  # insertion-ordered set
    for e in entries:
        if e == "*":
            continue
        c = _canonical(e.replace("://*.", "://www.", 1)) if "://*." in e else e
        if c is not None:
            out[c] = None
    return list(out)


def origins(allowed: Intent | Iterable[str] | None = None) -> st.SearchStrategy[str]:
    """Page origins: the allowed ones, their near misses, generic ones and arbitrary ones.

    Shrinks toward the allowed origins.
    """
    entries = list(dict.fromkeys(allowed.origins if isinstance(allowed, Intent) else (allowed or ())))
    exact = _allowed_examples(entries)
    exact_set = set(exact)
    missed: dict[str, None] = {}  # insertion-ordered set
    for e in entries:
        for m in near_misses(e):
            if m not in exact_set:
                missed[m] = None
    misses = list(missed)
    arbitrary = st.builds(
        lambda s, h, p: f"{s}://{h}{p}", st.sampled_from(["https", "http"]),
        st.from_regex(r"[a-z][a-z0-9-]{0,8}(\.[a-z]{1,6}){0,2}", fullmatch=True),
        st.sampled_from(["", ":8080", ":3000"]),
    ).map(lambda t: _canonical(t) or "null")
    parts: list[st.SearchStrategy[str]] = []
    if exact:  # twice: half the pages are allowed ones when the intent lists origins
        parts += [st.sampled_from(exact), st.sampled_from(exact)]
    if misses:
        parts.append(st.sampled_from(misses))
    parts += [st.sampled_from(GENERIC_ORIGINS), arbitrary]
    return st.one_of(parts)


def methods(intent: Intent | None = None) -> st.SearchStrategy[str]:
    """Methods as script passes them: safelisted, the intent's (and their other case), others."""
    listed = [m for m in (intent.methods if intent else ()) if m != "*"]
    variants = sorted({v for m in listed for v in (m, m.lower(), m.upper())})
    safelisted = st.sampled_from(["GET", "HEAD", "POST"])
    parts: list[st.SearchStrategy[str]] = [safelisted, safelisted]
    if variants:
        parts.append(st.sampled_from(variants))
    parts.append(st.sampled_from(["PUT", "DELETE", "PATCH", "patch", "put", "OPTIONS", "PROPFIND", "QUERY"]))
    parts.append(st.from_regex(r"[A-Z][A-Za-z]{1,7}", fullmatch=True))
    return st.one_of(parts)


def safelist_edge_values(name: str) -> list[str]:
    """Values of a CORS-safelisted request header name: safelisted ones first, then those
    just outside each rule of https://fetch.spec.whatwg.org/#cors-safelisted-request-header."""
    lname = name.lower()
    long = "a" * 129
    if lname == "accept":
        return ["*/*", "application/json", "text/html, */*;q=0.8", 'a"b', "a{b", long]
    if lname in ("accept-language", "content-language"):
        return ["en-US", "de, en;q=0.8", "*", "en_US", "en(US)", "x" * 129]
    if lname == "content-type":
        return ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "TEXT/PLAIN", "application/json", "text/csv",
                'text/plain; x="', "text/plain\x7f", "text/plain; " + long]
    if lname == "range":
        return ["bytes=0-", "bytes=0-99", "bytes=-5", "bytes=0-1,2-3", "bytes = 0-", "bytes=5-1", "items=0-"]
    return ["1", "t", ""]


_SAFELISTED_NAMES = ("Accept", "Accept-Language", "Content-Language", "Content-Type", "Range")


def _case_variants(name: str) -> list[str]:
    return sorted({name, name.lower(), name.title(), name.upper()})


def _value_for(name: str) -> st.SearchStrategy[tuple[str, str]]:
    values = ["Bearer t", "Basic dTpw"] if name.lower() == "authorization" else safelist_edge_values(name)
    return st.tuples(st.just(name), st.sampled_from(values))


def request_headers(intent: Intent | None = None, max_size: int = 3) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    """Header lists script sets: the intent's names (any case), safelisted names with edge
    values, Authorization, and others."""
    listed = [h for h in (intent.headers if intent else ()) if h != "*"]
    names: list[st.SearchStrategy[str]] = []
    if listed:
        names.append(st.sampled_from(sorted({v for h in listed for v in _case_variants(h)})))
    names += [st.sampled_from(_SAFELISTED_NAMES),
              st.sampled_from(["Authorization", "X-Requested-With", "X-Other", "Cache-Control"]),
              st.from_regex(r"X-[A-Za-z]{1,6}", fullmatch=True)]
    header = st.one_of(names).flatmap(_value_for)
    some = st.lists(header, min_size=1, max_size=max_size).map(tuple)
    return st.one_of(st.just(()), some)  # half the requests set no header


def browser_requests(
    intent: Intent | None = None, url: str | Sequence[str] = "https://api.example/",
    pages: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[BrowserRequest]:
    """One request from a page: ``fetch()`` (any mode, credentials and redirect mode) or XHR
    (with or without credentials and an upload listener), and whether the browser holds a
    cookie for the server."""
    return _requests(pages if pages is not None else origins(intent),
                     st.sampled_from([url] if isinstance(url, str) else list(url)),
                     methods(intent), request_headers(intent))


@st.composite
def _requests(draw: st.DrawFn, pages: st.SearchStrategy[str], urls: st.SearchStrategy[str],
              method_s: st.SearchStrategy[str], header_s: st.SearchStrategy[tuple[tuple[str, str], ...]],
              ) -> BrowserRequest:
    page = draw(pages)
    target = draw(urls)
    api = draw(_APIS)
    method = draw(method_s)
    headers = draw(header_s)
    body = None if method.upper() in ("GET", "HEAD") else draw(_BODIES)
    cookie = draw(_COOKIES)
    if api is Api.XHR:
        creds = draw(_XHR_CREDENTIALS)
        return BrowserRequest(page, target, api, method, headers, Mode.CORS, creds, Redirect.FOLLOW, body,
                              draw(st.booleans()), cookie)
    mode = draw(_MODES)
    creds = draw(_FETCH_CREDENTIALS)
    redirect = draw(_REDIRECTS)
    return BrowserRequest(page, target, api, method, headers, mode, creds, redirect, body, False, cookie)


_APIS = st.sampled_from([Api.FETCH, Api.XHR])
_BODIES = st.sampled_from([None, "x", "{}"])
_COOKIES = st.sampled_from([None, COOKIE])
_XHR_CREDENTIALS = st.sampled_from([Credentials.SAME_ORIGIN, Credentials.INCLUDE])
_MODES = st.sampled_from([Mode.CORS] * 6 + [Mode.NO_CORS, Mode.SAME_ORIGIN])
_FETCH_CREDENTIALS = st.sampled_from([Credentials.SAME_ORIGIN, Credentials.INCLUDE, Credentials.OMIT])
_REDIRECTS = st.sampled_from([Redirect.FOLLOW] * 4 + [Redirect.ERROR, Redirect.MANUAL])
_AFTER = st.sampled_from([0.0, 0.0, 1.0, 10.0, 700.0])


def request_sequences(
    intent: Intent | None = None, url: str | Sequence[str] = "https://api.example/", max_size: int = 3,
) -> st.SearchStrategy[list[BrowserRequest]]:
    """One to ``max_size`` requests to the same app, from one or more pages, some after a
    pause (preflight cache expiry): state leaking between requests and cache effects."""
    one = browser_requests(intent, url)
    return _sequences(one, st.lists(st.tuples(one, _AFTER, st.booleans()), max_size=max_size - 1))


@st.composite
def _sequences(draw: st.DrawFn, one: st.SearchStrategy[BrowserRequest],
               rest_s: st.SearchStrategy[list[tuple[BrowserRequest, float, bool]]]) -> list[BrowserRequest]:
    first = draw(one)
    out = [first]
    for r, after, same_page in draw(rest_s):
        out.append(BrowserRequest(first.page if same_page else r.page, r.url, r.api, r.method, r.headers, r.mode,
                                  r.credentials, r.redirect, r.body, r.upload_listener, r.cookie, after))
    return out


# --- response headers, for testing other engines ------------------------------------------------------


def malformed_values(origin: str = "https://app.example") -> dict[str, list[str]]:
    """Per CORS response header, values that break its rule for a request from ``origin``.

    A malformed Access-Control-Max-Age is not an error: the browser uses its default.
    """
    return {
        "Access-Control-Allow-Origin": [origin + "/", origin.upper(), f"{origin}, {origin}", "", " * ,"],
        "Access-Control-Allow-Credentials": ["True", "TRUE", "1", "false", ""],
        "Access-Control-Allow-Methods": ["PUT GET", "PUT;", "P(UT"],
        "Access-Control-Allow-Headers": ["x-token;", "x token", "x-token x-b"],
        "Access-Control-Expose-Headers": ["x y", "x-total;"],
        "Access-Control-Max-Age": ["-1", "abc", "1.5", "5, 6"],
    }


def cors_response_headers(origin: str = "https://app.example", *, valid: bool | None = None,
                          ) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    """Sets of CORS response headers for a request from ``origin``.

    ``valid=True``: well-formed values only; ``False``: at least one malformed header
    (two ACAO values, wrong case of ``true``, a trailing slash, a list where one token is
    allowed, a negative max-age...); ``None``: either.
    """
    good = {
        "Access-Control-Allow-Origin": [origin, "*"],
        "Access-Control-Allow-Credentials": ["true"],
        "Access-Control-Allow-Methods": ["PUT", "GET, PUT, DELETE", "*"],
        "Access-Control-Allow-Headers": ["X-Token", "x-token, content-type", "*"],
        "Access-Control-Expose-Headers": ["X-Total", "*", "x-total, x-page"],
        "Access-Control-Max-Age": ["0", "5", "600", "86400"],
    }
    bad = malformed_values(origin)

    def pairs(table: dict[str, list[str]]) -> st.SearchStrategy[tuple[str, str]]:
        return st.one_of([st.tuples(st.just(n), st.sampled_from(vs)) for n, vs in table.items()])

    good_list = st.lists(pairs(good), max_size=5, unique_by=lambda p: p[0])
    if valid is True:
        return good_list.map(tuple)
    bad_list = st.tuples(good_list, st.lists(pairs(bad), min_size=1, max_size=2)).map(lambda t: tuple(t[0] + t[1]))
    if valid is False:
        return bad_list
    return st.one_of(good_list.map(tuple), bad_list)
