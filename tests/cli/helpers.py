"""Reading the CLI as a user does: from its --help text, not argparse's internals."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from rnnkit.cli.main import main


def flag_help(argv: list[str]) -> dict[str, str]:
    """{"--flag": its help text} from `rnnkit ARGV --help` (positional arguments left out)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        main(argv + ["--help"])
    assert done.value.code == 0
    text = out.getvalue().split("options:", 1)[1]
    flags: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if re.match(r"^  -", line):  # "  --flag METAVAR   help…" or "  -k K, --kk K  help…"
            signature, _, help_text = line.strip().partition("  ")
            current = max(re.findall(r"(?:^|, )(--?[\w-]+)", signature), key=len)
            flags[current] = help_text.strip()
        elif current and line.strip():  # help continued on the next lines
            flags[current] = (flags[current] + " " + line.strip()).strip()
    return flags
