"""Protocols on the bundled series: split, backtest and rnnkit's settings, in one place.

The benchmarks (benchmarks/forecast_*.py), `rnnkit demo forecast` and RESULTS.md use these.
Settings were chosen with the same protocol run inside the training part
(`benchmarks/forecast_quality.py --validate`), never on the test windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rnnkit.tasks.forecast.backtest import BacktestConfig
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.training import TrainConfig


@dataclass(frozen=True)
class Preset:
    data: str
    split: str
    start: str
    horizon: int
    stride: int
    last_points_only: bool
    metric_scale: str
    calendar: bool
    lookback: int
    model: dict[str, Any] = field(default_factory=dict)
    batch_size: int = 32
    lr: float = 3e-3
    steps: int = 600
    calibrate: int = -1  # auto (ForecastConfig.calibrate)
    transform: str = "none"
    nonnegative: bool = False  # ForecastConfig.nonnegative
    schedule: str = "none"
    # Online interval adaptation in the backtest, chosen on validation folds 1-2 of all five series (RESULTS.md):
    # quantile tracking at rate 0.05 (BacktestConfig.adapt_rate; mean worst coverage gap 14.6 points) over the
    # window quantile of the last 80 observed steps (adapt_window, the previous choice: 15.8)
    adapt_window: int = 0
    adapt_rate: float = 0.05
    adapt_per_step: bool = False
    ensemble: int = 1  # forecasters fitted (seeds seed .. seed + K - 1) whose forecasts are averaged (ensemble.py)

    def with_settings(self, **changes: Any) -> "Preset":
        import dataclasses

        return dataclasses.replace(self, **changes)

    def data_config(self, split: str | None = None) -> ForecastConfig:
        return ForecastConfig(data=self.data, split=split or self.split, calendar=self.calendar,
                              lookback=self.lookback, horizon=self.horizon, batch_size=self.batch_size,
                              calibrate=self.calibrate, transform=self.transform, nonnegative=self.nonnegative)

    def backtest_config(self, start: str | None = None) -> BacktestConfig:
        return BacktestConfig(start=self.start if start is None else start, stride=self.stride,
                              last_points_only=self.last_points_only, metric_scale=self.metric_scale,
                              adapt_window=self.adapt_window, adapt_rate=self.adapt_rate,
                              adapt_per_step=self.adapt_per_step)

    def fit(self, seed: int, run_dir: str, split: str | None = None, frame: Any = None) -> tuple[Any, Any]:
        """(model, prepared data): the preset's model (one forecaster, or an ensemble of `ensemble`) fitted
        with `seed` on the split (of `frame`, else of the named data)."""
        from rnnkit.tasks.forecast.ensemble import fit
        from rnnkit.tasks.forecast.prepare import prepare

        prep = prepare(self.data_config(split), frame)
        return fit(prep.cfg, self.model, self.train_config(seed, run_dir), self.ensemble, prep=prep).model, prep

    def train_config(self, seed: int, run_dir: str, progress: bool = False) -> TrainConfig:
        return TrainConfig(lr=self.lr, max_steps=self.steps, epochs=100_000, eval_every=self.steps, schedule=self.schedule,
                           progress=progress, plot=False, seed=seed, run_dir=run_dir)


# Darts' RNN notebook, AirPassengers: RNNModel (LSTM) 2.71 % MAPE (benchmarks/forecast_vs_darts.py)
# chosen on validation folds 1-3 inside the training part (RESULTS.md): log, then seasonal (lag-12) differences
# normalised by their lookback mean, no calendar covariates (they made every fold worse with differencing)
AIRPASSENGERS = Preset("airpassengers", split="1959-01-01", start="1959-01-01", horizon=6, stride=1,
                       last_points_only=True, metric_scale="original", calendar=False, lookback=24, calibrate=24,
                       transform="log", model={"hidden_size": 32, "likelihood": "quantile", "highway": False,
                                               "difference": 12, "window_norm": "shift"})
# Darts' RNN notebook, monthly sunspots: BlockRNNModel(GRU, 125 -> 36) 66.0, ExponentialSmoothing 115.0
SUNSPOTS = Preset("sunspots", split="1940-10-01", start="1940-10-01", horizon=36, stride=10, last_points_only=True,
                  metric_scale="scaled", calendar=False, lookback=125, batch_size=64,
                  model={"hidden_size": 32, "cell": "gru", "likelihood": "quantile", "window_norm": "shift",
                         "difference": 0})
# co2, elec_equip, taylor: seasonal differences normalised by their lookback mean, with the highway, chosen on
# validation folds 1-2 (mean MAPE of the medians over seeds 0-2; RESULTS.md, sixth session): co2 0.145 % against
# 0.155 % without the highway (the third session's choice) and 0.28 % for the old defaults; elec_equip 6.93 %
# against 8.17 % and 9.98 %; taylor (calendar kept) 2.87 % against 2.92 % and 3.75 %
CO2 = Preset("co2", split="1994-12-01", start="", horizon=12, stride=3, last_points_only=False,
             metric_scale="original", calendar=False, lookback=36,
             model={"hidden_size": 32, "likelihood": "quantile", "difference": 12, "window_norm": "shift",
                    "highway": True})
ELEC_EQUIP = Preset("elec_equip", split="2012-12-01", start="", horizon=12, stride=3, last_points_only=False,
                    metric_scale="original", calendar=False, lookback=24,
                    model={"hidden_size": 32, "likelihood": "quantile", "difference": 12, "window_norm": "shift",
                           "highway": True})
TAYLOR = Preset("taylor", split="2000-08-13 23:30", start="", horizon=48, stride=48, last_points_only=False,
                metric_scale="original", calendar=True, lookback=96, batch_size=64,
                model={"hidden_size": 32, "likelihood": "quantile", "difference": 48, "window_norm": "shift",
                       "highway": True})

PRESETS = {p.data: p for p in (AIRPASSENGERS, SUNSPOTS, CO2, ELEC_EQUIP, TAYLOR)}
