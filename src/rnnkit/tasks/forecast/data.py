"""Series in: a CSV file, a pandas DataFrame or a bundled series by name -> `SeriesSet`.

A table has an optional time column, one or more target columns (each its own series,
all learned by one global model), optional past- and known-future-covariate columns and, in
long format, a group column naming the series of each row. Rows after a target's last value
may hold the known-future covariates of the steps to forecast. Bad input is refused in one line that names
the file and the column: an unknown column, a value that is not a number, a time that
does not parse or appears twice, and missing values (unless ``missing="interpolate"``).

Times: rows out of order are sorted. Dates such as 03/04/2020 are read month first unless
only day first parses every row or gives a regular frequency (``time_format`` decides
otherwise). Months stamped on one day of the month are frequency 'M@<day>' (`offset_of`). Times absent from a regular grid (a day, a month or a trading day skipped) are
missing values: an error by default, rows interpolated in with ``missing="interpolate"``.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.datasets import DATASETS, load_named

TIME_NAMES = ("time", "date", "datetime", "month", "timestamp", "ds", "year")   # in order of preference
PERIODS = {"quarter": (4, 3), "month": (12, 1)}   # a period column beside a year column: (periods a year, months each)


@dataclass
class Series:
    """One series: T observations of a target and its P past covariates."""

    name: str
    index: pd.Index         # (T,) DatetimeIndex, or a RangeIndex without a time column
    y: np.ndarray           # (T,) float64
    past: np.ndarray        # (T, P) float64
    future: np.ndarray | None = None  # (T + E, U) user's known-future covariates, E rows past the target's end
    observed: np.ndarray | None = None       # (T,) bool: y_t was read, not filled (default: all)
    past_observed: np.ndarray | None = None  # (T, P) bool, the same for the past covariates

    def __post_init__(self) -> None:
        if self.future is None:
            self.future = np.zeros((len(self.y), 0))
        if self.observed is None:
            self.observed = np.ones(len(self.y), bool)
        if self.past_observed is None:
            self.past_observed = np.ones(self.past.shape, bool)

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class SeriesSet:
    source: str             # the file or data set name, for error messages
    series: list[Series]
    freq: str | None        # pandas frequency of the time index, None without one
    past_names: tuple[str, ...]
    future_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()   # the target columns (one series each, per group in long format)


def read_series(cfg: ForecastConfig, frame: pd.DataFrame | None = None) -> SeriesSet:
    """The series `cfg` names, from `frame` when given, else from `cfg.data` (bundled name or CSV)."""
    if frame is not None:
        source, table, default_target = "DataFrame", frame_table(frame), None
    elif cfg.data in DATASETS:
        source, table, default_target = cfg.data, load_named(cfg.data), DATASETS[cfg.data][0]
    else:
        source, table, default_target = cfg.data, read_csv(cfg.data), None
    if table.empty:
        raise ValueError(f"{source}: no rows under the header {list(map(str, table.columns))}")
    table, time_col, time_parts = find_time_column(table, cfg.time_col, source)
    covariates = (*cfg.past_covariates, *cfg.future_covariates)
    used = {c for c in (time_col, cfg.group_col, *time_parts) if c} | set(covariates)
    targets = cfg.target or ((default_target,) if default_target else
                             tuple(c for c in table.columns if c not in used))
    for col in (*targets, *covariates, *([cfg.group_col] if cfg.group_col else [])):
        check_column(table, col, source)
    if not targets:
        raise ValueError(f"{source}: no target column; name one with --target (columns: {list(table.columns)})")
    twice = [c for c in dict.fromkeys((*targets, *covariates)) if (*targets, *covariates).count(c) > 1]
    if twice:
        raise ValueError(f"{source}: column {twice[0]!r} is named twice among --target, --past-covariates and "
                         f"--future-covariates; each column has one role")
    values = {c: numeric_column(table, c, source) for c in (*targets, *covariates)}
    groups = [(None, table.index)] if not cfg.group_col else list(table.groupby(cfg.group_col, sort=False).groups.items())
    series, freq = [], None
    for key, rows in groups:
        found, freq = group_series(table, rows, key, targets, values, cfg, source, time_col)
        series += found
    return SeriesSet(source, series, freq, tuple(cfg.past_covariates), tuple(cfg.future_covariates), targets)


def frame_table(frame) -> pd.DataFrame:
    """A DataFrame (or Series) as a table whose times are a column: a DatetimeIndex or PeriodIndex,
    pandas' usual place for them, becomes the column named as the index (or 'time')."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(frame.name if frame.name is not None else "y")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame: expected a pandas DataFrame or Series, got {type(frame).__name__}")
    index = frame.index
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        name = index.name if index.name is not None else "time"
        if name in frame.columns:
            raise ValueError(f"DataFrame: its index holds the times, but it already has a column {name!r}; "
                             f"name the index (df.index.name = 'date') or pass df.reset_index()")
        times = index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index
        return frame.set_axis(pd.RangeIndex(len(frame))).assign(**{name: times.to_numpy()})
    return frame


