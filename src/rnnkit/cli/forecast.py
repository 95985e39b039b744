"""`rnnkit forecast`: train, backtest against baselines, and predict with intervals.

    rnnkit forecast train --data airpassengers --calendar --split 1959-01-01 --horizon 6
    rnnkit forecast train --csv sales.csv --target units --horizon 12 --lookback 36
    rnnkit forecast train --data airpassengers --horizon 6 --ensemble 5   # 5 seeds, forecasts averaged
    rnnkit forecast backtest --data airpassengers --calendar --split 1959-01-01 --start 1959-01-01 --last-points-only
    rnnkit forecast tune --csv sales.csv --target units --horizon 12 --grid '{"lookback": [24, 36]}'
    rnnkit forecast predict --checkpoint runs/forecast --csv sales.csv --out forecast.csv --plot forecast.png
"""

from __future__ import annotations

import argparse
import shlex
import time
from typing import Any

from rnnkit.cli.flags import add_config_flags, as_flag_error, config_from_args
from rnnkit.tasks.forecast.config import TRAIN_DEFAULTS, BacktestConfig, ForecastConfig, ForecastModelConfig
from rnnkit.training import TrainConfig

DATA_FIELDS = ("data", "target", "time_col", "time_format", "group_col", "past_covariates", "future_covariates",
               "calendar", "missing", "split",
               "lookback", "horizon", "scaler", "transform", "season", "nonnegative", "batch_size", "calibrate")
MODEL_FIELDS = ("cell", "hidden_size", "num_layers", "dropout", "strategy", "likelihood", "window_norm", "difference",
                "highway")
TRAIN_FIELDS = ("optimizer", "lr", "weight_decay", "schedule", "warmup_steps", "clip_norm", "max_steps",
                "max_seconds", "epochs", "eval_every", "seed", "run_dir", "device")
TUNE_BACKTEST_FIELDS = ("stride", "last_points_only", "level", "metric_scale", "baselines")  # no start, refit
BACKTEST_FIELDS = ("start", "stride", "refit", "last_points_only", "level", "metric_scale", "baselines", "adapt_window",
                   "adapt_rate", "adapt_per_step")


