"""Variable lengths, in one place: how a right-padded batch is laid out for the time loop.

The batch is sorted longest first, so that the rows still running at step t are a prefix
of size ``batch_sizes[t]`` (PyTorch's packed layout). The time loop then simply works on
that prefix: padded steps are never computed, their outputs stay zero, and a finished
row keeps its state. The reverse direction reads each sequence from its own end.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Layout:
    """T steps, B rows. ``lengths``/``order``/``inverse``/``rev_index`` are None when every row has T steps."""

    batch_sizes: list[int]  # (T,) rows running at each step, non-increasing
    lengths: Tensor | None  # (B,) lengths in sorted order, on the data's device
    order: Tensor | None  # (B,) sorted position -> original row
    inverse: Tensor | None  # (B,) original row -> sorted position
    rev_index: Tensor | None  # (T, B) time index that reverses each sorted row within its length

    def sort(self, x: Tensor, dim: int = 1) -> Tensor:
        """Original row order -> sorted order along ``dim``."""
        return x if self.order is None else x.index_select(dim, self.order)

    def unsort(self, x: Tensor, dim: int = 1) -> Tensor:
        return x if self.inverse is None else x.index_select(dim, self.inverse)

    def reverse(self, x: Tensor) -> Tensor:
        """Reverse (T, B, ·) in time within each row's own length; padded steps stay put."""
        if self.rev_index is None:
            return x.flip(0)
        return x.gather(0, self.rev_index.unsqueeze(-1).expand_as(x))


def full_layout(T: int, B: int) -> Layout:
    return Layout([B] * T, None, None, None, None)


def ragged_layout(lengths: Tensor, T: int, device: torch.device) -> Layout:
    """``lengths``: (B,) int64 on the CPU, already checked to lie in 1..T."""
    sorted_lengths, order = lengths.sort(descending=True, stable=True)
    # batch_sizes[t] = number of rows with length > t
    batch_sizes = (sorted_lengths.unsqueeze(0) > torch.arange(T).unsqueeze(1)).sum(1).tolist()
    t = torch.arange(T).unsqueeze(1)  # (T, 1)
    L = sorted_lengths.unsqueeze(0)  # (1, B)
    rev_index = torch.where(t < L, L - 1 - t, t)  # (T, B)
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(order.numel())
    return Layout(batch_sizes, sorted_lengths.to(device), order.to(device), inverse.to(device),
                  rev_index.to(device))
