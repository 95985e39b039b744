"""Baselines, each forecasting H steps from an origin o with the history y_1..y_{o-1} only:

    naive:           ŷ_{o+k} = y_{o-1}
    seasonal naive:  ŷ_{o+k} = y_{o-m+(k mod m)}     (k = 0..H-1: the last season, repeated)
    ETS:             statsmodels' ExponentialSmoothing (Holt-Winters), additive damped trend,
                     multiplicative season when every value is positive (else additive), fitted
                     by maximum likelihood on the history at every origin

ETS's central `level` interval is that of paths statsmodels simulates from the fitted model.
Naive and seasonal naive give central `level` intervals ŷ ± z σ_h with z the normal
quantile and σ the root mean square of the history's own one-step (naive) or one-season
(seasonal naive) residuals (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
3rd ed., section 5.5):

    naive:           σ_h = σ √h
    seasonal naive:  σ_h = σ √(⌊(h - 1) / m⌋ + 1)        (h = 1..H)
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np

from rnnkit.tasks.forecast.config import BASELINES  # noqa: F401  (names of FUNCTIONS)


def naive(history: np.ndarray, horizon: int, m: int) -> np.ndarray:
    return np.full(horizon, history[-1])


def seasonal_naive(history: np.ndarray, horizon: int, m: int) -> np.ndarray:
    """The last observed value at the same phase of the season (naive when m = 1 or too short)."""
    if m <= 1 or len(history) < m:
        return naive(history, horizon, m)
    last_season = history[-m:]
    return np.array([last_season[k % m] for k in range(horizon)])


def ets(history: np.ndarray, horizon: int, m: int) -> np.ndarray:
    return ets_forecast(history, horizon, m)[0]


ETS_PATHS = 1000  # simulated paths per origin for ETS's interval


def ets_forecast(history: np.ndarray, horizon: int, m: int,
                 level: float | None = None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(point, lo, hi), each (H,); with a level, the interval is the central `level` of ETS_PATHS paths
    that statsmodels simulates from the fitted model (errors of its own kind and estimated size, drawn
    with a fixed seed), else None. Naive's forecast and interval when the fit diverges."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = None
    if m > 1 and len(history) >= 2 * m:
        seasonal = "mul" if (history > 0).all() else "add"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short histories
        fit = ExponentialSmoothing(history, trend="add", damped_trend=True, seasonal=seasonal,
                                   seasonal_periods=m if seasonal else None,
                                   initialization_method="estimated").fit()
        point = np.asarray(fit.forecast(horizon), dtype=np.float64)
        if not np.isfinite(point).all():
            return (naive(history, horizon, m), *(naive_interval(history, horizon, m, level) if level else (None,) * 2))
        if level is None:
            return point, None, None
        paths = np.asarray(fit.simulate(horizon, repetitions=ETS_PATHS, error="mul" if seasonal == "mul" else "add",
                                        rng=np.random.default_rng(0)), dtype=np.float64).reshape(horizon, -1)
    lo, hi = np.quantile(paths, [(1 - level) / 2, (1 + level) / 2], axis=1)               # (H,) each
    return (point, lo, hi) if np.isfinite(paths).all() else (point, np.full(horizon, np.nan), np.full(horizon, np.nan))


def _interval(point: np.ndarray, residuals: np.ndarray, steps: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    sigma = float(np.sqrt(np.mean(residuals ** 2))) if len(residuals) else float("nan")
    half = NormalDist().inv_cdf((1 + level) / 2) * sigma * np.sqrt(steps)
    return point - half, point + half


def naive_interval(history: np.ndarray, horizon: int, m: int, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi), each (H,): σ_h = σ √h."""
    return _interval(naive(history, horizon, m), np.diff(history), np.arange(1, horizon + 1), level)


def seasonal_naive_interval(history: np.ndarray, horizon: int, m: int, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi), each (H,): σ_h = σ √(⌊(h - 1) / m⌋ + 1); naive's when there is no season to repeat."""
    if m <= 1 or len(history) < m:
        return naive_interval(history, horizon, m, level)
    return _interval(seasonal_naive(history, horizon, m), history[m:] - history[:-m],
                     np.arange(horizon) // m + 1, level)


FUNCTIONS = {"naive": naive, "seasonal_naive": seasonal_naive, "ets": ets}
INTERVALS = {"naive": naive_interval, "seasonal_naive": seasonal_naive_interval}


def forecast_with_interval(name: str, history: np.ndarray, horizon: int, m: int,
                           level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point, lo, hi), each (H,), of the baseline `name` (ETS fitted once for both)."""
    if name == "ets":
        return ets_forecast(history, horizon, m, level)
    return (FUNCTIONS[name](history, horizon, m), *INTERVALS[name](history, horizon, m, level))
