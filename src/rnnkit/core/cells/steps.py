"""Per-step views of (T, B, ...) buffers, made once per sequence.

Python indexing inside the time loop (``x[t, :n]``) costs more than the math at small
sizes; ``unbind`` makes all T views in one call.
"""

from __future__ import annotations

from torch import Tensor


def per_step(x: Tensor, batch_sizes: list[int]) -> list[Tensor]:
    """x (T, B, ...) -> [x[t, :batch_sizes[t]] for every t]."""
    B = x.shape[1]
    return [v if n == B else v[:n] for v, n in zip(x.unbind(0), batch_sizes)]
