r"""Exploding gradients and what clipping does about them: two runs from the same start.

A vanilla tanh RNN whose recurrent weight blocks are rescaled to spectral radius 2 (twice
the edge of stability) is trained on the adding problem with plain SGD, once without
clipping and once with the gradient clipped to global norm `clip_norm`. Same weights,
same batches, same learning rate. Without clipping a gradient of norm 10²–10³ throws the
weights far away and the loss jumps by orders of magnitude; with clipping every step has
norm at most `clip_norm` and the run settles near the adding problem's baseline and
below. Both runs log the gradient norm *before* clipping (the training loop's
``grad_norm``), so the picture shows what clipping cut.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from rnnkit.data.synthetic import adding_problem
from rnnkit.config import Config, check_int, check_number, option
from rnnkit.layers.factory import check_cell
from rnnkit.diagnostics._models import SequenceModel, scale_recurrent_weights
from rnnkit.diagnostics.train import TrainCurve, train_steps


@dataclass(frozen=True)
class ClippingConfig(Config):
    cell: str = option("rnn_tanh", "cell: lstm, gru, rnn_tanh or rnn_relu")
    radius: float = option(2.0, "spectral radius of each recurrent weight block at the start, > 0")
    length: int = option(30, "adding-problem sequence length, >= 2")
    steps: int = option(300, "SGD steps per run, >= 1")
    batch_size: int = option(32, "sequences per batch, >= 1")
    hidden_size: int = option(32, "hidden units, >= 1")
    lr: float = option(0.05, "SGD learning rate, > 0")
    clip_norm: float = option(1.0, "global gradient-norm threshold of the clipped run, > 0")
    seed: int = option(0, "seed of the weights and the batches")

    def __post_init__(self) -> None:
        check_cell(self.cell)
        check_int("length", self.length, 2)
        for name in ("steps", "batch_size", "hidden_size"):
            check_int(name, getattr(self, name), 1)
        for name in ("radius", "lr", "clip_norm"):
            check_number(name, getattr(self, name), lo=0.0, lo_open=True)
        check_int("seed", self.seed)


@dataclass
class ClippingResult:
    config: ClippingConfig
    unclipped: TrainCurve
    clipped: TrainCurve


def run_clipping(config: ClippingConfig = ClippingConfig(), progress: bool = False) -> ClippingResult:
    """Train the same model from the same start without and with clipping; return both curves."""
    c = config
    torch.manual_seed(c.seed)
    start = SequenceModel(c.cell, 2, c.hidden_size, 1)
    scale_recurrent_weights(start.rnn, c.radius)
    gen = torch.Generator().manual_seed(c.seed)
    batches = [adding_problem(c.batch_size, c.length, generator=gen) for _ in range(c.steps)]

    def loss_fn(model, b):
        return ((model(b.x)[-1, :, 0] - b.y) ** 2).mean()  # MSE of the sum

    curves = []
    for clip in (None, c.clip_norm):
        curves.append(train_steps(copy.deepcopy(start), batches.__getitem__, loss_fn, c.steps, c.lr,
                                  optimizer="sgd", clip_norm=clip, seed=c.seed, progress=progress))
    return ClippingResult(config=c, unclipped=curves[0], clipped=curves[1])
