"""Hidden state across truncated-BPTT chunks: detach at boundaries, reset at document starts.

Letters: L layers, D directions, B batch, H hidden, T time. A state is what a
recurrent layer returns: a tensor (L*D, B, H) (RNN, GRU), a tuple (h, c) of them
(LSTM), or None (zeros).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from rnnkit.core.bptt import detach_state  # noqa: F401  (re-exported: the loop's cut at chunk boundaries)

State = Any  # torch.Tensor | tuple[torch.Tensor, ...] | list | None


def reset_state(state: State, mask: torch.Tensor) -> State:
    """Zero the batch rows of `state` where `mask` (B,) is True (a new document starts there)."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        if mask.shape != (state.shape[1],):
            raise ValueError(f"mask must have shape (B,)=({state.shape[1]},), got {tuple(mask.shape)}")
        keep = (~mask.bool()).to(state.dtype).view(1, -1, *([1] * (state.dim() - 2)))  # (1, B, 1)
        return state * keep
    if isinstance(state, (tuple, list)):
        return type(state)(reset_state(s, mask) for s in state)
    raise TypeError(f"state must be a tensor, a tuple/list of tensors or None, got {type(state).__name__}")


def run_with_resets(layer: Callable[..., tuple[torch.Tensor, State]], x: torch.Tensor, state: State,
                    reset: torch.Tensor) -> tuple[torch.Tensor, State]:
    """Run a time-first layer over x (T, B, *) and zero each row's state where reset (T, B) is True.

    The chunk is split at every step where some row starts a new document; the layer
    runs segment by segment with the affected rows zeroed in between, so no state flows
    from one document into the next even inside a chunk. With no resets it is one call.
    """
    if reset.shape != x.shape[:2]:
        raise ValueError(f"reset must have shape (T, B)={tuple(x.shape[:2])}, got {tuple(reset.shape)}")
    cuts = torch.nonzero(reset.any(dim=1)).flatten().tolist()
    bounds = sorted(set([0] + cuts + [x.shape[0]]))
    outs = []
    for t0, t1 in zip(bounds[:-1], bounds[1:]):
        state = reset_state(state, reset[t0])
        out, state = layer(x[t0:t1], state)  # (t1 - t0, B, D*H)
        outs.append(out)
    return torch.cat(outs, dim=0), state   # (T, B, D*H)
