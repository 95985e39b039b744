"""`rnnkit.RNN`, `rnnkit.LSTM`, `rnnkit.GRU`: torch.nn-compatible recurrent layers.

Letters: T time, B batch, I input, H hidden, L layers, D directions (1 or 2).

A layer stacks L layers of D directions; layer l > 0 reads the D*H outputs of layer l-1,
with dropout between layers (never between time steps, none after the last layer).
``weight_dropout`` adds DropConnect on the recurrent weights W_hh (Merity et al., 2017,
AWD-LSTM): one mask per forward call, so the same dropped W_hh acts at every time step
and the fused kernels still apply.
Parameters carry torch.nn's names and shapes (``weight_ih_l0``, ``weight_hh_l0_reverse``,
``bias_ih_l1`` …) so a ``state_dict`` moves both ways.

Two engines give the same numbers to float tolerance:

- ``"explicit"``: rnnkit's own time loop and hand-derived BPTT (`rnnkit.core.bptt`).
- ``"fused"``: PyTorch's native kernels (`rnnkit.core.fused`).
- ``"auto"`` (default) takes the faster one for the cell and device (measured in
  benchmarks/layers.py), and the explicit one while `record_state_grads` is open.

``layer.last_engine`` says which engine the last call ran.

Under ``torch.autocast`` the layer behaves as torch.nn's: input and state may come in
the autocast dtype; the fused engine computes in it where torch has a low-precision
kernel (oneDNN's bfloat16 LSTM on CPU, cuDNN on CUDA) and returns outputs and state in
it, but only after a one-off probe found that kernel's gradients within 2 % of float32
(`rnnkit.core.lowp_check`; oneDNN's AMX bf16 LSTM backward is wrong from H = 1024 on);
otherwise the fused kernel runs in float32 inside the autocast region. The explicit
engine always computes in the parameters' dtype (autocast off inside), so its
hand-derived backward keeps float32 precision.
"""

from __future__ import annotations

import contextlib
import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.core import bptt
from rnnkit.core.cells import CELLS
from rnnkit.core.fused import run_fused
from rnnkit.core.lowp_check import check_fused_lowp
from rnnkit.core.init import SCHEMES, init_layer_weights
from rnnkit.layers.lengths import Layout, full_layout, ragged_layout
from rnnkit.layers.validate import autocast_dtype, check_input, check_lengths, check_state_tensor, from_autocast

ENGINES = ("auto", "fused", "explicit")

# Which engine "auto" takes per (cell, device), measured with benchmarks/layers.py (see
# benchmarks/RESULTS.md): on the CPU torch.nn.LSTM runs oneDNN's fused kernel and wins,
# while torch.nn.GRU and RNN run a generic per-step loop that rnnkit's explicit engine
# beats. On CUDA, cuDNN (fused) for every cell; unknown devices also take fused.
AUTO_FUSED = {("LSTM", "cpu"): True, ("GRU", "cpu"): False, ("RNN_TANH", "cpu"): False, ("RNN_RELU", "cpu"): False}
# Sequences of different lengths: torch's packed-sequence kernels on the CPU are not oneDNN's,
# and rnnkit's explicit engine over the ragged layout beats them 1.5-2.9x for the LSTM too
# (H = 128-512, one thread, host D; benchmarks/RESULTS.md, "Variable lengths"), so "auto"
# takes it there. CUDA keeps cuDNN's packed kernels.
AUTO_FUSED_RAGGED = {("LSTM", "cpu"): False}

State = Tensor | tuple[Tensor, Tensor]


