r"""LSTM cell, in PyTorch's gate order i, f, g, o (so weights move to torch.nn.LSTM unchanged).

Letters: B batch, T time, I input, H hidden; n ≤ B rows are active at a step (the batch is
sorted by length, longest first, so the active rows are always a prefix).

Forward, with gx_t = W_ih x_t + b_ih + b_hh precomputed for all t in one matrix product::

    [i, f, g, o] = [σ, σ, tanh, σ](gx_t + W_hh h_{t-1})        # (n, 4H)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Backward, with dh = ∂L/∂h_t (from the output at t and from step t+1) and dc = ∂L/∂c_t
(from step t+1)::

    dc  += dh * o_dtanh,    o_dtanh = o * (1 - tanh²(c_t))      # through h_t = o * tanh(c_t)
    da   = [dc * g, dc * c_{t-1}, dc * i, dh * tanh(c_t)]       # ∂L/∂[i, f, g, o]
    dgates = da * [i(1-i), f(1-f), 1-g², o(1-o)]                # through σ and tanh
    dh_{t-1} = dgates W_hh ;  dc_{t-1} = dc * f

Every factor but dc and dh is known after the forward pass, so `prepare_backward`
computes them for all steps at once: with mult = [g, c_{t-1}, i, tanh(c_t)] *
[i(1-i), f(1-f), 1-g², o(1-o)], the loop only does dgates_ifg = dc * mult_ifg and
dgates_o = dh * mult_o.

The forget gate f keeps c_{t-1}: ∂c_t/∂c_{t-1} = f, so b_f sets how long the cell
remembers at the start. ``init="chrono"`` (`rnnkit.core.init`) draws
b_f ~ log U(1, t_max - 1) and b_i = -b_f (Tallec & Ollivier 2018); "xavier" sets
b_f = forget_bias (default 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from rnnkit.core.cells.steps import per_step

GATES = 4
HAS_CELL_STATE = True
SEPARATE_HIDDEN_BIAS = False  # b_hh folds into gx


class ForwardSteps(NamedTuple):
    """Per-step views (one list entry per t, the active rows) that forward_step writes into."""

    h_prev: list[Tensor]    # h_{t-1}
    h: list[Tensor]         # h_t
    c_prev: list[Tensor]    # c_{t-1}
    c: list[Tensor]         # c_t
    tanh_c: list[Tensor]    # tanh(c_t)
    pre: list[Tensor]       # gx_t + W_hh h_{t-1}, all four gates (n, 4H)
    pre_g: list[Tensor]     # its g block
    act: list[Tensor]       # [i, f, g, o] activated (n, 4H)
    i: list[Tensor]
    f: list[Tensor]
    g: list[Tensor]
    o: list[Tensor]


class BackwardSteps(NamedTuple):
    """Per-step views of the factors prepare_backward computes and the gradients backward_step writes."""

    o_dtanh: list[Tensor]     # o (1 - tanh²(c_t))
    mult_ifg: list[Tensor]    # (n, 3, H): dgates_ifg = dc * mult_ifg
    mult_o: list[Tensor]      # (n, H):    dgates_o = dh * mult_o
    dgates: list[Tensor]      # (n, 4H): ∂L/∂ pre-activations [i, f, g, o]
    dgates_ifg: list[Tensor]  # (n, 3, H) view of its i, f, g blocks
    dgates_o: list[Tensor]    # (n, H) view of its o block
    f: list[Tensor]


@dataclass
class Trace:
    h: Tensor  # (T+1, B, H): h[0] = h_0, h[t+1] = h_t; zero where a sequence has ended
    c: Tensor  # (T+1, B, H)
    act: Tensor  # (T, B, 4H): activated gates [i, f, g, o]
    tanh_c: Tensor  # (T, B, H)
    batch_sizes: list[int]


def new_trace(T: int, B: int, H: int, h0: Tensor, c0: Tensor, nonlinearity: str,
              batch_sizes: list[int]) -> Trace:
    h = h0.new_zeros(T + 1, B, H)
    c = h0.new_zeros(T + 1, B, H)
    h[0] = h0
    c[0] = c0
    tr = Trace(h=h, c=c, act=h0.new_empty(T, B, 4 * H), tanh_c=h0.new_zeros(T, B, H), batch_sizes=batch_sizes)
    pre = h0.new_empty(T, B, 4 * H)  # scratch for the pre-activations
    gate = lambda x, k: x[..., k * H : (k + 1) * H]  # noqa: E731
    steps = lambda x: per_step(x, batch_sizes)  # noqa: E731
    tr.fw = ForwardSteps(steps(h[:-1]), steps(h[1:]), steps(c[:-1]), steps(c[1:]), steps(tr.tanh_c), steps(pre),
                         steps(gate(pre, 2)), steps(tr.act), *(steps(gate(tr.act, k)) for k in range(4)))
    return tr


def forward_step(tr: Trace, t: int, gx_t: Tensor, W_hh_t: Tensor, b_hh: Tensor | None) -> None:
    h_prev, h, c_prev, c, tanh_c, pre, pre_g, act, i, f, g, o = (s[t] for s in tr.fw)  # the ForwardSteps fields
    torch.addmm(gx_t, h_prev, W_hh_t, out=pre)  # (n, 4H) pre-activations
    torch.sigmoid(pre, out=act)  # i, f, o (and g, overwritten next)
    torch.tanh(pre_g, out=g)
    torch.mul(f, c_prev, out=c).addcmul_(i, g)  # c_t = f * c_{t-1} + i * g
    torch.mul(o, torch.tanh(c, out=tanh_c), out=h)  # h_t = o * tanh(c_t)


def prepare_backward(tr: Trace) -> None:
    H = tr.h.shape[-1]
    T, B = tr.act.shape[:2]
    i, f, g, o = tr.act.split(H, dim=2)
    # da = [dc, dc, dc, dh] * [g, c_{t-1}, i, tanh(c)] and dgates = da * [σ', σ', tanh', σ'],
    # so dgates = [dc, dc, dc, dh] * mult with mult known before the loop:
    deriv = torch.addcmul(tr.act, tr.act, tr.act, value=-1)  # σ' = a - a² for i, f, o ...
    deriv[..., 2 * H : 3 * H].add_(1).sub_(g)  # ... tanh' = 1 - g² for g (g - g² + 1 - g)
    mult = torch.cat([g, tr.c[:-1], i, tr.tanh_c], dim=2).mul_(deriv)  # (T, B, 4H)
    o_dtanh = torch.addcmul(o, o * tr.tanh_c, tr.tanh_c, value=-1)  # o (1 - tanh²(c)), (T, B, H)
    ragged = tr.batch_sizes[-1] < B
    tr.dgates = torch.zeros_like(tr.act) if ragged else torch.empty_like(tr.act)  # ∂L/∂(pre-activations)
    steps = lambda x: per_step(x, tr.batch_sizes)  # noqa: E731
    tr.bw = BackwardSteps(steps(o_dtanh), steps(mult[..., : 3 * H].view(T, B, 3, H)), steps(mult[..., 3 * H :]),
                          steps(tr.dgates), steps(tr.dgates[..., : 3 * H].view(T, B, 3, H)),
                          steps(tr.dgates[..., 3 * H :]), steps(f))


def backward_step(tr: Trace, t: int, dh: Tensor, dc: Tensor, W_hh: Tensor, dout_prev: Tensor | None) -> None:
    """dh, dc: ∂L/∂h_t, ∂L/∂c_t (n, H), overwritten with ∂L/∂h_{t-1} (+ dout_prev), ∂L/∂c_{t-1}."""
    o_dtanh, mult_ifg, mult_o, dgates, dgates_ifg, dgates_o, f = (s[t] for s in tr.bw)  # the BackwardSteps fields
    dc.addcmul_(dh, o_dtanh)  # through h_t = o * tanh(c_t)
    torch.mul(mult_ifg, dc.unsqueeze(1), out=dgates_ifg)  # through c_t = f * c_{t-1} + i * g and σ, tanh
    torch.mul(mult_o, dh, out=dgates_o)  # through h_t's o and σ
    dc.mul_(f)  # dc_{t-1} = dc * f
    if dout_prev is None:
        torch.mm(dgates, W_hh, out=dh)  # dh_{t-1} = dgates W_hh
    else:
        torch.addmm(dout_prev, dgates, W_hh, out=dh)  # ... + ∂L/∂(output at t-1)


def input_gate_grads(tr: Trace) -> Tensor:
    """∂L/∂gx for all steps (T, B, 4H); for an LSTM the same as the recurrent gate gradient."""
    return tr.dgates


def hidden_gate_grads(tr: Trace) -> Tensor:
    return tr.dgates

