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


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a) or "rnnkit")
def test_no_flag_says_default_with_nothing_after_it(argv):
    # an empty default printed as "(default: )" told the user nothing; the help's own words do
    assert "(default: )" not in " ".join(_help(argv).split())


def test_empty_defaults_show_what_they_mean():
    text = " ".join(_help(("forecast", "train")).split())
    assert "model (default: the bundled series' column, or every numeric column" in text
    assert "the direct strategy) (default: none)" in text


def test_a_warning_from_a_command_is_one_line_that_names_the_command(tmp_path):
    # in a subprocess: pytest records warnings in-process, so only a real run shows what a user reads
    import subprocess
    import sys

    argv = [sys.executable, "-m", "rnnkit", "forecast", "train", "--max-steps", "3", "--calibrate", "0",
            "--no-progress", "--run-dir", str(tmp_path / "run")]
    assert subprocess.run(argv, capture_output=True).returncode == 0
    second = subprocess.run(argv, capture_output=True, text=True)
    assert second.returncode == 0
    lines = [x for x in second.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("rnnkit forecast: warning: ")
    assert "last.pt exists; this fresh run will overwrite it (another run directory keeps it" in lines[0]
