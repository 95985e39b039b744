"""Ensembles of forecasters: K members fitted on the same training part with seeds seed .. seed + K - 1,
whose forecasts are averaged step by step,

    ŷ_t = (1/K) Σ_k ŷ_t^(k),   lo_t = (1/K) Σ_k lo_t^(k),   hi_t = (1/K) Σ_k hi_t^(k)

(the bounds are averaged quantile by quantile, "Vincentization": the mean of the members'
q-quantile forecasts is a q-quantile forecast, narrower than the quantile of the mixture).
Each member's forecast already carries its own calibrated margin (`calibrate.py`). The
average is taken in the model's scaled units, so with `--transform log` it is the geometric
mean of the members' forecasts in the original units.

On a short series one fit's score swings with its seed: on AirPassengers' validation folds
(1-3) the mean MAPE of single fits spread over 4.7-6.5 % across 15 seeds (sd 0.60), that of
ensembles of five over 4.9-5.1 % (sd 0.12; benchmarks/RESULTS.md, Forecasting). Training
costs K fits.

An ensemble on disk is a directory with `ensemble.json` and one run directory per member, as
for `rnnkit classify train --ensemble` (`rnnkit.tasks.registry`); `rnnkit.load` and
`load_forecaster` read it as one `ForecastEnsemble`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd
import torch
from torch import Tensor, nn

from rnnkit.tasks.forecast.config import ForecastConfig, ForecastModelConfig
from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.forecast.prepare import Prepared, prepare
from rnnkit.tasks.registry import write_ensemble_manifest
from rnnkit.training import TrainConfig

# what every member must share: the windows it reads and the intervals it gives
SHARED = ("lookback", "horizon", "n_past", "n_future", "likelihood", "quantiles")


class ForecastEnsemble(nn.Module):
    """Forecasters that read the same windows; `forecast` averages theirs. Quacks like a `Forecaster`
    where the backtest and `predict` use one: `.config` (the first member's) and `.forecast(...)`."""

    def __init__(self, members: Sequence[Forecaster]) -> None:
        super().__init__()
        if not members:
            raise ValueError("ensemble: expected at least one forecaster")
        first = members[0].config
        for i, m in enumerate(members[1:], 1):
            for name in SHARED:
                if getattr(m.config, name) != getattr(first, name):
                    raise ValueError(f"ensemble: member {i} has {name}={getattr(m.config, name)!r}, member 0 "
                                     f"{getattr(first, name)!r}; members must share {', '.join(SHARED)}")
        self.members = nn.ModuleList(members)

    @property
    def config(self) -> ForecastModelConfig:
        return self.members[0].config

    def __len__(self) -> int:
        return len(self.members)

    @torch.no_grad()
    def forecast(self, y: Tensor, past: Tensor, fut: Tensor, level: float = 0.8,
                 samples: int = 200, seed: int = 0) -> tuple[Tensor, Tensor, Tensor]:
        """The members' point, lo and hi averaged: three (B, H), in scaled units (member k samples with seed + k)."""
        outs = [m.forecast(y, past, fut, level=level, samples=samples, seed=seed + k)
                for k, m in enumerate(self.members)]
        return tuple(torch.stack(v).mean(0) for v in zip(*outs))           # type: ignore[return-value]


@dataclass
class Fitted:
    """What `fit` and `train_ensemble` return: the model (one forecaster or an ensemble), the data it was
    fitted on, each member's `train.TrainOutcome` (one without an ensemble) and the run directory."""

    model: Forecaster | ForecastEnsemble
    prep: Prepared
    outcomes: list[Any]
    run_dir: Path

    @property
    def train_seconds(self) -> float:
        return sum(o.fit.train_seconds for o in self.outcomes)

    @property
    def steps(self) -> int:
        return sum(o.fit.step for o in self.outcomes)


def check_members(members: Any) -> int:
    if not isinstance(members, int) or isinstance(members, bool) or members < 1:
        raise ValueError(f"--ensemble: expected an integer >= 1, got {members!r}")
    return members


def train_ensemble(cfg: ForecastConfig, model_kwargs: dict[str, Any], train_cfg: TrainConfig, members: int,
                   frame: pd.DataFrame | None = None, prep: Prepared | None = None,
                   on_member: Callable[[int, Any], None] | None = None) -> Fitted:
    """Fit `members` forecasters into RUN_DIR/member<k> (member k with seed + k, each calibrated as
    `train.train` does) and write RUN_DIR/ensemble.json. on_member(k, outcome) is called as each finishes."""
    from rnnkit.tasks.forecast.train import train

    check_members(members)
    prep = prep or prepare(cfg, frame)
    run_dir = Path(train_cfg.run_dir)
    outcomes = []
    for k in range(members):
        out = train(cfg, model_kwargs, train_cfg.replace(seed=train_cfg.seed + k, run_dir=str(run_dir / f"member{k}")),
                    prep=prep)
        outcomes.append(out)
        if on_member is not None:
            on_member(k, out)
    write_ensemble_manifest(run_dir, [f"member{k}" for k in range(members)])
    return Fitted(ForecastEnsemble([o.model for o in outcomes]), prep, outcomes, run_dir)


def fit(cfg: ForecastConfig, model_kwargs: dict[str, Any], train_cfg: TrainConfig, members: int = 1,
        frame: pd.DataFrame | None = None, prep: Prepared | None = None,
        on_member: Callable[[int, Any], None] | None = None) -> Fitted:
    """One forecaster (members = 1: `train.train`, into RUN_DIR itself) or an ensemble of `members`."""
    from rnnkit.tasks.forecast.train import train

    if check_members(members) > 1:
        return train_ensemble(cfg, model_kwargs, train_cfg, members, frame=frame, prep=prep, on_member=on_member)
    out = train(cfg, model_kwargs, train_cfg, frame=frame, prep=prep)
    return Fitted(out.model, out.prep, [out], Path(out.fit.run_dir))
