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
        entry = re.match(r"^  (-{1,2}[\w-]+)(.*)$", line)
        if entry:  # "  --flag METAVAR   help…" or "  -k K, --kk K  help…"
            names = re.findall(r"(?:^|, )(--?[\w-]+)", entry.group(1) + entry.group(2))
            current = max(names, key=len)
            rest = re.split(r"\s{2,}", entry.group(2).strip(), maxsplit=1)
            flags[current] = rest[1] if len(rest) > 1 else ""
        elif current and line.strip():  # help continued on the next lines
            flags[current] = (flags[current] + " " + line.strip()).strip()
    return flags
