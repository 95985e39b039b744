r"""Vanilla (Elman) RNN cell, tanh or ReLU, as torch.nn.RNN defines it.

Letters: B batch, T time, I input, H hidden; n ≤ B active rows at a step (a prefix)::

    gx_t = W_ih x_t + b_ih + b_hh               # (n, H), all t in one product
    h_t  = act(gx_t + W_hh h_{t-1})             # act = tanh or relu

Backward, with dh = ∂L/∂h_t::

    dpre = dh * act'(h_t)                       # tanh' = 1 - h², relu' = [h > 0]
    dh_{t-1} = dpre W_hh
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from rnnkit.core.cells.steps import per_step

GATES = 1
HAS_CELL_STATE = False
SEPARATE_HIDDEN_BIAS = False


class ForwardSteps(NamedTuple):
    h_prev: list[Tensor]  # h_{t-1}, per step (the active rows)
    h: list[Tensor]       # h_t


class BackwardSteps(NamedTuple):
    act_deriv: list[Tensor]  # act'(h_t)
    dpre: list[Tensor]       # ∂L/∂(pre-activation), written by backward_step


@dataclass
class Trace:
    h: Tensor  # (T+1, B, H): h[0] = h_0, h[t+1] = h_t; zero where a sequence has ended
    relu: bool
    batch_sizes: list[int]


def new_trace(T: int, B: int, H: int, h0: Tensor, c0: Tensor | None, nonlinearity: str,
              batch_sizes: list[int]) -> Trace:
    h = h0.new_zeros(T + 1, B, H)
    h[0] = h0
    tr = Trace(h=h, relu=nonlinearity == "relu", batch_sizes=batch_sizes)
    tr.fw = ForwardSteps(per_step(h[:-1], batch_sizes), per_step(h[1:], batch_sizes))
    return tr


def forward_step(tr: Trace, t: int, gx_t: Tensor, W_hh_t: Tensor, b_hh: Tensor | None) -> None:
    h_prev, h = tr.fw.h_prev[t], tr.fw.h[t]
    torch.addmm(gx_t, h_prev, W_hh_t, out=h)  # (n, H) pre-activation
    h.relu_() if tr.relu else h.tanh_()


def prepare_backward(tr: Trace) -> None:
    h = tr.h[1:]
    deriv = (h > 0).to(h.dtype) if tr.relu else 1 - h * h  # act'(h_t)
    tr.dpre = torch.zeros_like(h)  # (T, B, H): ∂L/∂(pre-activation)
    tr.bw = BackwardSteps(per_step(deriv, tr.batch_sizes), per_step(tr.dpre, tr.batch_sizes))


def backward_step(tr: Trace, t: int, dh: Tensor, dc: Tensor | None, W_hh: Tensor, dout_prev: Tensor | None) -> None:
    """dh: ∂L/∂h_t (n, H), overwritten with ∂L/∂h_{t-1} (+ dout_prev)."""
    dpre = torch.mul(dh, tr.bw.act_deriv[t], out=tr.bw.dpre[t])  # through act
    if dout_prev is None:
        torch.mm(dpre, W_hh, out=dh)  # dh_{t-1} = dpre W_hh
    else:
        torch.addmm(dout_prev, dpre, W_hh, out=dh)  # ... + ∂L/∂(output at t-1)


def input_gate_grads(tr: Trace) -> Tensor:
    return tr.dpre


def hidden_gate_grads(tr: Trace) -> Tensor:
    return tr.dpre
