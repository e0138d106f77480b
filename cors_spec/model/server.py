"""Static servers: a route table answers the way format-v1 scenario routes do."""

from __future__ import annotations

import attrs

from cors_spec.model.headers import HeaderList
from cors_spec.model.request import WireRequest
from cors_spec.model.response import ServerResponse


@attrs.frozen
class Route:
    """One scenario route: the first whose URL (and method, if given) match answers."""

    url: str
    status: int = 200
    headers: HeaderList = ()
    body: str = ""
    method: str | None = None


def _index(routes: tuple[Route, ...]) -> dict[str, tuple[tuple[str | None, ServerResponse], ...]]:
    """The routes by URL, each URL's routes in table order as (method, the answer): a
    route's answer never changes, so it is made once."""
    by_url: dict[str, list[tuple[str | None, ServerResponse]]] = {}
    for r in routes:
        by_url.setdefault(r.url, []).append((r.method, ServerResponse(r.status, r.headers, r.body)))
    return {url: tuple(rs) for url, rs in by_url.items()}


_NOT_FOUND = ServerResponse(404, (), "")


@attrs.frozen
class Routes:
    """A static route table; calling it answers a request. No match: 404, no headers.

    A route matches on the exact URL, so the table is indexed by URL: only the routes for
    the request's URL are tried, in table order, and the first whose method matches (or
    that names none) answers, as a scan of the whole table would pick it.
    """

    routes: tuple[Route, ...]
    _by_url: dict[str, tuple[tuple[str | None, ServerResponse], ...]] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_url", _index(self.routes))

    def __call__(self, request: WireRequest) -> ServerResponse:
        for method, answer in self._by_url.get(request.url, ()):
            if method is None or method == request.method:
                return answer
        return _NOT_FOUND
