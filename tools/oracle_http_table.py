"""Audit every row of tests/oracle_http/targets.json over real HTTP and write docs/oracle.md's table.

    python3 tools/oracle_http_table.py            # run the rows, print the table
    python3 tools/oracle_http_table.py --write    # ... and replace the table in docs/oracle.md
    python3 tools/oracle_http_table.py --check    # exit 1 when docs/oracle.md's table differs

Each row's server is started on a free loopback port (bounded wait), audited with
``cors_spec.cli.audit.run_audit`` over HTTP (the battery, then a short random search), and
stopped. A row whose software is not installed (tools/oracle_http_targets.sh) is listed as
"not installed". tests/oracle_http/test_audit_targets.py runs the same rows and asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cors_spec.cli.audit import run_audit  # noqa: E402
from cors_spec.intent import Intent  # noqa: E402
from cors_spec.oracle.http import http_factory  # noqa: E402
from cors_spec.oracle.serve import StartedServer  # noqa: E402

TARGETS_JSON = ROOT / "tests" / "oracle_http" / "targets.json"
TARGETS_DIR = Path(os.environ.get("CORS_SPEC_TARGETS", str(Path.home() / ".cache" / "cors_spec" / "targets")))
DOC = ROOT / "docs" / "oracle.md"
BEGIN = "<!-- oracle-http-table: begin (tools/oracle_http_table.py --write) -->"
END = "<!-- oracle-http-table: end -->"
#: Examples per random search: the battery finds most; the search is for the rest.
EXAMPLES = 25
SEED = 0


def rows() -> list[dict[str, object]]:
    data: dict[str, list[dict[str, object]]] = json.loads(TARGETS_JSON.read_text(encoding="utf-8"))
    return data["targets"]


def missing(row: dict[str, object]) -> str | None:
    """Why the row cannot run here (its software is not installed), or None."""
    req = row.get("requires") or {}
    assert isinstance(req, dict)
    if "bin" in req and shutil.which(str(req["bin"])) is None:
        return f"{req['bin']} is not installed"
    if "npm" in req and not (TARGETS_DIR / "npm" / str(req["npm"]) / ".stamp").exists():
        return f"npm package directory {req['npm']} is not installed"
    if "go" in req and not (TARGETS_DIR / "go" / "bin" / str(req["go"])).exists():
        return f"Go target {req['go']} is not built"
    if "perl" in req:
        ok = subprocess.run(["perl", f"-M{req['perl']}", "-e", "1"], capture_output=True, timeout=30).returncode == 0
        if not ok:
            return f"Perl module {req['perl']} is not installed"
    return None


@attrs.frozen
class RowResult:
    name: str
    kinds: tuple[str, ...]  # every finding kind, in report order
    examples: dict[str, int]  # kind -> examples it took (0: the battery)
    profiles: dict[str, tuple[str, ...]]  # kind -> profiles that show it
    seconds: float
    sent: int  # HTTP requests sent


def command(row: dict[str, object]) -> str:
    return str(row["start"]).replace("{targets}", str(TARGETS_DIR))


def audit_row(row: dict[str, object], *, examples: int = EXAMPLES, seed: int = SEED) -> RowResult:
    """Start the row's server, audit it over HTTP, stop it."""
    start = time.monotonic()
    env = dict(os.environ, CORS_SPEC_TARGET_LIMIT="240")
    with StartedServer(command(row), wait=30.0, cwd=str(ROOT), env=env) as server:
        url = server.base_url + str(row["path"])
        factory = http_factory(url, timeout=10.0)
        intent = Intent.load(ROOT / str(row["intent"]))
        ignore = tuple(str(k) for k in row.get("ignore", []) or [])  # type: ignore[attr-defined]
        report = run_audit(intent, factory, url, examples=examples, seed=seed, max_requests=2, ignore=ignore)
        sent = factory.new().sent  # type: ignore[attr-defined]
    kinds = tuple(f.kind for f in report.findings)
    return RowResult(str(row["name"]), kinds, {f.kind: f.examples or 0 for f in report.findings},
                     {f.kind: f.profiles for f in report.findings}, time.monotonic() - start, int(sent))


