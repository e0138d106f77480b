"""Shared pieces of the fuzz tests: the fuzzer module (tools/fuzz.py) and a strict CLI run."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_fuzzer() -> ModuleType:
    """tools/fuzz.py as a module (tools/ is not a package)."""
    name = "cors_spec_tools_fuzz"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def strict_stream() -> io.TextIOWrapper:
    """A stream that encodes as a UTF-8 terminal does: a lone surrogate cannot be written."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``cors-spec ARGV`` in-process: (exit status, stdout, stderr)."""
    from cors_spec.cli import main

    out, err = strict_stream(), strict_stream()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv, out, err)
    return (int(status), out.buffer.getvalue().decode("utf-8"),  # type: ignore[attr-defined]
            err.buffer.getvalue().decode("utf-8"))  # type: ignore[attr-defined]


def assert_refused(status: int, err: str, *needles: str) -> None:
    """Exit 2 with one line ``cors-spec: error: ...`` naming each of ``needles``."""
    lines = err.splitlines()
    assert status == 2, (status, err)
    assert len(lines) == 1 and lines[0].startswith("cors-spec: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
