"""A seeded mutation fuzzer for every input edge of ``cors_spec``.

    python3 tools/fuzz.py --inputs N --seed S [--target scenario|intent|message|api|har|all] [--jobs J]
                          [--timeout 2] [--report out.json] [--save-dir DIR] [--root DIR]
    python3 tools/fuzz.py --inputs 1000000 --time-limit 3600 ...      # as many as fit in an hour
    python3 tools/fuzz.py --replay TARGET:INDEX --seed S [--save-dir DIR]   # one input again
    python3 tools/fuzz.py --fast --inputs 2000000 --time-limit 3600 ...   # the cheap paths, batched
    python3 tools/fuzz.py --fast --replay TARGET:INDEX --seed S   # one input of the --fast path again
    python3 tools/fuzz.py --inputs 1000000 --jobs 2 --nice 10 --timeout 10 --slow 2 --retime ...
                                                  # a long campaign beside other work (see below)

Seeds are the golden scenarios (spec_traces/*.json), the examples (examples/*.json), the
console lines of docs/errors.md and the intent files (tests/oracle_bugs/apps/*.toml and
built-in ones). Each input is made from (seed, target, index) alone, so any input can be
made again with ``--replay``. Inputs are mutated structurally (wrong types, missing and
extra fields, deep nesting, integers of more than 4,300 digits, NaN/Infinity, lone
surrogates, thousands of requests or headers, long Access-Control-Allow-* lists, a
5,000-digit Access-Control-Max-Age, odd URLs and origins, header bytes 0x00-0xFF, redirect
loops, 500-hop chains under a Profile with redirect_limit 1000) and byte by byte.

Targets:
  scenario  a scenario file through ``cors-spec run``, ``run --json`` and ``explain``
  intent    an intent file through ``Intent.load`` and ``cors-spec audit`` (1 in 8)
  message   a pasted console message through ``cors-spec explain-error`` (and the
            scenario it prints through ``cors-spec run``)
  api       ``check()``, ``Browser.fetch/xhr/load`` sequences, and ``cors-spec check`` argv
  har       a HAR file of tests/fixtures/har (every recorder), mutated, through ``cors-spec har``

Each input runs in a worker process, in-process through ``cors_spec.cli.main`` with
standard streams that encode strictly as UTF-8 (as a terminal does), or through the API.
An input that takes longer than ``--timeout`` seconds is killed and counted as a hang.
Outcomes: ``refused`` (exit 2 with one line ``cors-spec: error: ...``, or InputError from
the API), ``usage`` (argparse refused the arguments), ``ran``, ``traceback`` (grouped by
exception type and the innermost frame inside cors_spec) and ``hang``. Exit status: 0 when
no input ended in a traceback or a hang, 1 otherwise.

``--fast`` runs the cheap in-process paths of the same inputs (read and check a scenario,
intent or HAR file through the CLI's reader, cors_spec/scenario/files.py, with its limits,
and run a small scenario; diagnose a paste and check the scenario it prints; the API),
batches of inputs per worker task, each under a per-input alarm (``--timeout``) instead of
a watched worker per input. The limits it exercises are in docs/limits.md.

Slow inputs: every input that took ``--slow`` seconds or more (default 2, the issue's bound)
is listed in the report (``slow``: wall and CPU time), hangs included. On a machine whose
CPUs other work uses, wall time says little alone: give a generous ``--timeout`` (e.g. 10),
``--nice`` the run, and pass ``--retime``: afterwards each slow or hung input runs again,
alone, in a fresh process (under ``--retime-timeout``), and the report's ``retimed`` rows
give both times and a verdict: ``contention`` (under ``--slow`` alone), ``slow`` or ``hang``.
With ``--retime`` the exit status counts only tracebacks, crashes and the ``slow``/``hang``
verdicts; without it, every hang.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import io
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TARGETS = ("scenario", "intent", "message", "api", "har")
#: Outcomes that are findings (a worker that died is a "crash"; a bug of this tool a "generator-error").
BAD = ("traceback", "hang", "crash", "generator-error")
ROOT = Path(__file__).resolve().parent.parent

# --- seeds ------------------------------------------------------------------------------------

_BUILTIN_INTENTS = (
    'origins = ["https://app.example"]\nmethods = ["PUT"]\nheaders = ["X-Token"]\ncredentials = true\n'
    'expose = ["X-Total"]\nmax_age = 600\n',
    'origins = ["*"]\n',
    'origins = ["https://*.example.org", "null", "http://localhost:3000"]\nmethods = ["*"]\nheaders = ["*"]\n',
)


@dataclass
class Seeds:
    scenarios: list[tuple[str, Any]] = field(default_factory=list)  # (name, decoded JSON)
    scenario_texts: list[bytes] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)  # TOML texts
    hars: list[tuple[str, Any]] = field(default_factory=list)  # (name, decoded JSON) of tests/fixtures/har
    har_texts: list[bytes] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> Seeds:
        s = cls()
        for folder in ("spec_traces", "examples"):
            for p in sorted((root / folder).glob("*.json")):
                raw = p.read_bytes()
                s.scenario_texts.append(raw)
                s.scenarios.append((p.name, json.loads(raw)))
        errors = root / "docs" / "errors.md"
        if errors.exists():
            for block in re.findall(r"```text\n(.*?)\n```", errors.read_text(encoding="utf-8"), re.S):
                s.messages.extend(line for line in block.splitlines() if line.strip())
        for p in sorted((root / "tests" / "oracle_bugs" / "apps").glob("*.toml")):
            s.intents.append(p.read_text(encoding="utf-8"))
        s.intents.extend(_BUILTIN_INTENTS)
        for p in sorted((root / "tests" / "fixtures" / "har").glob("*/*.har")):
            raw = p.read_bytes()
            s.har_texts.append(raw)
            s.hars.append((p.name, json.loads(raw.decode("utf-8-sig"))))
        if not s.scenarios:
            raise SystemExit(f"fuzz: no seed scenarios under {root} (spec_traces/, examples/)")
        if not s.messages:
            s.messages.append("Access to fetch at 'https://api.example/x' from origin 'https://app.example' has "
                              "been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present "
                              "on the requested resource.")
        return s


# --- values hostile inputs are made of --------------------------------------------------------

ODD_URLS = (
    "https://api.example/x", "http://api.example:6000/", "https://api.example:65536/", "https://[::1]:0/",
    "https://xn--/", "https://a..b/", "https://ex%41mple.com/", "https://user:pw@api.example/",
    "data:text/plain,hi", "blob:https://app.example/1", "about:blank", "javascript:alert(1)", "file:///etc/passwd",
    "ftp://api.example/", "//api.example/x", "/relative?q#f", "", " ", "https://", "http://[", "https://\u0000/",
    "https://\ud800.example/", "https://é.example/", "https://api.example/" + "a" * 70000, "ws://api.example/",
    "https://api.example/\r\nX: y", "https://999999999999999999999/", "https://0x7f.1/", "HTTPS://API.EXAMPLE/",
    "https://api.example/%", "https://api.example/#\ud800", "http://1.2.3.4.5/", "https://.example/",
)
ODD_ORIGINS = (
    "https://app.example", "null", "NULL", "", "*", "https://app.example/", "https://app.example:443",
    "https://APP.example", "http://app.example:0", "https://[::1]", "file://", "https://\ud800", "data:,x",
    "https://app.example/path", "https://a" + ".b" * 5000, "chrome-extension://abc", "https://xn--e1afmkfd.xn--p1ai",
    "https://app.example\u0000", " https://app.example", "https://app.example:99999",
)
ODD_METHODS = ("GET", "PUT", "get", "patch", "CONNECT", "TRACE", "TRACK", "OPTIONS", "", " ", "P\u00d6T", "\ud800",
               "X" * 10000, "GET\r\n", "DELETE", "M(", "*")
ODD_STATUSES = (0, -1, 99, 100, 101, 199, 200, 204, 206, 299, 300, 301, 302, 303, 307, 308, 399, 404, 999, 1000,
                2**31, 2**63, -(2**63))
CORS_NAMES = ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
              "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
              "Location", "Content-Type", "Vary", "Set-Cookie", "Timing-Allow-Origin",
              "Cross-Origin-Resource-Policy")


class Raw:
    """Literal JSON text placed into a mutated document (what json.dumps cannot write)."""

    def __init__(self, text: str) -> None:
        self.text = text


def huge_int(rng: random.Random, lo: int = 4301, hi: int = 6000) -> str:
    n = rng.randint(lo, hi)
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def byte_string(rng: random.Random, n: int) -> str:
    """A header value: bytes 0x00-0xFF held one character per byte."""
    return "".join(chr(rng.randint(0, 255)) for _ in range(n))


def odd_string(rng: random.Random) -> str:
    k = rng.randrange(10)
    if k == 0:
        return "\ud800"
    if k == 1:
        return "x\udcff" * rng.randint(1, 3)
    if k == 2:
        return byte_string(rng, rng.randint(0, 40))
    if k == 3:
        return rng.choice(ODD_URLS)
    if k == 4:
        return rng.choice(ODD_ORIGINS)
    if k == 5:
        return "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(1, 8))
                       ).encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
    if k == 6:
        return "A" * rng.choice((1000, 70000, 300000))
    if k == 7:
        return rng.choice(("", " ", "\t", "\r\n", "\u2028", "\ufeff", "\x7f", "%00", "\\"))
    if k == 8:
        return rng.choice(ODD_METHODS)
    return rng.choice(CORS_NAMES)


def header_name(rng: random.Random) -> str:
    k = rng.randrange(6)
    if k == 0:
        return byte_string(rng, rng.randint(0, 12))
    if k == 1:
        return odd_string(rng)
    if k == 2:
        return rng.choice(("X-Token", "Content-Type", "Authorization", "Range", "Accept", "Origin", "Cookie"))
    return rng.choice(CORS_NAMES)


def header_value(rng: random.Random, name: str = "") -> str:
    k = rng.randrange(8)
    if k == 0:
        return byte_string(rng, rng.randint(0, 64))
    if k == 1:
        return odd_string(rng)
    if k == 2:
        return huge_int(rng, 4301, 5000)
    if k == 3:
        return rng.choice(("*", "null", "https://app.example", "true", "TRUE", "PUT, DELETE", "x-token", "600",
                           "-1", "1e3", "+5", "0600", "bytes=0-", "text/plain", ""))
    if k == 4:
        return ", ".join(f"X-H{i}" for i in range(rng.choice((10, 300, 2000))))
    return rng.choice(("*", "https://app.example", "PUT", "X-Token", "5", "true"))


# --- structure-aware JSON mutation ------------------------------------------------------------

def _containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    if isinstance(node, dict):
        yield node, path
        for k, v in list(node.items()):
            yield from _containers(v, (*path, k))
    elif isinstance(node, list):
        yield node, path
        for i, v in enumerate(node):
            yield from _containers(v, (*path, i))


def _wrong_value(rng: random.Random) -> Any:
    return rng.choice((
        None, True, False, 0, -1, 1.5, 1e308, float("nan"), float("inf"), float("-inf"), "", "x", [], {}, [[]],
        ["a"], ["a", "b", "c"], {"x": 1}, Raw(huge_int(rng)), Raw("-" + huge_int(rng)), Raw("1e999999"),
        Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), odd_string(rng), 2**64, -(2**63),
    ))


def _deep(rng: random.Random) -> Raw:
    depth = rng.choice((50, 900, 1200, 5000, 100000))
    opener, closer = rng.choice((("[", "]"), ('{"a":', "}")))
    return Raw(opener * depth + "1" + closer * depth)


def _route(url: str, status: int = 200, headers: list[list[str]] | None = None, method: str | None = None
           ) -> dict[str, Any]:
    r: dict[str, Any] = {"url": url, "status": status, "headers": headers or []}
    if method is not None:
        r["method"] = method
    return r


def _scenario_structural(rng: random.Random, doc: Any) -> Any:
    """Scenario-specific mutations: what real pastes and servers produce."""
    if not isinstance(doc, dict):
        return doc
    reqs = doc.get("requests")
    if not isinstance(reqs, list) or not reqs or not isinstance(reqs[0], dict):
        return doc
    req = rng.choice(reqs) if all(isinstance(r, dict) for r in reqs) else reqs[0]
    server = doc.setdefault("server", [])
    if not isinstance(server, list):
        return doc
    url: str = req["url"] if isinstance(req.get("url"), str) else "https://api.example/x"
    big = rng.random() < 0.02  # the very large inputs are few: each costs seconds today
    k = rng.randrange(16)
    if k == 0:  # many requests
        n = rng.choice((50, 500, 5000) if big else (5, 50, 200))
        doc["requests"] = [copy.deepcopy(req) for _ in range(n)]
    elif k == 1:  # many distinct request headers
        n = 20000 if big else rng.choice((10, 200, 1000))
        req["headers"] = [[f"X-H{i}", "v"] for i in range(n)]
        req.setdefault("method", "PUT")
    elif k == 2:  # many response headers, ACEH *
        n = 20000 if big else rng.choice((10, 200, 1000))
        hs = [["Access-Control-Allow-Origin", "*"], ["Access-Control-Expose-Headers", "*"]]
        hs += [[f"X-R{i}", "v"] for i in range(n)]
        server.insert(0, _route(url, 200, hs))
    elif k == 3:  # long ACAH / ACAM lists
        n = 20000 if big else rng.choice((10, 300, 2000))
        name, item = rng.choice((("Access-Control-Allow-Headers", "X-H{}"), ("Access-Control-Allow-Methods", "M{}")))
        req["method"] = "M1" if "Methods" in name else "PUT"
        req["headers"] = [["X-H1", "v"]] if "Headers" in name else []
        server.insert(0, _route(url, 204, [["Access-Control-Allow-Origin", "*"], [name, ", ".join(
            item.format(i) for i in range(n))]], "OPTIONS"))
        if rng.random() < 0.5:
            doc["requests"] = [req, copy.deepcopy(req)]
    elif k == 4:  # Access-Control-Max-Age with thousands of digits
        req["method"] = "PUT"
        server.insert(0, _route(url, 204, [["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Methods", "PUT"],
                                          ["Access-Control-Max-Age", huge_int(rng, 4000, 5200)]], "OPTIONS"))
        doc["requests"] = [req, copy.deepcopy(req)]
    elif k == 5:  # header bytes 0x00-0xFF in names and values
        req["headers"] = [[header_name(rng), header_value(rng)] for _ in range(rng.randint(1, 6))]
        server.insert(0, _route(url, rng.choice((200, 204, 302)),
                                [[header_name(rng), header_value(rng)] for _ in range(rng.randint(1, 6))]))
    elif k == 6:  # redirect loop
        other = "https://loop.example/b"
        server[:0] = [_route(url, 302, [["Location", other], ["Access-Control-Allow-Origin", "*"]]),
                      _route(other, 307, [["Location", url], ["Access-Control-Allow-Origin", "*"]])]
    elif k == 7:  # a redirect chain
        n = rng.choice((5, 25, 500))
        hops = [f"https://h{i}.example/" for i in range(n)] + ["https://end.example/"]
        server[:0] = [_route(hops[i], 302, [["Location", hops[i + 1]], ["Access-Control-Allow-Origin", "*"]])
                      for i in range(n)]
        req["url"] = hops[0]
    elif k == 8:
        req["url"] = rng.choice(ODD_URLS)
    elif k == 9:
        doc["page"] = rng.choice(ODD_ORIGINS)
    elif k == 10:
        req["after"] = rng.choice((Raw("NaN"), Raw("Infinity"), Raw("1e309"), -0.0, 1e300, Raw(huge_int(rng))))
    elif k == 11:
        for key in ("mode", "credentials", "redirect", "api", "method", "crossorigin", "body", "upload_listener"):
            if rng.random() < 0.3:
                req[key] = rng.choice((odd_string(rng), "no-cors", "include", "manual", "xhr", "img", "font",
                                       "iframe", "anonymous", "use-credentials", True, None))
    elif k == 12:
        server.insert(0, _route(rng.choice(ODD_URLS), rng.choice(ODD_STATUSES), [[header_name(rng), header_value(rng)]]))
    elif k == 13:
        server.insert(0, {"url": url, "body_base64": rng.choice(("", "====", "QQ", "\ud800", "A" * 100001))})
    elif k == 14:  # a long response header value
        server.insert(0, _route(url, 200, [["Access-Control-Allow-Origin", "*"],
                                           ["X-Long", "v" * rng.choice((8192, 300000, 1100000))]]))
    else:
        doc["name"] = odd_string(rng)
        doc["about"] = odd_string(rng)
    return doc


def mutate_json(rng: random.Random, doc: Any, extra: Callable[[random.Random, Any], Any] | None = None) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if extra is not None and rng.random() < 0.45:
            doc = extra(rng, doc)
            continue
        spots = list(_containers(doc))
        if not spots:
            return _wrong_value(rng)
        node, _ = rng.choice(spots)
        k = rng.randrange(7)
        if isinstance(node, dict):
            keys = list(node)
            if k == 0 and keys:
                del node[rng.choice(keys)]
            elif k == 1:
                node[rng.choice(("extra", "url", "method", "headers", "status", "\ud800", ""))] = _wrong_value(rng)
            elif k == 2 and keys:
                node[rng.choice(keys)] = _deep(rng)
            elif keys:
                key = rng.choice(keys)
                node[key] = _wrong_value(rng) if k < 5 else odd_string(rng)
        else:
            if k == 0 and node:
                node.pop(rng.randrange(len(node)))
            elif k == 1:
                node.append(_wrong_value(rng))
            elif k == 2:
                node.append(_deep(rng))
            elif k == 3 and node:
                node.extend(copy.deepcopy(rng.choice(node)) for _ in range(rng.choice((1, 5, 100))))
            elif node:
                node[rng.randrange(len(node))] = _wrong_value(rng) if k < 5 else odd_string(rng)
    return doc


def dump_json(rng: random.Random, doc: Any) -> bytes:
    raws: list[str] = []

    def default(o: object) -> str:
        if isinstance(o, Raw):
            raws.append(o.text)
            return f"@@RAW{len(raws) - 1}@@"
        raise TypeError(type(o).__name__)

    text = json.dumps(doc, indent=rng.choice((None, 1)), default=default, ensure_ascii=rng.random() < 0.8)
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', raw, 1)
    return text.encode("utf-8", "surrogatepass")


def mutate_bytes(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        k = rng.randrange(8)
        pos = rng.randrange(len(b) + 1)
        if k == 0 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif k == 1:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif k == 2:
            del b[pos:pos + rng.randint(1, 16)]
        elif k == 3:
            del b[pos:]
        elif k == 4:
            b[pos:pos] = rng.choice((b"\xed\xa0\x80", b"\\ud800", b"\xff", b"\x00", b"NaN", b"-Infinity",
                                     b"[" * 3000, b"9" * 4400, b'"', b"\\", b"\r\n", b"\xef\xbb\xbf"))
        elif k == 5 and others:
            other = rng.choice(others)
            cut = rng.randrange(len(other) + 1)
            b = b[:pos] + bytearray(other[cut:])
        elif k == 6 and b:
            end = min(len(b), pos + rng.randint(1, 64))
            b[pos:pos] = b[pos:end] * rng.choice((2, 10, 100))
        else:
            b[pos:pos] = rng.choice((b"{}", b"[]", b"null", b'"x"', b"1e400", b"0" * 10, b",", b":"))
    return bytes(b)


def mutate_text(rng: random.Random, text: str) -> str:
    """A console message with pieces swapped for hostile ones."""
    k = rng.randrange(8)
    if k == 0:
        raw = mutate_bytes(rng, text.encode("utf-8", "surrogatepass"), [])
        return raw.decode("utf-8", "surrogateescape")  # invalid bytes become lone surrogates, as argv does
    if k == 1:
        return re.sub(r"'[^']*'", lambda m: "'" + odd_string(rng) + "'", text, count=rng.randint(1, 3))
    if k == 2:
        return re.sub(r"https?://[^\s'\"]+", lambda m: rng.choice(ODD_URLS), text)
    if k == 3:
        return text * rng.choice((2, 50, 2000))
    if k == 4:
        pos = rng.randrange(len(text) + 1)
        return text[:pos] + odd_string(rng) + text[pos:]
    if k == 5:
        return "DevTools noise\n" + text + "\n" + text[: len(text) // 2]
    if k == 6:
        return re.sub(r"\d+", lambda m: huge_int(rng, 10, 5000), text)
    return text.replace(" ", rng.choice(("\u00a0", "\t", "  ", "\n", "\ud800")))


# --- one input --------------------------------------------------------------------------------

@dataclass
class Case:
    """One input: what to run. ``argv`` runs the CLI (``{dir}`` is the worker's folder);
    ``call`` runs the API."""

    target: str
    index: int
    kind: str
    argv: list[str] | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    call: dict[str, Any] | None = None

    def size(self) -> int:
        return sum(len(b) for b in self.files.values()) + len(json.dumps(self.argv or self.call, default=repr))


def make_case(seeds: Seeds, seed: int, target: str, index: int) -> Case:
    rng = random.Random(f"{seed}:{target}:{index}")
    if target == "scenario":
        return _scenario_case(rng, seeds, index)
    if target == "intent":
        return _intent_case(rng, seeds, index)
    if target == "message":
        return _message_case(rng, seeds, index)
    if target == "har":
        return _har_case(rng, seeds, index)
    return _api_case(rng, index)


def _har_case(rng: random.Random, seeds: Seeds, index: int) -> Case:
    """A HAR from tests/fixtures/har (DevTools, Playwright, BiDi, Web Inspector), mutated."""
    if not seeds.hars:
        raise SystemExit("fuzz: no seed HAR files under tests/fixtures/har")
    _name, doc = rng.choice(seeds.hars)
    if rng.random() < 0.25:
        raw = mutate_bytes(rng, rng.choice(seeds.har_texts), seeds.har_texts[:8])
        kind = "bytes"
    else:
        doc = mutate_json(rng, doc)
        raw = dump_json(rng, doc)
        kind = "json"
    argv = ["har", *(["--json"] if rng.random() < 0.5 else []),
            "--profile", rng.choice(("auto", "auto", "spec", "chromium", "firefox", "webkit")), "{dir}/f.har"]
    return Case("har", index, f"har:{kind}", argv, {"f.har": raw})


def _scenario_case(rng: random.Random, seeds: Seeds, index: int) -> Case:
    _name, doc = rng.choice(seeds.scenarios)
    if rng.random() < 0.25:
        raw = mutate_bytes(rng, rng.choice(seeds.scenario_texts), seeds.scenario_texts)
        kind = "bytes"
    else:
        doc = mutate_json(rng, doc, _scenario_structural)
        raw = dump_json(rng, doc)
        kind = "json"
    command = rng.choice((["run"], ["run", "--json"], ["run", "--json", "--trace"], ["explain"],
                          ["explain", "--format", rng.choice(("markdown", "mermaid", "json"))],
                          ["explain", "--lang", "ru"], ["explain", "--color", "always"]))
    profile = rng.choice(("spec", "spec", "chromium", "firefox", "webkit"))
    return Case("scenario", index, f"{command[0]}:{kind}", [*command, "--profile", profile, "{dir}/s.json"],
                {"s.json": raw})


def _intent_case(rng: random.Random, seeds: Seeds, index: int) -> Case:
    import tomllib

    text = rng.choice(seeds.intents)
    as_json = rng.random() < 0.6
    if as_json:
        doc = tomllib.loads(text)
        if rng.random() < 0.2:
            raw = mutate_bytes(rng, json.dumps(doc).encode(), [])
        else:
            doc = mutate_json(rng, doc, _intent_structural)
            raw = dump_json(rng, doc)
        fname = "intent.json"
    else:
        raw = mutate_bytes(rng, text.encode("utf-8"), [t.encode() for t in seeds.intents])
        fname = "intent.toml"
    if rng.random() < 0.125:
        argv = ["audit", "fuzzapp:app", "--intent", "{dir}/" + fname, "--examples", "1", "--max-requests", "1",
                "--max-findings", "1", "--seed", str(rng.randrange(1000))]
        return Case("intent", index, "audit", argv, {fname: raw})
    return Case("intent", index, "load", None, {fname: raw}, {"call": "intent", "file": fname})


def _intent_structural(rng: random.Random, doc: Any) -> Any:
    if not isinstance(doc, dict):
        return doc
    key = rng.choice(("origins", "methods", "headers", "expose", "max_age", "credentials"))
    if key == "max_age":
        doc[key] = rng.choice((Raw(huge_int(rng)), Raw("NaN"), Raw("1e999"), -1, 2**64, "600", 600.5))
    elif key == "credentials":
        doc[key] = rng.choice((1, "true", None, Raw("NaN")))
    else:
        n = rng.choice((1, 10, 1000, 20000))
        pool = ODD_ORIGINS if key == "origins" else ODD_METHODS
        doc[key] = [rng.choice(pool) if rng.random() < 0.5 else f"X-{i}" for i in range(n)]
    return doc


def _message_case(rng: random.Random, seeds: Seeds, index: int) -> Case:
    text = rng.choice(seeds.messages)
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        text = mutate_text(rng, text)[:1_000_000]  # a paste of at most about 1 MB
    argv = ["explain-error", *(["--json"] if rng.random() < 0.5 else []), text]
    return Case("message", index, "explain-error", argv)


def _headers(rng: random.Random, many: bool) -> list[tuple[str, str]]:
    if many:
        n = rng.choice((100, 1000, 20000)) if rng.random() < 0.05 else rng.choice((10, 100))
        return [(f"X-H{i}", "v") for i in range(n)]
    return [(header_name(rng), header_value(rng)) for _ in range(rng.randint(0, 5))]


def _api_case(rng: random.Random, index: int) -> Case:
    k = rng.randrange(10)
    call: dict[str, Any]
    page = rng.choice(ODD_ORIGINS) if rng.random() < 0.3 else "https://app.example"
    url = rng.choice(ODD_URLS) if rng.random() < 0.4 else "https://api.example/x"
    profile = rng.choice(("spec", "chromium", "firefox", "webkit"))
    method = rng.choice(ODD_METHODS) if rng.random() < 0.5 else rng.choice(("GET", "PUT", "POST"))
    if k in (0, 1):
        call = {
            "call": "check", "page": page, "url": url, "method": method,
            "headers": _headers(rng, rng.random() < 0.1),
            "credentials": rng.choice(("omit", "same-origin", "include", "bogus")),
            "response_headers": _headers(rng, rng.random() < 0.1) + [("Access-Control-Allow-Origin", "*")],
            "preflight_headers": _preflight_headers(rng), "status": rng.choice(ODD_STATUSES),
            "preflight_status": rng.choice(ODD_STATUSES), "profile": profile}
        return Case("api", index, "check", None, call=call)
    if k == 2:  # the CLI's check command
        argv = ["check", "--page", page, "--url", url, "--method", method, "--profile", profile]
        for n, v in _headers(rng, False):
            argv += [rng.choice(("-H", "--response-header", "--preflight-header")), f"{n}: {v}"]
        if rng.random() < 0.3:
            argv += ["--status", rng.choice(("200", "-5", "abc", huge_int(rng, 10, 5000), "1e3"))]
        if rng.random() < 0.5:
            argv.append("--json")
        return Case("api", index, "cli-check", argv)
    if k == 3:  # a long redirect chain under a Profile with a high redirect_limit
        hops = rng.choice((10, 100, 500))
        call = {"call": "chain", "hops": hops, "limit": rng.choice((20, 1000)), "profile": profile,
                "api": rng.choice(("fetch", "xhr", "img"))}
        return Case("api", index, "chain", None, call=call)
    # a reused Browser: a few requests against routes with hostile answers
    steps = []
    for _ in range(rng.randint(1, 4)):
        api = rng.choice(("fetch", "fetch", "xhr", "load"))
        step: dict[str, Any] = {"api": api, "url": url if rng.random() < 0.5 else rng.choice(ODD_URLS),
                                "after": rng.choice((0, 0, 1, 5, 1e9, float("nan"), float("inf"), -1))}
        if api == "load":
            step["element"] = rng.choice(("img", "script", "module-script", "stylesheet", "font", "media", "iframe",
                                          "video", ""))
            step["crossorigin"] = rng.choice((None, "anonymous", "use-credentials", "", "\ud800"))
        else:
            step.update(method=method, headers=_headers(rng, rng.random() < 0.1),
                        body=rng.choice((None, "", "x", "\ud800", "b" * 100000)))
            if api == "fetch":
                step.update(mode=rng.choice(("cors", "no-cors", "same-origin", "navigate", "x")),
                            credentials=rng.choice(("omit", "same-origin", "include")),
                            redirect=rng.choice(("follow", "manual", "error", "x")))
            else:
                step.update(with_credentials=rng.random() < 0.5, upload_listener=rng.random() < 0.3)
        steps.append(step)
    routes = []
    for _ in range(rng.randint(1, 5)):
        target = url if rng.random() < 0.6 else rng.choice(ODD_URLS)
        hs = _headers(rng, rng.random() < 0.05) + _preflight_headers(rng)
        if rng.random() < 0.3:
            hs.append(("Location", rng.choice((target, *ODD_URLS))))
        routes.append({"url": target, "status": rng.choice(ODD_STATUSES), "headers": hs,
                       "body": rng.choice(("", "x", "\x00\xff")), "method": rng.choice((None, None, "OPTIONS", method))})
    return Case("api", index, "browser", None,
                call={"call": "browser", "page": page, "profile": profile, "steps": steps, "routes": routes})


def _preflight_headers(rng: random.Random) -> list[tuple[str, str]]:
    hs: list[tuple[str, str]] = [("Access-Control-Allow-Origin", rng.choice(("*", "https://app.example", "null")))]
    if rng.random() < 0.5:
        hs.append(("Access-Control-Allow-Methods", rng.choice(("PUT", "*", header_value(rng)))))
    if rng.random() < 0.5:
        hs.append(("Access-Control-Allow-Headers", rng.choice(("*", "x-token", header_value(rng)))))
    if rng.random() < 0.3:
        hs.append(("Access-Control-Max-Age", rng.choice(("600", "-1", "1e3", huge_int(rng, 4200, 5100)))))
    if rng.random() < 0.2:
        hs.append(("Access-Control-Expose-Headers", rng.choice(("*", header_value(rng)))))
    return hs


# --- running one input ------------------------------------------------------------------------

_APP = '''\
def app(environ, start_response):
    origin = environ.get("HTTP_ORIGIN", "")
    start_response("200 OK", [("Access-Control-Allow-Origin", origin or "*"), ("Vary", "Origin"),
                              ("Access-Control-Allow-Methods", "PUT")])
    return [b"ok"]
'''


@dataclass
class Outcome:
    target: str
    index: int
    kind: str
    outcome: str  # refused | usage | ran | traceback | hang
    key: str = ""  # traceback class: ExceptionType@file:function
    where: str = ""  # innermost project frame with line
    message: str = ""
    seconds: float = 0.0  # wall time (for a hang: how long it ran before it was stopped)
    size: int = 0
    cpu: float = -1.0  # CPU time of the worker for this input (-1: not measured, e.g. a killed hang)


def _strict_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)


def _innermost(tb: Any) -> tuple[str, str]:
    frames = traceback.extract_tb(tb)
    for f in reversed(frames):
        norm = f.filename.replace(os.sep, "/")
        if "/cors_spec/" in norm:
            short = norm[norm.rindex("/cors_spec/") + 1:]
            return f"{short}:{f.name}", f"{short}:{f.lineno} in {f.name}"
    if not frames:
        return "(outside cors_spec)", "?"
    last = frames[-1]
    return "(outside cors_spec)", f"{last.filename}:{last.lineno} in {last.name}"


def run_case(case: Case, workdir: Path) -> Outcome:
    for name, data in case.files.items():
        (workdir / name).write_bytes(data)
    return _timed(case, lambda: _run_cli(case, workdir) if case.argv is not None else _run_api(case, workdir))


def _timed(case: Case, body: Callable[[], Outcome]) -> Outcome:
    """``body()``'s outcome with its wall and CPU time; an exception that escapes is the finding."""
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        outcome = body()
    except BaseException as e:  # everything that escapes is the finding
        if isinstance(e, KeyboardInterrupt):
            raise
        key, where = _innermost(e.__traceback__)
        outcome = Outcome(case.target, case.index, case.kind, "traceback", f"{type(e).__name__}@{key}", where,
                          _short(e))
    outcome.seconds = time.perf_counter() - started
    outcome.cpu = time.process_time() - cpu_started
    outcome.size = case.size()
    return outcome


def _short(e: BaseException) -> str:
    try:
        text = str(e)
    except Exception:  # a str() that fails is itself shown
        text = "<unprintable>"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:200]


