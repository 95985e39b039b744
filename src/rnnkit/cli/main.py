"""`rnnkit` entry point: it only registers the subcommand modules.

Each module in `SUBCOMMANDS` defines `add_parser(subparsers)` (which adds its own parser
and sets `func=run`) and `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

# Module names under rnnkit.cli, in the order `rnnkit --help` lists them.
SUBCOMMANDS = ("demo", "textgen", "classify", "tag", "forecast", "speech", "translate", "diagnose")


def build_parser() -> argparse.ArgumentParser:
    from rnnkit import __version__

    parser = argparse.ArgumentParser(
        prog="rnnkit",
        description="Recurrent neural networks from their equations: train, evaluate and look inside.",
    )
    parser.add_argument("--version", action="version", version=f"rnnkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"rnnkit.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    plain = warnings.formatwarning
    # a warning is one line that says who speaks, not the file, line and source of the call that warned
    warnings.formatwarning = lambda message, category, *_: f"rnnkit {args.command}: warning: {message}\n"
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, OSError, FloatingPointError) as err:
        # Bad input (and a NaN stop, which names its step and checkpoint; an output path that cannot
        # be written) is reported in one line, not a traceback from deep inside torch.
        print(f"rnnkit {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"rnnkit {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = plain


if __name__ == "__main__":
    sys.exit(main())
