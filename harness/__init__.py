"""Real-browser conformance harness for cors_spec (Chromium, Firefox ESR, WebKitGTK).

``run_engine(engine, scenarios)`` runs format-v1 scenarios in one engine and
returns ``{"engine", "version", "user_agent", "scenarios": [{"name",
"observations", "console", "errors"}], "stats"}``.
"""

from __future__ import annotations

from .engines import ENGINES, binary_for
from .run import run_engine, run_engine_async
from .scenario import load_paths

__all__ = ["ENGINES", "binary_for", "load_paths", "run_engine", "run_engine_async"]
