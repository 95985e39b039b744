r"""Dropout whose mask is cheap to draw on the CPU.

`torch.nn.Dropout` draws one Bernoulli number per element; on the 2-core benchmark CPU
that costs about 9 ns each (18 ms for the (64, 32, 1024) output of a language model's
LSTM, 7 % of a training step; benchmarks/dropout_speed.py). Here one 64-bit random word
gives four 16-bit uniform numbers u, and

    keep = u < k,   k = round((1 - p) * 2^16),   q = k / 2^16   (the keep probability)
    y = x * keep / q

so E[y] = x exactly, and the drop rate 1 - q is p to within 2^-17. Same contract as
`torch.nn.Dropout` (scaled in training, the identity in eval mode; the gradient is
keep / q). Off the CPU, or for p in {0, 1}, it calls `torch.nn.functional.dropout`, whose
GPU kernel is already fused.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_LEVELS = 1 << 16  # 16-bit uniforms


def keep_mask(shape: torch.Size | tuple[int, ...], p: float,
              device: torch.device | str = "cpu") -> tuple[Tensor, float]:
    """A bool mask of `shape`, True with probability q ~= 1 - p, and q itself."""
    k = round((1.0 - p) * _LEVELS)
    n = math.prod(shape)
    words = torch.randint(-(1 << 63), (1 << 63) - 1, (-(-n // 4),), dtype=torch.int64, device=device)
    u = words.view(torch.int16)[:n]                   # (n,) uniform over -2^15 .. 2^15 - 1
    return (u < k - (1 << 15)).view(shape), k / _LEVELS


def dropout(x: Tensor, p: float, training: bool = True) -> Tensor:
    """`torch.nn.functional.dropout` with a cheap CPU mask (see the module docstring)."""
    if not training or p == 0.0:
        return x
    if p == 1.0 or x.device.type != "cpu":
        return F.dropout(x, p, training)
    keep, q = keep_mask(x.shape, p, x.device)
    return x * keep.to(x.dtype) * (1.0 / q)


class Dropout(nn.Module):
    """Drop-in `torch.nn.Dropout(p)` with the cheap CPU mask."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"p: expected a dropout probability in [0, 1], got {p!r}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