def add_data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--csv", default=None, help="a CSV file (the same as --data FILE)")
    add_config_flags(p, ForecastConfig, DATA_FIELDS)


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("forecast", help="time-series forecasting: train, backtest against baselines, predict",
                              description="Recurrent forecasters with covariates, multi-step horizons and intervals.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    t = sub.add_parser("train", help="fit a forecaster on the training part and save checkpoints")
    add_data_flags(t)
    add_model_and_train_flags(t)
    add_ensemble_flag(t)
    t.set_defaults(func=run_train)

    b = sub.add_parser("backtest", help="rolling-origin historical forecasts, scored beside naive, "
                                        "seasonal naive and exponential smoothing")
    add_data_flags(b)
    add_model_and_train_flags(b)
    add_config_flags(b, BacktestConfig, BACKTEST_FIELDS)
    add_ensemble_flag(b)
    b.add_argument("--out", default=None, help="CSV of every scored point (default: RUN_DIR/backtest.csv)")
    b.add_argument("--plot", default=None, help="PNG of the backtest (default: RUN_DIR/backtest.png)")
    b.set_defaults(func=run_backtest)

    u = sub.add_parser("tune", help="choose settings honestly: candidates backtested on validation folds inside "
                                    "the training part, beside the baselines",
                       description="Every candidate of --grid is fitted on validation folds inside the training "
                                   "part (fold k: the backtest replayed k test lengths back) and ranked by the mean "
                                   "over folds of its median over seeds; the test part is never read.")
    add_data_flags(u)
    add_model_and_train_flags(u)
    add_config_flags(u, BacktestConfig, TUNE_BACKTEST_FIELDS)
    u.add_argument("--grid", default=None,
                   help='JSON object of setting -> values, e.g. \'{"window_norm": ["shift", "none"], "lookback": [24, 36]}\' '
                        '(model, data: lookback transform calendar batch_size scaler, training: lr max_steps optimizer '
                        'weight_decay schedule, and ensemble: members per fit); default: difference [-1, 0] x window_norm [shift, none]')
    u.add_argument("--folds", type=int, default=2, help="validation folds, each one test length further back")
    u.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds per candidate and fold")
    u.add_argument("--metric", default="MASE", help="what ranks the candidates: MAE, RMSE, MAPE, sMAPE or MASE")
    u.set_defaults(func=run_tune)

    f = sub.add_parser("predict", help="forecast past the end of a CSV with a trained checkpoint")
    f.add_argument("--checkpoint", required=True, help="checkpoint .pt file, run directory or ensemble directory")
    f.add_argument("--csv", default=None, help="history to forecast from (default: the training data)")
    f.add_argument("--target", nargs="+", default=None, metavar="COL",
                   help="columns of --csv to forecast; one the checkpoint was not trained on is scaled on its own "
                        "history (default: the checkpoint's target columns)")
    f.add_argument("--level", type=float, default=0.8, help="central interval level (Gaussian likelihood; "
                                                            "quantile models use their outer quantiles)")
    f.add_argument("--missing", default=None, choices=("error", "interpolate"),
                   help="missing values in the history (default: as the checkpoint was trained)")
    f.add_argument("--out", default="forecast.csv", help="CSV of point forecasts and intervals")
    f.add_argument("--plot", default="forecast.png", help="PNG of history, forecast and interval fan")
    f.set_defaults(func=run_predict)


def add_model_and_train_flags(p: argparse.ArgumentParser) -> None:
    add_config_flags(p, ForecastModelConfig, MODEL_FIELDS)
    p.add_argument("--quantiles", type=float, nargs="+", default=[0.1, 0.5, 0.9],
                   help="quantiles of --likelihood quantile (must hold 0.5)")
    add_config_flags(p, TrainConfig, TRAIN_FIELDS, TRAIN_DEFAULTS)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads; the models are small, and one thread is fastest and steadiest on a busy CPU")


def add_ensemble_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ensemble", type=int, default=1, metavar="K",
                   help="fit K forecasters (seeds SEED..SEED+K-1) into RUN_DIR/member<k> and average their "
                        "forecasts and intervals; costs K fits (default: 1, one forecaster)")


def member_printer(seed: int):
    """on_member for `train_ensemble`: one line per fitted member."""
    def on_member(k: int, out: Any) -> None:
        print(f"member {k} (seed {seed + k}): {out.fit.step} steps in {out.fit.train_seconds:.1f} s; "
              f"training-window loss {out.fit.last_metrics.get('loss', float('nan')):.4f}", flush=True)
    return on_member


def configs(args: argparse.Namespace) -> tuple[ForecastConfig, dict[str, Any], TrainConfig]:
    import torch

    if args.threads < 1:
        raise ValueError(f"--threads: expected an integer >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    if hasattr(args, "ensemble"):
        from rnnkit.tasks.forecast.ensemble import check_members

        check_members(args.ensemble)  # before any data is read
    if args.csv:
        args.data = args.csv
    cfg = config_from_args(ForecastConfig, args, DATA_FIELDS)
    model_kwargs = {n: getattr(args, n) for n in MODEL_FIELDS}
    model_kwargs["quantiles"] = tuple(args.quantiles)
    try:
        ForecastModelConfig(**model_kwargs)  # checked here, so errors name the flags
    except (ValueError, TypeError) as err:
        raise type(err)(as_flag_error(str(err), (*MODEL_FIELDS, "quantiles"))) from None
    return cfg, model_kwargs, config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress)


def run_train(args: argparse.Namespace) -> int:
    from rnnkit.tasks.forecast.datasets import DATASETS
    from rnnkit.tasks.forecast.ensemble import fit
    from rnnkit.tasks.forecast.prepare import prepare

    cfg, model_kwargs, train_cfg = configs(args)
    prep = prepare(cfg)
    describe(prep)
    fitted = fit(cfg, model_kwargs, train_cfg, args.ensemble, prep=prep, on_member=member_printer(train_cfg.seed))
    describe_model(fitted.model.config, model_kwargs)
    run = fitted.run_dir
    if args.ensemble > 1:
        print(f"trained {args.ensemble} members, {fitted.steps} steps in {fitted.train_seconds:.1f} s in all")
        print(f"ensemble directory: {run} (ensemble.json, member0 … member{args.ensemble - 1})")
    else:
        loss = fitted.outcomes[0].fit.last_metrics.get("loss", float("nan"))
        print(f"trained {fitted.steps} steps in {fitted.train_seconds:.1f} s; training-window loss {loss:.4f}")
        print(f"run directory: {run}")
    print(f"next: rnnkit forecast predict --checkpoint {run} "
          f"{'' if cfg.data in DATASETS else '--csv ' + shlex.quote(cfg.data)}".rstrip())
    return 0