def _run_cli(case: Case, workdir: Path) -> Outcome:
    from cors_spec.cli import main

    assert case.argv is not None
    argv = [a.replace("{dir}", str(workdir)) for a in case.argv]
    out, err = _strict_stream(), _strict_stream()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv, out, err)
    out.flush()
    err.flush()
    err_text = err.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    lines = err_text.splitlines()
    if status == 2:
        if len(lines) == 1 and lines[0].startswith("cors-spec: error: "):
            result = Outcome(case.target, case.index, case.kind, "refused", message=lines[0][:200])
        elif lines and lines[0].startswith("usage:"):
            result = Outcome(case.target, case.index, case.kind, "usage", message=lines[-1][:200])
        else:
            result = Outcome(case.target, case.index, case.kind, "traceback", "UncleanRefusal@cli",
                             message=err_text[:200])
        return result
    if case.kind == "explain-error" and status == 0 and "--json" in argv:
        # The scenario it prints must itself run.
        doc = json.loads(out.buffer.getvalue().decode("utf-8"))  # type: ignore[attr-defined]
        if doc.get("scenario") is not None:
            (workdir / "repro.json").write_text(json.dumps(doc["scenario"]), encoding="utf-8")
            out2, err2 = _strict_stream(), _strict_stream()
            with contextlib.redirect_stdout(out2), contextlib.redirect_stderr(err2):
                status2 = main(["run", str(workdir / "repro.json")], out2, err2)
            if status2 != 0:
                return Outcome(case.target, case.index, case.kind, "traceback", "ReproRefused@explain-error",
                               message=err2.buffer.getvalue().decode("utf-8")[:200])  # type: ignore[attr-defined]
    return Outcome(case.target, case.index, case.kind, "ran")


