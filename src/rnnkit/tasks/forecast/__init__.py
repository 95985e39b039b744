"""Time-series forecasting: recurrent encoders, multi-step horizons, intervals, honest backtests.

    from rnnkit.tasks.forecast import ForecastConfig, BacktestConfig, train, backtest
    from rnnkit.training import TrainConfig

    cfg = ForecastConfig(data="airpassengers", split="1959-01-01", calendar=True, transform="log",
                         lookback=24, horizon=6, calibrate=24)
    out = train(cfg, {"hidden_size": 32, "highway": False}, TrainConfig(lr=3e-3, max_steps=600, epochs=100_000,
                run_dir="runs/air"))
    result = backtest(out.prep, out.model, BacktestConfig(start="1959-01-01", last_points_only=True))
    print(result.table())                       # rnnkit beside naive, seasonal naive and ETS, same points
    loaded = load_forecaster("runs/air")        # a checkpoint alone: model, scalers, calendar scale

Files: config (ForecastConfig, ForecastModelConfig, BacktestConfig), data and datasets
(reading, errors, bundled series), features (scaling, calendar), prepare (windows), model,
seasonality (STL strength: the automatic difference), train, calibrate (split conformal),
backtest, baselines, evaluate (metrics), predict, plot, checkpoint, ensemble (K seeds,
forecasts averaged), tune (settings chosen on validation folds inside the training part),
presets (the benchmark protocols), demo.
"""

import importlib
from typing import Any

# name -> module; imported on first use, so that `rnnkit --help` (which reads the configs) stays fast
_EXPORTS = {
    "BacktestResult": "backtest", "backtest": "backtest", "LoadedForecaster": "checkpoint",
    "load_forecaster": "checkpoint", "BacktestConfig": "config", "ForecastConfig": "config",
    "ForecastModelConfig": "config", "SeriesSet": "data", "read_series": "data", "Forecaster": "model",
    "forecast_frame": "predict", "Prepared": "prepare", "prepare": "prepare", "TrainOutcome": "train",
    "train": "train", "ForecastEnsemble": "ensemble", "train_ensemble": "ensemble",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rnnkit.tasks.forecast' has no attribute {name!r}")
    return getattr(importlib.import_module(f"rnnkit.tasks.forecast.{_EXPORTS[name]}"), name)
