"""`rnnkit demo forecast`: AirPassengers on Darts' protocol, beside three baselines, with a fan.

Box & Jenkins' monthly airline passengers (pmdarima's copy), trained up to January 1959
with min-max scaling fitted there (of log passengers, the preset's choice), modelling the
change from a year before (seasonal differences, normalised by their mean over the lookback),
intervals calibrated on the last 24 training months;
then a rolling-origin backtest from January 1959 with horizon 6 and the last point of
each forecast scored, beside naive, seasonal naive and exponential smoothing on exactly
the same points (each interval widened or narrowed by how the backtest's steps observed
before its origin fell: quantile tracking, `BacktestConfig.adapt_rate`); then a forecast past 1960 with
its 80 % interval fan.
"""

from __future__ import annotations

import argparse
import time

from rnnkit.cli.flags import add_config_flags
from rnnkit.training import TrainConfig

TRAIN_FIELDS = ("max_steps", "lr", "seed", "run_dir")
# the settings of benchmarks/forecast_vs_darts.py (rnnkit.tasks.forecast.presets.AIRPASSENGERS)
DEFAULTS = {"max_steps": 600, "lr": 3e-3, "run_dir": "runs/demo_forecast"}  # == the preset's steps and lr


def add_flags(p: argparse.ArgumentParser) -> None:
    add_config_flags(p, TrainConfig, TRAIN_FIELDS, DEFAULTS)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")


def run(args: argparse.Namespace) -> int:
    import pandas as pd
    import torch

    from rnnkit.tasks.forecast.backtest import backtest
    from rnnkit.tasks.forecast.plot import plot_backtest, plot_forecast
    from rnnkit.tasks.forecast.predict import forecast_frame
    from rnnkit.tasks.forecast.prepare import prepare
    from rnnkit.tasks.forecast.train import train
    from rnnkit.tasks.forecast import presets
    from rnnkit.tasks.forecast.features import calendar_years

    torch.set_num_threads(1)  # a small model on short windows: one thread is fastest, and steadiest on a busy machine
    t0 = time.perf_counter()
    preset = presets.AIRPASSENGERS
    preset = preset.with_settings(steps=args.max_steps, lr=args.lr)
    cfg = preset.data_config()
    train_cfg = preset.train_config(args.seed, args.run_dir, progress=args.progress)
    print("rnnkit demo forecast: monthly airline passengers 1949-1960, Darts' protocol")
    prep = prepare(cfg)
    item = prep.items[0]
    print(f"  training part: 1949-01 .. 1959-01 ({item.n_train} months), {'logged, then ' if cfg.transform == 'log' else ''}"
          f"min-max scaled on it; "
          f"{'lag-' + str(preset.model['difference']) + ' differences; ' if preset.model.get('difference') else ''}"
          f"{prep.n_future} calendar covariates; lookback {cfg.lookback}, horizon {cfg.horizon}")
    out = train(cfg, preset.model, train_cfg, prep=prep)
    print(f"  trained {out.fit.step} steps in {out.fit.train_seconds:.1f} s")
    bcfg = preset.backtest_config()  # from 1959-01, 6th step scored; intervals adapted online (adapt_rate)
    result = backtest(prep, out.model, bcfg)
    print(f"\nbacktest: forecasts from 1959-01 on, the 6th step of each scored ({len(result.points)} months), "
          f"original scale:")
    print(result.table())
    run_dir = out.fit.run_dir
    history = {item.series.name: pd.Series(item.series.y, index=item.series.index)}
    back_png = plot_backtest(history, result.points, run_dir / "backtest.png", bcfg.level, bcfg.baselines)
    future = prepare(cfg, data=prep.data, whole_history=True, scalers={item.series.name: item.scaler},
                     years={item.series.name: calendar_years(item.series.index, item.n_train)})
    fan = forecast_frame(out.model, future)
    fan_png = plot_forecast(history, fan, run_dir / "forecast.png", 0.8, show_last=72)
    fan.to_csv(run_dir / "forecast.csv", index=False)
    print(f"\nfinished in {time.perf_counter() - t0:.0f} s. Files:")
    print(f"  backtest plot    {back_png}")
    print(f"  forecast fan     {fan_png}  (1961-01 .. 1961-06, 80 % interval)")
    print(f"  forecast table   {run_dir / 'forecast.csv'}")
    print(f"  checkpoint       {run_dir / 'checkpoints' / 'last.pt'}")
    print(f"next: rnnkit forecast predict --checkpoint {run_dir} --out forecast.csv --plot forecast.png")
    return 0
