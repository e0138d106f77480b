"""``cors-spec run``: scenario files through the model, one observation per request.

Files are streamed: each is read, checked, run and written before the next is read, so
memory stays flat over any number of files. ``--jobs N`` runs files in N worker processes
and still writes them in input order.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

import attrs

from cors_spec.cli.common import ExitStatus, SubParsers
from cors_spec.engines import PROFILES
from cors_spec.errors import InputError
from cors_spec.model.trace import Step

if TYPE_CHECKING:
    from concurrent.futures import Future

HELP = "run scenario files (format v1) and report what script gets"
EPILOG = """\
Files are read, checked, run and written one after another (folders: their .json files,
recursively, in sorted order), so output starts at once and memory stays flat. A bad file
(unreadable, not JSON, not format v1) does not stop the run: its error goes to stderr as
'cors-spec: error: FILE: ...', the file is left out of the output, the other files run, and
the exit status is 2 at the end. Output written before it stays written; with --json the
document is still complete and valid. A PATH that does not exist is an error before anything
runs.
"""


def add_parser(sub: SubParsers[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help=HELP, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Run scenario files or folders of them; one observation per request.")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="scenario .json files or folders")
    run.add_argument("--profile", default="spec", choices=sorted(PROFILES), help="browser profile (default: spec)")
    run.add_argument("--json", action="store_true", help="print JSON: {profile, scenarios: [{name, observations}]}")
    run.add_argument("--trace", action="store_true", help="with --json: include each request's trace records")
    run.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                     help="run files in N processes (0: one per CPU); output stays in input order (default: 1)")
    run.set_defaults(handler=_run)


def scenario_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """The .json files named, and those found in named folders (recursively, sorted as
    full paths sort), listed one folder at a time."""
    for p in paths:
        if p.is_dir():
            yield from _walk(p)
        else:
            yield p


def _walk(folder: Path) -> Iterator[Path]:
    # Only the names are held while a folder is walked (sorting needs them all).
    for name in sorted(os.listdir(folder)):
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            yield from _walk(path)
        elif name.endswith(".json") and path.is_file():
            yield path


_encode_string = json.encoder.encode_basestring_ascii  # the C function json.dumps uses (ensure_ascii)
#: The same function where a value may be of another type (it raises TypeError for a non-str).
_encode_object = cast("Callable[[object], str]", _encode_string)


def indented_json(value: object, prefix: str = "") -> str:
    """``json.dumps(value, indent=1)`` with ``prefix`` before every line, the same bytes;
    without ``json``'s pure-Python encoder (it is the only one that indents, and it was a
    fifth of a ``run --json`` file's time). Strings go through the same C function as
    ``json.dumps``; values of any other type than str, int, bool, None, list, tuple and dict
    with str keys are given to ``json.dumps`` itself."""
    parts = [prefix]
    _encode(value, prefix, parts)
    return "".join(parts)


def _encode(o: object, indent: str, parts: list[str]) -> None:
    if type(o) is str:
        parts.append(_encode_string(o))
    elif o is None:
        parts.append("null")
    elif o is True:
        parts.append("true")
    elif o is False:
        parts.append("false")
    elif type(o) is int:
        parts.append(int.__repr__(o))
    elif type(o) is list or type(o) is tuple:
        if not o:
            parts.append("[]")
            return
        inner = indent + " "
        try:  # a list of strings (names, console lines) at once
            parts.append("[\n" + inner + (",\n" + inner).join(map(_encode_string, o)) + "\n" + indent + "]")
            return
        except TypeError:
            pass
        parts.append("[\n" + inner)
        for i, item in enumerate(o):
            if i:
                parts.append(",\n" + inner)
            _encode(item, inner, parts)
        parts.append("\n" + indent + "]")
    elif type(o) is dict and all(type(k) is str for k in o):
        if not o:
            parts.append("{}")
            return
        inner = indent + " "
        parts.append("{\n" + inner)
        for i, (key, item) in enumerate(o.items()):
            head = (",\n" + inner if i else "") + _encode_string(key) + ": "
            if type(item) is str:  # the most common values, without a call each
                parts.append(head + _encode_string(item))
            elif item is None:
                parts.append(head + "null")
            elif type(item) is dict and (flat := _flat_dict(item.items(), inner)) is not None:  # a step's facts
                parts.append(head + flat)
            else:
                parts.append(head)
                _encode(item, inner, parts)
        parts.append("\n" + indent + "}")
    elif type(o) is _Trace:
        _encode_trace(o.steps, indent, parts)
    else:  # floats, enums, other keys: json's own encoder (JSON strings hold no raw newline)
        parts.append(json.dumps(o, indent=1).replace("\n", "\n" + indent))


@attrs.frozen
class _Trace:
    """A result's trace in an observation, written as ``[s.to_json() for s in steps]`` is."""

    steps: tuple[Step, ...]