class RecurrentLayer(nn.Module):
    """Shared machinery of RNN, LSTM and GRU; use those classes."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 learn_initial_state: bool = False, engine: str = "auto", init: str = "xavier",
                 forget_bias: float = 1.0, weight_dropout: float = 0.0, t_max: int | None = None) -> None:
        super().__init__()
        _check_config(input_size, hidden_size, num_layers, dropout, engine, init)
        if not isinstance(weight_dropout, int | float) or isinstance(weight_dropout, bool) or not 0 <= weight_dropout < 1:
            raise ValueError(f"weight_dropout must be a number in [0, 1), got {weight_dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout={dropout} has no effect with num_layers=1: dropout acts between layers only",
                          stacklevel=3)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.engine, self.init = bidirectional, engine, init
        self.forget_bias, self.weight_dropout = forget_bias, float(weight_dropout)
        self.t_max = t_max
        self.learn_initial_state = learn_initial_state
        self.last_engine: str | None = None
        D = 2 if bidirectional else 1
        G = CELLS[mode].GATES
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * D
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                self.register_parameter("weight_ih" + sfx, nn.Parameter(torch.empty(G * hidden_size, layer_in)))
                self.register_parameter("weight_hh" + sfx, nn.Parameter(torch.empty(G * hidden_size, hidden_size)))
                if bias:
                    self.register_parameter("bias_ih" + sfx, nn.Parameter(torch.empty(G * hidden_size)))
                    self.register_parameter("bias_hh" + sfx, nn.Parameter(torch.empty(G * hidden_size)))
        if learn_initial_state:
            self.initial_h = nn.Parameter(torch.zeros(num_layers * D, 1, hidden_size))
            if CELLS[mode].HAS_CELL_STATE:
                self.initial_c = nn.Parameter(torch.zeros(num_layers * D, 1, hidden_size))
        self.reset_parameters()

    # -- parameters ---------------------------------------------------------------
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def reset_parameters(self) -> None:
        """Draw every weight and bias again by ``init`` (`rnnkit.core.init`: xavier, he, torch, chrono)."""
        weights = {k: p for k, p in self.named_parameters() if not k.startswith("initial_")}
        init_layer_weights(weights, self.hidden_size, self.init, self.mode, self.forget_bias, self.t_max)

    def weights(self, layer: int, d: int) -> list[Tensor | None]:
        """[W_ih, W_hh, b_ih, b_hh] of one layer and direction, W_hh dropped out in training
        when weight_dropout > 0 (one mask per forward call, shared by every time step)."""
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        w = [getattr(self, n + sfx, None) for n in names]
        if self.weight_dropout > 0 and self.training:
            w[1] = F.dropout(w[1], self.weight_dropout, training=True)
        return w

    def _flat_weights(self) -> list[Tensor]:
        return [w for layer in range(self.num_layers) for d in range(self.num_directions)
                for w in self.weights(layer, d) if w is not None]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for k, default in (("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                           ("bidirectional", False), ("learn_initial_state", False), ("engine", "auto"),
                           ("weight_dropout", 0.0)):
            if getattr(self, k) != default:
                s += f", {k}={getattr(self, k)!r}"
        return s

    # -- forward --------------------------------------------------------------------
    def forward(self, input: Tensor, state: State | None = None, lengths: object = None) -> tuple[Tensor, State]:
        """input (T, B, I), or (B, T, I) with batch_first, or unbatched (T, I).

        state: h (L*D, B, H), for the LSTM (h, c); default zeros (or the learned initial
        state). lengths: B integers in 1..T, right padding. Returns the top layer's
        outputs (T, B, D*H) (zero at padded steps) and the final state of every layer
        and direction, each sequence's at its own last step.
        """
        p0 = self.weight_ih_l0
        amp = autocast_dtype(p0.device)
        x = check_input(from_autocast(input, p0.dtype, amp), self.input_size, p0.dtype, p0.device)
        if amp is not None:
            state = tuple(from_autocast(s, p0.dtype, amp) for s in state) if isinstance(state, tuple | list) \
                else from_autocast(state, p0.dtype, amp)
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(1)  # (T, 1, I)
        elif self.batch_first:
            x = x.transpose(0, 1)  # (T, B, I)
        T, B, _ = x.shape
        h0, c0 = self.initial_state(state, B, x, unbatched)
        lens = None if lengths is None else check_lengths(lengths, T, B)
        if lens is not None and bool((lens == T).all()):
            lens = None  # every sequence fills the batch: nothing to pack or mask
        if self.uses_fused(ragged=lens is not None):
            self.last_engine = "fused"
            hx = (h0, c0) if c0 is not None else h0
            # an autocast kernel is used only once its gradients have matched float32 (core/lowp_check.py)
            untrusted = amp is not None and not check_fused_lowp(self, amp).trusted
            with torch.autocast(x.device.type, enabled=False) if untrusted else contextlib.nullcontext():
                out, final = run_fused(self.mode, x, hx, self._flat_weights(), self.bias, self.num_layers,
                                       self.dropout, self.training, self.bidirectional, lens)
        else:
            self.last_engine = "explicit"
            layout = full_layout(T, B) if lens is None else ragged_layout(lens, T, x.device)
            with torch.autocast(x.device.type, enabled=False):  # hand-derived BPTT in the parameters' dtype
                out, final = self._run_explicit(x, h0, c0, layout)
        if unbatched:
            out = out.squeeze(1)
            final = tuple(s.squeeze(1) for s in final) if isinstance(final, tuple) else final.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, final

    def uses_fused(self, ragged: bool = False) -> bool:
        """Whether the next call runs the fused engine (``engine`` and, for "auto", cell, device, recording,
        and whether the batch's sequences have different lengths)."""
        if self.engine != "auto":
            return self.engine == "fused"
        if bptt.recording():
            return False
        key = (self.mode, self.weight_ih_l0.device.type)
        if ragged and key in AUTO_FUSED_RAGGED:
            return AUTO_FUSED_RAGGED[key]
        return AUTO_FUSED.get(key, True)

    def initial_state(self, state: State | None, B: int, x: Tensor, unbatched: bool = False):
        """(h0, c0 or None), each (L*D, B, H): `state` checked (or zeros, or the learned initial state),
        in `x`'s dtype and device."""
        LD, H = self.num_layers * self.num_directions, self.hidden_size
        lstm = CELLS[self.mode].HAS_CELL_STATE
        if state is None:
            if self.learn_initial_state:
                h0 = self.initial_h.expand(LD, B, H)
                c0 = self.initial_c.expand(LD, B, H) if lstm else None
            else:
                h0 = x.new_zeros(LD, B, H)
                c0 = x.new_zeros(LD, B, H) if lstm else None
            return h0, c0
        shape = (LD, H) if unbatched else (LD, B, H)
        if lstm:
            if not isinstance(state, tuple | list) or len(state) != 2:
                raise TypeError(f"state of an LSTM must be a pair (h, c), got {type(state).__name__}")
            h0 = check_state_tensor("state h", state[0], shape, x.dtype, x.device)
            c0 = check_state_tensor("state c", state[1], shape, x.dtype, x.device)
        else:
            if isinstance(state, tuple | list):
                raise TypeError(f"state of a {self.mode.split('_')[0]} must be one tensor h, got a {type(state).__name__}")
            h0, c0 = check_state_tensor("state", state, shape, x.dtype, x.device), None
        if unbatched:
            h0, c0 = h0.unsqueeze(1), (None if c0 is None else c0.unsqueeze(1))
        return h0, c0

    def _run_explicit(self, x: Tensor, h0: Tensor, c0: Tensor | None, layout: Layout):
        """Stack layers and directions over rnnkit's own time loop (sorted batch order inside)."""
        D = self.num_directions
        nonlin = "relu" if self.mode == "RNN_RELU" else "tanh"
        layer_in = layout.sort(x)  # (T, B, I), sorted by length
        h0, c0 = layout.sort(h0), (None if c0 is None else layout.sort(c0))
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                xin = layer_in if d == 0 else layout.reverse(layer_in)

                def to_input_order(g: Tensor, d: int = d) -> Tensor:
                    return layout.unsort(layout.reverse(g) if d else g)

                out, h, c = bptt.run_direction(self.mode, xin, h0[k], None if c0 is None else c0[k],
                                               self.weights(layer, d), layout.batch_sizes, layout.lengths,
                                               nonlin, (layer, d), to_input_order)
                outs.append(layout.reverse(out) if d else out)  # (T, B, H)
                h_n.append(h)
                c_n.append(c)
            layer_in = torch.cat(outs, dim=2) if D == 2 else outs[0]  # (T, B, D*H)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, training=True)
        out = layout.unsort(layer_in)
        h_final = layout.unsort(torch.stack(h_n))  # (L*D, B, H)
        if c0 is None:
            return out, h_final
        return out, (h_final, layout.unsort(torch.stack(c_n)))


def _check_config(input_size, hidden_size, num_layers, dropout, engine, init) -> None:
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not isinstance(dropout, int | float) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if init not in SCHEMES:
        raise ValueError(f"init must be one of {SCHEMES}, got {init!r}")


class LSTM(RecurrentLayer):
    """Long short-term memory layer; equations in `rnnkit.core.cells.lstm`. State is (h, c).

    ``forget_bias`` is b_f under init "xavier"/"he"; ``init="chrono"`` with ``t_max`` draws
    b_f ~ log U(1, t_max - 1) and b_i = -b_f instead (`rnnkit.core.init`).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 learn_initial_state: bool = False, engine: str = "auto", init: str = "xavier",
                 forget_bias: float = 1.0, weight_dropout: float = 0.0, t_max: int | None = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         learn_initial_state, engine, init, forget_bias, weight_dropout, t_max)


class GRU(RecurrentLayer):
    """Gated recurrent unit layer (torch.nn.GRU's definition); equations in `rnnkit.core.cells.gru`.

    The update gate z keeps (h_t = (1 - z) n + z h_{t-1}), so it plays the LSTM's forget
    gate: ``forget_bias`` is b_z under init "xavier"/"he" (default 0), and
    ``init="chrono"`` with ``t_max`` draws b_z ~ log U(1, t_max - 1) (`rnnkit.core.init`).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 learn_initial_state: bool = False, engine: str = "auto", init: str = "xavier",
                 weight_dropout: float = 0.0, forget_bias: float = 0.0, t_max: int | None = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         learn_initial_state, engine, init, forget_bias, weight_dropout, t_max)


class RNN(RecurrentLayer):
    """Vanilla (Elman) RNN layer, ``nonlinearity="tanh"`` or ``"relu"``; equations in `rnnkit.core.cells.rnn`."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 learn_initial_state: bool = False, engine: str = "auto", init: str = "xavier",
                 weight_dropout: float = 0.0, t_max: int | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, learn_initial_state, engine, init, weight_dropout=weight_dropout,
                         t_max=t_max)
