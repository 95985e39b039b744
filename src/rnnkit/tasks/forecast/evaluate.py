"""Forecast accuracy, each computed over the scored points of a backtest (y actual, ŷ forecast):

    MAE   = mean |y - ŷ|
    RMSE  = sqrt(mean (y - ŷ)²)
    MAPE  = 100 · mean |y - ŷ| / |y|                      (points with y = 0 are left out, and counted)
    sMAPE = 100 · mean 2|y - ŷ| / (|y| + |ŷ|)
    MASE  = MAE / mean_t |y_t - y_{t-m}|                  (the in-sample seasonal-naive MAE of the
                                                           training part, m the seasonal period)
    coverage = 100 · mean [lo ≤ y ≤ hi]                    (of the prediction interval)
    MSIS  = mean [(hi - lo) + (2/α)(lo - y)⁺ + (2/α)(y - hi)⁺] / scale
                                                          (the M4 competition's scaled interval score
                                                           of a central 1 - α interval, scale as MASE's:
                                                           the width it costs beside the coverage it
                                                           buys; lower is better)
"""

from __future__ import annotations

import numpy as np


def mae(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.mean(np.abs(y - f)))


def rmse(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - f) ** 2)))


def mape(y: np.ndarray, f: np.ndarray) -> float:
    keep = y != 0
    return float(100 * np.mean(np.abs(y[keep] - f[keep]) / np.abs(y[keep]))) if keep.any() else float("nan")


def smape(y: np.ndarray, f: np.ndarray) -> float:
    den = np.abs(y) + np.abs(f)
    keep = den > 0
    return float(100 * np.mean(2 * np.abs(y[keep] - f[keep]) / den[keep]))


def seasonal_scale(train: np.ndarray, m: int) -> float:
    """MASE's denominator: the mean absolute m-step difference of the training part."""
    m = m if len(train) > m else 1
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    if np.isnan(lo).all():
        return float("nan")
    return float(100 * np.mean((lo <= y) & (y <= hi)))


def msis(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float, scale: np.ndarray | float) -> float:
    if np.isnan(lo).all():
        return float("nan")
    score = (hi - lo) + (2 / alpha) * np.maximum(lo - y, 0) + (2 / alpha) * np.maximum(y - hi, 0)
    return float(np.mean(score / scale))


def point_metrics(y: np.ndarray, f: np.ndarray, scale: float) -> dict[str, float]:
    """MAE, RMSE, MAPE, sMAPE and MASE of forecasts f (N,) against actuals y (N,)."""
    return {"MAE": mae(y, f), "RMSE": rmse(y, f), "MAPE": mape(y, f), "sMAPE": smape(y, f),
            "MASE": mae(y, f) / scale if scale > 0 else float("nan")}
