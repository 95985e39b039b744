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
from dataclasses import dataclass, field

import torch

from rnnkit.data.synthetic import adding_problem
from rnnkit.layers.factory import CELL_NAMES
from rnnkit.diagnostics._models import SequenceModel, scale_recurrent_weights
from rnnkit.diagnostics.train import TrainCurve, train_steps


@dataclass(frozen=True)
class ClippingConfig:
    cell: str = field(default="rnn_tanh", metadata={"help": "cell: rnn_tanh, rnn_relu, lstm or gru"})
    radius: float = field(default=2.0, metadata={"help": "spectral radius of each recurrent weight block at the start"})
    length: int = field(default=30, metadata={"help": "adding-problem sequence length"})
    steps: int = field(default=300, metadata={"help": "SGD steps per run"})
    batch_size: int = field(default=32, metadata={"help": "sequences per batch"})
    hidden_size: int = field(default=32, metadata={"help": "hidden units"})
    lr: float = field(default=0.05, metadata={"help": "SGD learning rate"})
    clip_norm: float = field(default=1.0, metadata={"help": "global gradient-norm threshold of the clipped run"})
    seed: int = field(default=0, metadata={"help": "seed of the weights and the batches"})

    def __post_init__(self) -> None:
        if self.cell not in CELL_NAMES:
            raise ValueError(f"cell must be one of {', '.join(CELL_NAMES)}, got {self.cell!r}")
        for name in ("length", "steps", "batch_size", "hidden_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < (2 if name == "length" else 1):
                raise ValueError(f"{name} must be a positive integer{' >= 2' if name == 'length' else ''}, got {v!r}")
        for name in ("radius", "lr", "clip_norm"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or isinstance(v, bool) or not v > 0:
                raise ValueError(f"{name} must be a number > 0, got {v!r}")


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