def describe(prep) -> None:
    from rnnkit.tasks.forecast.data import freq_words, show_point

    first = prep.items[0]
    split_at = first.series.index[first.n_train - 1]
    split_at = show_point(split_at)
    count = (f"1 series of {len(first.series)} points" if len(prep.items) == 1 else
             f"{len(prep.items)} series, the first of {len(first.series)} points")
    freq = f"{freq_words(prep.data.freq)} ({prep.data.freq})" if prep.data.freq else "no time column: equally spaced steps"
    print(f"data: {prep.data.source}, {count}, {freq}, season {prep.season}; training part up to {split_at} "
          f"({first.n_train} points); {prep.n_past} past and {prep.n_future} future covariates")


def describe_model(mc: ForecastModelConfig, model_kwargs: dict[str, Any]) -> None:
    auto = " (auto: the training part is seasonal)" if mc.difference else " (auto: not seasonal enough)"
    lag = f"lag-{mc.difference} differences" if mc.difference else "no differencing"
    print(f"model: {mc.cell.upper()} {mc.num_layers} x {mc.hidden_size}, {mc.strategy}, {mc.likelihood} head; {lag}"
          f"{auto if model_kwargs.get('difference', -1) == -1 else ''}; window norm {mc.window_norm}"
          f"{'; highway' if mc.highway and mc.strategy == 'direct' else ''}")


def run_backtest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rnnkit.tasks.forecast.backtest import backtest
    from rnnkit.tasks.forecast.ensemble import fit
    from rnnkit.tasks.forecast.plot import plot_backtest
    from rnnkit.tasks.forecast.prepare import prepare

    cfg, model_kwargs, train_cfg = configs(args)
    bcfg = config_from_args(BacktestConfig, args, BACKTEST_FIELDS)
    prep = prepare(cfg)
    describe(prep)
    t0 = time.perf_counter()
    fitted = fit(cfg, model_kwargs, train_cfg, args.ensemble, prep=prep, on_member=member_printer(train_cfg.seed))
    describe_model(fitted.model.config, model_kwargs)
    refits = 0

    def refit_fn(again):
        nonlocal refits
        refits += 1
        return fit(cfg, model_kwargs, train_cfg.replace(run_dir=f"{train_cfg.run_dir}/refit{refits}", progress=False),
                   args.ensemble, prep=again).model

    result = backtest(prep, fitted.model, bcfg, refit_fn, progress=args.progress)
    base = f", baselines {result.baseline_seconds:.1f} s" if bcfg.baselines else ""
    members = f", {args.ensemble} members" if args.ensemble != 1 else ""
    print(f"backtest: {len(result.points)} scored points, {time.perf_counter() - t0:.1f} s "
          f"(training {fitted.train_seconds:.1f} s{members}{f', {refits} refits' if refits else ''}{base})")
    print(result.table())
    run = fitted.run_dir
    csv_path = Path(args.out or run / "backtest.csv")
    result.points.to_csv(csv_path, index=False)
    history = {it.series.name: _history(it, bcfg.metric_scale) for it in prep.items}
    png = plot_backtest(history, result.points, args.plot or run / "backtest.png", bcfg.level, bcfg.baselines)
    print(f"points: {csv_path}\nplot: {png}")
    return 0


