"""Training glue: windows of the training part -> `rnnkit.training.Trainer`.

Every window (lookback L, horizon H) that lies wholly inside a series' training part is a
training example; all series share one model (a global model). The loss is
`model.forecast_loss` on window-normalised values. The evaluation the loop runs is the
same loss over all training windows: nothing after the split is looked at, so a change
to the future leaves the fitted model unchanged (tests/tasks/forecast/test_leakage.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import pandas as pd
import torch

from rnnkit.tasks.forecast.calibrate import calibrate
from rnnkit.tasks.forecast.config import TRAIN_DEFAULTS, ForecastConfig, ForecastModelConfig
from rnnkit.tasks.forecast.features import calendar_years
from rnnkit.tasks.forecast.model import Forecaster, forecast_loss
from rnnkit.tasks.forecast.prepare import Prepared, prepare, stack_windows, training_origins
from rnnkit.tasks.forecast.seasonality import auto_difference
from rnnkit.training import FitResult, Task, TrainConfig, Trainer

KIND = "forecast"


def forecast_model_config(model_cfg: ForecastModelConfig, prep: Prepared) -> dict[str, Any]:
    """What the checkpoint's `model_config` holds: model, task config, scalers, calendar years."""
    return {"kind": KIND, "model": model_cfg.to_dict(), "task": prep.cfg.to_dict(),
            "scalers": {it.series.name: it.scaler.to_dict() for it in prep.items},
            "years": {it.series.name: list(calendar_years(it.series.index, it.n_train))
                      for it in prep.items if isinstance(it.series.index, pd.DatetimeIndex)},
            "freq": prep.data.freq, "season": prep.season, "targets": list(prep.data.target_names)}


def build_model_config(prep: Prepared, model_kwargs: dict[str, Any]) -> ForecastModelConfig:
    """The model's configuration for `prep`, with difference=-1 (auto) resolved from its training parts."""
    cfg = prep.cfg
    model_cfg = ForecastModelConfig(**{**model_kwargs, "lookback": cfg.lookback, "horizon": cfg.horizon,
                                       "n_past": prep.n_past, "n_future": prep.n_future})
    if model_cfg.difference == -1:
        lag = auto_difference([it.z[:it.n_train] for it in prep.items], prep.season, cfg.lookback)
        model_cfg = model_cfg.replace(difference=lag)
    return model_cfg


def make_task(model: Forecaster, prep: Prepared, seed: int = 0) -> Task:
    """The `rnnkit.training.Task` over every training window of `prep`."""
    cfg = prep.cfg
    windows = stack_windows(training_origins(prep), cfg.lookback, cfg.horizon)   # all windows, (N, ·)
    n = windows["y"].shape[0]
    with torch.no_grad():  # differencing, normalisation, input layout: once, not in every step
        inputs = model.training_inputs(windows["y"], windows["past"], windows["fut"], windows["target"])
    if model.highway is None:
        inputs.pop("yn", None)  # only the direct model's highway reads it

    def train_batches(epoch: int) -> Iterator[dict[str, torch.Tensor]]:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
        for i in range(0, n, cfg.batch_size):
            idx = order[i:i + cfg.batch_size]
            yield {k: v[idx] for k, v in inputs.items()}

    def loss(m: torch.nn.Module, batch: dict[str, torch.Tensor], state: Any) -> tuple[torch.Tensor, None, int]:
        o = m.training_outputs(batch)
        return forecast_loss(model.config, o.float(), batch["target"]), None, int(batch["target"].shape[0])

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        device = next(m.parameters()).device
        w = {k: v.to(device) for k, v in inputs.items()}
        return {"loss": float(forecast_loss(model.config, m.training_outputs(w).float(), w["target"]))}

    return Task(model=model, train_batches=train_batches, loss=loss, evaluate=evaluate, metric="loss",
                lower_is_better=True, unit="win", model_config=forecast_model_config(model.config, prep),
                steps_per_epoch=-(-n // cfg.batch_size))


@dataclass
class TrainOutcome:
    fit: FitResult
    model: Forecaster
    prep: Prepared


def train(cfg: ForecastConfig, model_kwargs: dict[str, Any] | None = None, train_cfg: TrainConfig | None = None,
          frame: pd.DataFrame | None = None, prep: Prepared | None = None) -> TrainOutcome:
    """Fit a forecaster on the training part of the series `cfg` names (or of `frame`).

    model_kwargs: ForecastModelConfig fields except lookback, horizon, n_past and n_future
    (taken from cfg and the data); None: the defaults. train_cfg None: `rnnkit forecast train`'s
    (config.TRAIN_DEFAULTS). With calibration (`calibration_points`) a first fit without
    the last C training points calibrates the intervals (`calibrate.py`). Returns the
    model (at its last step, on the CPU, in eval mode).
    """
    train_cfg = TrainConfig(**TRAIN_DEFAULTS) if train_cfg is None else train_cfg
    prep = prep or prepare(cfg, frame)
    model_cfg = build_model_config(prep, model_kwargs or {})
    margin = None
    c = calibration_points(prep, model_cfg)
    if c:
        level = model_cfg.interval_level(0.8)
        sub = train_cfg.replace(run_dir=f"{train_cfg.run_dir}/calibration", progress=False)
        margin = calibrate(prep, lambda p: fit_model(model_cfg, p, sub).model, level, c)
    return fit_model(model_cfg, prep, train_cfg, margin)


def calibration_points(prep: Prepared, model_cfg: ForecastModelConfig) -> int:
    """C, the training points held out to calibrate the intervals; 0: no calibration.

    cfg.calibrate >= 1 is taken as given; -1 (auto) gives C = max(3H, 2m) (m the season) when the
    model has intervals and the shortest training part keeps at least 2(L + H) points without them.
    """
    c, (L, H) = prep.cfg.calibrate, (prep.cfg.lookback, prep.cfg.horizon)
    if c >= 0:
        return c
    if model_cfg.likelihood == "none":
        return 0
    c = max(3 * H, 2 * prep.season)
    return c if min(it.n_train for it in prep.items) - c >= 2 * (L + H) else 0


def fit_model(model_cfg: ForecastModelConfig, prep: Prepared, train_cfg: TrainConfig,
              margin: Any = None) -> TrainOutcome:
    """One fit through the training loop; `margin` (H,) is stored in the model (and its checkpoints)."""
    torch.manual_seed(train_cfg.seed)
    model = Forecaster(model_cfg)
    if margin is not None:
        model.interval_margin.copy_(torch.as_tensor(margin, dtype=torch.float32))
    fit = Trainer(make_task(model, prep, train_cfg.seed), train_cfg).fit()
    model.cpu().eval()
    return TrainOutcome(fit, model, prep)
