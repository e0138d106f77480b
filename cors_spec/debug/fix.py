"""The smallest change to a server's answers that makes a blocked request pass, checked.

The answers a request got (recorded live by ``probe``, or read from a HAR) are replayed to
the model with changes applied; each round looks at why the request still fails and adds
the one change that answers that reason; the result is re-run until it passes (or a reason
no response header can fix is met). Every change is thus checked by a real re-run.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from cors_spec.model.headers import HeaderList
from cors_spec.model.request import WireRequest
from cors_spec.model.response import Outcome, Reason, Result, ServerResponse

R = Reason
Key = tuple[str, str]  # (method, url) of a wire request
Server = Callable[[WireRequest], ServerResponse]

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"


@attrs.frozen
class Change:
    """One change to the answer to ``method url``: a header set (``set``), a token added to
    a list header (``add``), or the status (``status``, ``value`` the new one)."""

    method: str
    url: str
    kind: str
    name: str
    value: str
    was: str | None = None  # the old value (None: absent)

    def describe(self) -> str:
        where = f"{self.method} {self.url}"
        if self.kind == "status":
            return f"{where}: answer with status {self.value} (was {self.was}), without Location"
        old = "absent" if self.was is None else repr(self.was)
        return f"{where}: {self.name}: {self.value}   (was {old})"

    def to_json(self) -> dict[str, object]:
        return {"method": self.method, "url": self.url, "kind": self.kind, "name": self.name,
                "value": self.value, "was": self.was}


def _get(headers: HeaderList, name: str) -> str | None:
    values = [v for n, v in headers if n.lower() == name.lower()]
    return ", ".join(values) if values else None


def _set(headers: HeaderList, name: str, value: str) -> HeaderList:
    out = [(n, v) for n, v in headers if n.lower() != name.lower()]
    out.append((name, value))
    return tuple(out)


def apply(answer: ServerResponse, changes: list[Change]) -> ServerResponse:
    """``answer`` with the changes (already filtered to its request) applied in order."""
    status, headers = answer.status, answer.headers
    for c in changes:
        if c.kind == "status":
            status = int(c.value)
            headers = tuple((n, v) for n, v in headers if n.lower() != "location")
        else:
            headers = _set(headers, c.name, c.value)
    return ServerResponse(status, headers, answer.body)


@attrs.define
class Replay:
    """A server that answers from recorded answers, with changes applied; a request with
    no recorded answer goes to ``fallback`` (the live server, or an assumed answer)."""

    answers: dict[Key, ServerResponse]
    fallback: Server
    changes: list[Change] = attrs.Factory(list)
    unrecorded: list[Key] = attrs.Factory(list)

    def __call__(self, request: WireRequest) -> ServerResponse:
        key = (request.method, request.url)
        if key not in self.answers:
            self.unrecorded.append(key)
            self.answers[key] = self.fallback(request)
        mine = [c for c in self.changes if (c.method, c.url) == key]
        return apply(self.answers[key], mine)


def _failing(result: Result) -> WireRequest | None:
    f = result.failure
    if f is None or not result.sent:
        return None
    pre = f.reason.from_preflight
    for w in reversed(result.sent):
        if w.preflight == pre:
            return w
    return result.sent[-1]


def _add_token(current: str | None, token: str) -> str:
    items = [t.strip() for t in (current or "").split(",") if t.strip()]
    if token.lower() not in {t.lower() for t in items} or token not in items:
        items.append(token)
    return ", ".join(items)


def next_change(result: Result, replay: Replay) -> Change | None:
    """The one change that answers why ``result`` failed (None: no response header can)."""
    f = result.failure
    w = _failing(result)
    if f is None or w is None:
        return None
    key = (w.method, w.url)
    current = apply(replay.answers.get(key, ServerResponse(200)), [c for c in replay.changes if (c.method, c.url) == key])
    original = replay.answers.get(key, ServerResponse(200))
    origin = w.origin or "null"
    plain = f.reason.plain

    def header(name: str, value: str) -> Change:
        return Change(w.method, w.url, "set", name, value, _get(original.headers, name))

    if plain in (R.MISSING_ALLOW_ORIGIN_HEADER, R.ALLOW_ORIGIN_MISMATCH, R.INVALID_ALLOW_ORIGIN_VALUE,
                 R.MULTIPLE_ALLOW_ORIGIN_VALUES, R.WILDCARD_ORIGIN_NOT_ALLOWED):
        return header(ACAO, origin)
    if plain is R.INVALID_ALLOW_CREDENTIALS:
        return header(ACAC, "true")
    if f.reason in (R.PREFLIGHT_INVALID_STATUS, R.PREFLIGHT_DISALLOWED_REDIRECT):
        return Change(w.method, w.url, "status", "", "204", str(original.status))
    if f.reason is R.METHOD_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        return header(ACAM, _add_token(_get(current.headers, ACAM), w.acrm or f.detail))
    if f.reason is R.INVALID_ALLOW_METHODS_PREFLIGHT_RESPONSE:
        return header(ACAM, w.acrm or f.detail or "GET")
    if f.reason is R.HEADER_DISALLOWED_BY_PREFLIGHT_RESPONSE:
        value = _get(current.headers, ACAH)
        for name in (w.acrh or f.detail).split(","):
            if name.strip():
                value = _add_token(value, name.strip())
        return header(ACAH, value or f.detail)
    if f.reason is R.INVALID_ALLOW_HEADERS_PREFLIGHT_RESPONSE:
        return header(ACAH, w.acrh or f.detail)
    return None


@attrs.frozen
class Fix:
    """The changes, and the re-run that checked them (``result.outcome`` not a network error
    when ``passes``)."""

    changes: tuple[Change, ...]
    result: Result
    passes: bool
    unrecorded: tuple[Key, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"changes": [c.to_json() for c in self.changes], "passes": self.passes,
                "reason_after": None if self.result.failure is None else self.result.failure.reason.value,
                "unrecorded": [list(k) for k in self.unrecorded]}


def smallest_fix(run: Callable[[Server], Result], answers: dict[Key, ServerResponse], fallback: Server,
                 *, rounds: int = 8) -> Fix | None:
    """The fewest header / status changes, found one failure at a time, that make ``run``
    pass on ``answers``; None when the request already passes."""
    replay = Replay(dict(answers), fallback)
    result = run(replay)
    if result.outcome is not Outcome.NETWORK_ERROR:
        return None
    for _ in range(rounds):
        change = next_change(result, replay)
        if change is None or change in replay.changes:
            break
        replay.changes = [c for c in replay.changes
                          if not (c.method, c.url, c.kind, c.name) == (change.method, change.url, change.kind,
                                                                         change.name)] + [change]
        result = run(replay)
        if result.outcome is not Outcome.NETWORK_ERROR:
            return Fix(tuple(replay.changes), result, True, tuple(replay.unrecorded))
    return Fix(tuple(replay.changes), result, False, tuple(replay.unrecorded))