def _run_api(case: Case, workdir: Path) -> Outcome:
    import attrs

    from cors_spec import SPEC, Browser, InputError, Route, Routes, check, get_profile

    call = case.call or {}
    results = []
    try:
        if call["call"] == "intent":
            from cors_spec.intent import Intent

            Intent.load(workdir / call["file"])
        elif call["call"] == "check":
            args = {k: v for k, v in call.items() if k != "call"}
            results.append(check(**args))
        elif call["call"] == "chain":
            n = call["hops"]
            hops = [f"https://h{i}.example/" for i in range(n)] + ["https://end.example/"]
            routes = Routes(tuple(Route(hops[i], 302, (("Location", hops[i + 1]), ("Access-Control-Allow-Origin", "*")))
                                  for i in range(n)) + (Route(hops[-1], 200, (("Access-Control-Allow-Origin", "*"),)),))
            profile = attrs.evolve(get_profile(call["profile"]) if call["profile"] != "spec" else SPEC,
                                   redirect_limit=call["limit"])
            b = Browser("https://app.example", profile)
            if call["api"] == "img":
                results.append(b.load("img", hops[0], server=routes))
            elif call["api"] == "xhr":
                results.append(b.xhr(hops[0], server=routes))
            else:
                results.append(b.fetch(hops[0], server=routes))
        else:
            routes = Routes(tuple(Route(r["url"], r["status"], tuple(r["headers"]), r["body"], r["method"])
                                  for r in call["routes"]))
            b = Browser(call["page"], call["profile"])
            for s in call["steps"]:
                b.advance(s["after"])
                if s["api"] == "load":
                    results.append(b.load(s["element"], s["url"], crossorigin=s["crossorigin"], server=routes))
                elif s["api"] == "xhr":
                    results.append(b.xhr(s["url"], method=s["method"], headers=s["headers"], body=s["body"],
                                         with_credentials=s["with_credentials"],
                                         upload_listener=s["upload_listener"], server=routes))
                else:
                    results.append(b.fetch(s["url"], method=s["method"], headers=s["headers"], body=s["body"],
                                           mode=s["mode"], credentials=s["credentials"], redirect=s["redirect"],
                                           server=routes))
        for r in results:  # what a caller does with a result: read it, explain it, serialise it
            r.explain()
            json.dumps(r.observation())
            _ = r.console
    except InputError as e:
        return Outcome(case.target, case.index, case.kind, "refused", message=_short(e))
    return Outcome(case.target, case.index, case.kind, "ran")


