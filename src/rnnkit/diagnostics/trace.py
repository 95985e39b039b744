r"""A gate-level forward trace: every hidden state and gate activation of an rnnkit layer.

Letters: T time, B batch, I input, H hidden, L layers, D directions.

The layer API returns only outputs and final states, so the trace runs the cell
equations again, step by step, from the layer's own weights (gate orders as in
`rnnkit.core.cells`)::

    LSTM  [i, f, g, o] = [σ, σ, tanh, σ](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
          c_t = f * c_{t-1} + i * g ;  h_t = o * tanh(c_t)
    GRU   r = σ(..), z = σ(..) ;  n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))
          h_t = (1 - z) * n + z * h_{t-1}
    RNN   h_t = tanh or relu(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

It is written for reading, not speed, and runs without gradient. Dropout between layers
is not applied (the trace is what the model computes in eval mode). Tests check the
trace's top-layer h against the layer's output to 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from rnnkit.diagnostics._models import single_recurrent_layer
from rnnkit.layers.recurrent import RecurrentLayer

GATE_NAMES = {"LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n"), "RNN_TANH": (), "RNN_RELU": ()}
SIGMOID_GATES = {"LSTM": ("i", "f", "o"), "GRU": ("r", "z"), "RNN_TANH": (), "RNN_RELU": ()}


@dataclass
class DirectionTrace:
    """Everything one layer/direction computed, time in the input's order."""

    name: str  # l0, l0_reverse, l1, ...
    h: Tensor  # (T, B, H)
    c: Tensor | None = None  # (T, B, H), LSTM only
    gates: dict[str, Tensor] = field(default_factory=dict)  # gate name -> (T, B, H) activations


@dataclass
class LayerTrace:
    mode: str  # LSTM, GRU, RNN_TANH, RNN_RELU
    directions: list[DirectionTrace]
    output: Tensor  # (T, B, D*H): the top layer's output, as the layer returns it

    def __getitem__(self, name: str) -> DirectionTrace:
        for d in self.directions:
            if d.name == name:
                return d
        raise KeyError(f"no layer/direction {name!r}; have {[d.name for d in self.directions]}")


def _step(mode: str, x_t: Tensor, h: Tensor, c: Tensor | None, w: list[Tensor | None]):
    """One step of the cell; returns h, c, gate activations (list of (B, H))."""
    W_ih, W_hh, b_ih, b_hh = w
    gx = x_t @ W_ih.t() + (0 if b_ih is None else b_ih)  # (B, GH)
    gh = h @ W_hh.t() + (0 if b_hh is None else b_hh)  # (B, GH)
    if mode == "LSTM":
        i, f, g, o = (gx + gh).chunk(4, dim=1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        return o * c.tanh(), c, [i, f, g, o]
    if mode == "GRU":
        xr, xz, xn = gx.chunk(3, dim=1)
        hr, hz, hn = gh.chunk(3, dim=1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return (1 - z) * n + z * h, None, [r, z, n]
    pre = gx + gh
    return (pre.relu() if mode == "RNN_RELU" else pre.tanh()), None, []


def _run_direction(layer: RecurrentLayer, k: int, d: int, x: Tensor, h0: Tensor, c0: Tensor | None) -> DirectionTrace:
    w = layer.weights(k, d)
    T = x.shape[0]
    steps = range(T - 1, -1, -1) if d else range(T)
    hs, cs, gates = [None] * T, [None] * T, [None] * T
    h, c = h0, c0
    for t in steps:
        h, c, gs = _step(layer.mode, x[t], h, c, w)
        hs[t], cs[t], gates[t] = h, c, gs
    names = GATE_NAMES[layer.mode]
    return DirectionTrace(
        name=f"l{k}" + ("_reverse" if d else ""),
        h=torch.stack(hs),  # (T, B, H)
        c=torch.stack(cs) if c0 is not None else None,
        gates={g: torch.stack([gates[t][j] for t in range(T)]) for j, g in enumerate(names)},
    )


@torch.no_grad()
def trace_layer(layer: RecurrentLayer, x: Tensor, state=None) -> LayerTrace:
    """Trace `layer` on input `x` ((T, B, I), or (B, T, I) with batch_first, or (T, I)); outputs time-major."""
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(f"layer must be an rnnkit RNN, LSTM or GRU, got {type(layer).__name__}")
    if not isinstance(x, Tensor) or x.dim() not in (2, 3):
        raise ValueError(f"x must be a (T, B, I) or (T, I) tensor, got {getattr(x, 'shape', type(x).__name__)}")
    if x.shape[-1] != layer.input_size:
        raise ValueError(f"x must have {layer.input_size} features in its last dimension, got {x.shape[-1]}")
    x = x.to(layer.weight_ih_l0.dtype)
    if x.dim() == 2:
        x = x.unsqueeze(1)  # (T, 1, I)
    elif layer.batch_first:
        x = x.transpose(0, 1)  # (T, B, I)
    T, B, _ = x.shape
    h0, c0 = layer.initial_state(state, B, x)  # (L*D, B, H) each
    D = layer.num_directions
    directions, layer_in = [], x
    for k in range(layer.num_layers):
        outs = []
        for d in range(D):
            j = k * D + d
            tr = _run_direction(layer, k, d, layer_in, h0[j], None if c0 is None else c0[j])
            directions.append(tr)
            outs.append(tr.h)
        layer_in = torch.cat(outs, dim=2)  # (T, B, D*H)
    return LayerTrace(mode=layer.mode, directions=directions, output=layer_in)


@torch.no_grad()
def trace_model(model: nn.Module, *inputs, **kwargs) -> LayerTrace:
    """Run ``model(*inputs, **kwargs)`` in eval mode and trace its one rnnkit layer on the input it received.

    Works for any model (embedding → rnnkit layer → head, …): a forward pre-hook catches
    what reaches the recurrent layer.
    """
    layer = single_recurrent_layer(model)
    caught: dict = {}

    def hook(module, args, kw):
        caught["x"] = args[0] if args else kw["input"]
        caught["state"] = args[1] if len(args) > 1 else kw.get("state")

    handle = layer.register_forward_pre_hook(hook, with_kwargs=True)
    was_training = model.training
    model.eval()
    try:
        model(*inputs, **kwargs)
    finally:
        handle.remove()
        model.train(was_training)
    return trace_layer(layer, caught["x"], caught["state"])
