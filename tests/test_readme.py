"""The README's command excerpts are what the commands print: each ``$ cors-spec ...`` block
(and the Mermaid block under "And `cors-spec explain --format mermaid ...`") is run through
``cors_spec.cli.main`` and compared line by line; a line ``...`` stands for any lines."""

from __future__ import annotations

import io
import os
import re
import shlex
from pathlib import Path

import pytest

from cors_spec import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console_blocks() -> list[tuple[str, list[str]]]:
    """(command, expected lines) for every ```console block that runs cors-spec."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        lines = block.rstrip("\n").split("\n")
        command = lines.pop(0)
        while command.endswith("\\"):
            command = command[:-1] + " " + lines.pop(0).strip()
        if command.startswith("$ cors-spec "):
            out.append((command[len("$ cors-spec "):], lines))
    for command, block in re.findall(r"And `cors-spec ([^`]+)`:\n\n```mermaid\n(.*?)```", README, flags=re.S):
        out.append((command, block.rstrip("\n").split("\n")))
    return out


def _run(command: str) -> list[str]:
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        cli.main(shlex.split(command), out, out)
    finally:
        os.chdir(cwd)
    return [line.rstrip() for line in out.getvalue().rstrip("\n").split("\n")]


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` is ``expected`` with each ``...`` line standing for any lines."""
    segments: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == "...":
            segments.append([])
        else:
            segments[-1].append(line.rstrip())
    pos = 0
    for i, seg in enumerate(segments):
        if not seg:
            continue
        if i == 0:
            if actual[:len(seg)] != seg:
                return False
            pos = len(seg)
            continue
        for start in range(pos, len(actual) - len(seg) + 1):
            if actual[start:start + len(seg)] == seg:
                pos = start + len(seg)
                break
        else:
            return False
    return pos == len(actual) or not segments[-1]


BLOCKS = _console_blocks()


def test_the_readme_has_command_excerpts() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize(("command", "expected"), BLOCKS, ids=[c for c, _ in BLOCKS])
def test_a_readme_excerpt_is_the_commands_output(command: str, expected: list[str]) -> None:
    actual = _run(command)
    assert _matches(expected, actual), "\n".join(actual)