def run_tune(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from rnnkit.tasks.forecast.tune import tune

    cfg, model_kwargs, train_cfg = configs(args)
    bcfg = config_from_args(BacktestConfig, args, TUNE_BACKTEST_FIELDS)
    try:
        grid = json.loads(args.grid) if args.grid is not None else None
    except json.JSONDecodeError as err:
        raise ValueError(f"--grid: expected JSON, got {args.grid!r} ({err.msg})") from None
    t0 = time.perf_counter()
    result = tune(cfg, model_kwargs, train_cfg, bcfg, grid, folds=args.folds, seeds=tuple(args.seeds),
                  metric=args.metric)
    print(f"tuned in {time.perf_counter() - t0:.0f} s; {result.metric}, median over seeds {args.seeds}, "
          f"validation folds inside the training part:")
    print(result.table.to_string(float_format=lambda v: f"{v:.4g}"))
    run = Path(train_cfg.run_dir)
    run.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(run / "tune.csv")
    result.runs.to_csv(run / "tune_runs.csv", index=False)
    (run / "best.json").write_text(json.dumps(result.best, indent=1) + "\n")
    flags = " ".join(_as_flag(k, v) for k, v in result.best.items())
    print(f"best: {json.dumps(result.best)}  (saved: {run / 'best.json'}, {run / 'tune.csv'})")
    means = result.table["mean"]
    baselines = means[[str(i).startswith("baseline: ") for i in means.index]]
    best_mean = means.drop(baselines.index).min()
    if len(baselines) and baselines.min() <= best_mean:
        print(f"note: the {baselines.idxmin().removeprefix('baseline: ')} baseline ({baselines.min():.4g}) scores as "
              f"well as the best candidate ({best_mean:.4g}) or better on these folds: on this series it is the "
              f"forecast to beat, or to use")
    print(f"next: rnnkit forecast backtest {_given_flags(args, result.best)} {flags}".rstrip())
    return 0


def _as_flag(key: str, value: Any) -> str:
    flag = "--" + key.replace("_", "-")
    if isinstance(value, bool):
        return flag if value else "--no-" + key.replace("_", "-")
    return f"{flag} {value}"


def _given_flags(args: argparse.Namespace, skip: dict[str, Any]) -> str:
    """The flags the user gave off their defaults (data, model, training, backtest; not those in `skip`),
    to repeat in the next command."""
    parts = [f"--data {args.data}"]
    fields = [(n, ForecastConfig.__dataclass_fields__[n].default) for n in DATA_FIELDS if n != "data"] + \
             [(n, ForecastModelConfig.__dataclass_fields__[n].default) for n in MODEL_FIELDS] + \
             [("quantiles", ForecastModelConfig.__dataclass_fields__["quantiles"].default)] + \
             [(n, TRAIN_DEFAULTS.get(n, TrainConfig.__dataclass_fields__[n].default))
              for n in TRAIN_FIELDS if n not in ("seed", "run_dir")] + \
             [(n, BacktestConfig.__dataclass_fields__[n].default) for n in TUNE_BACKTEST_FIELDS]
    for name, default in fields:
        value = getattr(args, name)
        value = tuple(value) if isinstance(value, list) else value
        if name not in skip and value != default:
            parts.append(_as_flag(name, " ".join(map(str, value)) if isinstance(value, tuple) else value))
    return " ".join(parts)


def _history(item, scale: str):
    """The series as read, for the plots: filled values are NaN (a gap in the line, not data)."""
    import numpy as np
    import pandas as pd

    y = np.where(item.series.observed, item.series.y, np.nan)
    return pd.Series(item.scaler.y.forward(y) if scale == "scaled" else y, index=item.series.index)


def run_predict(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rnnkit.tasks.forecast.checkpoint import load_forecaster
    from rnnkit.tasks.forecast.plot import plot_forecast
    from rnnkit.tasks.forecast.predict import forecast_frame, interval_level, prepare_for_checkpoint

    if not 0 < args.level < 1:
        raise ValueError(f"--level: expected a number in (0, 1), got {args.level}")
    loaded = load_forecaster(args.checkpoint)
    prep = prepare_for_checkpoint(loaded, data=args.csv, missing=args.missing, target=args.target)
    level = interval_level(loaded, args.level)
    frame = forecast_frame(loaded.model, prep, level)
    for out in (args.out, args.plot):  # like --run-dir, an output's folder is made when it is not there
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    history = {it.series.name: _history(it, "original") for it in prep.items}
    png = plot_forecast(history, frame, args.plot, level)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"forecasts: {args.out}\nplot: {png}")
    return 0
