"""What the oracle needs of a server, what passed between them, and one sequence's run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from cors_spec.model.request import WireRequest
from cors_spec.model.response import Result, ServerResponse
from cors_spec.oracle.requests import BrowserRequest

__all__ = ["Exchange", "FactoryLike", "Run", "ServerLike"]


@attrs.frozen
class Exchange:
    """One request as it reached the app (with the cookie the browser attached) and its answer."""

    request: WireRequest
    response: ServerResponse


class ServerLike(Protocol):
    """What the oracle needs of a server; :class:`cors_spec.oracle.adapters.AppServer` is one.

    Calling it answers a request as the browser sends it (adding ``Cookie: <cookie>`` when
    credentials are included) and records an :class:`Exchange`; :meth:`ask` answers a
    request as given, recording nothing.
    """

    cookie: str | None
    exchanges: list[Exchange]
    errors: list[str]

    def __call__(self, wire: WireRequest, /) -> ServerResponse: ...

    def ask(self, wire: WireRequest, /) -> ServerResponse: ...


class FactoryLike(Protocol):
    """Gives servers: a new app each time when ``fresh``, else always the same one."""

    @property
    def fresh(self) -> bool: ...

    def new(self) -> ServerLike: ...

    def answer_fresh(self, wire: WireRequest, /) -> ServerResponse:
        """A new app's answer to ``wire`` (the shared app's, when not ``fresh``)."""
        ...


@attrs.define
class Run:
    """One sequence run against one server under one profile."""

    requests: Sequence[BrowserRequest]
    results: list[Result] = attrs.Factory(list)
    exchanges: list[list[Exchange]] = attrs.Factory(list)
    errors: list[list[str]] = attrs.Factory(list)  # what the app raised, per request

