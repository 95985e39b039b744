"""Command-line flags derived from config dataclass fields, in one place for every subcommand.

    add_config_flags(parser, TrainConfig, ("lr", "max_seconds"), {"lr": 1e-2})
    cfg = config_from_args(TrainConfig, args, ("lr", "max_seconds"))

Each field becomes ``--field-name`` with the field's help text and the flag's default;
the type comes from the annotation: ``bool`` gives ``--x/--no-x``, ``float | None`` a
number or ``none``, ``tuple[int, ...]`` one or more integers. A config's own error,
``"lr: expected a number in (0.0, inf), got -1.0"``, reaches the user as
``"--lr: expected …"``.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from typing import Any

from rnnkit.config import Config


def number_or_none(text: str) -> float | None:
    """argparse type of optional numbers: a float, or 'none'."""
    if text.lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None


def _typed(kind: type):
    def parse(text: str):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, "
                                             f"got {text!r}") from None
    parse.__name__ = kind.__name__
    return parse


def flag_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def add_config_flags(parser: argparse.ArgumentParser, cls: type[Config], names: tuple[str, ...],
                     defaults: dict[str, Any] | None = None) -> None:
    """One flag per named field of `cls`, with its help text, type and (overridable) default."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in names:
        f = fields[name]
        default = (defaults or {}).get(name, f.default)
        if default is dataclasses.MISSING:
            raise ValueError(f"{cls.__name__}.{name} has no default; give the flag one in `defaults`")
        # the flag's own default replaces any "(default: …)" the field's help string carries, except an
        # empty default, which the help's own words describe better ("the bundled series' column")
        text = f.metadata.get("help", "")
        if not (default in ("", ()) and re.search(r"\(default:[^)]*\)", text)):
            text = re.sub(r"\s*\(default:[^)]*\)", "", text) + f" (default: {_show(default)})"
        text = text.replace("%", "%%")  # argparse %-formats help strings: "5% of" would crash --help
        kind = str(f.type).replace(" ", "")
        flag = flag_name(name)
        if kind == "bool":
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=text)
        elif kind in ("float|None", "int|None"):
            parser.add_argument(flag, type=number_or_none, default=default, help=text, metavar="NUMBER|none")
        elif kind.startswith("tuple[int"):
            parser.add_argument(flag, type=_typed(int), nargs="+", default=default, help=text)
        elif kind.startswith("tuple[str"):
            parser.add_argument(flag, nargs="+", default=default, help=text)
        elif kind in ("int", "float"):
            parser.add_argument(flag, type=_typed(int if kind == "int" else float), default=default, help=text)
        else:
            parser.add_argument(flag, default=default, help=text)


def _show(value: Any) -> str:
    if value == ():
        return "none"
    if value == "":
        return "''"
    if isinstance(value, tuple):
        return " ".join(map(str, value))
    return str(value)


def config_from_args(cls: type[Config], args: argparse.Namespace, names: tuple[str, ...], **extra: Any) -> Any:
    """cls(**flags) with `extra` fields; an error that names a field names its flag instead."""
    values = {n: getattr(args, n) for n in names}
    values = {n: tuple(v) if isinstance(v, list) else v for n, v in values.items()}
    try:
        return cls(**values, **extra)
    except (ValueError, TypeError) as err:
        raise type(err)(as_flag_error(str(err), names)) from None


def as_flag_error(message: str, names: tuple[str, ...]) -> str:
    """'lr: expected …' -> '--lr: expected …' when the message starts with one of `names`."""
    head, sep, rest = message.partition(":")
    if sep and head in names:
        return f"{flag_name(head)}:{rest}"
    return message
