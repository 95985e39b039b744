r"""Long-range synthetic tasks: the adding problem and the copy (memory) task.

Letters: T time, B batch, S symbols to remember, K symbol alphabet size.

Both tasks have a known answer that depends on inputs far in the past, so they measure
how far back a recurrent network can carry information (and its gradient):

- **Adding problem** (Hochreiter & Schmidhuber 1997; Le et al. 2015). Each step holds
  two numbers: a value drawn from U(0, 1) and a marker. Exactly two steps are marked, one
  in the first half of the sequence and one in the second; the target is the sum of the
  two marked values. A prediction counts as correct when it is within 0.04 of the target
  (1997's criterion); always answering 1.0 is correct about 8% of the time. Here the
  *delay* is the sequence length T.
- **Copy task** (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016). S symbols from
  1..K, then ``delay - 1`` blanks and a *go* marker, then S blanks during which the
  network must output the S symbols in order. Tokens: 0 blank, 1..K symbols, K+1 go;
  inputs are one-hot, T = S + delay + S. Accuracy counts the recalled symbols; chance
  is 1/K.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

ADDING_TOLERANCE = 0.04  # |prediction - target| below this counts as correct


@dataclass(frozen=True)
class AddingBatch:
    x: Tensor  # (T, B, 2): [value, marker]
    y: Tensor  # (B,) sum of the two marked values


@dataclass(frozen=True)
class CopyBatch:
    x: Tensor  # (T, B, K + 2) one-hot of tokens
    tokens: Tensor  # (T, B) long: 0 blank, 1..K symbols, K+1 go
    y: Tensor  # (S, B) long, the symbols to recall as classes 0..K-1 (symbol - 1)
    recall_steps: int  # S: the last S steps of the sequence are the recall window


def _check_positive(name: str, value: object, lo: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < lo:
        what = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return value


def adding_problem(batch_size: int, length: int, generator: torch.Generator | None = None,
                   dtype: torch.dtype = torch.float32) -> AddingBatch:
    """One batch of the adding problem, sequences of `length` >= 2 steps, time-major."""
    B = _check_positive("batch_size", batch_size)
    T = _check_positive("length", length, lo=2)
    values = torch.rand(T, B, generator=generator, dtype=dtype)  # (T, B)
    half = T // 2
    first = torch.randint(0, half, (B,), generator=generator)  # marker in the first half
    second = torch.randint(half, T, (B,), generator=generator)  # ... and one in the second
    markers = torch.zeros(T, B, dtype=dtype)
    cols = torch.arange(B)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    y = values[first, cols] + values[second, cols]  # (B,)
    return AddingBatch(x=torch.stack([values, markers], dim=2), y=y)  # x (T, B, 2)


def copy_task(batch_size: int, delay: int, symbols: int = 5, alphabet: int = 8,
              generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32) -> CopyBatch:
    """One batch of the copy task: remember `symbols` tokens over `delay` steps, time-major."""
    B = _check_positive("batch_size", batch_size)
    D = _check_positive("delay", delay)
    S = _check_positive("symbols", symbols)
    K = _check_positive("alphabet", alphabet, lo=2)
    T = S + D + S
    tokens = torch.zeros(T, B, dtype=torch.long)
    seq = torch.randint(1, K + 1, (S, B), generator=generator)  # (S, B) the symbols
    tokens[:S] = seq
    tokens[S + D - 1] = K + 1  # go marker: the last step of the delay
    x = torch.nn.functional.one_hot(tokens, K + 2).to(dtype)  # (T, B, K+2)
    return CopyBatch(x=x, tokens=tokens, y=seq - 1, recall_steps=S)


def copy_input_size(alphabet: int = 8) -> int:
    """Feature size of `copy_task` inputs: blank, K symbols, go."""
    return alphabet + 2
