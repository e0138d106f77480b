"""Every anchor the model can link to exists in the pinned snapshot of the standard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cors_spec import SPEC_COMMIT, Algorithm

HERE = Path(__file__).parent
ANCHOR_FILE = HERE / "spec-anchors.txt"
SHARED = HERE.parent.parent / "shared" / "spec-anchors.txt"


def _anchors(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}


def test_anchor_list_is_the_pinned_snapshot() -> None:
    assert SPEC_COMMIT in ANCHOR_FILE.read_text().splitlines()[0]
    if SHARED.exists():  # the project's copy must not drift from the shared list
        assert _anchors(ANCHOR_FILE) == _anchors(SHARED)


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=[a.name for a in Algorithm])
def test_algorithm_anchor_exists(algorithm: Algorithm) -> None:
    assert algorithm.value in _anchors(ANCHOR_FILE)


def test_every_fetch_link_in_code_and_docs_exists() -> None:
    anchors = _anchors(ANCHOR_FILE)
    root = HERE.parent
    files = [*root.glob("cors_spec/**/*.py"), *root.glob("docs/*.md"), root / "README.md"]
    bad = []
    for f in files:
        for a in re.findall(r"fetch\.spec\.whatwg\.org/#([A-Za-z0-9_\-]+)", f.read_text()):
            if a not in anchors:
                bad.append((f.name, a))
    assert not bad
