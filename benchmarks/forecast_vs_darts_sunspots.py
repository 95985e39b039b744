"""Monthly sunspots on Darts' own protocol: rnnkit's preset against Darts' BlockRNNModel and Darts'
ExponentialSmoothing, same run, same data, same scored points.

Protocol (Darts' RNN example notebook, "Monthly sunspots"): split after 1940-10-01; min-max scaling
fitted on the training part; historical forecasts from 1940-10-01, horizon 36, stride 10, the last
point of each forecast; MAPE on the scaled series (`mape(pred, val_scaled)`, as the notebook prints it).
The notebook reports 66.0 for the GRU and 115.0 for the exponential smoothing.

Darts, as the notebook builds them:
- BlockRNNModel(GRU, input 125, output 36, hidden_dim 10, 1 layer, batch 32, 100 epochs, dropout 0.1,
  Adam lr 1e-3), no retraining in the backtest, scored with its final weights (the notebook's
  `val_series` only logs a validation loss, so it is left out); random_state = the seed;
- ExponentialSmoothing(seasonal_periods=120), refitted at every origin (retrain=True), as the notebook
  does; it does not depend on the seed, so it runs once.

Both libraries read the same series (R's `sunspots`, 1749-1983, from pmdarima; Darts' own copy of it
needs the internet) and are scored by rnnkit's `mape` on the points rnnkit's backtest scores (the
script checks that Darts forecasts exactly those months). Training time: wall-clock of each fit call,
one torch thread each, after one short untimed fit of each (rnnkit's includes its calibration fit).

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \\
        /tmp/darts-venv/bin/python benchmarks/forecast_vs_darts_sunspots.py --seeds 0 1 2
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
from rnnkit.tasks.forecast.datasets import load_named
from rnnkit.tasks.forecast.evaluate import coverage, mape
from rnnkit.tasks.forecast.presets import SUNSPOTS

from forecast_vs_darts import PIP_LINE

HORIZON, STRIDE = 36, 10


def darts_series():
    """(series, its scaled copy) as Darts TimeSeries, the scaler fitted on the training part only."""
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler

    frame = load_named("sunspots")
    series = TimeSeries.from_times_and_values(pd.DatetimeIndex(frame["time"], freq="MS"),
                                              frame["sunspots"].to_numpy(np.float32))
    train_part, _ = series.split_after(pd.Timestamp(SUNSPOTS.split))
    scaler = Scaler()
    train_scaled = scaler.fit_transform(train_part)
    return train_scaled, scaler.transform(series)


def scored(back) -> pd.Series:
    """Darts' last-point forecasts as a Series indexed by month."""
    return pd.Series(back.values().ravel().astype(np.float64), index=pd.DatetimeIndex(back.time_index))


def darts_gru(seed: int, epochs: int = 100) -> tuple[float, pd.Series]:
    """(fit seconds, forecasts) of the notebook's BlockRNNModel (`epochs` < 100: the untimed warm-up)."""
    from darts.models import BlockRNNModel

    train_scaled, series_scaled = darts_series()
    model = BlockRNNModel(model="GRU", input_chunk_length=125, output_chunk_length=HORIZON, hidden_dim=10,
                          n_rnn_layers=1, batch_size=32, n_epochs=epochs, dropout=0.1,
                          optimizer_kwargs={"lr": 1e-3}, random_state=seed, force_reset=True,
                          save_checkpoints=False,
                          pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                                             "enable_model_summary": False, "logger": False})
    t0 = time.perf_counter()
    model.fit(train_scaled, verbose=False)
    seconds = time.perf_counter() - t0
    back = model.historical_forecasts(series_scaled, start=pd.Timestamp(SUNSPOTS.start), forecast_horizon=HORIZON,
                                      stride=STRIDE, retrain=False, last_points_only=True, verbose=False)
    return seconds, scored(back)


