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

import torch
from torch import Tensor

GATES = 1
HAS_CELL_STATE = False
SEPARATE_HIDDEN_BIAS = False


@dataclass
class Trace:
    h: Tensor  # (T+1, B, H): h[0] = h_0, h[t+1] = h_t; zero where a sequence has ended
    relu: bool
    deriv: Tensor | None = None  # (T, B, H): act'(h_t)
    dpre: Tensor | None = None  # (T, B, H): ∂L/∂(pre-activation)


def new_trace(T: int, B: int, H: int, h0: Tensor, c0: Tensor | None = None, nonlinearity: str = "tanh") -> Trace:
    h = h0.new_zeros(T + 1, B, H)
    h[0] = h0
    return Trace(h=h, relu=nonlinearity == "relu")


def forward_step(tr: Trace, t: int, n: int, gx_t: Tensor, W_hh_t: Tensor, b_hh: Tensor | None) -> None:
    h = torch.addmm(gx_t, tr.h[t, :n], W_hh_t, out=tr.h[t + 1, :n])  # (n, H) pre-activation
    h.relu_() if tr.relu else h.tanh_()


def prepare_backward(tr: Trace) -> None:
    h = tr.h[1:]
    tr.deriv = (h > 0).to(h.dtype) if tr.relu else 1 - h * h
    tr.dpre = torch.zeros_like(h)


def backward_step(tr: Trace, t: int, n: int, dh: Tensor, dc: Tensor | None, W_hh: Tensor) -> None:
    dpre = torch.mul(dh, tr.deriv[t, :n], out=tr.dpre[t, :n])  # through act
    torch.mm(dpre, W_hh, out=dh)  # dh_{t-1} = dpre W_hh


def input_gate_grads(tr: Trace) -> Tensor:
    return tr.dpre


def hidden_gate_grads(tr: Trace) -> Tensor:
    return tr.dpre

