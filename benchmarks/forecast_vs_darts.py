"""AirPassengers on Darts' own protocol: rnnkit's forecaster against Darts' RNNModel, same run.

Protocol (Darts' RNN example notebook): split after 1959-01-01; min-max scaling fitted on the
training part; covariates: scaled year and month one-hot; historical forecasts from January
1959, horizon 6, no refitting, the last point of each forecast; MAPE on the original scale.
Darts: RNNModel(LSTM, hidden_dim 20, input_chunk_length 14, training_length 20, batch 16,
300 epochs, Adam lr 1e-3), scored with its final weights, as the notebook's backtest is (its
2.71 % is `my_model.historical_forecasts` with random_state=42; the checkpoint it reloads as
`best_model` only draws a plot). The validation series the notebook passes to `fit` only logs a
loss, so it is left out. Training time: wall-clock of each
library's fit call, one torch thread each, in this process, after one short untimed fit of
each library (first-call costs: imports, torch._dynamo, oneDNN primitives).
rnnkit's settings (the preset AIRPASSENGERS, chosen on validation folds inside the training
part) use no covariates: with seasonal differencing the calendar made every fold worse.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \\
        /tmp/darts-venv/bin/python benchmarks/forecast_vs_darts.py --seeds 0 1 2
    ... --folds 1 2 3    # both libraries on the protocol moved 1, 2, 3 test lengths back, inside the
                         # training part (the folds rnnkit's preset was chosen on)

Darts is a benchmark-only dependency; without it the script says how to install it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import torch

from rnnkit.tasks.forecast.backtest import backtest
from rnnkit.tasks.forecast.ensemble import fit
from rnnkit.tasks.forecast.evaluate import mape
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.presets import AIRPASSENGERS
from rnnkit.tasks.forecast.train import train

from forecast_quality import frame_and_times  # the validation folds (benchmarks/forecast_quality.py)

PIP_LINE = ("pip install 'darts[torch]'   (after torch==2.13.0 is installed, so that pip keeps the CPU build; "
            "best in a venv made with --system-site-packages)")


def darts_run(seed: int, fold: int = 0, epochs: int = 300) -> tuple[float, float]:
    """(fit seconds, MAPE %) of Darts' RNNModel on the protocol, or on validation fold `fold` >= 1
    (`epochs` < 300: the untimed warm-up)."""
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import RNNModel
    from darts.utils.timeseries_generation import datetime_attribute_timeseries

    air, split, start = frame_and_times(AIRPASSENGERS, fold)
    series = TimeSeries.from_times_and_values(pd.DatetimeIndex(air["time"], freq="MS"),
                                              air["passengers"].to_numpy(np.float32))
    train_part, _ = series.split_after(pd.Timestamp(split))
    scaler = Scaler()
    train_scaled = scaler.fit_transform(train_part)
    series_scaled = scaler.transform(series)
    year = datetime_attribute_timeseries(pd.date_range(start=series.start_time(), freq="MS", periods=1000),
                                         attribute="year", one_hot=False)
    year = Scaler().fit_transform(year)
    covariates = year.stack(datetime_attribute_timeseries(year, attribute="month", one_hot=True)).astype(np.float32)
    model = RNNModel(model="LSTM", hidden_dim=20, dropout=0, batch_size=16, n_epochs=epochs,
                     optimizer_kwargs={"lr": 1e-3}, random_state=seed, training_length=20, input_chunk_length=14,
                     force_reset=True, save_checkpoints=False,
                     pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                                        "enable_model_summary": False, "logger": False})
    t0 = time.perf_counter()
    model.fit(train_scaled, future_covariates=covariates, verbose=False)
    seconds = time.perf_counter() - t0
    back = model.historical_forecasts(series_scaled, future_covariates=covariates, start=pd.Timestamp(start),
                                      forecast_horizon=6, retrain=False, last_points_only=True, verbose=False)
    back = scaler.inverse_transform(back)
    actual = series.slice_intersect(back)
    return seconds, mape(actual.values().ravel().astype(np.float64), back.values().ravel().astype(np.float64))


def warm_up(use_darts: bool) -> None:
    """One short untimed fit of each library, so that no timed fit pays first-call costs (imports,
    oneDNN primitive creation, allocator growth): without it the first seed's rnnkit fit ran 0.1-0.2 s
    slower than the others on hosts C and D, and its ratio was the lowest of the three on both."""
    if use_darts:
        darts_run(0, epochs=2)
    p = AIRPASSENGERS
    with tempfile.TemporaryDirectory() as run_dir:
        train(p.data_config().replace(calibrate=0), p.model, p.with_settings(steps=20).train_config(0, run_dir))


def rnnkit_run(seed: int, fold: int = 0, members: int = 1) -> tuple[float, float, float, int, float]:
    """(fit seconds, MAPE %, 80 % interval coverage %, scored points, calibration seconds) of rnnkit
    on the protocol, or on validation fold `fold` >= 1; members > 1: an ensemble of that many fits
    (seeds seed .. seed + members - 1, forecasts averaged), all of them timed.

    The timed fit is the point model alone, like Darts' fit; the intervals come from the preset's
    run with its calibration (a second fit on all but the last 24 training months, timed apart).
    Calibration does not touch the final model, so both runs give the same point forecasts."""
    p = AIRPASSENGERS  # settings chosen inside the training part (benchmarks/forecast_quality.py --validate)
    frame, split, start = frame_and_times(p, fold)
    with tempfile.TemporaryDirectory() as run_dir:
        t0 = time.perf_counter()  # reading and windowing the frame included, as in every earlier figure
        prep = prepare(p.data_config(split).replace(calibrate=0), frame)
        model = fit(prep.cfg, p.model, p.train_config(seed, run_dir), members, prep=prep).model
        seconds = time.perf_counter() - t0
    result = backtest(prep, model, p.backtest_config(start))
    m = result.metrics.loc["rnnkit"]
    if prep.items[0].n_train - p.calibrate < p.lookback + p.horizon:
        # fold 3's 52 training months leave too few for the calibration fit: no interval figure there
        return seconds, float(m["MAPE"]), float("nan"), len(result.points), float("nan")
    with tempfile.TemporaryDirectory() as run_dir:
        t0 = time.perf_counter()
        prep_c = prepare(p.data_config(split), frame)
        calibrated = fit(prep_c.cfg, p.model, p.train_config(seed, run_dir), members, prep=prep_c).model
        both = time.perf_counter() - t0
    interval = backtest(prep_c, calibrated, p.backtest_config(start).replace(baselines=()))
    assert np.allclose(result.points["rnnkit"], interval.points["rnnkit"]), "calibration changed the point model"
    return seconds, float(m["MAPE"]), float(interval.metrics.loc["rnnkit", "coverage"]), len(result.points), \
        both - seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--folds", type=int, nargs="+", default=[0], metavar="K",
                   help="0: the test protocol (default); k >= 1: the protocol k test lengths back, inside the "
                        "training part")
    p.add_argument("--no-darts", action="store_true", help="rnnkit only (no speed ratio)")
    p.add_argument("--ensemble", type=int, default=1, metavar="K",
                   help="rnnkit as an ensemble of K fits (seeds SEED..SEED+K-1), all timed (default: 1)")
    args = p.parse_args()
    torch.set_num_threads(1)
    use_darts = not args.no_darts
    if use_darts:
        try:
            import darts  # noqa: F401
        except ImportError:
            print(f"Darts is not installed; install it for this benchmark only:\n  {PIP_LINE}", file=sys.stderr)
            return 2
    warm_up(use_darts)
    summary = {}
    for fold in args.folds:
        rows = []
        where = "test" if not fold else f"fold {fold}"
        for seed in args.seeds:
            d = darts_run(seed, fold) if use_darts else (float("nan"), float("nan"))
            r = rnnkit_run(seed, fold, args.ensemble)
            rows.append((seed, *d, *r))
            print(f"{where} seed {seed}: darts fit {d[0]:.1f} s, MAPE {d[1]:.2f} % | rnnkit fit {r[0]:.1f} s, "
                  f"MAPE {r[1]:.2f} %, coverage {r[2]:.0f} % of {r[3]} points (calibration fit about {r[4]:.1f} s "
                  f"more) | speed-up {d[0] / r[0]:.1f}x (point model), {d[0] / (r[0] + r[4]):.1f}x (with the "
                  f"calibration fit)", flush=True)
        med = lambda i: statistics.median(row[i] for row in rows)  # noqa: E731
        cov = [row[5] for row in rows if not np.isnan(row[5])]
        cov = f"{statistics.median(cov):.0f} %" if cov else "n/a (no calibration fit)"
        both = [row[1] / (row[3] + row[7]) for row in rows if not np.isnan(row[7])]
        both = f"{statistics.median(both):.1f}x" if both else "n/a"
        span = lambda i: f"{min(row[i] for row in rows):.2f}-{max(row[i] for row in rows):.2f}"  # noqa: E731
        print(f"{where}, median over seeds {args.seeds}: darts fit {med(1):.1f} s, MAPE {med(2):.2f} % "
              f"({span(2)}) | rnnkit fit {med(3):.1f} s, MAPE {med(4):.2f} % ({span(4)}), coverage {cov} | "
              f"speed-up (median of per-seed ratios) {statistics.median(row[1] / row[3] for row in rows):.1f}x, "
              f"with the calibration fit {both}",
              flush=True)
        summary[where] = (med(2), med(4))
    if len(summary) > 1:
        print("median MAPE % per period (Darts / rnnkit):", ", ".join(f"{w} {d:.2f} / {r:.2f}"
                                                            for w, (d, r) in summary.items()),
              f"| mean over periods: Darts {statistics.mean(d for d, _ in summary.values()):.2f}, "
              f"rnnkit {statistics.mean(r for _, r in summary.values()):.2f}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
