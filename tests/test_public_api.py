"""The public API: __all__ is exactly the public names, and each imports."""

from __future__ import annotations

import subprocess
import sys

import cors_spec


def test_all_lists_every_public_name() -> None:
    public = {n for n in dir(cors_spec) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(cors_spec, n)).__name__ == "module"}
    assert set(cors_spec.__all__) == (public - modules) | {"__version__"}
    for name in cors_spec.__all__:
        assert getattr(cors_spec, name) is not None


def test_import_is_light() -> None:
    """`import cors_spec` pulls in neither the CLI nor hypothesis nor the harness."""
    code = "import sys, cors_spec; print(sorted(m for m in ('cors_spec.cli', 'hypothesis', 'harness', 'argparse') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