def group_series(table: pd.DataFrame, rows: pd.Index, key: str | None, targets: tuple[str, ...],
                 values: dict[str, np.ndarray], cfg: ForecastConfig, source: str,
                 time_col: str | None) -> tuple[list[Series], str | None]:
    """One Series per target column for the table rows `rows` (one group of a long table, or all)."""
    index, freq, take = time_index(table.loc[rows], time_col, source, cfg.time_format, cfg.missing)
    rows = np.asarray(table.index.get_indexer(rows))
    file_rows = np.where(take >= 0, rows[np.maximum(take, 0)], -1)           # (T,) the table row of each time

    def column(c: str) -> np.ndarray:  # (T,) in time order, NaN at times the table lacks
        return np.where(file_rows >= 0, values[c][np.maximum(file_rows, 0)], np.nan)

    def filled(names: tuple[str, ...], end: int) -> np.ndarray:  # (end, len(names)), missing values handled
        return np.stack([handle_missing(column(c)[:end], cfg.missing, source, c, index, file_rows)
                         for c in names], axis=1) if names else np.zeros((end, 0))

    def observed(names: tuple[str, ...], end: int) -> np.ndarray:  # (end, len(names)) bool
        return np.stack([~np.isnan(column(c)[:end]) for c in names], axis=1) if names else np.zeros((end, 0), bool)

    future = filled(cfg.future_covariates, len(index))                          # (T + E, U)
    found = []
    for col in targets:
        y = column(col)
        # with known-future covariates, the rows after the target's last value hold their next values
        end = int(np.flatnonzero(~np.isnan(y))[-1]) + 1 if cfg.future_covariates and (~np.isnan(y)).any() \
            else len(y)
        found.append(Series(col if key is None else f"{key}/{col}", index[:end],
                            handle_missing(y[:end], cfg.missing, source, col, index, file_rows),
                            filled(cfg.past_covariates, end), future, ~np.isnan(y[:end]),
                            observed(cfg.past_covariates, end)))
    return found, freq


def read_csv(path: str) -> pd.DataFrame:
    """The table, its delimiter (comma, semicolon, tab or bar) sniffed from the first lines."""
    if not os.path.isfile(path):
        why = "a directory" if os.path.isdir(path) else "no such file"
        raise FileNotFoundError(f"--data: expected a CSV file or one of {', '.join(DATASETS)}, got {path!r} ({why})")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            head = f.read(64_000)
        try:
            sep = csv.Sniffer().sniff(head.split("\n", 1)[0], delimiters=",;\t|").delimiter
        except csv.Error:  # one column, or no header line to read
            sep = ","
        table = pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a readable CSV file ({str(err).splitlines()[0]})") from None
    return table


def check_column(table: pd.DataFrame, col: str, source: str) -> None:
    if col not in table.columns:
        named = [str(c) for c in table.columns if c != table.attrs.get("joined_time")]  # the file's own columns
        raise ValueError(f"{source}: column {col!r} not found; the columns are {named}")


