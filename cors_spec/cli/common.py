"""What every subcommand shares: exit statuses, option parsing helpers, colour choice."""

from __future__ import annotations

import argparse
import enum
from typing import Protocol, TextIO

from cors_spec.errors import InputError

SubParsers = argparse._SubParsersAction  # the type argparse gives ``add_subparsers``


class ExitStatus(enum.IntEnum):
    """Exit statuses of ``cors-spec``."""

    OK = 0  # it ran (whatever the browser decided)
    BAD_INPUT = 2  # bad arguments or an invalid scenario file


class CommandModule(Protocol):
    """A subcommand module: ``add_parser`` registers its parser and sets ``handler``
    to a function ``(args, out, err) -> int``."""

    def add_parser(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def header_arg(text: str, option: str) -> tuple[str, str]:
    """``'Name: value'`` from the command line, or an InputError naming the option."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise InputError(option, "must look like 'Name: value'", text)
    return name.strip(), value.strip()


def use_color(choice: str, stream: TextIO) -> bool:
    """``--color auto|always|never``: auto means on a terminal only."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())
