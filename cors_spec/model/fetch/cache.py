"""The CORS-preflight cache, on a virtual clock.

The cache is an immutable tuple of entries; operations return a new tuple. Time is a
number of seconds passed in by the caller: no wall clock is read anywhere. The network
partition key is left out: one :class:`~cors_spec.Browser` models one page of one site, so
every entry would carry the same key. Where engines match entries differently, the
profile says so ("Profile choice:").
https://fetch.spec.whatwg.org/#cors-preflight-cache
"""

from __future__ import annotations

import attrs

from cors_spec.model.classify import CORS_NON_WILDCARD_NAMES, CORS_SAFELISTED_METHODS
from cors_spec.model.profile import Profile


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


def _entry_matches(e: CacheEntry, origin: str, url: str, include: bool, now: float, profile: Profile) -> bool:
    """https://fetch.spec.whatwg.org/#concept-cache-match (plus expiry)"""
    if e.origin != origin or e.url != url or not e.live(now):
        return False
    if e.credentials:
        # Profile choice: whether a credentialed entry serves an uncredentialed request.
        return include or profile.cache_credentialed_serves_uncredentialed
    return not include


def _wildcard(e: CacheEntry, profile: Profile) -> bool:
    """Whether a `*` entry acts as a wildcard. Profile choice: spec yes; some engines
    never, or only for entries made without credentials."""
    return profile.cache_wildcards and (profile.cache_wildcard_for_credentialed or not e.credentials)


def match_method(
    cache: PreflightCache, origin: str, url: str, include: bool, method: str, now: float, profile: Profile
) -> CacheEntry | None:
    """https://fetch.spec.whatwg.org/#concept-cache-match-method"""
    via_url = profile.cache_safelisted_method_via_url and method in CORS_SAFELISTED_METHODS
    for e in cache:
        # Profile choice: a safelisted method is allowed by any live record for the URL.
        if via_url and _entry_matches(e, origin, url, include, now, profile):
            return e
        m = e.method
        if m is None:
            continue
        if (m == method or (m == "*" and _wildcard(e, profile))) and _entry_matches(e, origin, url, include, now, profile):
            return e
    return None


def match_header(
    cache: PreflightCache, origin: str, url: str, include: bool, name: str, now: float, profile: Profile
) -> CacheEntry | None:
    """https://fetch.spec.whatwg.org/#concept-cache-match-header"""
    lname = name.lower()
    for e in cache:
        h = e.header_name
        if h is None:
            continue
        hit = h.lower() == lname or (
            h == "*"
            and _wildcard(e, profile)
            # Profile choice: whether a `*` entry covers Authorization.
            and (lname not in CORS_NON_WILDCARD_NAMES or profile.cache_wildcard_covers_authorization)
        )
        if hit and _entry_matches(e, origin, url, include, now, profile):
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
    profile: Profile,
) -> PreflightCache:
    """CORS-preflight fetch steps 7.12-7.15: refresh matching entries, create the others.

    Expired entries are dropped on the way.
    """
    kept = [e for e in cache if e.live(now)]
    # Profile choice: engines that keep one result per URL replace it.
    if profile.preflight_cache_per_url:
        kept = [e for e in kept if not (e.origin == origin and e.url == url)]
    # Profile choice: refreshing restarts the clock, or (spec) only sets max-age.
    refreshed = {"max_age": max_age, "stored_at": now} if profile.cache_refresh_resets_time else {"max_age": max_age}
    if profile.cache_safelisted_method_via_url:
        # The per-URL record itself (method and header name both None).
        kept = [e for e in kept if not (e.method is None and e.header_name is None and e.origin == origin
                                        and e.url == url and e.credentials == include)]
        kept.append(CacheEntry(origin, url, include, None, None, max_age, now))
    for method in methods:
        m = match_method(tuple(kept), origin, url, include, method, now, profile)
        if m is not None:
            # 7.12: the matching entry (maybe a `*` one) is refreshed
            kept[kept.index(m)] = attrs.evolve(m, **refreshed)
        else:
            # 7.13
            kept.append(CacheEntry(origin, url, include, method, None, max_age, now))
    for name in header_names:
        m = match_header(tuple(kept), origin, url, include, name, now, profile)
        if m is not None:
            # 7.14
            kept[kept.index(m)] = attrs.evolve(m, **refreshed)
        else:
            # 7.15
            kept.append(CacheEntry(origin, url, include, None, name, max_age, now))
    return tuple(kept)