def find_time_column(table: pd.DataFrame, name: str, source: str) -> tuple[pd.DataFrame, str | None, tuple]:
    """(table, time column or None, the columns it was made from). 'year+quarter' (named, or found
    when no column is called time, date, ...) joins a year column and a quarter or month number
    column, as statsmodels' macrodata has them, into a column of that name."""
    if name == "none":
        return table, None, ()
    if "+" in name and name not in table.columns:
        parts = tuple(name.split("+"))
        for col in parts:
            check_column(table, col, source)
        return joined_time(table, parts, name, source), name, parts
    if name:
        check_column(table, name, source)
        return table, name, ()
    lower = {str(c).lower(): c for c in table.columns}
    period = next((p for p in PERIODS if p in lower and pd.api.types.is_numeric_dtype(table[lower[p]])), None)
    if "year" in lower and period and not any(n in lower for n in TIME_NAMES if n not in ("year", "month")):
        parts = (lower["year"], lower[period])
        joined = f"{parts[0]}+{parts[1]}"
        return joined_time(table, parts, joined, source), joined, parts
    return table, next((lower[n] for n in TIME_NAMES if n in lower), None), ()


def joined_time(table: pd.DataFrame, parts: tuple, name: str, source: str) -> pd.DataFrame:
    """`table` with a column `name` of the first day of each (year, quarter or month) the two columns hold."""
    if len(parts) != 2 or str(parts[1]).lower() not in PERIODS:
        raise ValueError(f"{source}: --time-col {name!r}: expected a year column and a quarter or month column "
                         f"joined by '+', e.g. 'year+quarter'")
    count, months = PERIODS[str(parts[1]).lower()]
    year, period = (pd.to_numeric(table[c], errors="coerce") for c in parts)
    ok = (year.notna() & period.notna() & (year == year.round()) & (period == period.round())
          & period.between(1, count) & year.between(1, 9999))
    if not ok.all():
        row = int(np.flatnonzero(~ok.to_numpy())[0])
        got = [table[c].iloc[row] for c in parts]
        got = [v.item() if isinstance(v, np.generic) else v for v in got]       # 13, not np.int64(13)
        raise ValueError(f"{source}: columns {parts[0]!r} and {parts[1]!r}: expected a whole year and a "
                         f"{str(parts[1]).lower()} 1-{count}, got {got[0]!r} and {got[1]!r} at row {row + 1}")
    times = pd.to_datetime(pd.DataFrame({"year": year.astype(int), "month": (period.astype(int) - 1) * months + 1,
                                         "day": 1}))
    joined = table.assign(**{name: times})
    joined.attrs["joined_time"] = name
    return joined


