"""``python -m harness run --engine chromium|firefox|webkit|all [--record FILE] PATH...``"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from .engines import ENGINES
from .run import run_engine_async
from .scenario import load_paths
from .server import Server


def _record_path(record: str, engine: str, many: bool) -> str:
    if not many:
        return record
    root, ext = os.path.splitext(record)
    return f"{root}.{engine}{ext}" if ext else f"{record}.{engine}"


async def _run_all(engines: list[str], scenarios: list[dict[str, Any]], verbose: bool) -> list[dict[str, Any]]:
    server = Server()
    if verbose:
        server.on_log = lambda line: print("  " + line, file=sys.stderr)
    try:
        return [await run_engine_async(e, scenarios, server=server) for e in engines]
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness")
    sub = ap.add_subparsers(dest="cmd", required=True)
    rp = sub.add_parser("run", help="run scenarios in real browsers")
    rp.add_argument("--engine", required=True, choices=[*ENGINES, "all"])
    rp.add_argument("--record", help="write the JSON here (with 'all': FILE.<engine>.json)")
    rp.add_argument("--verbose", "-v", action="store_true", help="print every request the server sees")
    rp.add_argument("paths", nargs="+", metavar="PATH")
    args = ap.parse_args(argv)
    scenarios = load_paths(args.paths)
    engines = list(ENGINES) if args.engine == "all" else [args.engine]
    reports = asyncio.run(_run_all(engines, scenarios, args.verbose))
    status = 0
    for rep in reports:
        if args.record:
            path = _record_path(args.record, rep["engine"], len(engines) > 1)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(rep, f, indent=1, ensure_ascii=False)
                f.write("\n")
        st = rep["stats"]
        bad = [s["name"] for s in rep["scenarios"] if any(e.startswith("harness") for e in s["errors"])]
        rate = st["cases"] / st["seconds_after_launch"] if st["seconds_after_launch"] > 0 else 0.0
        print(f"{rep['engine']}: {rep['version']}: {st['cases']} scenarios in {st['seconds_after_launch']:.2f} s "
              f"after launch ({rate:.1f}/s), {st['launches']} launch(es), {len(bad)} harness failure(s)")
        for name in bad:
            print(f"  FAILED {name}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
