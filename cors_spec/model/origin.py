"""Origins and URLs as the HTML and URL standards define them.

URLs are parsed by a WHATWG URL parser (ada-url), never by urllib: the origin of a URL is
what the URL standard says it is (default ports elided, hosts IDNA-encoded, IPv4 and IPv6
forms canonicalised). A tuple origin is compared by its ASCII serialization, which is
injective for tuple origins. An opaque origin is equal only to itself.

https://html.spec.whatwg.org/multipage/browsers.html#concept-origin
"""

from __future__ import annotations

import functools

import attrs
from ada_url import URL as _AdaURL

_HTTP_SCHEMES = frozenset({"http", "https"})


@attrs.frozen
class TupleOrigin:
    """A tuple origin (scheme, host, port), held as its ASCII serialization.

    https://html.spec.whatwg.org/multipage/browsers.html#concept-origin-tuple
    """

    serialized: str  # e.g. "https://example.com:8443"
    scheme: str  # e.g. "https"

    @property
    def opaque(self) -> bool:
        return False


@attrs.frozen(eq=False)
class OpaqueOrigin:
    """An opaque origin: serializes as "null" and is same origin only with itself.

    https://html.spec.whatwg.org/multipage/browsers.html#concept-origin-opaque
    """

    why: str = "opaque"  # what made it: "page", "data: URL", ...

    @property
    def serialized(self) -> str:
        return "null"

    @property
    def scheme(self) -> str:
        return ""

    @property
    def opaque(self) -> bool:
        return True


Origin = TupleOrigin | OpaqueOrigin


def same_origin(a: Origin, b: Origin) -> bool:
    """Same origin: identical opaque origins, or tuple origins with equal triples.

    https://html.spec.whatwg.org/multipage/browsers.html#same-origin
    """
    if a is b:
        return True
    if isinstance(a, TupleOrigin) and isinstance(b, TupleOrigin):
        return a.serialized == b.serialized
    return False


@attrs.frozen
class Url:
    """A parsed URL with what fetch needs of it."""

    href: str  # the serialized URL
    scheme: str  # without the colon
    origin: Origin
    includes_credentials: bool  # userinfo present
    fragment: str | None  # None when the URL has no fragment
    request_target: str  # what the server sees: no userinfo, no fragment

    @property
    def is_http(self) -> bool:
        """HTTP(S) scheme. https://fetch.spec.whatwg.org/#http-scheme"""
        return self.scheme in _HTTP_SCHEMES

    @property
    def href_without_fragment(self) -> str:
        if self.fragment is None:
            return self.href
        return self.href[: len(self.href) - len(self.fragment) - 1]

    @property
    def port(self) -> int | None:
        """The URL's port, or None for the scheme's default."""
        rest = self.href.split("://", 1)
        if len(rest) != 2:
            return None
        authority = rest[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        authority = authority.rsplit("@", 1)[-1]
        if authority.endswith("]") or ":" not in authority:
            return None
        port = authority.rsplit(":", 1)[1]
        return int(port) if port.isdigit() else None

    def with_fragment(self, fragment: str | None) -> Url:
        """The same URL with another fragment (location URL step 4)."""
        return attrs.evolve(
            self,
            href=self.href_without_fragment + ("" if fragment is None else "#" + fragment),
            fragment=fragment,
        )


def parse_url(text: str, base: str | None = None) -> Url | None:
    """Parse a URL string per the URL standard; None on failure.

    https://url.spec.whatwg.org/#concept-url-parser
    """
    url = _parse_cached(text, base)
    if url is None or not isinstance(url.origin, OpaqueOrigin):
        return url
    # Each parse of a URL with an opaque origin gets a new opaque origin.
    return attrs.evolve(url, origin=OpaqueOrigin(url.origin.why))


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str, base: str | None) -> Url | None:
    """Parsing is pure, and requests repeat the same few URLs: memoise it."""
    try:
        u = _AdaURL(text) if base is None else _AdaURL(text, base=base)
    except (ValueError, TypeError):
        return None
    scheme = u.protocol[:-1]
    serialized = u.origin
    origin: Origin
    if serialized == "null" or not serialized:
        origin = OpaqueOrigin(f"{scheme}: URL")
    else:
        origin = TupleOrigin(serialized, serialized.split(":", 1)[0])
    hash_ = u.hash
    href = u.href
    if hash_:
        fragment: str | None = hash_[1:]
    elif href.endswith("#"):
        fragment = ""
    else:
        fragment = None
    credentials = bool(u.username or u.password)
    if credentials:
        # HTTP never sends userinfo in the request target (browsers turn it into an
        # Authorization header instead).
        u.username = ""
        u.password = ""
    target = u.href
    if fragment is not None:
        target = target[: len(target) - len(fragment) - 1]
    return Url(
        href=href,
        scheme=scheme,
        origin=origin,
        includes_credentials=credentials,
        fragment=fragment,
        request_target=target,
    )


def parse_origin(text: str) -> Origin | None:
    """An origin from a page origin string: "null" (opaque) or a URL's origin.

    Accepts "https://app.example" and any URL (its origin is taken). None when the text is
    neither "null" nor a URL with a tuple origin.
    """
    if text == "null":
        return OpaqueOrigin("page")
    url = parse_url(text)
    if url is None or isinstance(url.origin, OpaqueOrigin):
        return None
    return url.origin
