"""The base of every frozen configuration in rnnkit: help text per field, checks, dicts.

A config is a frozen dataclass that derives from `Config`; each field is declared with
`option(default, "help text")` and checked in `__post_init__` with the `check_*`
functions below, whose errors read ``"<field>: expected <what>, got <value>"``. The CLI
builds its flags from the same fields (`rnnkit.cli.flags`) and rewrites ``<field>`` to
``--<flag>`` in those errors, so a library user and a CLI user each see their own name.

    @dataclass(frozen=True)
    class ForecastConfig(Config):
        horizon: int = option(12, "steps to forecast, >= 1")

        def __post_init__(self) -> None:
            check_int("horizon", self.horizon, lo=1)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, TypeVar

C = TypeVar("C", bound="Config")


def option(default: Any = dataclasses.MISSING, help: str = "") -> Any:
    """A dataclass field with its help text (the CLI flag's help)."""
    if not help:
        raise ValueError("option: every config field needs help text")
    return dataclasses.field(default=default, metadata={"help": help})


class Config:
    """to_dict / from_dict / replace for frozen config dataclasses."""

    # keys that older checkpoints may hold and that from_dict drops (a field that moved elsewhere)
    LEGACY_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        """Plain str/int/float/bool/None/list values (safe for weights_only checkpoint loading)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        """Rebuild a config (checked again); unknown keys raise a ValueError naming them."""
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known - cls.LEGACY_FIELDS)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} fields {unknown}; known fields are {sorted(known)}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)

    def replace(self: C, **changes: Any) -> C:
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def field_help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}  # type: ignore[arg-type]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> None:
    if not _is_int(value):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        want = f">= {lo}" if hi is None else (f"<= {hi}" if lo is None else f"in {lo}..{hi}")
        raise ValueError(f"{name}: expected an int {want}, got {value}")


def check_number(name: str, value: Any, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False, hi_open: bool = False) -> None:
    """A real number (int or float, not bool, not NaN) within the interval given."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    low = lo is not None and (value <= lo if lo_open else value < lo)
    high = hi is not None and (value >= hi if hi_open else value > hi)
    if low or high or math.isnan(value):
        left = ("(" if lo_open else "[") + ("-inf" if lo is None else str(lo))
        right = ("inf" if hi is None else str(hi)) + (")" if hi_open or hi is None else "]")
        raise ValueError(f"{name}: expected a number in {left}, {right}, got {value}")


def check_fraction(name: str, value: Any, hi_open: bool = True) -> None:
    """A number in [0, 1) (or [0, 1] with hi_open=False): a rate, a share."""
    check_number(name, value, lo=0.0, hi=1.0, hi_open=hi_open)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")


def check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {value!r}")


def check_each(name: str, values: Any, check: Any) -> None:
    """A non-empty tuple whose every item passes ``check(name, item)``."""
    if not isinstance(values, tuple | list) or not values:
        raise ValueError(f"{name}: expected one value or more, got {values!r}")
    for v in values:
        check(name, v)


def check_text(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: expected a non-empty string, got {value!r}")
