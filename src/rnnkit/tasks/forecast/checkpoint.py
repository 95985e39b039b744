"""Load a forecasting checkpoint: the model, its task config, scalers and calendar scale.

The checkpoint's ``model_config`` (written by `train.forecast_model_config`) holds the model
config, the `ForecastConfig`, each series' scaler and the years that scale the calendar's
year covariate, so a checkpoint alone forecasts from any history of the same columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnkit.tasks.forecast.config import ForecastConfig, ForecastModelConfig
from rnnkit.tasks.forecast.features import SeriesScaler
from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.registry import Loaded, load, register_kind

KIND = "forecast"


@dataclass
class LoadedForecaster:
    model: Forecaster  # or a ForecastEnsemble (an ensemble directory)
    task: ForecastConfig
    scalers: dict[str, SeriesScaler]
    years: dict[str, tuple[float, float]]
    path: Path
    targets: tuple[str, ...] = ()   # the target columns it was trained on (empty: a checkpoint from before they were kept)


def load_forecaster(path: str | os.PathLike[str]) -> LoadedForecaster:
    """Rebuild a forecaster from a checkpoint, a run directory or an ensemble directory (CPU, eval mode)."""
    loaded = load(path, kind=KIND)
    x = loaded.extras
    return LoadedForecaster(loaded.model, x["task"], x["scalers"], x["years"], loaded.path, x["targets"])


def _load(ckpt: dict[str, Any], path: Path) -> Loaded:
    """The registered loader of this kind (see rnnkit.tasks.registry)."""
    meta = ckpt["model_config"]
    model = Forecaster(ForecastModelConfig.from_dict(meta["model"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    extras = {"task": ForecastConfig.from_dict(meta["task"]),
              "scalers": {k: SeriesScaler.from_dict(v) for k, v in meta["scalers"].items()},
              "years": {k: tuple(v) for k, v in meta["years"].items()},
              "targets": tuple(meta.get("targets", ()))}
    return Loaded(KIND, model, path, int(ckpt.get("step", 0)), meta, extras)


def _combine(members: list[Loaded], path: Path) -> Loaded:
    """The registered combiner of this kind: an ensemble directory as one `ForecastEnsemble`."""
    from rnnkit.tasks.forecast.ensemble import ForecastEnsemble

    first = members[0]
    for m in members[1:]:  # one history is scaled once for all members: they must agree on how
        if _scaling(m) != _scaling(first):
            raise ValueError(f"--checkpoint: {m.path} was fitted with other scalers than {first.path}; "
                             f"ensemble members must share their training part")
    model = ForecastEnsemble([m.model for m in members])
    return Loaded(KIND, model, path, sum(m.step for m in members), first.meta, {**first.extras, "members": members})


def _scaling(m: Loaded) -> tuple[dict[str, Any], dict[str, tuple[float, float]]]:
    return {k: s.to_dict() for k, s in m.extras["scalers"].items()}, m.extras["years"]


register_kind(KIND, _load, combine=_combine)
