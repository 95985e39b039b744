"""Split-conformal calibration of prediction intervals (conformalized quantile regression,
Romano et al. 2019), with the calibration points taken from the end of the training part.

A second model, fitted the same way on all but the last C training points, forecasts
each origin o whose H steps lie in those C points. For every step k its conformity score
is how far the actual y falls outside the interval [lo, hi] (negative inside):

    E_{o,k} = max(lo_{o,k} - y_{o+k}, y_{o+k} - hi_{o,k})          (scaled units)
    margin_k = the ceil((n + 1)(1 - α)) / n empirical quantile of E_{·,k},  n origins, 1 - α the level

and the final model's interval at step k becomes [lo - margin_k, hi + margin_k] (a negative
margin narrows it, though never past the point forecast: `Forecaster.forecast`). Nothing after
the training part is used.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.forecast.prepare import Prepared, prepare, stack_windows


def conformity_scores(model: Forecaster, prep_cal: Prepared, n_train: dict[str, int], level: float) -> np.ndarray:
    """E (N, H): one row per origin whose H steps lie between the calibration split and n_train."""
    L, H = model.config.lookback, model.config.horizon
    rows = []
    for item in prep_cal.items:
        origins = list(range(max(item.n_train, L), n_train[item.series.name] - H + 1))
        if not origins:
            continue
        w = stack_windows([(item, o) for o in origins], L, H)
        _, lo, hi = model.forecast(w["y"], w["past"], w["fut"], level=level)       # (N, H) each, scaled
        y = w["target"]
        rows.append(torch.maximum(lo - y, y - hi).double().numpy())
    if not rows:
        raise ValueError(f"--calibrate: no forecast of {H} steps fits in the calibration points; raise --calibrate")
    return np.concatenate(rows)


def conformal_margin(scores: np.ndarray, level: float) -> np.ndarray:
    """margin_k (H,): the finite-sample-corrected `level` quantile of each column of scores (N, H)."""
    n = scores.shape[0]
    q = min(1.0, math.ceil((n + 1) * level) / n)
    return np.quantile(scores, q, axis=0, method="inverted_cdf")  # the k-th smallest, k = ceil((n + 1) level)


def calibrate(prep: Prepared, fit: Callable[[Prepared], Forecaster], level: float, c: int) -> np.ndarray:
    """Margins (H,) from a model fitted by `fit` on each series' training part minus c points."""
    shortest = min(item.n_train for item in prep.items)
    need = prep.cfg.lookback + prep.cfg.horizon
    if shortest - c < need:
        raise ValueError(f"--calibrate: holding out {c} points leaves the shortest training part {shortest - c} of "
                         f"its {shortest}, fewer than lookback {prep.cfg.lookback} + horizon {prep.cfg.horizon} = "
                         f"{need}; lower --calibrate (0: off) or split later")
    prep_cal = prepare(prep.cfg, data=prep.data, n_train=shortest - c)
    model = fit(prep_cal)
    return conformal_margin(conformity_scores(model, prep_cal, {it.series.name: it.n_train for it in prep.items},
                                              level), level)
