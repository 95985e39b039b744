"""Series in: a CSV file, a pandas DataFrame or a bundled series by name -> `SeriesSet`.

A table has an optional time column, one or more target columns (each its own series,
all learned by one global model), optional past-covariate columns and, in long format, a
group column naming the series of each row. Bad input is refused in one line that names
the file and the column: an unknown column, a value that is not a number, a time that
does not parse or goes backwards, and missing values (unless ``missing="interpolate"``).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.datasets import DATASETS, load_named

TIME_NAMES = ("time", "date", "datetime", "month", "timestamp", "ds")


@dataclass
class Series:
    """One series: T observations of a target and its P past covariates."""

    name: str
    index: pd.Index         # (T,) DatetimeIndex, or a RangeIndex without a time column
    y: np.ndarray           # (T,) float64
    past: np.ndarray        # (T, P) float64

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class SeriesSet:
    source: str             # the file or data set name, for error messages
    series: list[Series]
    freq: str | None        # pandas frequency of the time index, None without one
    past_names: tuple[str, ...]


def read_series(cfg: ForecastConfig, frame: pd.DataFrame | None = None) -> SeriesSet:
    """The series `cfg` names, from `frame` when given, else from `cfg.data` (bundled name or CSV)."""
    if frame is not None:
        source, table, default_target = "DataFrame", frame, None
    elif cfg.data in DATASETS:
        source, table, default_target = cfg.data, load_named(cfg.data), DATASETS[cfg.data][0]
    else:
        source, table, default_target = cfg.data, read_csv(cfg.data), None
    time_col = find_time_column(table, cfg.time_col, source)
    used = {c for c in (time_col, cfg.group_col) if c} | set(cfg.past_covariates)
    targets = cfg.target or ((default_target,) if default_target else
                             tuple(c for c in table.columns if c not in used))
    for col in (*targets, *cfg.past_covariates, *([cfg.group_col] if cfg.group_col else [])):
        check_column(table, col, source)
    if not targets:
        raise ValueError(f"{source}: no target column; name one with --target (columns: {list(table.columns)})")
    values = {c: numeric_column(table, c, source) for c in (*targets, *cfg.past_covariates)}
    groups = [(None, table.index)] if not cfg.group_col else list(table.groupby(cfg.group_col, sort=False).groups.items())
    series, freq = [], None
    for key, rows in groups:
        index, freq = time_index(table.loc[rows], time_col, source)
        past = np.stack([values[c][rows] for c in cfg.past_covariates], axis=1) if cfg.past_covariates \
            else np.zeros((len(rows), 0))
        for col in targets:
            name = col if key is None else f"{key}/{col}"
            y = handle_missing(values[col][rows], cfg.missing, source, col, index)
            past_filled = np.stack([handle_missing(past[:, j], cfg.missing, source, c, index)
                                    for j, c in enumerate(cfg.past_covariates)], axis=1) if past.shape[1] else past
            series.append(Series(name, index, y, past_filled))
    return SeriesSet(source, series, freq, tuple(cfg.past_covariates))


def read_csv(path: str) -> pd.DataFrame:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--data: expected a CSV file or one of {', '.join(DATASETS)}, got {path!r} "
                                f"(no such file)")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a readable CSV file ({str(err).splitlines()[0]})") from None


def check_column(table: pd.DataFrame, col: str, source: str) -> None:
    if col not in table.columns:
        raise ValueError(f"{source}: column {col!r} not found; the columns are {list(map(str, table.columns))}")


def find_time_column(table: pd.DataFrame, name: str, source: str) -> str | None:
    if name == "none":
        return None
    if name:
        check_column(table, name, source)
        return name
    return next((c for c in table.columns if str(c).lower() in TIME_NAMES), None)


def numeric_column(table: pd.DataFrame, col: str, source: str) -> np.ndarray:
    """The column as float64; a value that is not a number is an error naming its row."""
    raw = table[col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{source}: column {col!r}: expected numbers, got {raw.iloc[row]!r} at row {row + 1}")
    return values.to_numpy(dtype=np.float64)


def time_index(rows: pd.DataFrame, time_col: str | None, source: str) -> tuple[pd.Index, str | None]:
    """A DatetimeIndex with its frequency (or a RangeIndex and None without a time column)."""
    if time_col is None:
        return pd.RangeIndex(len(rows)), None
    raw = rows[time_col]
    times = pd.to_datetime(raw, errors="coerce")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise ValueError(f"{source}: column {time_col!r}: expected dates, got {raw.iloc[row]!r} at row {row + 1}")
    index = pd.DatetimeIndex(times)
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise ValueError(f"{source}: column {time_col!r}: expected strictly increasing times, got repeats or "
                         f"times going backwards")
    return index, inferred_freq(index)


def inferred_freq(index: pd.DatetimeIndex) -> str | None:
    """pandas' inferred frequency as a string ('MS', '30min'), or None: pandas 3 warns that its
    infer_freq will return an offset object instead, so either is turned into the string here."""
    if len(index) < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pandas 3's Pandas4Warning about the return type
        freq = pd.infer_freq(index)
    return getattr(freq, "freqstr", freq)


def handle_missing(y: np.ndarray, policy: str, source: str, col: str, index: pd.Index) -> np.ndarray:
    """Missing values: an error (default) or linear interpolation in time (edges: nearest value)."""
    missing = np.isnan(y)
    if not missing.any():
        return y
    if policy == "error":
        first = int(np.flatnonzero(missing)[0])
        raise ValueError(f"{source}: column {col!r}: {int(missing.sum())} missing value(s), the first at row "
                         f"{first + 1} ({index[first]}); fill them or pass --missing interpolate")
    if missing.all():
        raise ValueError(f"{source}: column {col!r}: every value is missing")
    x = np.arange(len(y))
    return np.interp(x, x[~missing], y[~missing])


def split_point(series: Series, split: str, source: str) -> int:
    """n_train: how many leading observations form the training part.

    `split` is a fraction ("0.8") or the last training time ("1959-01-01", inclusive,
    as Darts' ``split_after``).
    """
    try:
        fraction = float(split)
    except ValueError:
        fraction = None
    if fraction is not None:
        if not 0 < fraction < 1:
            raise ValueError(f"--split: expected a fraction in (0, 1) or a date, got {split!r}")
        return int(round(fraction * len(series)))
    if not isinstance(series.index, pd.DatetimeIndex):
        raise ValueError(f"--split: a date ({split!r}) needs a time column in {source}")
    try:
        when = pd.Timestamp(split)
    except ValueError:
        raise ValueError(f"--split: expected a fraction in (0, 1) or a date, got {split!r}") from None
    return int(series.index.searchsorted(when, side="right"))


def check_length(series: Series, n_train: int, lookback: int, horizon: int, source: str) -> None:
    need = lookback + horizon
    if n_train < need:
        raise ValueError(f"{source}: column {series.name!r}: the training part has {n_train} points, too short "
                         f"for lookback {lookback} + horizon {horizon} = {need}")


def season_of(freq: str | None, cfg_season: int) -> int:
    """The seasonal period m: cfg.season when set, else 12 monthly, 4 quarterly, 52 weekly, 7 daily,
    24 hourly, 48 half-hourly, 1 otherwise."""
    if cfg_season:
        return cfg_season
    if not freq:
        return 1
    f = freq.upper()
    for prefix, m in (("MS", 12), ("ME", 12), ("M", 12), ("QS", 4), ("Q", 4), ("W", 52), ("D", 7),
                      ("30MIN", 48), ("30T", 48), ("H", 24)):
        if f.startswith(prefix):
            return m
    return 1