def _encode_trace(steps: tuple[Step, ...], indent: str, parts: list[str]) -> None:
    # One piece of text a step (a large trace has a step per header name): the same bytes
    # as the general walk over Step.to_json(), without building the dicts.
    if not steps:
        parts.append("[]")
        return
    i1 = indent + " "
    i2 = i1 + " "
    head = ",\n" + i2
    texts = []
    for st in steps:
        facts = {k: v for k, v in st.facts}  # as to_json: a repeated name keeps its first place, last value
        flat = _flat_dict(facts.items(), i2)
        if flat is None:  # a value of another type than str: the general walk
            one = [i1]
            _encode(st.to_json(), i1, one)
            texts.append("".join(one)[len(i1):])
            continue
        texts.append("{\n" + i2 + '"algorithm": ' + _encode_string(st.algorithm.value) + head + '"step": '
                     + _encode_string(st.step) + head + '"decision": ' + _encode_string(st.decision.value)
                     + head + '"facts": ' + flat + "\n" + i1 + "}")
    parts.append("[\n" + i1 + (",\n" + i1).join(texts) + "\n" + indent + "]")


def _flat_dict(items: Iterable[tuple[object, object]], indent: str) -> str | None:
    """A dict's items, all str keys and str or None values, in one piece; None otherwise."""
    inner = indent + " "
    try:
        lines = [_encode_object(k) + ": " + ("null" if v is None else _encode_object(v)) for k, v in items]
    except TypeError:  # a key or value of another type: the general walk
        return None
    return "{\n" + inner + (",\n" + inner).join(lines) + "\n" + indent + "}" if lines else "{}"


def run_file(path: Path, profile: str, as_json: bool, trace: bool) -> tuple[str, str | None]:
    """One file's output (a JSON array item indented for the document, or the text report),
    or its error line; runs in a worker process with ``--jobs``."""
    from cors_spec.scenario.format import load_scenario, observation, run_scenario

    try:
        s = load_scenario(path)
    except InputError as e:
        return "", f"cors-spec: error: {e}"
    if as_json:
        observations = []
        for r in run_scenario(s, profile, trace=trace):
            obs = observation(r)
            if trace:  # observation(r, with_trace=True)'s "trace", written without its dicts
                obs["trace"] = _Trace(r.trace)
            observations.append(obs)
        item = {"name": s.name, "file": s.source, "observations": observations}
        return indented_json(item, "  "), None
    from cors_spec.teach.render import render_summary

    lines = [f"{s.name}  ({s.page}, profile {profile})"]
    if s.about:
        lines.append(f"  {s.about}")
    for req, r in zip(s.requests, run_scenario(s, profile)):
        lines.append(f"  {req.api.value} {req.method} {req.url}")
        lines.append(f"    -> {render_summary(r)}")
        for w in r.sent:
            extra = "".join(f" {k}: {v}" for k, v in (("Origin", w.origin), ("ACRM", w.acrm), ("ACRH", w.acrh))
                            if v is not None)
            lines.append(f"       sent {w.method} {w.url}{extra}")
    return "\n".join(lines) + "\n\n", None


def _in_order(work: Callable[[Path], tuple[str, str | None]], paths: Iterator[Path],
              jobs: int) -> Iterator[tuple[str, str | None]]:
    """``work`` over ``paths`` in input order; with jobs > 1, in a process pool with a
    bounded number of files in flight (so memory stays flat)."""
    if jobs == 1:
        yield from map(work, paths)
        return
    from concurrent.futures import ProcessPoolExecutor  # only when asked for: it is slow to import

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: collections.deque[Future[tuple[str, str | None]]] = collections.deque()
        for p in paths:
            pending.append(pool.submit(work, p))
            if len(pending) >= 4 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    for p in args.paths:
        if not p.exists():
            raise InputError("PATH", "no such file or folder", str(p))
        if p.is_dir() and next(_walk(p), None) is None:
            raise InputError("PATH", "no scenario files (*.json) in the folder", str(p))
    if args.jobs < 0:
        raise InputError("--jobs", "must be 0 (one per CPU) or more", str(args.jobs))
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)

    work = functools.partial(run_file, profile=args.profile, as_json=args.json, trace=args.json and args.trace)
    status = ExitStatus.OK
    count = 0
    if args.json:
        out.write('{\n "profile": ' + json.dumps(args.profile) + ',\n "scenarios": [')
    for text, error in _in_order(work, scenario_paths(args.paths), jobs):
        if error is not None:
            out.flush()
            print(error, file=err)
            status = ExitStatus.BAD_INPUT
            continue
        if args.json:
            out.write(("\n" if count == 0 else ",\n") + text)
        else:
            out.write(text)
        count += 1
    if args.json:
        out.write("\n ]\n}\n" if count else "]\n}\n")
    else:
        print(f"{count} scenario(s) run", file=out)
    return status