def numeric_column(table: pd.DataFrame, col: str, source: str) -> np.ndarray:
    """The column as float64; a value that is not a number is an error naming its row."""
    raw = table[col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{source}: column {col!r}: expected numbers, got {raw.iloc[row]!r} at row {row + 1}")
    return values.to_numpy(dtype=np.float64)


def time_index(rows: pd.DataFrame, time_col: str | None, source: str, time_format: str = "",
               missing: str = "error") -> tuple[pd.Index, str | None, np.ndarray]:
    """(index, freq, take): the series' times (a DatetimeIndex, or a RangeIndex without a time
    column), their pandas frequency (None when there is none), and for each time the position of
    its row in `rows` (-1: a time of the regular grid that no row holds, a missing value)."""
    if time_col is None:
        return pd.RangeIndex(len(rows)), None, np.arange(len(rows))
    times = parse_times(rows[time_col], source, time_col, time_format)
    order = np.argsort(times.to_numpy(), kind="stable")                   # rows out of order are sorted
    index = pd.DatetimeIndex(times.to_numpy()[order])
    if index.has_duplicates:
        when = index[index.duplicated()][0]
        where = [int(i) + 1 for i in np.flatnonzero(times.to_numpy() == when.to_datetime64())]
        raise ValueError(f"{source}: column {time_col!r}: time {show_time(when)} appears more than once (rows "
                         f"{', '.join(map(str, where[:5]))}); each time must appear once per series")
    if len(index) < 3:  # pandas infers a frequency from three times at least
        raise ValueError(f"{source}: column {time_col!r}: {len(index)} time(s), too few to tell the series' "
                         f"frequency (at least 3; a forecast needs lookback + horizon)")
    freq = inferred_freq(index)
    if freq is not None:
        return index, freq, order
    grid, freq = regular_grid(index)
    if grid is None:
        steps = np.diff(index)
        raise ValueError(f"{source}: column {time_col!r}: the times have no regular frequency (steps from "
                         f"{pd.Timedelta(steps.min())} to {pd.Timedelta(steps.max())}); pass --time-col none to take "
                         f"the rows as equally spaced steps")
    absent = grid.difference(index)
    if missing == "error":
        raise ValueError(f"{source}: column {time_col!r}: {len(absent)} of {len(grid)} {freq_words(freq)} times "
                         f"missing, the first {show_time(absent[0])}; pass --missing interpolate to fill them, or "
                         f"--time-col none to take the rows as equally spaced steps")
    take = np.full(len(grid), -1)
    take[grid.get_indexer(index)] = order
    return grid, freq, take


def parse_times(raw: pd.Series, source: str, col: str, time_format: str) -> pd.Series:
    """The column as datetimes. Without a format, month first (pandas' default) unless day first
    reads every row where month first does not, or reads a regular series where month first does not."""
    def parse(**how) -> pd.Series:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format" / dayfirst notes
            return pd.to_datetime(raw, errors="coerce", **how)

    def first_bad(times: pd.Series, layout: str = "", hint: str = "") -> ValueError:
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        return ValueError(f"{source}: column {col!r}: expected dates{layout}, got {raw.iloc[row]!r} at row {row + 1}"
                          f"{hint}")

    if time_format:
        times = parse(format=time_format)
        if times.isna().any():
            raise first_bad(times, layout=f" in --time-format {time_format!r}")
        return times
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        whole = raw.dropna()
        if len(whole) == len(raw) and (whole == whole.round()).all() and whole.between(1000, 3000).all():
            return pd.to_datetime(raw.astype(int).astype(str), format="%Y")      # years: 1950, 1951, ...
        raise ValueError(f"{source}: column {col!r}: expected dates or years, got numbers ({raw.iloc[0]} at "
                         f"row 1); pass --time-col none to take the rows as equally spaced steps")
    month_first = parse()
    text = raw.dropna().astype(str)
    if pd.api.types.is_datetime64_any_dtype(raw) or not text.str.match(r"\s*\d{1,2}[/.-]\d{1,2}[/.-]\d").any():
        if month_first.isna().any():                                       # not dd/mm or mm/dd: no ambiguity
            raise first_bad(month_first, hint=" (another layout: pass --time-format, e.g. '%Y%m%d %H:%M')")
        return month_first
    day_first = parse(dayfirst=True)
    ok_m, ok_d = not month_first.isna().any(), not day_first.isna().any()
    if not ok_m and not ok_d:
        raise first_bad(month_first, hint=" (another layout: pass --time-format, e.g. '%d.%m.%Y %H:%M')")
    if ok_m != ok_d or month_first.equals(day_first):
        return month_first if ok_m else day_first
    regular = [inferred_freq(pd.DatetimeIndex(t.sort_values())) is not None for t in (month_first, day_first)]
    if regular[0] != regular[1]:
        return month_first if regular[0] else day_first
    row = int(np.flatnonzero((month_first != day_first).to_numpy())[0])
    raise ValueError(f"{source}: column {col!r}: {raw.iloc[row]!r} (row {row + 1}) reads as "
                     f"{month_first.iloc[row]:%Y-%m-%d} month first or {day_first.iloc[row]:%Y-%m-%d} day first; "
                     f"pass --time-format (e.g. '%d/%m/%Y')")


def freq_words(freq: str) -> str:
    """'MS' -> 'monthly', 'B' -> 'business-day'; other frequencies as 'every <freq>'."""
    words = {"D": "daily", "B": "business-day", "W": "weekly", "MS": "monthly", "ME": "monthly", "QS": "quarterly",
             "h": "hourly", "H": "hourly", "30min": "half-hourly", "YS": "yearly", "YE": "yearly"}
    match = MONTH_DAY.fullmatch(freq)
    if match:
        every = {"": "monthly", "3": "quarterly", "12": "yearly"}[match.group(1)]
        return f"{every} (day {match.group(2)})"
    return words.get(freq) or words.get(freq.split("-")[0]) or f"every-{freq}"


def show_time(t: pd.Timestamp) -> str:
    return str(t.date()) if t == t.normalize() else str(t)


def show_point(t) -> str:
    """A point of a series' index for a message: its date, or 'step 7' without a time column."""
    return show_time(t) if isinstance(t, pd.Timestamp) else f"step {t}"


def regular_grid(index: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex | None, str | None]:
    """The sparsest regular grid from the first time to the last that holds every time of `index`,
    and its frequency; (None, None) when there is none. Candidates, the first of equal grids kept:
    the frequencies pandas infers on short runs of consecutive times (a few gaps leave most runs
    regular), the calendar's steps anchored at the first time (month, quarter, year, week),
    business days when every time is a weekday's midnight, and last the largest step that divides
    every step (their greatest common divisor)."""
    if len(index) < 3:
        return None, None
    found = []
    for run in (4, 3):
        starts = np.unique(np.linspace(0, len(index) - run, num=min(len(index) - run + 1, 200)).astype(int))
        found += [f for f in (inferred_freq(index[i:i + run]) for i in starts) if f]
    candidates = list(pd.Series(found, dtype=object).value_counts().index)   # the most often inferred first
    mon, day = index[0].strftime("%b").upper(), index[0].strftime("%a").upper()
    candidates += ["MS", "ME", f"QS-{mon}", f"QE-{mon}", f"YS-{mon}", f"YE-{mon}", f"W-{day}"]
    candidates += [f for f in [month_day_freq(index, regular=False)] if f]
    if (index.day_of_week < 5).all() and (index == index.normalize()).all():
        candidates.append("B")                                               # weekdays only: trading days
    step = pd.Timedelta(int(np.gcd.reduce(np.diff(index.asi8))), unit=index.unit)    # every step a multiple of it
    if step % pd.Timedelta(days=1) == pd.Timedelta(0):                      # whole days: 'D', '2D', not '24h'
        candidates.append("D" if step.days == 1 else f"{step.days}D")
    elif step > pd.Timedelta(0):
        try:
            candidates.append(pd.tseries.frequencies.to_offset(step).freqstr)
        except ValueError:
            pass
    best = None
    for freq in dict.fromkeys(candidates):
        try:
            grid = pd.date_range(index[0], index[-1], freq=offset_of(freq))
        except ValueError:
            continue
        if len(grid) <= 4 * len(index) and index.isin(grid).all() and (best is None or len(grid) < len(best[0])):
            best = grid, str(freq)
    return best or (None, None)


def inferred_freq(index: pd.DatetimeIndex) -> str | None:
    """pandas' inferred frequency as a string ('MS', '30min'), or None: pandas 3 warns that its
    infer_freq will return an offset object instead, so either is turned into the string here.
    Months stamped on one day of the month but the first or last ('2020-01-15', '2020-02-15', …),
    which pandas does not name, are 'M@15' (quarters '3M@15', years '12M@15'; see `offset_of`)."""
    if len(index) < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pandas 3's Pandas4Warning about the return type
        freq = pd.infer_freq(index)
    if freq is None:
        return month_day_freq(index, regular=True)
    return getattr(freq, "freqstr", freq)


MONTH_DAY = re.compile(r"(\d*)M@(\d{1,2})")


def month_day_freq(index: pd.DatetimeIndex, regular: bool) -> str | None:
    """'kM@d' when every time is day d (<= 28) of its month at one time of day and the months
    between times are k (regular) or multiples of k (otherwise), k in 1, 3, 12; else None."""
    days, clock = index.day.to_numpy(), index - index.normalize()
    if len(index) < 2 or (days != days[0]).any() or days[0] > 28 or (clock != clock[0]).any():
        return None
    months = np.diff(index.year.to_numpy() * 12 + index.month.to_numpy())
    k = int(months[0]) if regular else int(np.gcd.reduce(months))
    if k not in (1, 3, 12) or (regular and (months != k).any()):
        return None
    return f"{'' if k == 1 else k}M@{days[0]}"


def offset_of(freq: str):
    """A pandas offset for `freq`: its own, or a k-month DateOffset for 'kM@d' (whose dates keep day d)."""
    match = MONTH_DAY.fullmatch(freq)
    if match:
        return pd.DateOffset(months=int(match.group(1) or 1))
    return pd.tseries.frequencies.to_offset(freq)


def handle_missing(y: np.ndarray, policy: str, source: str, col: str, index: pd.Index,
                   file_rows: np.ndarray | None = None) -> np.ndarray:
    """Missing values: an error (default) or linear interpolation in time (edges: nearest value);
    `causal_fill` then carries forward the ones that would read the test part.
    file_rows (T,): the table row of each value, for the error (default: the position)."""
    missing = np.isnan(y)
    if not missing.any():
        return y
    if policy == "error":
        first = int(np.flatnonzero(missing)[0])
        row = first if file_rows is None else int(file_rows[first])
        trailing = bool(missing[first:].all())  # perhaps rows that hold known-future covariates
        when = show_point(index[first])
        raise ValueError(f"{source}: column {col!r}: {int(missing.sum())} missing value(s), the first at row "
                         f"{row + 1} ({when}); fill them or pass --missing interpolate"
                         + ("; rows after the last value hold the steps ahead only with --future-covariates"
                            if trailing else ""))
    if missing.all():
        raise ValueError(f"{source}: column {col!r}: every value is missing")
    x = np.arange(len(y))
    return np.interp(x, x[~missing], y[~missing])


def causal_fill(s: Series, n_train: int) -> Series:
    """`s` with every filled value whose next observation lies at or after n_train carried forward
    from the value before it, instead of interpolated towards that observation: a value of the test
    part must not shape the training part, nor the inputs of a forecast made before it was seen."""
    def refill(x: np.ndarray, observed: np.ndarray) -> np.ndarray:  # (T,)
        seen = np.flatnonzero(observed)
        if len(seen) == len(x) or not len(seen):
            return x
        nxt = np.searchsorted(seen, np.arange(len(x)))                       # the first observation >= t
        next_seen = np.where(nxt < len(seen), seen[np.minimum(nxt, len(seen) - 1)], len(x))
        x = x.copy()
        for t in np.flatnonzero(~observed & (next_seen >= n_train) & (np.arange(len(x)) > seen[0])):
            x[t] = x[t - 1]
        return x

    if s.observed.all() and s.past_observed.all():
        return s
    past = np.stack([refill(s.past[:, j], s.past_observed[:, j]) for j in range(s.past.shape[1])], axis=1) \
        if s.past.shape[1] else s.past
    return Series(s.name, s.index, refill(s.y, s.observed), past, s.future, s.observed, s.past_observed)


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
    """The seasonal period m: cfg.season when set, else 12 monthly (also 'M@d'), 4 quarterly ('3M@d'),
    52 weekly, 7 daily, 24 hourly, 48 half-hourly, 1 otherwise."""
    if cfg_season:
        return cfg_season
    if not freq:
        return 1
    f = freq.upper()
    for prefix, m in (("MS", 12), ("ME", 12), ("M", 12), ("3M@", 4), ("12M@", 1), ("QS", 4), ("Q", 4),
                      ("W", 52), ("D", 7), ("30MIN", 48), ("30T", 48), ("H", 24)):
        if f.startswith(prefix):
            return m
    return 1