def darts_ets() -> tuple[float, pd.Series]:
    """(seconds for all refits, forecasts) of the notebook's ExponentialSmoothing(seasonal_periods=120)."""
    from darts.models import ExponentialSmoothing

    _, series_scaled = darts_series()
    t0 = time.perf_counter()
    back = ExponentialSmoothing(seasonal_periods=120).historical_forecasts(
        series_scaled, start=pd.Timestamp(SUNSPOTS.start), forecast_horizon=HORIZON, stride=STRIDE, retrain=True,
        last_points_only=True, verbose=False)
    return time.perf_counter() - t0, scored(back)


def rnnkit_run(seed: int, steps: int | None = None) -> tuple[float, pd.DataFrame]:
    """(fit seconds, backtest points: time, actual, rnnkit, lo, hi, scaled) of the preset
    (`steps`: a shorter fit, the untimed warm-up)."""
    p = SUNSPOTS if steps is None else SUNSPOTS.with_settings(steps=steps, calibrate=0)
    with tempfile.TemporaryDirectory() as run_dir:
        t0 = time.perf_counter()
        model, prep = p.fit(seed, run_dir)
        seconds = time.perf_counter() - t0
    points = backtest(prep, model, p.backtest_config().replace(baselines=())).points
    return seconds, points.set_index(pd.DatetimeIndex(points["time"]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--no-ets", action="store_true", help="leave out Darts' exponential smoothing (49 refits)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    try:
        import darts  # noqa: F401
    except ImportError:
        print(f"Darts is not installed; install it for this benchmark only:\n  {PIP_LINE}", file=sys.stderr)
        return 2
    darts_gru(0, epochs=1)  # first-call costs out of the timed fits
    rnnkit_run(0, steps=20)
    rows, actual = [], None
    for seed in args.seeds:
        d_sec, d_fc = darts_gru(seed)
        r_sec, pts = rnnkit_run(seed)
        actual = pts["actual"] if actual is None else actual  # the same scaled months for every seed
        if not d_fc.index.equals(pts.index):
            raise SystemExit(f"Darts scored other months than rnnkit: {list(d_fc.index[:3])} … against "
                             f"{list(pts.index[:3])} …")
        y = pts["actual"].to_numpy()
        d_mape, r_mape = mape(y, d_fc.to_numpy()), mape(y, pts["rnnkit"].to_numpy())
        r_cov = coverage(y, pts["lo"].to_numpy(), pts["hi"].to_numpy())
        rows.append((seed, d_sec, d_mape, r_sec, r_mape, r_cov))
        print(f"seed {seed}: Darts BlockRNNModel fit {d_sec:.1f} s, MAPE {d_mape:.2f} | rnnkit fit {r_sec:.1f} s "
              f"(with its calibration fit), MAPE {r_mape:.2f}, 80 % coverage {r_cov:.0f} % of {len(y)} points | "
              f"speed-up {d_sec / r_sec:.1f}x", flush=True)
    med = lambda i: statistics.median(r[i] for r in rows)  # noqa: E731
    span = lambda i: f"{min(r[i] for r in rows):.2f}-{max(r[i] for r in rows):.2f}"  # noqa: E731
    months = actual.index
    print(f"median over seeds {args.seeds}, {len(months)} points from {months[0]:%Y-%m} to {months[-1]:%Y-%m}: "
          f"Darts BlockRNNModel MAPE {med(2):.2f} ({span(2)}), fit {med(1):.1f} s | rnnkit MAPE {med(4):.2f} "
          f"({span(4)}), fit {med(3):.1f} s, coverage {med(5):.0f} % | speed-up (median of per-seed ratios) "
          f"{statistics.median(r[1] / r[3] for r in rows):.1f}x", flush=True)
    if not args.no_ets:
        e_sec, e_fc = darts_ets()
        if not e_fc.index.equals(months):
            raise SystemExit("Darts' ExponentialSmoothing scored other months than rnnkit")
        print(f"Darts ExponentialSmoothing(seasonal_periods=120), refitted at each of {len(months)} origins in "
              f"{e_sec:.0f} s: MAPE {mape(actual.to_numpy(), e_fc.to_numpy()):.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
