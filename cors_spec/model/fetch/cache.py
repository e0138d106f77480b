"""The CORS-preflight cache, on a virtual clock.

Entries are kept the way the standard keys them: by (network partition key, byte-serialized
origin, URL, credentials), and under that key by method or by header name, so a look-up
costs the same however many URLs the cache holds. Expiry is a heap of (expiry time, entry)
popped when entries are stored: what has expired is dropped, and look-ups never see an
expired entry. Time is a number of seconds passed in by the caller: no wall clock is read
anywhere. One :class:`~cors_spec.Browser` models one top-level page, so its cache has one
network partition key, the page's serialized origin (the model has no public suffix list to
compute a site). Where engines match entries differently, the profile says so
("Profile choice:").
https://fetch.spec.whatwg.org/#cors-preflight-cache
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

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


#: (network partition key, byte-serialized origin, URL, credentials)
_Key = tuple[str, str, str, bool]
#: Within a key: ("m", method), ("h", lowercased header name) or ("u", "") for the per-URL
#: record of engines that keep one (method and header name both None).
_Slot = tuple[str, str]


#: The entries under one key, in storing order, each with its global storing number.
_Bucket = dict[_Slot, tuple[int, CacheEntry]]


class PreflightCache:
    """A browser's CORS-preflight cache: entries by key, then by method or header name.

    Iterating gives the entries in storing order (a refreshed entry keeps its place), as
    :class:`CacheEntry` values; ``len`` counts them, expired or not yet dropped.
    """

    __slots__ = ("_buckets", "_count", "_expiry", "_seq", "partition")

    def __init__(self, partition: str = "") -> None:
        self.partition = partition
        self._buckets: dict[_Key, _Bucket] = {}
        #: (expiry time, storing number, key, slot), popped lazily by :func:`store`
        self._expiry: list[tuple[float, int, _Key, _Slot]] = []
        self._seq = 0
        self._count = 0

    def __iter__(self) -> Iterator[CacheEntry]:
        pairs = sorted(p for b in self._buckets.values() for p in b.values())
        return iter([e for _, e in pairs])

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"PreflightCache({list(self)!r})"

    def _put(self, key: _Key, slot: _Slot, entry: CacheEntry, seq: int | None = None) -> None:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = {}
        if seq is None:
            self._seq = seq = self._seq + 1
        if slot not in bucket:
            self._count += 1
        bucket[slot] = (seq, entry)
        expiry = self._expiry
        heapq.heappush(expiry, (entry.stored_at + entry.max_age, seq, key, slot))
        if len(expiry) > 2 * self._count + 64:
            # Refreshes leave superseded heap records behind: rebuild from what is held.
            self._expiry = [(e.stored_at + e.max_age, n, k, sl) for k, b in self._buckets.items()
                            for sl, (n, e) in b.items()]
            heapq.heapify(self._expiry)

    def _remove_url(self, origin: str, url: str, credentials: tuple[bool, ...] = (False, True)) -> None:
        for include in credentials:
            bucket = self._buckets.pop((self.partition, origin, url, include), None)
            if bucket is not None:
                self._count -= len(bucket)

    def _drop_expired(self, now: float) -> None:
        heap = self._expiry
        while heap and heap[0][0] <= now:
            expires, seq, key, slot = heapq.heappop(heap)
            bucket = self._buckets.get(key)
            held = None if bucket is None else bucket.get(slot)
            if bucket is None or held is None or held[0] != seq:
                continue  # removed or replaced since
            if held[1].live(now):
                if held[1].stored_at + held[1].max_age != expires:
                    continue  # refreshed: its newer expiry is on the heap too
                heapq.heappush(heap, (expires, seq, key, slot))
                break  # rounding kept it live: it goes next time
            del bucket[slot]
            self._count -= 1
            if not bucket:
                del self._buckets[key]

    def _candidates(self, origin: str, url: str, include: bool, profile: Profile) -> tuple[_Bucket, ...]:
        """The buckets whose entries can match (concept-cache-match's credentials rule)."""
        buckets = self._buckets
        if include:
            bucket = buckets.get((self.partition, origin, url, True))
            return () if bucket is None else (bucket,)
        # Profile choice: whether a credentialed entry serves an uncredentialed request.
        with_credentials = (buckets.get((self.partition, origin, url, True))
                            if profile.cache_credentialed_serves_uncredentialed else None)
        without = buckets.get((self.partition, origin, url, False))
        if with_credentials is None:
            return () if without is None else (without,)
        return (with_credentials,) if without is None else (with_credentials, without)


def _first(found: list[tuple[int, CacheEntry]]) -> CacheEntry | None:
    """The earliest stored of the matching entries (the standard's cache is a list)."""
    return min(found, key=lambda p: p[0])[1] if found else None


def _wildcard(e: CacheEntry, profile: Profile) -> bool:
    """Whether a `*` entry acts as a wildcard. Profile choice: spec yes; some engines
    never, or only for entries made without credentials."""
    return profile.cache_wildcards and (profile.cache_wildcard_for_credentialed or not e.credentials)


def _method_hits(cache: PreflightCache, origin: str, url: str, include: bool, method: str, now: float,
                 profile: Profile) -> list[tuple[int, CacheEntry]]:
    # Profile choice: a safelisted method is allowed by any live record for the URL.
    via_url = profile.cache_safelisted_method_via_url and method in CORS_SAFELISTED_METHODS
    found = []
    for bucket in cache._candidates(origin, url, include, profile):
        if via_url:
            found += [p for p in bucket.values() if p[1].live(now)]
            continue
        exact = bucket.get(("m", method))
        if exact is not None and exact[1].live(now):
            found.append(exact)
        star = bucket.get(("m", "*"))
        if star is not None and star[1].live(now) and _wildcard(star[1], profile):
            found.append(star)
    return found


def match_method(
    cache: PreflightCache, origin: str, url: str, include: bool, method: str, now: float, profile: Profile
) -> CacheEntry | None:
    """https://fetch.spec.whatwg.org/#concept-cache-match-method"""
    return _first(_method_hits(cache, origin, url, include, method, now, profile))


def _header_hits(cache: PreflightCache, origin: str, url: str, include: bool, name: str, now: float,
                 profile: Profile) -> list[tuple[int, CacheEntry]]:
    lname = name.lower()
    found = []
    # Profile choice: whether a `*` entry covers Authorization.
    star_applies = lname not in CORS_NON_WILDCARD_NAMES or profile.cache_wildcard_covers_authorization
    for bucket in cache._candidates(origin, url, include, profile):
        exact = bucket.get(("h", lname))
        if exact is not None and exact[1].live(now):
            found.append(exact)
        star = bucket.get(("h", "*"))
        if star_applies and star is not None and star[1].live(now) and _wildcard(star[1], profile):
            found.append(star)
    return found


def match_header(
    cache: PreflightCache, origin: str, url: str, include: bool, name: str, now: float, profile: Profile
) -> CacheEntry | None:
    """https://fetch.spec.whatwg.org/#concept-cache-match-header"""
    return _first(_header_hits(cache, origin, url, include, name, now, profile))


def clear(cache: PreflightCache, origin: str, url: str) -> PreflightCache:
    """https://fetch.spec.whatwg.org/#concept-cache-clear (in place; returns the cache)"""
    cache._remove_url(origin, url)
    return cache


def _slot_of(e: CacheEntry) -> _Slot:
    if e.method is not None:
        return ("m", e.method)
    if e.header_name is not None:
        return ("h", e.header_name.lower())
    return ("u", "")


def _refresh(cache: PreflightCache, found: list[tuple[int, CacheEntry]], max_age: int, now: float,
             profile: Profile) -> None:
    """The earliest stored matching entry gets the new max-age."""
    seq, m = min(found, key=lambda p: p[0])
    # Profile choice: refreshing restarts the clock, or (spec) only sets max-age.
    new = (attrs.evolve(m, max_age=max_age, stored_at=now) if profile.cache_refresh_resets_time
           else attrs.evolve(m, max_age=max_age))
    cache._put((cache.partition, m.origin, m.url, m.credentials), _slot_of(m), new, seq)


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
    """CORS-preflight fetch steps 7.12-7.15: refresh matching entries, create the others
    (in place; returns the cache). Expired entries are dropped on the way.
    """
    cache._drop_expired(now)
    key = (cache.partition, origin, url, include)
    # Profile choice: engines that keep one result per URL replace it.
    if profile.preflight_cache_per_url:
        cache._remove_url(origin, url)

    if profile.cache_safelisted_method_via_url:
        # The per-URL record itself (method and header name both None), stored afresh.
        bucket = cache._buckets.get(key)
        if bucket is not None and bucket.pop(("u", ""), None) is not None:
            cache._count -= 1
        cache._put(key, ("u", ""), CacheEntry(origin, url, include, None, None, max_age, now))
    for method in methods:
        found = _method_hits(cache, origin, url, include, method, now, profile)
        if found:
            _refresh(cache, found, max_age, now, profile)  # 7.12: the matching entry (maybe a `*` one) is refreshed
        else:
            cache._put(key, ("m", method), CacheEntry(origin, url, include, method, None, max_age, now))  # 7.13
    for name in header_names:
        found = _header_hits(cache, origin, url, include, name, now, profile)
        if found:
            _refresh(cache, found, max_age, now, profile)  # 7.14
        else:
            cache._put(key, ("h", name.lower()), CacheEntry(origin, url, include, None, name, max_age, now))  # 7.15
    return cache
