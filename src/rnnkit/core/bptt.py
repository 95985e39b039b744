r"""The time loop: one layer, one direction, a whole sequence, as one autograd Function.

Letters: T time, B batch, I input, H hidden, G gate blocks (LSTM 4, GRU 3, RNN 1).

Forward runs the cell over time and stores what the backward needs (`cell.Trace`). The
backward is backpropagation through time by hand: it walks the steps in reverse, carrying
dh = ∂L/∂h_t (and dc for the LSTM), and only the recurrence itself is done per step. The
input projection ``W_ih x_t`` for every t is one matrix product before the loop; the
input gradient and every weight gradient are one matrix product each after it.

Variable lengths use PyTorch's packed layout: the batch is sorted longest first, so the
rows still running at step t are a prefix of size ``batch_sizes[t]``. Rows that have
ended keep their state untouched and their outputs zero; each row's final state is the
state at its own last step. The layer (`rnnkit.layers`) does the sorting.

Truncated BPTT: the state passed in as ``h0``/``c0`` receives gradient like any input.
To stop gradients at a chunk boundary, pass ``detach_state(previous_state)``: the chunk's
backward then ends at its first step.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from rnnkit.core.cells import CELLS, per_step

State = Tensor | tuple[Tensor, Tensor]

_local = threading.local()


def detach_state(state: State | None) -> State | None:
    """Cut the graph at a chunk boundary (truncated BPTT): the same numbers, no gradient path back.

    Takes a tensor, a (nested) tuple/list of tensors, or None (returned as is).
    """
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, tuple | list):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"state must be a tensor, a tuple/list of tensors or None, got {type(state).__name__}")


class StateGrads(Mapping):
    """∂L/∂h_t recorded by `record_state_grads`, per module, layer and direction.

    ``grads.of(module)[(layer, direction)]`` is one rnnkit recurrent module's (T, B, H)
    gradient; with several modules in a model (an encoder and a decoder), each is kept
    apart. ``grads[(layer, direction)]`` is the short form for a graph with one module;
    it raises a KeyError when several modules recorded that key.

    Entries are keyed by the layer's input weight ``weight_ih_l{layer}[_reverse]`` (held
    here), which belongs to exactly one module, layer and direction.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[Tensor, tuple[int, int], Tensor]] = {}  # id(W_ih) -> (W_ih, key, grads)

    def _store(self, weight: Tensor, key: tuple[int, int], grads: Tensor) -> None:
        self._entries[id(weight)] = (weight, key, grads)

    def of(self, module: torch.nn.Module) -> dict[tuple[int, int], Tensor]:
        """{(layer, direction): (T, B, H)} of one rnnkit recurrent module (empty if it did not run)."""
        found = {}
        for name, w in module.named_parameters(recurse=False):
            entry = self._entries.get(id(w))
            if name.startswith("weight_ih_l") and entry is not None and entry[0] is w:
                found[entry[1]] = entry[2]
        return dict(sorted(found.items()))

    def __getitem__(self, key: tuple[int, int]) -> Tensor:
        hits = [g for _, k, g in self._entries.values() if k == key]
        if len(hits) > 1:
            raise KeyError(f"{len(hits)} recurrent modules recorded (layer, direction) = {key}: "
                           "pick one with grads.of(module)")
        if not hits:
            raise KeyError(f"no recorded gradient for (layer, direction) = {key}; recorded: {sorted(set(self))}")
        return hits[0]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(dict.fromkeys(k for _, k, _ in self._entries.values()))

    def __len__(self) -> int:
        return len(set(self))


@contextlib.contextmanager
def record_state_grads() -> Iterator[StateGrads]:
    """Collect ∂L/∂h_t for every step from the explicit engine's backward pass.

    Run the forward *and* the backward inside the block (the layers pick the explicit
    engine while it is open)::

        with record_state_grads() as grads:
            loss = loss_fn(model(x))
            loss.backward()
        grads.of(model.encoder)[(layer, direction)]   # (T, B, H), batch and time in the input's order
        grads[(layer, direction)]                     # the same, when one module ran

    ∂L/∂h_t is the *total* derivative: through the output at t and through every later
    step. A module called more than once in the graph keeps the last backward's values.
    """
    stack = getattr(_local, "recorders", [])
    _local.recorders = stack
    record = StateGrads()
    stack.append(record)
    try:
        yield record
    finally:
        stack.remove(record)


def recording() -> bool:
    """Whether a `record_state_grads` block is open (the layer then needs the explicit engine)."""
    return bool(getattr(_local, "recorders", []))


def _store_recorded(weight: Tensor, key: tuple[int, int], grads: Tensor) -> None:
    for record in getattr(_local, "recorders", []):
        record._store(weight, key, grads)