def _shown(result: RowResult, kind: str) -> str:
    profiles = result.profiles.get(kind, ())
    if profiles == ("spec",):
        return " (spec profile only)"
    return ""


def table(results: dict[str, RowResult | str]) -> str:
    """The Markdown table: one line per row that has a twin (the buggy one), plus lone rows."""
    by_name = {str(r["name"]): r for r in rows()}
    twins = {str(r["twin"]) for r in rows() if r.get("twin")}
    lines = ["| implementation | version | the command | the finding | examples | the clean twin |",
             "|---|---|---|---|---|---|"]
    for name, row in by_name.items():
        if name in twins and "finding" not in row:
            continue
        got = results.get(name)
        cmd = f"`{row['start']}` on `{row['path']}`, intent `{Path(str(row['intent'])).name}`"
        if isinstance(got, str) or got is None:
            finding, took = f"not run: {got or 'not run'}", "-"
        else:
            expected = str(row.get("finding", ""))
            if expected in got.kinds:
                finding = f"**{expected}**{_shown(got, expected)}"
                extra = [k for k in got.kinds if k != expected]
                if extra:
                    finding += " (also " + ", ".join(extra) + ")"
                n = got.examples[expected]
                took = "battery" if n == 0 else str(n)
            else:
                finding = f"expected {expected or 'none'}, got " + (", ".join(got.kinds) or "nothing")
                if row.get("new_property"):
                    finding += " (a property the audit does not have yet)"
                took = "-"
        twin = str(row.get("twin") or "")
        if twin:
            t = results.get(twin)
            if isinstance(t, RowResult):
                clean = "clean" if not t.kinds else "NOT clean: " + ", ".join(t.kinds)
            else:
                clean = f"not run ({t})" if t else "not run"
            twin_cell = f"{twin}: {clean}"
        else:
            twin_cell = "(no fixed release)" if not row.get("twin") else ""
        lines.append(f"| {row.get('implementation', '')} | {row.get('version', '')} | {cmd} | {finding} | {took} "
                     f"| {twin_cell} |")
    return "\n".join(lines) + "\n"


def run_all(names: list[str] | None = None) -> dict[str, RowResult | str]:
    out: dict[str, RowResult | str] = {}
    for row in rows():
        name = str(row["name"])
        if names and name not in names:
            continue
        why = missing(row)
        if why:
            out[name] = why
            continue
        got: RowResult | str
        try:
            got = audit_row(row)
        except Exception as e:
            got = f"error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        out[name] = got
        print(f"{name}: {got if isinstance(got, str) else got.kinds}", file=sys.stderr)
    return out


def replace_table(doc: str, text: str) -> str:
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{DOC} has no {BEGIN} ... {END} block")
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{text}{END}{tail}"


_ALSO = re.compile(r" \(also [^)]*\)")
_EXAMPLES = re.compile(r"(\*\* \| )\d+( \|)")


def _stable(doc: str) -> str:
    """The table without each row's "(also ...)" list: which further kinds a row shows depends
    on the examples the search draws (hypothesis's version among them); the finding, how it was
    found (by the battery, or by the search at all: how many examples the search took varies the
    same way) and the twin's verdict must not."""
    return _EXAMPLES.sub(r"\1N\2", _ALSO.sub("", doc))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write", action="store_true", help="replace the table in docs/oracle.md")
    p.add_argument("--check", action="store_true", help="exit 1 when docs/oracle.md's table differs")
    p.add_argument("names", nargs="*", help="only these rows")
    args = p.parse_args()
    start = time.monotonic()
    text = table(run_all(args.names or None))
    print(text)
    print(f"{time.monotonic() - start:.0f} s", file=sys.stderr)
    doc = DOC.read_text(encoding="utf-8")
    if args.write:
        DOC.write_text(replace_table(doc, text), encoding="utf-8")
    if args.check and _stable(replace_table(doc, text)) != _stable(doc):
        print("docs/oracle.md's table differs from this run: run tools/oracle_http_table.py --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