# --- workers ----------------------------------------------------------------------------------

#: Imported before the first input's clock starts (the CLI imports a command's module on first use).
_WARM = ("cors_spec.cli", "cors_spec.intent", "cors_spec.teach.diagnose", "cors_spec.scenario.format",
         "cors_spec.debug.har_read", "cors_spec.oracle.strategies")


def _warm() -> None:
    import pkgutil

    for module in _WARM:
        importlib.import_module(module)
    cli = sys.modules["cors_spec.cli"]
    for info in pkgutil.iter_modules(getattr(cli, "__path__", [])):
        importlib.import_module(f"cors_spec.cli.{info.name}")


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    """A private folder holding the audit's target app, on sys.path, with the CLI warmed up."""
    with tempfile.TemporaryDirectory(prefix="cors-fuzz-") as d:
        workdir = Path(d)
        (workdir / "fuzzapp.py").write_text(_APP, encoding="utf-8")
        sys.path.insert(0, d)
        _warm()
        yield workdir


def _worker(conn: multiprocessing.connection.Connection, root: str, seed: int) -> None:
    seeds = Seeds.load(Path(root))
    with _workdir() as workdir:
        conn.send("ready")
        while True:
            task = conn.recv()
            if task is None:
                break
            target, index = task
            try:
                case = make_case(seeds, seed, target, index)
            except Exception as e:  # a bug of the fuzzer, reported as such
                conn.send(Outcome(target, index, "?", "generator-error", f"{type(e).__name__}@fuzz", message=_short(e)))
                continue
            conn.send(run_case(case, workdir))


