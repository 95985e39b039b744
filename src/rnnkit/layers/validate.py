"""Checks on what a user passes to a recurrent layer; errors name the argument, the
expectation and what came, before anything reaches torch's kernels."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The lower-precision dtype while torch.autocast is on for `device`'s type, else None."""
    if not torch.is_autocast_enabled(device.type):
        return None
    return torch.get_autocast_dtype(device.type)


def from_autocast(s: object, dtype: torch.dtype, amp: torch.dtype | None) -> object:
    """Under autocast a tensor may arrive in the autocast dtype (an earlier autocast layer's
    output, or a state this layer returned): cast it back to the parameters' dtype."""
    if amp is not None and isinstance(s, Tensor) and s.dtype == amp and dtype != amp:
        return s.to(dtype)
    return s


def check_input(x: object, input_size: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"input must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"input must be a floating-point tensor, got dtype {x.dtype}")
    if x.dim() not in (2, 3):
        raise ValueError(f"input must be 3-D (T, B, I) / (B, T, I) or 2-D (T, I), got shape {tuple(x.shape)}")
    if x.shape[-1] != input_size:
        raise ValueError(f"input: expected feature size input_size={input_size} in the last dimension, "
                         f"got {x.shape[-1]} (shape {tuple(x.shape)})")
    if x.dtype != dtype:
        raise TypeError(f"input has dtype {x.dtype} but the layer's parameters are {dtype}; "
                        f"convert one of them (e.g. layer.to({x.dtype}))")
    if x.device != device:
        raise ValueError(f"input is on {x.device} but the layer's parameters are on {device}")
    if 0 in x.shape:
        raise ValueError(f"input must not be empty, got shape {tuple(x.shape)}")
    return x


def check_lengths(lengths: object, T: int, B: int) -> Tensor:
    """Return lengths as a CPU int64 tensor of B values in 1..T."""
    if isinstance(lengths, Tensor):
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise TypeError(f"lengths must hold integers, got a tensor of dtype {lengths.dtype}")
        if lengths.dim() != 1:
            raise ValueError(f"lengths must be 1-D with one length per sequence, got shape {tuple(lengths.shape)}")
        out = lengths.detach().to("cpu", torch.int64)
    elif isinstance(lengths, Sequence) and not isinstance(lengths, str | bytes):
        bad = [v for v in lengths if not isinstance(v, int) or isinstance(v, bool)]
        if bad:
            raise TypeError(f"lengths must hold integers, got {bad[0]!r} ({type(bad[0]).__name__})")
        out = torch.tensor(list(lengths), dtype=torch.int64)
    else:
        raise TypeError(f"lengths must be a 1-D integer tensor or a list of ints, got {type(lengths).__name__}")
    if out.numel() != B:
        raise ValueError(f"lengths must have one entry per sequence (B={B}), got {out.numel()}")
    bad_at = ((out < 1) | (out > T)).nonzero()
    if bad_at.numel():
        i = int(bad_at[0])
        raise ValueError(f"lengths must be in 1..T={T}, got {int(out[i])} at batch index {i}")
    return out


def check_state_tensor(name: str, s: object, shape: tuple[int, ...], dtype: torch.dtype,
                       device: torch.device) -> Tensor:
    if not isinstance(s, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(s).__name__}")
    if tuple(s.shape) != shape:
        raise ValueError(f"{name} must have shape {shape} = (num_layers*directions, [batch,] hidden_size), "
                         f"got {tuple(s.shape)}")
    if s.dtype != dtype:
        raise TypeError(f"{name} must have dtype {dtype} like the input, got {s.dtype}")
    if s.device != device:
        raise ValueError(f"{name} must be on {device} like the input, got {s.device}")
    return s
