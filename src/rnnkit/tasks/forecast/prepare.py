"""From series to scaled arrays and windows; nothing here reads past a series' training part
unless asked to (forecasting from a later origin reads only what lies before it).

`Prepared` holds, per series, the scaled target z (T,), scaled past covariates (T, P) and
known-future covariates (T + H, F): the calendar's and then the user's, scaled (calendar
stamps run H steps past the data, and so must the user's to forecast past it), with the
scaler and n_train that made them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import (Series, SeriesSet, causal_fill, check_length, read_series, season_of,
                                        show_point, split_point)
from rnnkit.tasks.forecast.features import SeriesScaler, calendar_features, calendar_years, extend_index


@dataclass
class PreparedSeries:
    series: Series
    n_train: int
    scaler: SeriesScaler
    z: np.ndarray           # (T,) scaled target
    past: np.ndarray        # (T, P) scaled past covariates
    fut: np.ndarray         # (T + H, F) known-future covariates
    index: pd.Index         # (T + H,) time stamps, the data's and H more


@dataclass
class Prepared:
    cfg: ForecastConfig
    data: SeriesSet
    items: list[PreparedSeries]
    season: int

    @property
    def n_future(self) -> int:
        return self.items[0].fut.shape[1]

    @property
    def n_past(self) -> int:
        return self.items[0].past.shape[1]


def prepare(cfg: ForecastConfig, frame: pd.DataFrame | None = None, data: SeriesSet | None = None,
            scalers: dict[str, SeriesScaler] | None = None, years: dict[str, tuple[float, float]] | None = None,
            n_train: int | dict[str, int] | None = None, whole_history: bool = False) -> Prepared:
    """Read (unless `data` is given), split, scale on the training part and add calendar covariates.

    `scalers`/`years` (from a checkpoint) replace fitting; `n_train` overrides cfg.split (refits; a dict:
    per series name, as the validation folds of `tune` need);
    `whole_history` makes every series' training part all of it (forecasting past its end).
    """
    data = data or read_series(cfg, frame)
    items = []
    for s in data.series:
        given = n_train.get(s.name) if isinstance(n_train, dict) else n_train
        n = len(s) if whole_history else given if given is not None else split_point(s, cfg.split, data.source)
        s = causal_fill(s, n)
        check_length(s, n, cfg.lookback, cfg.horizon, data.source)
        if cfg.nonnegative and (s.y < 0).any():
            first = int(np.argmax(s.y < 0))
            raise ValueError(f"{data.source}: column {s.name!r}: --nonnegative, but it has negative values, the "
                             f"first {s.y[first]:g} at {show_point(s.index[first])}")
        if cfg.transform == "log" and (s.y <= 0).any():
            raise ValueError(f"{data.source}: column {s.name!r}: --transform log needs values > 0, got "
                             f"{s.y.min():g}")
        scaler = (scalers or {}).get(s.name) or SeriesScaler.fit(s, n, cfg.scaler, cfg.transform == "log")
        index = extend_index(s.index, data.freq, cfg.horizon)
        if cfg.calendar:
            yrs = (years or {}).get(s.name) or calendar_years(s.index, n)
            fut = calendar_features(index, data.freq, yrs)                     # (T + H, F - U)
        else:
            fut = np.zeros((len(index), 0))
        fut = np.concatenate([fut, known_future(s, scaler, cfg.horizon, data, whole_history)], axis=1)  # (T + H, F)
        items.append(PreparedSeries(s, n, scaler, scaler.y.forward(s.y), scaler.past_forward(s.past), fut, index))
    return Prepared(cfg, data, items, season_of(data.freq, cfg.season))


def known_future(s: Series, scaler: SeriesScaler, horizon: int, data: SeriesSet, forecasting: bool) -> np.ndarray:
    """The user's known-future covariates, scaled, for the T + H steps (T + H, U). Rows past the data
    that the table lacks are needed only to forecast past its end (`forecasting`): without it they
    repeat the last row, which no window whose horizon lies in the data reads."""
    T, given = len(s), s.future.shape[0]
    if forecasting and given < T + horizon and data.future_names:
        raise ValueError(f"{data.source}: column {data.future_names[0]!r}: forecasting {horizon} steps past the data "
                         f"needs the known-future covariates there; {given - T} row(s) after the last "
                         f"{s.name!r} value hold them, add {T + horizon - given} more")
    f = scaler.future_forward(s.future[:T + horizon])
    return np.concatenate([f, np.repeat(f[-1:], T + horizon - len(f), axis=0)]) if len(f) < T + horizon else f


def window(item: PreparedSeries, origin: int, lookback: int, horizon: int) -> tuple[np.ndarray, ...]:
    """Inputs of the forecast whose first step is `origin`: y (L,), past (L, P), fut (L + H, F), and
    the target (H,) where known (NaN past the data)."""
    s = origin - lookback
    target = np.full(horizon, np.nan)
    known = item.z[origin:origin + horizon]
    target[:len(known)] = known
    return item.z[s:origin], item.past[s:origin], item.fut[s:origin + horizon], target


def stack_windows(item_origins: list[tuple[PreparedSeries, int]], lookback: int, horizon: int) -> dict[str, torch.Tensor]:
    """A batch of windows as float32 tensors: y (B, L), past (B, L, P), fut (B, L + H, F), target (B, H)."""
    parts = [window(item, o, lookback, horizon) for item, o in item_origins]
    names = ("y", "past", "fut", "target")
    return {n: torch.tensor(np.stack([p[i] for p in parts]), dtype=torch.float32) for i, n in enumerate(names)}


def training_origins(prep: Prepared) -> list[tuple[PreparedSeries, int]]:
    """Every (series, origin) whose lookback and horizon both lie in the training part."""
    L, H = prep.cfg.lookback, prep.cfg.horizon
    return [(item, o) for item in prep.items for o in range(L, item.n_train - H + 1)]