@dataclass
class _Slot:
    proc: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    task: tuple[str, int] | None = None
    started: float = 0.0


def _tasks(targets: tuple[str, ...], n: int) -> Iterator[tuple[str, int]]:
    for i in range(n):
        yield targets[i % len(targets)], i // len(targets)


def run_fuzz(root: Path, seed: int, targets: tuple[str, ...], n: int, jobs: int, timeout: float,
             progress: bool, time_limit: float | None = None, sink: Tally | None = None) -> list[Outcome]:
    """Run inputs 0..n-1 (round robin over ``targets``); stop early after ``time_limit``
    seconds or on SIGINT/SIGTERM, returning the outcomes so far. With ``sink`` each outcome
    goes to the tally instead (a long campaign keeps no list of every input)."""
    ctx = multiprocessing.get_context("fork")
    results: list[Outcome] | _Sink = [] if sink is None else _Sink(sink)

    def spawn() -> _Slot:
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_worker, args=(child, str(root), seed), daemon=True)
        p.start()
        child.close()
        if not parent.poll(60) or parent.recv() != "ready":
            raise SystemExit("fuzz: a worker did not start")
        return _Slot(p, parent)

    bar = _progress(n, progress)
    tasks = _tasks(targets, n)
    slots = [spawn() for _ in range(max(1, jobs))]
    pending = True
    seeds = Seeds.load(root)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            if pending and deadline is not None and time.monotonic() > deadline:
                pending = False
            for s in slots:
                if s.task is None and pending:
                    task = next(tasks, None)
                    if task is None:
                        pending = False
                    else:
                        s.task, s.started = task, time.monotonic()
                        s.conn.send(task)
            busy = [s for s in slots if s.task is not None]
            if not busy:
                break
            now = time.monotonic()
            wait = max(0.0, min(s.started + timeout - now for s in busy))
            ready = multiprocessing.connection.wait([s.conn for s in busy], timeout=wait)
            for s in busy:
                if s.conn in ready:
                    try:
                        results.append(s.conn.recv())
                    except EOFError:  # the worker died (e.g. out of memory): count it, start another
                        assert s.task is not None
                        results.append(_lost(seeds, seed, s.task, "crash", "WorkerDied@?"))
                        _replace(slots, s, spawn)
                        bar.update(1)
                        continue
                    s.task = None
                    bar.update(1)
                elif time.monotonic() - s.started > timeout:
                    assert s.task is not None
                    results.append(_lost(seeds, seed, s.task, "hang", "", time.monotonic() - s.started))
                    _replace(slots, s, spawn)
                    bar.update(1)
    except KeyboardInterrupt:
        print(f"fuzz: interrupted; {len(results)} inputs done", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
        for s in slots:
            with contextlib.suppress(OSError):
                s.conn.send(None)
        for s in slots:
            s.proc.join(2)
            if s.proc.is_alive():
                s.proc.kill()
                s.proc.join()
        bar.close()
    return results if isinstance(results, list) else []


class _Sink:
    """A list's ``append`` and ``len`` over a :class:`Tally`."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def append(self, outcome: Outcome) -> None:
        self.tally.add(outcome)

    def __len__(self) -> int:
        return self.tally.inputs


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _lost(seeds: Seeds, seed: int, task: tuple[str, int], outcome: str, key: str, seconds: float = math.inf
          ) -> Outcome:
    try:
        case = make_case(seeds, seed, *task)
    except Exception:  # reported by the worker's own outcome
        return Outcome(task[0], task[1], "?", outcome, key or "Hang@?", seconds=seconds)
    return Outcome(case.target, case.index, case.kind, outcome, key or f"Hang@{case.kind}", seconds=seconds,
                   size=case.size())


def _replace(slots: list[_Slot], s: _Slot, spawn: Callable[[], _Slot]) -> None:
    s.proc.kill()
    s.proc.join()
    s.conn.close()
    slots[slots.index(s)] = spawn()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, unit="input", smoothing=0.05, mininterval=0.5)


# --- the fast in-process driver (--fast) ----------------------------------------------------------

class _Alarm(Exception):
    """The per-input alarm went off: the input is a hang."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Alarm


def _fast_one(case: Case, workdir: Path | None = None) -> str:
    """The cheap path of one input, in this process: read and check what a file edge
    would (through the readers the CLI uses, cors_spec/scenario/files.py, so the same file
    limits apply), diagnose a paste, call the API. Returns ``refused`` or ``ran``; anything
    else escapes as the finding."""
    from cors_spec import InputError

    if case.files and workdir is None:
        with tempfile.TemporaryDirectory(prefix="cors-fuzz-") as tmp:
            return _fast_one(case, Path(tmp))
    paths: dict[str, Path] = {}
    for name, data in case.files.items():
        assert workdir is not None
        paths[name] = workdir / name
        paths[name].write_bytes(data)
    try:
        if case.target == "scenario":
            from cors_spec.scenario.format import load_scenario, observation, run_scenario

            sc = load_scenario(paths["s.json"])
            if len(sc.requests) <= 8:
                for r in run_scenario(sc, rng_profile(case)):
                    json.dumps(observation(r))
        elif case.target == "intent":
            from cors_spec.intent import Intent

            (path,) = paths.values()
            Intent.load(path)
        elif case.target == "message":
            from cors_spec.scenario.format import parse_scenario
            from cors_spec.teach.diagnose import diagnose

            assert case.argv is not None
            d = diagnose(case.argv[-1])
            if d is not None:
                json.dumps(d.to_json())
                if d.scenario is not None:
                    try:
                        parse_scenario(json.loads(json.dumps(d.scenario)), "repro.json")
                    except InputError as e:
                        raise AssertionError(f"ReproRefused: {e}") from None
        elif case.target == "har":
            from cors_spec.debug.har_read import group, read_har

            group(read_har(paths["f.har"]).entries)
        elif case.call is not None and case.call.get("call") != "intent":
            with tempfile.TemporaryDirectory() as tmp:
                return _run_api(case, Path(tmp)).outcome
        else:  # an argv of the api target: cors-spec check, in-process, into memory
            from cors_spec.cli import main

            assert case.argv is not None
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(case.argv, out, err)
            lines = err.getvalue().splitlines()
            if status == 2 and not (len(lines) == 1 and lines[0].startswith(("cors-spec: error: ", "usage:"))) \
                    and not (lines and lines[0].startswith("usage:")):
                raise AssertionError("UncleanRefusal: " + err.getvalue()[:200])
            return "refused" if status == 2 else "ran"
    except InputError:
        return "refused"
    return "ran"


def run_fast_case(case: Case) -> Outcome:
    """One input through the ``--fast`` path, in this process (``--fast --replay``)."""
    return _timed(case, lambda: Outcome(case.target, case.index, case.kind, _fast_one(case)))


def rng_profile(case: Case) -> str:
    return random.Random(f"{case.target}:{case.index}:profile").choice(("spec", "chromium", "firefox", "webkit"))


def _fast_batch(job: tuple[str, int, str, int, int, float, float]
                ) -> tuple[str, Counter[str], list[Outcome], list[Outcome]]:
    """Inputs ``start .. start+count-1`` of one target. Returns the counts per outcome, the
    findings (at most 50) and every input slower than ``slow`` seconds (wall time)."""
    root, seed, target, start, count, timeout, slow_after = job
    seeds = _fast_seeds(root)
    counts: Counter[str] = Counter()
    bad: list[Outcome] = []
    slow: list[Outcome] = []
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    tmp = tempfile.TemporaryDirectory(prefix="cors-fuzz-")
    workdir = Path(tmp.name)
    try:
        for index in range(start, start + count):
            try:
                case = make_case(seeds, seed, target, index)
            except Exception as e:
                counts["generator-error"] += 1
                bad.append(Outcome(target, index, "?", "generator-error", f"{type(e).__name__}@fuzz", message=_short(e)))
                continue
            began, cpu_began = time.perf_counter(), time.process_time()
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                outcome = _fast_one(case, workdir)
                signal.setitimer(signal.ITIMER_REAL, 0)
                counts[outcome] += 1
                wall = time.perf_counter() - began
                if wall >= slow_after:
                    slow.append(Outcome(target, index, case.kind, outcome, seconds=wall, size=case.size(),
                                        cpu=time.process_time() - cpu_began))
            except _Alarm:
                counts["hang"] += 1
                bad.append(Outcome(target, index, case.kind, "hang", f"Hang@{case.kind}",
                                   seconds=time.perf_counter() - began, size=case.size(),
                                   cpu=time.process_time() - cpu_began))
                slow.append(bad[-1])
            except BaseException as e:
                signal.setitimer(signal.ITIMER_REAL, 0)
                if isinstance(e, KeyboardInterrupt):
                    raise
                key, where = _innermost(e.__traceback__)
                counts["traceback"] += 1
                bad.append(Outcome(target, index, case.kind, "traceback", f"{type(e).__name__}@{key}", where,
                                   _short(e), time.perf_counter() - began, case.size()))
                if bad[-1].seconds >= slow_after:
                    slow.append(bad[-1])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        tmp.cleanup()
    return target, counts, bad[:50], slow


_SEEDS: dict[str, Seeds] = {}


def _fast_seeds(root: str) -> Seeds:
    if root not in _SEEDS:
        _SEEDS[root] = Seeds.load(Path(root))
        _warm()
    return _SEEDS[root]


def run_fast(root: Path, seed: int, targets: tuple[str, ...], n: int, jobs: int, timeout: float,
             time_limit: float | None = None, batch: int = 200, slow_after: float = 2.0) -> dict[str, Any]:
    """Inputs 0..n-1 of each target's share through the cheap in-process paths, ``batch``
    inputs per task, each under a per-input alarm of ``timeout`` seconds; stop starting
    batches after ``time_limit`` seconds. Returns a summary shaped like :func:`summarize`'s."""
    share = -(-n // len(targets))
    jobs_list = [(str(root), seed, t, start, min(batch, share - start), timeout, slow_after)
                 for start in range(0, share, batch) for t in targets]
    deadline = None if time_limit is None else time.monotonic() + time_limit
    tally = Tally(slow_after)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(max(1, jobs), maxtasksperchild=200) as pool:
        pending: list[Any] = []
        it = iter(jobs_list)
        while True:
            while len(pending) < 4 * max(1, jobs) and (deadline is None or time.monotonic() < deadline):
                job = next(it, None)
                if job is None:
                    break
                pending.append(pool.apply_async(_fast_batch, (job,)))
            if not pending:
                break
            target, counts, found, slow = pending.pop(0).get()
            tally.add_counts(target, counts, found, slow)
    return tally.summary()


# --- report -----------------------------------------------------------------------------------

class Tally:
    """Counts per target and outcome, the failure classes, and every input slower than
    ``slow_after`` seconds (wall time), kept as outcomes come in."""

    def __init__(self, slow_after: float = 2.0) -> None:
        self.slow_after = slow_after
        self.inputs = 0
        self.by_target: dict[str, Counter[str]] = {}
        self.classes: dict[str, dict[str, Any]] = {}
        self.slow: list[Outcome] = []
        self.slowest_ran: list[Outcome] = []  # the ten slowest that ran, over 0.5 s

    def add(self, r: Outcome) -> None:
        self.inputs += 1
        self.by_target.setdefault(r.target, Counter())[r.outcome] += 1
        if r.outcome in BAD:
            self._classify(r)
        if r.seconds >= self.slow_after or r.outcome == "hang":
            self.slow.append(r)
        if r.outcome == "ran" and r.seconds > 0.5:
            self.slowest_ran = sorted([*self.slowest_ran, r], key=lambda o: -o.seconds)[:10]

    def add_counts(self, target: str, counts: Counter[str], bad: list[Outcome], slow: list[Outcome]) -> None:
        """A batch of the fast driver: its counts, its findings and its slow inputs."""
        self.inputs += sum(counts.values())
        self.by_target.setdefault(target, Counter()).update(counts)
        for r in bad:
            self._classify(r)
        self.slow.extend(slow)

    def _classify(self, r: Outcome) -> None:
        c = self.classes.setdefault(r.key, {"outcome": r.outcome, "count": 0, "where": r.where, "message": r.message,
                                            "smallest": None, "size": math.inf})
        c["count"] += 1
        if r.size < c["size"]:
            c.update(size=r.size, smallest=f"{r.target}:{r.index}", where=r.where, message=r.message)

    def summary(self) -> dict[str, Any]:
        totals: Counter[str] = Counter()
        for c in self.by_target.values():
            totals.update(c)
        return {
            "inputs": self.inputs,
            "totals": dict(totals),
            "by_target": {t: dict(c) for t, c in sorted(self.by_target.items())},
            "classes": dict(sorted(self.classes.items(), key=lambda kv: -kv[1]["count"])),
            "slowest_ran": [{"input": f"{r.target}:{r.index}", "seconds": round(r.seconds, 3)}
                            for r in self.slowest_ran],
            "slow_after": self.slow_after,
            "slow": [_slow_row(r) for r in sorted(self.slow, key=lambda r: (r.target, r.index))],
        }


def _slow_row(r: Outcome) -> dict[str, Any]:
    return {"input": f"{r.target}:{r.index}", "kind": r.kind, "outcome": r.outcome, "seconds": round(r.seconds, 3),
            "cpu": None if r.cpu < 0 else round(r.cpu, 3), "size": r.size}


def summarize(results: list[Outcome], slow_after: float = 2.0) -> dict[str, Any]:
    tally = Tally(slow_after)
    for r in results:
        tally.add(r)
    return tally.summary()


def print_summary(summary: dict[str, Any], out: Any) -> None:
    outcomes = ("refused", "usage", "ran", *BAD)
    width = {o: max(9, len(o)) + 2 for o in (*outcomes, "total")}
    print(f"{'target':<10}" + "".join(f"{o:>{width[o]}}" for o in (*outcomes, "total")), file=out)
    for target, counts in summary["by_target"].items():
        print(f"{target:<10}" + "".join(f"{counts.get(o, 0):>{width[o]}}" for o in outcomes)
              + f"{sum(counts.values()):>{width['total']}}", file=out)
    t = summary["totals"]
    print(f"{'all':<10}" + "".join(f"{t.get(o, 0):>{width[o]}}" for o in outcomes)
          + f"{summary['inputs']:>{width['total']}}", file=out)
    if summary["classes"]:
        print("\nfailure classes (count, smallest input, innermost cors_spec frame):", file=out)
        for key, c in summary["classes"].items():
            print(f"  {c['count']:>7}  {key}\n           smallest {c['smallest']} ({c['size']} bytes) at {c['where']}"
                  f"\n           {c['message'][:150]!a}", file=out)
    if summary["slowest_ran"]:
        print("\nslowest inputs that ran (> 0.5 s): " + ", ".join(
            f"{s['input']} {s['seconds']} s" for s in summary["slowest_ran"]), file=out)


# --- re-timing slow inputs alone (--retime) -----------------------------------------------------

def _retime_child(conn: multiprocessing.connection.Connection, root: str, seed: int, target: str, index: int,
                  fast: bool) -> None:
    case = make_case(Seeds.load(Path(root)), seed, target, index)
    with _workdir() as workdir:
        conn.send("ready")
        conn.send(run_fast_case(case) if fast else run_case(case, workdir))


def retime(root: Path, seed: int, rows: list[dict[str, Any]], fast: bool, timeout: float, slow_after: float
           ) -> list[dict[str, Any]]:
    """Run each slow or hung input of ``rows`` again, alone (one at a time, nothing else of
    this run beside it), in a fresh process under ``timeout`` seconds. Each row gains
    ``alone_seconds`` and ``alone_cpu`` (None when it did not finish) and a verdict:
    ``contention`` (under ``slow_after`` s alone: it was slow because the CPUs were busy),
    ``slow`` (``slow_after`` s or more alone) or ``hang`` (no end within ``timeout`` alone)."""
    ctx = multiprocessing.get_context("fork")
    out = []
    for row in rows:
        target, _, index = row["input"].partition(":")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_retime_child, args=(child, str(root), seed, target, int(index), fast), daemon=True)
        proc.start()
        child.close()
        alone: Outcome | None = None
        try:
            if parent.poll(120) and parent.recv() == "ready" and parent.poll(timeout):
                alone = parent.recv()
        except EOFError:  # the process died: reported as not finished
            alone = None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            parent.close()
        new = dict(row)
        if alone is None:
            new.update(alone_seconds=None, alone_cpu=None, alone_outcome=None, verdict="hang")
        else:
            new.update(alone_seconds=round(alone.seconds, 3), alone_cpu=None if alone.cpu < 0 else round(alone.cpu, 3),
                       alone_outcome=alone.outcome,
                       verdict="contention" if alone.seconds < slow_after else "slow")
        out.append(new)
    return out


def print_slow(summary: dict[str, Any], out: Any, limit: int = 40) -> None:
    rows = summary.get("retimed") or summary.get("slow") or []
    if not rows:
        print(f"\ninputs slower than {summary['slow_after']} s: 0", file=out)
        return
    print(f"\ninputs slower than {summary['slow_after']} s (or hung): {len(rows)}"
          + (" (re-timed alone)" if "retimed" in summary else ""), file=out)
    for r in rows[:limit]:
        cpu = "?" if r["cpu"] is None else f"{r['cpu']} s"
        line = f"  {r['input']:<18} {r['kind']:<18} {r['outcome']:<9} in the run {r['seconds']} s (cpu {cpu})"
        if r.get("verdict") == "not re-timed":
            line += "; not re-timed (--retime-max)"
        elif "verdict" in r:
            alone = "no end" if r["alone_seconds"] is None else f"{r['alone_seconds']} s (cpu {r['alone_cpu']} s)"
            line += f"; alone {alone}: {r['verdict']}"
        print(line, file=out)
    if len(rows) > limit:
        print(f"  ... and {len(rows) - limit} more (the report lists them all)", file=out)
    if "retimed" in summary:
        verdicts = Counter(r["verdict"] for r in rows)
        print("  verdicts: " + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())), file=out)


