"""Scenario header lists are checked at once when every pair is valid, and pair by pair
otherwise: both ways must accept and refuse the same lists, with the same error."""

from __future__ import annotations

import random

import pytest

from cors_spec.errors import InputError
from cors_spec.scenario.format import MAX_HEADER_BYTES, _Checker

PIECES = ["X-A", "a", "", " ", "Bad Name", "caf\u00e9", "\u2603", "\ud800", "\x00", "\r", "\n", "\t", "\xff",
          "\u0100", "v;q=1", "\U0001f600", "*"]


def outcome(check: _Checker, value: object, wire: bool, fast: bool) -> object:
    try:
        return check.pairs(value, "$.h", wire=wire) if fast else check._checked_pairs(value, "$.h", wire=wire)
    except InputError as e:
        return ("error", str(e))


def random_list(rnd: random.Random) -> object:
    def item() -> object:
        kind = rnd.randrange(12)
        if kind == 0:
            return rnd.choice([["X-A"], ["a", "b", "c"], ("X-A", "v"), "ab", None, ["X-A", 1], [None, "v"]])
        return ["".join(rnd.choices(PIECES, k=rnd.randrange(3))), "".join(rnd.choices(PIECES, k=rnd.randrange(3)))]
    return [item() for _ in range(rnd.randrange(5))]


@pytest.mark.parametrize("wire", [False, True])
def test_the_fast_path_agrees_with_the_pair_by_pair_checks(wire: bool) -> None:
    check = _Checker("f.json")
    rnd = random.Random(14)
    accepted = refused = 0
    for _ in range(5000):
        value = random_list(rnd)
        got, expected = outcome(check, value, wire, True), outcome(check, value, wire, False)
        assert got == expected, value
        if isinstance(got, tuple) and got[:1] == ("error",):
            refused += 1
        else:
            accepted += 1
    assert accepted > 500 and refused > 500


@pytest.mark.parametrize("wire", [False, True])
def test_the_size_limit_is_the_same_either_way(wire: bool) -> None:
    check = _Checker("f.json")
    # Each line counts its name, its value and 4 bytes ("name: value\r\n").
    at_limit = [["X-A", "v" * (MAX_HEADER_BYTES - 3 - 4)]]
    over = [["X-A", "v" * (MAX_HEADER_BYTES - 3 - 4 + 1)]]
    assert check.pairs(at_limit, "$.h", wire=wire) == (("X-A", at_limit[0][1]),)
    with pytest.raises(InputError, match="256 KiB"):
        check.pairs(over, "$.h", wire=wire)
    assert outcome(check, over, wire, True) == outcome(check, over, wire, False)
    for value in ("not a list", {"X-A": "v"}, None):
        assert outcome(check, value, wire, True) == outcome(check, value, wire, False)
