"""The CORS-preflight cache, on a virtual clock.

The cache is an immutable tuple of entries; operations return a new tuple. Time is a
number of seconds passed in by the caller: no wall clock is read anywhere. The network
partition key is left out: one :class:`~cors_spec.Browser` models one page of one site, so
every entry would carry the same key.
https://fetch.spec.whatwg.org/#cors-preflight-cache
"""

from __future__ import annotations

import attrs

from ._classify import CORS_NON_WILDCARD_NAMES


@attrs.frozen
class CacheEntry:
    """https://fetch.spec.whatwg.org/#cache-entry"""

    origin: str  # byte-serialized request origin
    url: str  # the request's current URL
    credentials: bool  # made with credentials mode "include"
    method: str | None  # a method, "*", or None for a header-name entry
    header_name: str | None  # a header name, "*", or None for a method entry
    max_age: int  # seconds
    stored_at: float  # virtual time of storing

    def live(self, now: float) -> bool:
        """Entries must be removed once max-age seconds have passed since storing."""
        return now - self.stored_at < self.max_age


PreflightCache = tuple[CacheEntry, ...]


def _entry_matches(e: CacheEntry, origin: str, url: str, include: bool, now: float) -> bool:
    """https://fetch.spec.whatwg.org/#concept-cache-match (plus expiry)"""
    return (
        e.origin == origin
        and e.url == url
        and (e.credentials or not include)
        and e.live(now)
    )


def match_method(
    cache: PreflightCache, origin: str, url: str, include: bool, method: str, now: float
) -> CacheEntry | None:
    """https://fetch.spec.whatwg.org/#concept-cache-match-method"""
    for e in cache:
        if (e.method == method or e.method == "*") and _entry_matches(e, origin, url, include, now):
            return e
    return None


def match_header(
    cache: PreflightCache, origin: str, url: str, include: bool, name: str, now: float
) -> CacheEntry | None:
    """https://fetch.spec.whatwg.org/#concept-cache-match-header"""
    lname = name.lower()
    for e in cache:
        h = e.header_name
        if h is None:
            continue
        if (h.lower() == lname or (h == "*" and lname not in CORS_NON_WILDCARD_NAMES)) and (
            _entry_matches(e, origin, url, include, now)
        ):
            return e
    return None


def clear(cache: PreflightCache, origin: str, url: str) -> PreflightCache:
    """https://fetch.spec.whatwg.org/#concept-cache-clear"""
    return tuple(e for e in cache if not (e.origin == origin and e.url == url))


def store(
    cache: PreflightCache,
    *,
    origin: str,
    url: str,
    include: bool,
    methods: list[str],
    header_names: list[str],
    max_age: int,
    now: float,
    per_url: bool,
) -> PreflightCache:
    """CORS-preflight fetch steps 7.12-7.15: refresh matching entries, create the others.

    Expired entries are dropped on the way. With ``per_url`` (a profile choice), everything
    cached for the URL is replaced by this preflight's result.
    """
    kept = [e for e in cache if e.live(now)]
    if per_url:
        kept = [e for e in kept if not (e.origin == origin and e.url == url)]
    for method in methods:
        m = match_method(tuple(kept), origin, url, include, method, now)
        if m is not None:
            # 7.12: the matching entry (maybe a `*` one) gets the new max-age; the spec
            # changes only its max-age, so the time of storing stays.
            kept[kept.index(m)] = attrs.evolve(m, max_age=max_age)
        else:
            kept.append(CacheEntry(origin, url, include, method, None, max_age, now))
    for name in header_names:
        m = match_header(tuple(kept), origin, url, include, name, now)
        if m is not None:
            # 7.14
            kept[kept.index(m)] = attrs.evolve(m, max_age=max_age)
        else:
            kept.append(CacheEntry(origin, url, include, None, name, max_age, now))
    return tuple(kept)