def save_case(case: Case, directory: Path, name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"target": case.target, "index": case.index, "kind": case.kind, "argv": case.argv, "call": case.call,
            "files": sorted(case.files)}
    (directory / f"{name}.case.json").write_text(json.dumps(meta, indent=1, default=repr) + "\n", encoding="utf-8")
    for fname, data in case.files.items():
        (directory / f"{name}.{fname}").write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--inputs", type=int, default=1000, help="inputs in all (spread evenly over the targets)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", default="all", help="a target, several joined by commas, or all (default)")
    p.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)), help="worker processes")
    p.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="stop starting inputs after this many seconds (the summary covers those run)")
    p.add_argument("--timeout", type=float, default=2.0,
                   help="seconds an input may take before it is stopped as a hang (default 2; a campaign that "
                        "shares the CPUs gives more, e.g. 10, and judges speed by --slow and --retime)")
    p.add_argument("--slow", type=float, default=2.0, metavar="SECONDS",
                   help="record every input that took this long or more (wall time) in the report (default 2)")
    p.add_argument("--retime", action="store_true",
                   help="afterwards run each slow or hung input again alone and report both times: slow only "
                        "in the run is CPU contention; slow alone too is a finding (exit 1)")
    p.add_argument("--retime-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="how long a re-timed input may take alone (default 30)")
    p.add_argument("--retime-max", type=int, default=300, metavar="N",
                   help="re-time at most N inputs, hangs first, then the slowest (default 300); the others get "
                        "the verdict 'not re-timed' (a hang among them still fails the run)")
    p.add_argument("--nice", type=int, default=0, metavar="N",
                   help="lower this process's and its workers' priority by N (os.nice) so other work keeps the CPUs")
    p.add_argument("--root", type=Path, default=ROOT, help="where the seeds are (default: this checkout)")
    p.add_argument("--report", type=Path, help="write the summary as JSON")
    p.add_argument("--save-dir", type=Path, help="save the smallest input of each failure class here")
    p.add_argument("--replay", metavar="TARGET:INDEX", help="run one input in this process and print its outcome")
    p.add_argument("--progress", choices=["auto", "always", "never"], default="auto")
    p.add_argument("--fast", action="store_true",
                   help="the cheap in-process paths (decode and check, diagnose, the API), many inputs per "
                        "worker, each under a per-input alarm of --timeout seconds")
    args = p.parse_args(argv)
    targets = TARGETS if args.target == "all" else tuple(args.target.split(","))
    if not set(targets) <= set(TARGETS):
        p.error(f"--target: one or more of {', '.join(TARGETS)}, joined by commas, or all")
    if args.nice:
        os.nice(args.nice)
    if args.replay:
        target, _, index = args.replay.partition(":")
        seeds = Seeds.load(args.root)
        case = make_case(seeds, args.seed, target, int(index))
        with tempfile.TemporaryDirectory(prefix="cors-fuzz-") as d:
            (Path(d) / "fuzzapp.py").write_text(_APP, encoding="utf-8")
            sys.path.insert(0, d)
            outcome = run_fast_case(case) if args.fast else run_case(case, Path(d))
        print(json.dumps(outcome.__dict__, default=str), file=sys.stdout)
        if args.save_dir:
            save_case(case, args.save_dir, f"{target}-{index}")
        return 0
    progress = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    started = time.monotonic()
    if args.fast:
        summary = run_fast(args.root, args.seed, targets, args.inputs, args.jobs, args.timeout, args.time_limit,
                           slow_after=args.slow)
        summary["mode"] = "fast"
    else:
        tally = Tally(args.slow)
        run_fuzz(args.root, args.seed, targets, args.inputs, args.jobs, args.timeout, progress, args.time_limit,
                 sink=tally)
        summary = tally.summary()
    summary.update(seed=args.seed, targets=list(targets), jobs=args.jobs, timeout=args.timeout, nice=args.nice,
                   seconds=round(time.monotonic() - started, 1))
    if args.retime and summary["slow"]:
        retimed_at = time.monotonic()
        order = sorted(summary["slow"], key=lambda r: (r["outcome"] != "hang", -r["seconds"]))
        chosen = order[:max(0, args.retime_max)]
        rest = [dict(r, alone_seconds=None, alone_cpu=None, alone_outcome=None, verdict="not re-timed")
                for r in order[len(chosen):]]
        summary["retimed"] = retime(args.root, args.seed, chosen, args.fast, args.retime_timeout, args.slow) + rest
        summary["retime_seconds"] = round(time.monotonic() - retimed_at, 1)
    print_summary(summary, sys.stdout)
    print_slow(summary, sys.stdout)
    print(f"\n{summary['inputs']} inputs in {summary['seconds']} s (seed {args.seed}, {args.jobs} jobs"
          + (f", nice {args.nice}" if args.nice else "") + ")")
    if args.report:
        args.report.write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    if args.save_dir:
        seeds = Seeds.load(args.root)
        for key, c in summary["classes"].items():
            target, _, index = c["smallest"].partition(":")
            save_case(make_case(seeds, args.seed, target, int(index)), args.save_dir, re.sub(r"[^\w.-]+", "_", key))
    if "retimed" in summary:  # a hang or slow input that is fast alone was CPU contention, not a finding
        bad = sum(summary["totals"].get(o, 0) for o in BAD if o != "hang")
        bad += sum(1 for r in summary["retimed"] if r["verdict"] in ("slow", "hang")
                   or (r["verdict"] == "not re-timed" and r["outcome"] == "hang"))
    else:
        bad = sum(summary["totals"].get(o, 0) for o in BAD)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
