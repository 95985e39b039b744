"""Rolling-origin backtests: historical forecasts from a start, every `stride` steps, H steps
each, with or without refitting, scored beside the baselines on exactly the same points.

An origin o is the index of a forecast's first step: the model reads y_{o-L..o-1} (and the
baselines all of y_1..y_{o-1}) and forecasts y_{o..o+H-1}. Scored points are every step,
or with ``last_points_only`` the last one, y_{o+H-1} (Darts' ``last_points_only=True``).
Without refitting every scored point must lie after the training part; with ``refit=k``
the model (and its scaler) is refitted on y_1..y_{o-1} every k origins.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch

from rnnkit.tasks.forecast.baselines import forecast_with_interval
from rnnkit.tasks.forecast.config import BacktestConfig
from rnnkit.tasks.forecast.data import show_point
from rnnkit.tasks.forecast.evaluate import coverage, msis, point_metrics, seasonal_scale
from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.forecast.prepare import Prepared, PreparedSeries, prepare, stack_windows

@dataclass
class BacktestResult:
    points: pd.DataFrame        # one row per scored point: series, origin, step, time, actual, rnnkit, lo, hi, baselines
    metrics: pd.DataFrame       # one row per forecaster: MAE, RMSE, MAPE, sMAPE, MASE (and coverage for rnnkit)
    baseline_seconds: float = 0.0  # time spent fitting the baselines (ETS refits at every origin)

    def table(self) -> str:
        return self.metrics.to_string(float_format=lambda v: f"{v:.4g}")


def start_index(item: PreparedSeries, start: str) -> int:
    if not start:
        return item.n_train
    try:
        return int(round(float(start) * len(item.series)))
    except ValueError:
        pass
    if not isinstance(item.series.index, pd.DatetimeIndex):
        raise ValueError(f"--start: a date ({start!r}) needs a time column")
    return int(item.series.index.searchsorted(pd.Timestamp(start), side="left"))


def origins_of(item: PreparedSeries, bcfg: BacktestConfig, lookback: int, horizon: int) -> list[int]:
    o0 = max(start_index(item, bcfg.start), lookback)
    found = list(range(o0, len(item.series) - horizon + 1, bcfg.stride))
    if not found:
        raise ValueError(f"--start: no forecast of {horizon} steps fits between {bcfg.start or 'the split'} and the "
                         f"end of series {item.series.name!r} ({len(item.series)} points)")
    first_scored = o0 + (horizon - 1 if bcfg.last_points_only else 0)
    if not bcfg.refit and first_scored < item.n_train:
        raise ValueError(f"--start: without refitting, the first scored point "
                         f"({show_point(item.series.index[first_scored])}) lies in the training part (which ends at "
                         f"{show_point(item.series.index[item.n_train - 1])}); "
                         f"start later or pass --refit")
    return found


def model_forecasts(model: Forecaster, item: PreparedSeries, origins: list[int], level: float,
                    seed: int = 0) -> np.ndarray:
    """(N, H, 3) point, lo, hi in scaled units for every origin."""
    cfg = model.config
    w = stack_windows([(item, o) for o in origins], cfg.lookback, cfg.horizon)
    model.eval()
    out = model.forecast(w["y"], w["past"], w["fut"], level=level, seed=seed)
    return torch.stack(out, dim=-1).double().numpy()                           # (N, H, 3)


def conformity(fc: np.ndarray, origins: list[int], y: np.ndarray) -> tuple[np.ndarray, ...]:
    """What the online adaptations read, each (N, H): the interval's centre c and half-width w, the
    index t of each step, whether it lies inside the series and was observed (y_t not NaN), and its
    normalised conformity score s = max(lo - y_t, y_t - hi) / w (NaN past the end)."""
    lo, hi = fc[..., 1], fc[..., 2]
    half = np.maximum((hi - lo) / 2, 1e-9)
    t = np.asarray(origins)[:, None] + np.arange(lo.shape[1])[None, :]
    obs = np.where(t < len(y), y[np.minimum(t, len(y) - 1)], np.nan)
    ok = ~np.isnan(obs)                                                      # inside the series and observed
    return (lo + hi) / 2, half, t, ok, np.maximum(lo - obs, obs - hi) / half


def adapted_intervals(fc: np.ndarray, origins: list[int], y: np.ndarray, level: float, window: int) -> np.ndarray:
    """fc (N, H, 3) with each origin's interval rescaled by the backtest's own past misses (online conformal).

    Each interval is a centre c = (lo + hi) / 2 and half-width w = (hi - lo) / 2. A forecast step
    of origin o_j at index t = o_j + k is observed once t < o (the origin being forecast), and
    its normalised conformity score is

        s = max(lo - y_t, y_t - hi) / w          (< 0 inside the interval, > 0 outside)

    At origin o_i the scores of step k observed before o_i, the most recent `window` by time,
    give q_ik = the ceil((n + 1) level) / n empirical quantile of their n scores, and step k's
    interval becomes c ± w (1 + q_ik), at least zero wide (q_ik >= -1). A step with fewer than
    1 / (1 - level) - 1 scores (too few for that quantile) takes q from all steps' scores pooled;
    with too few of those too, the interval stays as the model gave it. Only values before each
    origin are read, so the backtest stays honest. y: the series in fc's (scaled) units.
    (Per step rather than pooled, and window 80 in the presets, were chosen on validation folds
    inside the training parts: benchmarks/RESULTS.md, Forecasting.)
    """
    out = fc.copy()
    centre, half, t, ok, score = conformity(fc, origins, y)
    H = t.shape[1]
    need = math.ceil(1 / (1 - level)) - 1

    def by_time(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(t[mask], kind="stable")
        return t[mask][order], score[mask][order]

    def quantile_before(times: np.ndarray, scores: np.ndarray, o: int) -> float | None:
        seen = scores[:np.searchsorted(times, o, side="left")][-window:]     # observed before o, latest last
        n = len(seen)
        if n < need:
            return None
        return max(-1.0, float(np.quantile(seen, min(1.0, math.ceil((n + 1) * level) / n), method="inverted_cdf")))

    pooled = by_time(ok)                                                    # every step by the time it is seen
    steps = [by_time(ok & (np.arange(H) == k)[None, :]) for k in range(H)]
    for i, o in enumerate(origins):
        q_all = quantile_before(*pooled, o)
        if q_all is None:
            continue
        q = np.full(H, q_all)
        for k, (times_k, scores_k) in enumerate(steps):                      # per step where it has enough
            q_k = quantile_before(times_k, scores_k, o)
            q[k] = q_all if q_k is None else q_k
        out[i, :, 1] = centre[i] - half[i] * (1 + q)
        out[i, :, 2] = centre[i] + half[i] * (1 + q)
    return out


def tracked_intervals(fc: np.ndarray, origins: list[int], y: np.ndarray, level: float, rate: float,
                      per_step: bool = False) -> np.ndarray:
    """fc (N, H, 3) with each origin's interval rescaled by online quantile tracking (Angelopoulos,
    Candès & Tibshirani 2023), an alternative to `adapted_intervals`' window quantile.

    With s the normalised conformity score of `adapted_intervals`, the interval of origin o_i is
    c ± w (1 + q_i), and q is updated once per observed point, in the order the points are observed,
    against the q its own origin used:

        q <- q + rate * (1{s > q_origin} - (1 - level))        (q >= -1, q_0 = 0: the model's interval)

    so q rises after a miss and falls slowly while points fall inside; over a long backtest the share
    of misses tends to 1 - level whatever the errors do. Only points before each origin are read.
    With per_step, each horizon step k has its own q_k, moved only by step k's points (the rule per
    step: a step whose intervals miss too often widens alone).
    """
    out = fc.copy()
    centre, half, t, ok, score = conformity(fc, origins, y)
    H = t.shape[1]
    rows, cols = np.nonzero(ok)
    order = np.argsort(t[rows, cols], kind="stable")                        # points in the order they are seen
    seen_t, seen_i, seen_k = t[rows, cols][order], rows[order], cols[order]
    seen_s = score[rows, cols][order]
    q, used, n = np.zeros(H), np.zeros((len(origins), H)), 0                # q (H,): one value when pooled
    for i, o in enumerate(origins):
        while n < len(seen_t) and seen_t[n] < o:                            # observed before this origin
            k = seen_k[n]
            miss = float(seen_s[n] > used[seen_i[n], k])
            step = rate * (miss - (1 - level))
            if per_step:
                q[k] = max(-1.0, q[k] + step)
            else:
                q[:] = max(-1.0, q[0] + step)
            n += 1
        used[i] = q
        out[i, :, 1] = centre[i] - half[i] * (1 + q)
        out[i, :, 2] = centre[i] + half[i] * (1 + q)
    return out


def floor_log(x: float, log: bool) -> float:
    """x, raised to the least positive float when it is to be logged (a baseline's lower bound below 0)."""
    return max(x, np.finfo(np.float64).tiny) if log else x


def series_rows(model_for: Callable[[int], tuple[Forecaster, PreparedSeries]], item: PreparedSeries,
                bcfg: BacktestConfig, horizon: int, lookback: int, m: int,
                bar=None, nonnegative: bool = False, level: float = 0.8) -> tuple[list[dict], float]:
    """One dict per scored point of one series, and the seconds its baselines took; each origin
    ticks `bar` (a tqdm bar, or None). With nonnegative every forecast and bound is raised to 0.
    Each baseline adds its `level` interval's bounds as <name>_lo, <name>_hi."""
    origins = origins_of(item, bcfg, lookback, horizon)
    steps = [horizon - 1] if bcfg.last_points_only else list(range(horizon))
    scaled = bcfg.metric_scale == "scaled"
    rows, baseline_seconds = [], 0.0
    for chunk_start in range(0, len(origins), bcfg.refit or len(origins)):
        chunk = origins[chunk_start:chunk_start + (bcfg.refit or len(origins))]
        model, fitted = model_for(chunk[0])
        fc = model_forecasts(model, fitted, chunk, bcfg.level)                  # (N, H, 3), scaled
        sc = fitted.scaler.y
        seen = sc.forward(np.where(item.series.observed, item.series.y, np.nan))  # filled values are not misses
        if bcfg.adapt_window:  # opt-in (default 0), so it wins over adapt_rate's default
            fc = adapted_intervals(fc, chunk, seen, bcfg.level, bcfg.adapt_window)
        elif bcfg.adapt_rate:
            fc = tracked_intervals(fc, chunk, seen, bcfg.level, bcfg.adapt_rate, bcfg.adapt_per_step)
        if nonnegative:  # after the adaptation, which reads the model's own intervals
            fc = sc.forward(np.maximum(sc.inverse(fc), 0.0))
        for o, f in zip(chunk, fc):
            values = f if scaled else sc.inverse(f)
            history = item.series.y[:o]
            t0 = time.perf_counter()
            base = {}
            for b in bcfg.baselines:
                base[b], base[f"{b}_lo"], base[f"{b}_hi"] = forecast_with_interval(b, history, horizon, m, level)
            if nonnegative:
                base = {b: np.maximum(v, 0.0) for b, v in base.items()}
            baseline_seconds += time.perf_counter() - t0
            if bar is not None:
                bar.update(1)
            for k in (k for k in steps if item.series.observed[o + k]):     # a filled value is not scored
                actual = item.series.y[o + k]
                row = {"series": item.series.name, "origin": item.series.index[o], "step": k + 1,
                       "time": item.series.index[o + k], "actual": sc.forward(actual) if scaled else actual,
                       "rnnkit": values[k, 0], "lo": values[k, 1], "hi": values[k, 2]}
                row.update({b: sc.forward(floor_log(v[k], sc.log)) if scaled else v[k] for b, v in base.items()})
                rows.append(row)
    return rows, baseline_seconds


def backtest(prep: Prepared, model: Forecaster, bcfg: BacktestConfig,
             refit_fn: Callable[[Prepared], Forecaster] | None = None, progress: bool = False) -> BacktestResult:
    """Score `model` (trained on prep's training part) and the baselines on the same points.

    With bcfg.refit, `refit_fn(prepared_up_to_origin)` trains a fresh model on data before each k-th origin.
    With progress, a bar counts the origins (ETS refits at each, which can take a second on long seasons).
    """
    if bcfg.refit and refit_fn is None:
        raise ValueError("--refit: refitting needs a training function (refit_fn)")
    cfg = prep.cfg
    rows, scales, baseline_seconds = [], {}, 0.0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        total = sum(len(origins_of(item, bcfg, cfg.lookback, cfg.horizon)) for item in prep.items)
        bar = tqdm(total=total, unit="origin", desc="backtest", dynamic_ncols=True, leave=False)
    level = model.config.interval_level(bcfg.level)
    try:
        for i, item in enumerate(prep.items):
            rows_i, seconds = series_rows(_model_for(prep, model, bcfg, refit_fn, i), item, bcfg, cfg.horizon,
                                          cfg.lookback, prep.season, bar, cfg.nonnegative, level)
            rows += rows_i
            baseline_seconds += seconds
            train = item.series.y[:item.n_train]
            scales[item.series.name] = seasonal_scale(item.scaler.y.forward(train) if bcfg.metric_scale == "scaled"
                                                      else train, prep.season)
    finally:
        if bar is not None:
            bar.close()
    points = pd.DataFrame(rows)
    return BacktestResult(points, score(points, scales, ("rnnkit", *bcfg.baselines), level), baseline_seconds)


def _model_for(prep: Prepared, model: Forecaster, bcfg: BacktestConfig,
               refit_fn: Callable[[Prepared], Forecaster] | None, i: int
               ) -> Callable[[int], tuple[Forecaster, PreparedSeries]]:
    """origin -> (the model to forecast series i from there, that series as the model was fitted on it)."""
    def model_for(origin: int) -> tuple[Forecaster, PreparedSeries]:
        if not bcfg.refit:
            return model, prep.items[i]
        again = prepare(prep.cfg, data=prep.data, n_train=origin)
        return refit_fn(again), again.items[i]
    return model_for


def score(points: pd.DataFrame, scales: dict[str, float], names: tuple[str, ...], level: float = 0.8) -> pd.DataFrame:
    """Metrics per forecaster over all scored points (MASE and MSIS: each series by its own scale;
    coverage and MSIS of each central `level` interval: rnnkit's lo, hi and a baseline's <name>_lo, _hi)."""
    y = points["actual"].to_numpy()
    scale = points["series"].map(scales).to_numpy()
    table = {}
    for name in names:
        f = points[name].to_numpy(dtype=np.float64)
        row = point_metrics(y, f, 1.0)
        row["MASE"] = float(np.mean(np.abs(y - f) / scale))
        bounds = ("lo", "hi") if name == "rnnkit" else (f"{name}_lo", f"{name}_hi")
        if bounds[0] in points:
            lo, hi = (points[c].to_numpy(dtype=np.float64) for c in bounds)
            row["coverage"], row["MSIS"] = coverage(y, lo, hi), msis(y, lo, hi, 1 - level, scale)
        else:
            row["coverage"] = row["MSIS"] = float("nan")
        table[name] = row
    return pd.DataFrame(table).T
