"""Baselines, each forecasting H steps from an origin o with the history y_1..y_{o-1} only:

    naive:           ŷ_{o+k} = y_{o-1}
    seasonal naive:  ŷ_{o+k} = y_{o-m+(k mod m)}     (k = 0..H-1: the last season, repeated)
    ETS:             statsmodels' ExponentialSmoothing (Holt-Winters), additive damped trend,
                     multiplicative season when every value is positive (else additive), fitted
                     by maximum likelihood on the history at every origin
"""

from __future__ import annotations

import warnings

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
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = None
    if m > 1 and len(history) >= 2 * m:
        seasonal = "mul" if (history > 0).all() else "add"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short histories
        fit = ExponentialSmoothing(history, trend="add", damped_trend=True, seasonal=seasonal,
                                   seasonal_periods=m if seasonal else None,
                                   initialization_method="estimated").fit()
        out = np.asarray(fit.forecast(horizon), dtype=np.float64)
    return out if np.isfinite(out).all() else naive(history, horizon, m)


FUNCTIONS = {"naive": naive, "seasonal_naive": seasonal_naive, "ets": ets}
