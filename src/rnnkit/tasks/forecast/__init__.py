"""Time-series forecasting: recurrent encoders, multi-step horizons, intervals, honest backtests.

    from rnnkit.tasks.forecast import BacktestConfig, ForecastConfig, backtest, forecast_frame, load_forecaster, train
    from rnnkit.training import TrainConfig

    cfg = ForecastConfig(data="airpassengers", split="1959-01-01", calendar=True, transform="log",
                         lookback=24, horizon=6, calibrate=24)
    out = train(cfg, {"hidden_size": 32, "highway": False}, TrainConfig(lr=3e-3, max_steps=600, epochs=100_000,
                run_dir="runs/air"))
    result = backtest(out.prep, out.model, BacktestConfig(start="1959-01-01", last_points_only=True))
    print(result.table())                       # rnnkit beside naive, seasonal naive and ETS, same points
    print(forecast_frame(out.model, out.prep))  # the 6 months after the data: forecast, lo, hi
    loaded = load_forecaster("runs/air")        # a checkpoint alone: model, scalers, calendar scale

`train(..., frame=df)` reads a DataFrame instead of `cfg.data` (`cfg.time_col`, `cfg.target`).

Files: config (ForecastConfig, ForecastModelConfig, BacktestConfig), data and datasets
(reading, errors, bundled series), features (scaling, calendar), prepare (windows), model,
seasonality (STL strength: the automatic difference), train, calibrate (split conformal),
backtest, baselines, evaluate (metrics), predict, plot, checkpoint, ensemble (K seeds,
forecasts averaged), tune (settings chosen on validation folds inside the training part),
presets (the benchmark protocols), demo.
"""

import importlib
import sys
import types
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


class _Package(types.ModuleType):
    """Python binds each submodule it loads to the package attribute of the same name. For `train`,
    `backtest` and `prepare` that attribute is also an export, and the module would hide the function
    once anything had imported the module (then `from rnnkit.tasks.forecast import train` gave the
    module), so the function is bound instead; the module stays in sys.modules."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name \
                and value.__name__ == f"{self.__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
