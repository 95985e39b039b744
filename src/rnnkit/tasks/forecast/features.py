"""Scaling fitted on the training part only, and known-future calendar covariates.

Scaling, per series and column, with statistics (a, b) from the first n_train points:

    z = (x - a) / b          minmax: a = min, b = max - min;  standard: a = mean, b = std;  none: a = 0, b = 1
    x = a + b z

With ``transform="log"`` the target is logged first (x -> log x, statistics of log x, and
x = exp(a + b z) back), so that a multiplicative season and trend become additive.

Calendar covariates f_t (F per step), computed from the time stamp alone, so they are
known for every future step too:

- monthly or slower: month one-hot (12) and the year, scaled as (year - y0) / (y1 - y0)
  with y0, y1 the first and last training years (so 1.0 is the end of training);
- daily and weekly: day-of-week one-hot (7), sin/cos of the day of the year, scaled year;
- faster than daily: sin/cos of 2πk·(time of day) for k = 1, 2, 3 and day-of-week one-hot.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnnkit.tasks.forecast.data import Series, offset_of


@dataclass
class Scale:
    """(a, b) of one column: z = (x - a) / b."""

    a: float
    b: float
    log: bool = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        return ((np.log(x) if self.log else x) - self.a) / self.b

    def inverse(self, z: np.ndarray) -> np.ndarray:
        x = self.a + self.b * z
        return np.exp(x) if self.log else x


def fit_scale(x: np.ndarray, kind: str, log: bool = False) -> Scale:
    """Scale of `x` (the training part only), of log x with `log`."""
    if log:
        return dataclasses.replace(fit_scale(np.log(x), kind), log=True)
    if kind == "none":
        return Scale(0.0, 1.0)
    if kind == "minmax":
        a, b = float(x.min()), float(x.max() - x.min())
    else:
        a, b = float(x.mean()), float(x.std())
    return Scale(a, b if b > 0 else 1.0)


@dataclass
class SeriesScaler:
    """The target's, each past covariate's and each known-future covariate's scale for one series."""

    y: Scale
    past: list[Scale]
    future: list[Scale] = dataclasses.field(default_factory=list)

    @staticmethod
    def fit(series: Series, n_train: int, kind: str, log: bool = False) -> "SeriesScaler":
        return SeriesScaler(fit_scale(series.y[:n_train], kind, log),
                            [fit_scale(series.past[:n_train, j], kind) for j in range(series.past.shape[1])],
                            [fit_scale(series.future[:n_train, j], kind) for j in range(series.future.shape[1])])

    def past_forward(self, past: np.ndarray) -> np.ndarray:
        return columns_forward(self.past, past)                                         # (T, P)

    def future_forward(self, future: np.ndarray) -> np.ndarray:
        return columns_forward(self.future, future)                                     # (T + E, U)

    def to_dict(self) -> dict:
        return {"y": [self.y.a, self.y.b, self.y.log], "past": [[s.a, s.b] for s in self.past],
                "future": [[s.a, s.b] for s in self.future]}

    @staticmethod
    def from_dict(d: dict) -> "SeriesScaler":
        return SeriesScaler(Scale(*d["y"]), [Scale(*p) for p in d["past"]], [Scale(*p) for p in d.get("future", [])])


def columns_forward(scales: list[Scale], x: np.ndarray) -> np.ndarray:
    if not scales:
        return x
    return np.stack([s.forward(x[:, j]) for j, s in enumerate(scales)], axis=1)


def extend_index(index: pd.Index, freq: str | None, steps: int) -> pd.Index:
    """`index` followed by `steps` more time stamps (or integers)."""
    if not isinstance(index, pd.DatetimeIndex):
        return pd.RangeIndex(len(index) + steps)
    if freq is None:
        raise ValueError("time column: forecasting past the data needs a regular frequency; the times given "
                         "have none that pandas can infer")
    more = pd.date_range(index[-1], periods=steps + 1, freq=offset_of(freq))[1:]
    return index.append(more)


def fractional_year(index: pd.DatetimeIndex) -> np.ndarray:
    return (index.year + (index.day_of_year - 1) / 365.25).to_numpy(dtype=np.float64)


def calendar_years(index: pd.Index, n_train: int) -> tuple[float, float]:
    """(y0, y1): the first and last training years, the year covariate's scale."""
    years = fractional_year(index[:n_train])
    return float(years[0]), float(years[-1]) if years[-1] > years[0] else float(years[0]) + 1.0


def calendar_features(index: pd.Index, freq: str | None, years: tuple[float, float]) -> np.ndarray:
    """f_t for every stamp of `index`: (T, F)."""
    if not isinstance(index, pd.DatetimeIndex) or freq is None:
        raise ValueError("--calendar: calendar covariates need a time column with a regular frequency")
    step = offset_of(freq)
    y0, y1 = years
    year = (fractional_year(index) - y0) / (y1 - y0)
    dow = np.eye(7)[index.day_of_week]                                     # (T, 7)
    if pd.Timedelta(days=1) > _approx_step(index, step):                  # faster than daily
        tod = (index.hour * 60 + index.minute).to_numpy() / 1440.0
        waves = [f(2 * np.pi * k * tod) for k in (1, 2, 3) for f in (np.sin, np.cos)]
        return np.column_stack([*waves, dow])                             # (T, 6 + 7)
    if _approx_step(index, step) < pd.Timedelta(days=28):                # daily, weekly
        doy = 2 * np.pi * (index.day_of_year.to_numpy() - 1) / 365.25
        return np.column_stack([dow, np.sin(doy), np.cos(doy), year])     # (T, 7 + 3)
    return np.column_stack([np.eye(12)[index.month - 1], year])          # (T, 12 + 1)


def _approx_step(index: pd.DatetimeIndex, step) -> pd.Timedelta:
    return (index[0] + step) - index[0]


def n_calendar(freq: str | None, index: pd.Index) -> int:
    return calendar_features(index[:2], freq, (0.0, 1.0)).shape[1]
