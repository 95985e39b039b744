"""Forecast past the end of the data: point forecasts and intervals as a DataFrame, and the fan.

The model reads the last L observations of each series (scaled with the checkpoint's
scaler of that series; a series the checkpoint does not know is scaled on its own
history, which is all past) and forecasts the H steps that follow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnkit.tasks.forecast.checkpoint import LoadedForecaster
from rnnkit.tasks.forecast.prepare import Prepared, prepare, stack_windows


def forecast_frame(model, prep: Prepared, level: float = 0.8, seed: int = 0) -> pd.DataFrame:
    """One row per series and future step: series, time, forecast, lo, hi (original units)."""
    cfg = model.config
    rows = []
    for item in prep.items:
        T = len(item.series)
        w = stack_windows([(item, T)], cfg.lookback, cfg.horizon)
        point, lo, hi = (item.scaler.y.inverse(v[0].double().numpy())
                         for v in model.forecast(w["y"], w["past"], w["fut"], level=level, seed=seed))
        if prep.cfg.nonnegative:
            point, lo, hi = (np.maximum(v, 0.0) for v in (point, lo, hi))
        for k in range(cfg.horizon):
            rows.append({"series": item.series.name, "time": item.index[T + k], "forecast": point[k],
                         "lo": lo[k], "hi": hi[k]})
    return pd.DataFrame(rows)


def prepare_for_checkpoint(loaded: LoadedForecaster, data: str | None = None,
                           frame: pd.DataFrame | None = None, missing: str | None = None,
                           target: list[str] | tuple[str, ...] | None = None) -> Prepared:
    """The history to forecast from, read as the checkpoint's task config says (`data`, the
    missing-value policy and the target columns replaced when given)."""
    cfg = loaded.task.replace(data=data) if data else loaded.task
    if target:
        cfg = cfg.replace(target=tuple(target))
    elif (data or frame is not None) and not cfg.target:
        # trained on the default column(s): another table must hold those, not whatever numbers it has
        cfg = cfg.replace(target=trained_columns(loaded))
    cfg = cfg.replace(missing=missing) if missing else cfg
    return prepare(cfg, frame, scalers=loaded.scalers, years=loaded.years, whole_history=True)


def trained_columns(loaded: LoadedForecaster) -> tuple[str, ...]:
    """The target columns the checkpoint was trained on; an older checkpoint's from its series' names
    ('group/column' in long format)."""
    if loaded.targets:
        return loaded.targets
    names = (k.rsplit("/", 1)[-1] if loaded.task.group_col else k for k in loaded.scalers)
    return tuple(dict.fromkeys(names))


def interval_level(loaded: LoadedForecaster, level: float) -> float:
    """The level the intervals actually have: q_hi - q_lo with quantiles, else `level`."""
    return float(np.round(loaded.model.config.interval_level(level), 6))
