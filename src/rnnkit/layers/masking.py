"""Masks and pooling over the valid steps of right-padded, time-major batches.

Letters: T time, B batch, H features. ``lengths`` holds one integer in 1..T per sequence
(a list, or an integer tensor on any device); positions t >= lengths[b] are padding and
never reach a result: pooling, a loss or a metric built on these helpers cannot see them.
"""

from __future__ import annotations

import torch
from torch import Tensor


def as_lengths(lengths: object, T: int, B: int, device: torch.device) -> Tensor:
    """lengths as an int64 tensor on `device`, checked to be B integers in 1..T."""
    t = torch.as_tensor(lengths, device=device)
    if t.dim() != 1 or t.numel() != B or t.is_floating_point():
        raise ValueError(f"lengths: expected {B} integers (one per sequence), got {tuple(t.shape)} of {t.dtype}")
    if B and (int(t.min()) < 1 or int(t.max()) > T):
        raise ValueError(f"lengths: expected integers in 1..T={T}, got min {int(t.min())}, max {int(t.max())}")
    return t.long()


def padding_mask(lengths: object, T: int) -> Tensor:
    """(T, B) bool, True at valid steps (t < lengths[b])."""
    lens = torch.as_tensor(lengths)
    lens = as_lengths(lens, T, lens.numel(), lens.device)
    return torch.arange(T, device=lens.device)[:, None] < lens[None, :]  # (T, B)


def last_valid(x: Tensor, lengths: object) -> Tensor:
    """(B, H): each sequence's output at its own last step, x[lengths[b] - 1, b]."""
    T, B = x.shape[:2]
    idx = (as_lengths(lengths, T, B, x.device) - 1).view(1, B, *([1] * (x.dim() - 2))).expand(1, *x.shape[1:])
    return x.gather(0, idx).squeeze(0)  # (B, H)


def masked_mean(x: Tensor, lengths: object) -> Tensor:
    """(B, H): the mean over each sequence's valid steps."""
    T, B = x.shape[:2]
    lens = as_lengths(lengths, T, B, x.device)
    mask = padding_mask(lens, T).to(x.dtype).view(T, B, *([1] * (x.dim() - 2)))
    return (x * mask).sum(0) / lens.to(x.dtype).view(B, *([1] * (x.dim() - 2)))


def masked_max(x: Tensor, lengths: object) -> Tensor:
    """(B, H): the maximum over each sequence's valid steps (padding counts as -inf)."""
    T, B = x.shape[:2]
    mask = padding_mask(as_lengths(lengths, T, B, x.device), T).view(T, B, *([1] * (x.dim() - 2)))
    return x.masked_fill(~mask, float("-inf")).amax(0)
