"""Short training runs for the diagnostics, through the project's training loop (`rnnkit.training.Trainer`).

Each run records, per optimiser step, the loss and the global gradient norm *before*
clipping (the Trainer logs it). A run whose loss or gradient norm becomes NaN/inf stops
there (the Trainer raises `NonFiniteLossError`): the run is marked diverged and its final
loss is inf.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn

from rnnkit.training import NonFiniteLossError, Task, TrainConfig, Trainer


@dataclass
class TrainCurve:
    loss: np.ndarray  # (steps run,) training loss per step
    grad_norm: np.ndarray  # (steps run,) global gradient norm before clipping
    diverged_at: int | None  # the step (1-based) whose loss or gradient became NaN/inf, else None
    clip_norm: float | None

    @property
    def final_loss(self) -> float:
        """Mean loss of the last 10% of steps (at least 1); inf when the run diverged."""
        if self.diverged_at is not None or len(self.loss) == 0:
            return math.inf
        k = max(1, len(self.loss) // 10)
        return float(np.mean(self.loss[-k:]))


def train_steps(model: nn.Module, make_batch: Callable[[int], Any], loss_fn: Callable[[nn.Module, Any], Any],
                steps: int, lr: float, optimizer: str = "adam", clip_norm: float | None = 1.0,
                momentum: float = 0.0, seed: int = 0, progress: bool = False, schedule: str = "none",
                warmup_steps: int = 0) -> TrainCurve:
    """Train `model` for `steps` steps on ``make_batch(step)`` with ``loss_fn(model, batch) -> loss``.

    `schedule` and `warmup_steps` are the training loop's (`rnnkit.training.TrainConfig`):
    "none" keeps `lr`, "cosine" takes it to 0 over the `steps`.
    """
    records: list[dict] = []

    def record(trainer: Trainer, rec: dict) -> None:
        records.append(rec)

    task = Task(model=model, train_batches=lambda epoch: (make_batch(i) for i in range(steps)),
                loss=lambda m, batch, state: (loss_fn(m, batch), None, 1), steps_per_epoch=steps)
    diverged = None
    with tempfile.TemporaryDirectory(prefix="rnnkit-diagnose-") as run_dir:
        cfg = TrainConfig(optimizer=optimizer, lr=lr, momentum=momentum, clip_norm=clip_norm, max_steps=steps,
                          schedule=schedule, warmup_steps=warmup_steps,
                          epochs=1, seed=seed, run_dir=run_dir, progress=progress, plot=False, device="cpu",
                          log_every=max(1, min(10, steps)))
        try:
            Trainer(task, cfg, callbacks=[record]).fit()
        except NonFiniteLossError:
            diverged = len(records) + 1
    return TrainCurve(loss=np.array([r["loss"] for r in records]),
                      grad_norm=np.array([r["grad_norm"] for r in records]),
                      diverged_at=diverged, clip_norm=clip_norm)