class Recurrence(torch.autograd.Function):
    """One layer, one direction. Inputs after the settings: x (T, B, I), h0 (B, H), c0 or
    None, W_ih (GH, I), W_hh (GH, H), b_ih, b_hh or None. Returns out (T, B, H), h_n, c_n."""

    @staticmethod
    def forward(ctx, cell_name: str, nonlinearity: str, batch_sizes: list[int], lengths: Tensor | None,
                record_as: Callable[[Tensor], None] | None,
                x: Tensor, h0: Tensor, c0: Tensor | None, W_ih: Tensor, W_hh: Tensor,
                b_ih: Tensor | None, b_hh: Tensor | None):
        cell = CELLS[cell_name]
        T, B, I = x.shape
        H = W_hh.shape[1]
        b_x = b_ih if (b_ih is None or cell.SEPARATE_HIDDEN_BIAS) else b_ih + b_hh
        x2 = x.reshape(T * B, I)
        gx = (x2 @ W_ih.t() if b_x is None else torch.addmm(b_x, x2, W_ih.t())).view(T, B, -1)  # (T, B, GH)
        tr = cell.new_trace(T, B, H, h0, c0, nonlinearity, batch_sizes)
        W_hh_t = W_hh.t()
        b_step = b_hh if cell.SEPARATE_HIDDEN_BIAS else None
        for t, gx_t in enumerate(per_step(gx, batch_sizes)):
            cell.forward_step(tr, t, gx_t, W_hh_t, b_step)

        last = tr.h[-1] if lengths is None else tr.h[lengths, torch.arange(B, device=x.device)]  # (B, H)
        c_last = None
        if cell.HAS_CELL_STATE:
            c_last = tr.c[-1] if lengths is None else tr.c[lengths, torch.arange(B, device=x.device)]

        names = [f.name for f in dataclasses.fields(tr) if isinstance(getattr(tr, f.name), Tensor)]
        ctx.save_for_backward(x, W_ih, W_hh, *(getattr(tr, k) for k in names))
        ctx.trace_names = names
        ctx.trace_extra = {f.name: getattr(tr, f.name) for f in dataclasses.fields(tr)
                           if f.name not in names and not isinstance(getattr(tr, f.name), Tensor | type(None))}
        ctx.cell, ctx.batch_sizes, ctx.record_as = cell, batch_sizes, record_as
        ctx.has_bias = b_ih is not None
        return tr.h[1:], last, c_last

    @staticmethod
    @once_differentiable
    def backward(ctx, dout: Tensor, dh_last: Tensor, dc_last: Tensor | None):
        cell = ctx.cell
        x, W_ih, W_hh, *saved = ctx.saved_tensors
        tr = cell.Trace(**dict(zip(ctx.trace_names, saved)), **ctx.trace_extra)
        T, B, I = x.shape
        cell.prepare_backward(tr)  # the gradient-free factors, all steps at once

        bs = ctx.batch_sizes
        dh = dh_last.clone()  # (B, H): ∂L/∂h_t; rows not yet started hold their final-state gradient
        dc = dc_last.clone() if cell.HAS_CELL_STATE else None
        dh_rows = [dh if n == B else dh[:n] for n in bs]  # views, made once
        dc_rows = [None] * T if dc is None else [dc if n == B else dc[:n] for n in bs]
        dout_prev = [None] + per_step(dout[:-1], bs[1:])  # ∂L/∂(output at t-1), rows running at t
        dh_rows[-1].add_(dout[-1, : bs[-1]])
        seen = torch.zeros_like(dout) if ctx.record_as is not None else None
        for t in range(T - 1, -1, -1):
            if seen is not None:
                seen[t, : bs[t]] = dh_rows[t]
            # the step leaves ∂L/∂h_{t-1} = (through step t) + (from the output at t-1) in dh
            cell.backward_step(tr, t, dh_rows[t], dc_rows[t], W_hh, dout_prev[t])
            if t > 0 and bs[t - 1] > bs[t]:  # rows whose last step is t-1 start here
                dh[bs[t] : bs[t - 1]].add_(dout[t - 1, bs[t] : bs[t - 1]])

        dgx = cell.input_gate_grads(tr).reshape(T * B, -1)  # (TB, GH)
        dgh = cell.hidden_gate_grads(tr).reshape(T * B, -1)  # (TB, GH)
        dx = (dgx @ W_ih).view(T, B, I) if ctx.needs_input_grad[5] else None
        dW_ih = dgx.t() @ x.reshape(T * B, I)  # Σ_t dgx_t^T x_t
        dW_hh = dgh.t() @ tr.h[:-1].reshape(T * B, -1)  # Σ_t dgh_t^T h_{t-1}
        db_ih = db_hh = None
        if ctx.has_bias:
            db_ih = dgx.sum(0)
            db_hh = dgh.sum(0)
        if seen is not None:
            ctx.record_as(seen)
        return None, None, None, None, None, dx, dh, dc, dW_ih, dW_hh, db_ih, db_hh


def run_direction(cell_name: str, x: Tensor, h0: Tensor, c0: Tensor | None, weights: list[Tensor | None],
                  batch_sizes: list[int], lengths: Tensor | None, nonlinearity: str = "tanh",
                  record_key: tuple[int, int] | None = None,
                  to_input_order: Callable[[Tensor], Tensor] | None = None):
    """Run one direction of one layer with the explicit engine; weights = [W_ih, W_hh, b_ih, b_hh].

    With `record_key` = (layer, direction) and a `record_state_grads` block open, the
    backward records ∂L/∂h_t under that key and the module that owns W_ih.
    """
    W_ih, W_hh, b_ih, b_hh = weights
    record_as = None
    if record_key is not None and recording():
        def record_as(g: Tensor) -> None:
            _store_recorded(W_ih, record_key, to_input_order(g) if to_input_order else g)
    return Recurrence.apply(cell_name, nonlinearity, batch_sizes, lengths, record_as,
                            x, h0, c0, W_ih, W_hh, b_ih, b_hh)
