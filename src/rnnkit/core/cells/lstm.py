r"""LSTM cell, in PyTorch's gate order i, f, g, o (so weights move to torch.nn.LSTM unchanged).

Letters: B batch, T time, I input, H hidden; n ≤ B rows are active at a step (the batch is
sorted by length, longest first, so the active rows are always a prefix).

Forward, with gx_t = W_ih x_t + b_ih + b_hh precomputed for all t in one matrix product::

    [i, f, g, o] = [σ, σ, tanh, σ](gx_t + W_hh h_{t-1})        # (n, 4H)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Backward, with dh = ∂L/∂h_t (from the output at t and from step t+1) and dc = ∂L/∂c_t
(from step t+1)::

    dc  += dh * o * (1 - tanh²(c_t))                            # through h_t = o * tanh(c_t)
    da   = [dc * g, dc * c_{t-1}, dc * i, dh * tanh(c_t)]       # ∂L/∂[i, f, g, o]
    dgates = da * [i(1-i), f(1-f), 1-g², o(1-o)]                # through σ and tanh
    dh_{t-1} = dgates W_hh ;  dc_{t-1} = dc * f
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

GATES = 4
HAS_CELL_STATE = True
SEPARATE_HIDDEN_BIAS = False  # b_hh folds into gx


@dataclass
class Trace:
    h: Tensor  # (T+1, B, H): h[0] = h_0, h[t+1] = h_t; zero where a sequence has ended
    c: Tensor  # (T+1, B, H)
    act: Tensor  # (T, B, 4H): activated gates [i, f, g, o]
    tanh_c: Tensor  # (T, B, H)
    mult: Tensor | None = None  # (T, B, 4H): backward multipliers, see prepare_backward
    o_dtanh: Tensor | None = None  # (T, B, H): o * (1 - tanh²(c))
    dgates: Tensor | None = None  # (T, B, 4H): ∂L/∂(pre-activation gates)


def new_trace(T: int, B: int, H: int, h0: Tensor, c0: Tensor, nonlinearity: str = "") -> Trace:
    h = h0.new_zeros(T + 1, B, H)
    c = h0.new_zeros(T + 1, B, H)
    h[0] = h0
    c[0] = c0
    return Trace(h=h, c=c, act=h0.new_empty(T, B, 4 * H), tanh_c=h0.new_zeros(T, B, H))


def forward_step(tr: Trace, t: int, n: int, gx_t: Tensor, W_hh_t: Tensor, b_hh: Tensor | None) -> None:
    H = tr.h.shape[-1]
    a = torch.addmm(gx_t, tr.h[t, :n], W_hh_t, out=tr.act[t, :n])  # (n, 4H) pre-activations
    a[:, : 2 * H].sigmoid_()  # i, f
    a[:, 2 * H : 3 * H].tanh_()  # g
    a[:, 3 * H :].sigmoid_()  # o
    i, f, g, o = a.split(H, dim=1)
    c = torch.mul(f, tr.c[t, :n], out=tr.c[t + 1, :n])
    c.addcmul_(i, g)  # c_t = f * c_{t-1} + i * g
    tc = torch.tanh(c, out=tr.tanh_c[t, :n])
    torch.mul(o, tc, out=tr.h[t + 1, :n])  # h_t = o * tanh(c_t)


def prepare_backward(tr: Trace) -> None:
    H = tr.h.shape[-1]
    i, f, g, o = tr.act.split(H, dim=2)
    deriv = tr.act * (1 - tr.act)  # σ' for i, f, o ...
    deriv[..., 2 * H : 3 * H] = 1 - g * g  # ... tanh' for g
    # da = [dc, dc, dc, dh] * [g, c_{t-1}, i, tanh(c)], so dgates = [dc, dc, dc, dh] * mult
    tr.mult = torch.cat([g, tr.c[:-1], i, tr.tanh_c], dim=2).mul_(deriv)  # (T, B, 4H)
    tr.o_dtanh = o * (1 - tr.tanh_c * tr.tanh_c)  # (T, B, H)
    tr.dgates = torch.zeros_like(tr.act)


def backward_step(tr: Trace, t: int, n: int, dh: Tensor, dc: Tensor, W_hh: Tensor) -> None:
    H = tr.h.shape[-1]
    dc.addcmul_(dh, tr.o_dtanh[t, :n])  # through h_t = o * tanh(c_t)
    m = tr.mult[t, :n]
    dg = tr.dgates[t, :n]
    torch.mul(m[:, : 3 * H].view(n, 3, H), dc.unsqueeze(1), out=dg[:, : 3 * H].view(n, 3, H))  # i, f, g
    torch.mul(m[:, 3 * H :], dh, out=dg[:, 3 * H :])  # o
    dc.mul_(tr.act[t, :n, H : 2 * H])  # dc_{t-1} = dc * f
    torch.mm(dg, W_hh, out=dh)  # dh_{t-1} = dgates W_hh


def input_gate_grads(tr: Trace) -> Tensor:
    """∂L/∂gx for all steps (T, B, 4H); for an LSTM the same as the recurrent gate gradient."""
    return tr.dgates


def hidden_gate_grads(tr: Trace) -> Tensor:
    return tr.dgates

