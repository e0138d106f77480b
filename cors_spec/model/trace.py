"""Trace records: what each algorithm step looked at and what it decided.

Algorithms never format sentences. They append :class:`Step` records to a recorder that
is passed in, or skip the work entirely when the recorder is ``None``; tracing then costs
one ``is not None`` test per step. ``_render`` turns records into text.
"""

from __future__ import annotations

import enum
from typing import Final, Protocol

import attrs

from cors_spec.model.spec import Algorithm

Facts = tuple[tuple[str, str], ...]

# Fact values that are not data but words: tokens, which the text catalogues of
# ``cors_spec.teach`` turn into each language's words. Data values (header values,
# URLs, origins, methods) are never one of these.
#: A header or value that is not there.
ABSENT = "(absent)"
#: An empty list (no names, no methods).
NONE = "(none)"
#: A request header the request does not carry.
NOT_SENT = "(not sent)"


class Decision(str, enum.Enum):
    """What a step concluded."""

    SUCCESS = "success"  # a check passed
    FAILURE = "failure"  # a check failed
    YES = "yes"  # a predicate held
    NO = "no"  # a predicate did not hold
    CHOSEN = "chosen"  # a branch was taken (facts say which)
    SET = "set"  # a request or response field was set
    DROPPED = "dropped"  # a header was silently removed
    THROWN = "thrown"  # a JavaScript exception is thrown before anything is sent
    SENT = "sent"  # a request reached the server
    RECEIVED = "received"  # the server's response arrived
    HIT = "hit"  # the preflight cache had a matching entry
    MISS = "miss"  # it had none
    STORED = "stored"  # an entry was created or refreshed
    CLEARED = "cleared"  # entries were removed
    NETWORK_ERROR = "network-error"  # the fetch ends in a network error
    RETURNED = "returned"  # the response script gets


@attrs.frozen(init=False)
class Step:
    """One step of one algorithm, with the facts behind its decision."""

    algorithm: Algorithm  # the algorithm (its value is the spec anchor)
    step: str  # the step label in the pinned snapshot, e.g. "7.5"; "" for prose definitions
    decision: Decision
    facts: Facts = ()  # (name, value) pairs, in the order worth reading

    def __init__(self, algorithm: Algorithm, step: str, decision: Decision, facts: Facts = ()) -> None:
        # attrs' own __init__ for a frozen class, minus its look-up of each field by name:
        # each slot is set through its descriptor (a traced fetch makes some 20 steps).
        _SET_ALGORITHM(self, algorithm)
        _SET_STEP(self, step)
        _SET_DECISION(self, decision)
        _SET_FACTS(self, facts)

    @property
    def anchor(self) -> str:
        return self.algorithm.value

    def fact(self, name: str) -> str | None:
        for k, v in self.facts:
            if k == name:
                return v
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "algorithm": self.algorithm.value,
            "step": self.step,
            "decision": self.decision.value,
            "facts": {k: v for k, v in self.facts},
        }


_SET_ALGORITHM: Final = Step.__dict__["algorithm"].__set__
_SET_STEP: Final = Step.__dict__["step"].__set__
_SET_DECISION: Final = Step.__dict__["decision"].__set__
_SET_FACTS: Final = Step.__dict__["facts"].__set__
if [(a.name, a.default) for a in attrs.fields(Step)] != [
        ("algorithm", attrs.NOTHING), ("step", attrs.NOTHING), ("decision", attrs.NOTHING), ("facts", ())]:
    raise TypeError("Step.__init__ sets exactly Step's fields")  # pragma: no cover


class Recorder(Protocol):
    """Where steps go. A ``list`` is a recorder."""

    def append(self, step: Step, /) -> None: ...
