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


@attrs.frozen
class Routes:
    """A static route table; calling it answers a request. No match: 404, no headers."""

    routes: tuple[Route, ...]

    def __call__(self, request: WireRequest) -> ServerResponse:
        for r in self.routes:
            if r.url == request.url and (r.method is None or r.method == request.method):
                return ServerResponse(r.status, r.headers, r.body)
        return ServerResponse(404, (), "")
