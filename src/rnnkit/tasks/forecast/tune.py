"""Honest model choice: candidate settings backtested on validation folds inside the training part.

The test part (after the split) is never read. Fold k = 1..K replays the backtest k test lengths
back, per series (T points, n in the training part, so a test part of T - n):

    fold k's data:          y_1 .. y_{n - (k-1)(T - n)}
    fold k's training part: y_1 .. y_{n - k(T - n)}     (scalers fitted here, as always)
    fold k's backtest:      from the step after it, same horizon, stride and scored points

Every candidate (a point of the grid, e.g. {"window_norm": ["shift", "none"], "lookback": [24, 36]})
is fitted once per fold and seed; its score on a fold is the median over seeds of the chosen metric
(MASE by default: free of each series' scale), and the candidates are ranked by the mean over folds.
The baselines are scored on the same fold points, so a candidate that no baseline beats is visible.
Calibration is off while tuning (it does not move point forecasts) and refitting is not used.
A candidate whose settings resolve, on every fold, to those of an earlier one (difference=-1 is
auto: it becomes 0 or the season from each fold's training part) is the same model: its scores
are copied rather than refitted, and its row names the earlier one.
A candidate with "ensemble": K fits K members per seed s, with seeds sK .. sK + K - 1, so that the
ensembles of different seeds share no member.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import statistics
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from rnnkit.tasks.forecast.backtest import backtest
from rnnkit.tasks.forecast.config import BacktestConfig, ForecastConfig, ForecastModelConfig
from rnnkit.tasks.forecast.data import Series, SeriesSet
from rnnkit.tasks.forecast.ensemble import check_members, fit
from rnnkit.tasks.forecast.prepare import Prepared, prepare
from rnnkit.tasks.forecast.train import build_model_config
from rnnkit.training import TrainConfig

METRICS = ("MAE", "RMSE", "MAPE", "sMAPE", "MASE")
DATA_KEYS = ("lookback", "transform", "calendar", "batch_size", "scaler")
TRAIN_KEYS = ("lr", "max_steps", "optimizer", "weight_decay", "schedule")
ENSEMBLE_KEY = "ensemble"  # members per fit (ensemble.py)
MODEL_KEYS = tuple(f.name for f in dataclasses.fields(ForecastModelConfig)
                   if f.name not in ("lookback", "horizon", "n_past", "n_future"))
# the choices that mattered most on the bundled series' validation folds (benchmarks/RESULTS.md, Forecasting)
DEFAULT_GRID = {"difference": [-1, 0], "window_norm": ["shift", "none"]}


@dataclass
class TuneResult:
    table: pd.DataFrame        # one row per candidate and baseline: fold 1..K (median over seeds), mean
    runs: pd.DataFrame         # one row per (candidate, fold, seed): every metric
    best: dict[str, Any]       # the candidate with the lowest mean
    metric: str


def candidates(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in order; a bad key or value list is a one-line error."""
    if not isinstance(grid, dict) or not grid:
        raise ValueError(f"--grid: expected a JSON object of setting -> list of values, got {grid!r}")
    allowed = (*MODEL_KEYS, *DATA_KEYS, *TRAIN_KEYS, ENSEMBLE_KEY)
    for key, values in grid.items():
        if key not in allowed:
            raise ValueError(f"--grid: unknown setting {key!r}; expected one of {', '.join(allowed)}")
        if not isinstance(values, list) or not values:
            raise ValueError(f"--grid: {key!r} needs a non-empty list of values, got {values!r}")
        if len({repr(v) for v in values}) < len(values):
            raise ValueError(f"--grid: {key!r} lists a value twice: {values!r}")
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def fold_data(prep: Prepared, k: int) -> tuple[SeriesSet, dict[str, int]]:
    """Fold k's truncated series and each one's training-part length (see the module docstring)."""
    series, n_train = [], {}
    for item in prep.items:
        s, n = item.series, item.n_train
        test = len(s) - n
        if test <= 0:
            raise ValueError(f"--split: series {s.name!r} has no points after its training part; the folds copy "
                             f"the test part's length, so tuning needs one (split earlier)")
        end, n_k = n - (k - 1) * test, n - k * test
        need = prep.cfg.lookback + prep.cfg.horizon
        if n_k < need:
            raise ValueError(f"--folds: fold {k} leaves series {s.name!r} {max(n_k, 0)} training points, fewer than "
                             f"lookback + horizon = {need}; use fewer folds or split later")
        series.append(Series(s.name, s.index[:end], s.y[:end], s.past[:end], s.future[:end], s.observed[:end],
                             s.past_observed[:end]))
        n_train[s.name] = n_k
    return dataclasses.replace(prep.data, series=series), n_train


