"""Shared fixtures of the harness tests.  Tests that launch real browsers are
marked ``browser`` and skipped when the engine binary is missing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# A copy of the 15 example scenarios with what the three engines did (from the project's
# shared notes), kept here so the tests need nothing beside the repository.
EXAMPLES = Path(__file__).resolve().parent / "examples"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs the real browser engines (harness)")


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The example scenarios (tests/harness/examples, or $HARNESS_EXAMPLES)."""
    env = os.environ.get("HARNESS_EXAMPLES")
    return Path(env) if env else EXAMPLES


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
