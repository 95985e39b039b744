"""`--help` of every command and subcommand prints its options and exits 0.

argparse %-formats help strings, so a config field whose help says "5% of" once made
`rnnkit translate train --help` die with a TypeError; this walks the whole parser tree.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from rnnkit.cli.main import main


def _help(argv: tuple[str, ...]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0, argv
    return out.getvalue()


def _commands(prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command, read from the list under "positional arguments:" in its parent's --help."""
    text = _help(prefix)
    block = text.split("positional arguments:", 1)[1].split("options:", 1)[0] if "positional arguments:" in text else ""
    out = [prefix]
    for name in re.findall(r"^    ([a-z][\w-]*)", block, re.M):  # "    train     train a …" (4 spaces)
        out += _commands(prefix + (name,))
    return out


COMMANDS = _commands()


def test_the_walk_finds_the_subcommands():
    assert ("translate", "train") in COMMANDS and ("speech", "transcribe") in COMMANDS
    assert len(COMMANDS) > 25


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a) or "rnnkit")
def test_help_prints_and_exits_0(argv):
    text = _help(argv)
    assert text.startswith("usage: rnnkit") and "-h, --help" in text


def test_a_percent_sign_in_a_field_help_is_printed_as_is():
    assert "the last 5% of --data" in " ".join(_help(("translate", "train")).split())