def split_settings(candidate: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(data, model, train) parts of a candidate ("ensemble" goes with the training part)."""
    parts: tuple[dict[str, Any], dict[str, Any], dict[str, Any]] = ({}, {}, {})
    for key, value in candidate.items():
        parts[0 if key in DATA_KEYS else 2 if key in (*TRAIN_KEYS, ENSEMBLE_KEY) else 1][key] = value
    return parts


def describe(candidate: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in candidate.items())


def tune(cfg: ForecastConfig, model_kwargs: dict[str, Any], train_cfg: TrainConfig, bcfg: BacktestConfig,
         grid: dict[str, list[Any]] | None = None, folds: int = 2, seeds: tuple[int, ...] = (0, 1, 2),
         metric: str = "MASE", frame: pd.DataFrame | None = None,
         log: Callable[[str], None] = print) -> TuneResult:
    """Rank the grid's candidates (over `model_kwargs`, `cfg` and `train_cfg`) on `folds` validation folds."""
    if metric not in METRICS:
        raise ValueError(f"--metric: expected one of {', '.join(METRICS)}, got {metric!r}")
    if not isinstance(folds, int) or folds < 1:
        raise ValueError(f"--folds: expected an integer >= 1, got {folds!r}")
    if not seeds:
        raise ValueError("--seeds: expected at least one seed")
    cands = candidates(grid or DEFAULT_GRID)
    settings = []  # every candidate's (data config, model kwargs, training changes), checked before any fit
    for cand in cands:
        data_part, model_part, train_part = split_settings(cand)
        try:
            members = check_members(train_part.pop(ENSEMBLE_KEY, 1))
            c_model = {**model_kwargs, **model_part}
            ForecastModelConfig(**c_model)
            train_cfg.replace(**train_part)
            settings.append((cfg.replace(calibrate=0, **data_part), c_model, train_part, members))
        except (ValueError, TypeError) as err:
            raise type(err)(f"--grid: {describe(cand)}: {err}") from None
    prep = prepare(cfg.replace(calibrate=0), frame)
    fold_bcfg = bcfg.replace(start="", refit=0)
    data_of = {k: fold_data(prep, k) for k in range(1, folds + 1)}    # checked before any fit
    runs, baselines, rows = [], {}, {}
    fitted: dict[str, tuple[int, str]] = {}  # resolved settings on every fold -> (candidate, row name)
    for ci, (cand, (c_cfg, c_model, train_part, members)) in enumerate(zip(cands, settings)):
        name = describe(cand) or "as given"
        preps = {k: prepare(c_cfg, data=data, n_train=n_train) for k, (data, n_train) in data_of.items()}
        resolved = json.dumps([c_cfg.to_dict(), train_part, members,
                               [build_model_config(p, c_model).to_dict() for p in preps.values()]],
                              sort_keys=True, default=str)
        if resolved in fitted:
            same, same_name = fitted[resolved]
            runs += [{**r, "candidate": ci} for r in runs if r["candidate"] == same]
            rows[f"{name} (= {same_name})"] = rows[same_name]
            log(f"candidate {ci + 1}/{len(cands)} ({name}): the same settings as candidate {same + 1} on every "
                f"fold, once auto values are resolved; its scores are copied, not refitted")
            continue
        fitted[resolved] = (ci, name)
        scores = {}
        for k, fprep in preps.items():
            fold_scores = []
            for seed in seeds:
                with tempfile.TemporaryDirectory() as run_dir:
                    tc = train_cfg.replace(seed=seed * members, run_dir=run_dir, progress=False, plot=False,
                                           **train_part)
                    model = fit(c_cfg, c_model, tc, members, prep=fprep).model
                first = k not in baselines
                result = backtest(fprep, model, fold_bcfg if first else fold_bcfg.replace(baselines=()))
                if first:  # the baselines do not depend on the candidate's model: once per fold
                    baselines[k] = result.metrics.drop(index="rnnkit")[metric]
                mine = result.metrics.loc["rnnkit", [*METRICS, "coverage"]].to_dict()
                runs.append({"candidate": ci, "fold": k, "seed": seed, "difference": model.config.difference,
                             **mine})
                fold_scores.append(mine[metric])
            scores[f"fold {k}"] = statistics.median(fold_scores)
        rows[name] = {**scores, "mean": statistics.mean(scores.values())}
        log(f"candidate {ci + 1}/{len(cands)} ({name}): {metric} {' / '.join(f'{v:.4g}' for v in scores.values())} "
            f"(folds 1-{folds}), mean {rows[name]['mean']:.4g}")
    for name in (baselines[1].index if baselines else []):
        per_fold = {f"fold {k}": float(baselines[k][name]) for k in data_of}
        rows[f"baseline: {name}"] = {**per_fold, "mean": statistics.mean(per_fold.values())}
    table = pd.DataFrame(rows).T
    best = cands[int(table["mean"].iloc[:len(cands)].to_numpy().argmin())]
    return TuneResult(table, pd.DataFrame(runs), best, metric)
