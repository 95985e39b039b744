r"""GRU cell as torch.nn.GRU defines it, gate order r, z, n.

Letters: B batch, T time, I input, H hidden; n ≤ B active rows at a step (a prefix).
The hidden bias b_hh stays separate because r multiplies the hidden part of n::

    gx_t = W_ih x_t + b_ih                      # (n, 3H), all t in one product
    gh_t = W_hh h_{t-1} + b_hh                  # (n, 3H)
    r = σ(gx_r + gh_r) ;  z = σ(gx_z + gh_z)
    n = tanh(gx_n + r * gh_n)
    h_t = (1 - z) * n + z * h_{t-1}  =  n + z * (h_{t-1} - n)

Backward, with dh = ∂L/∂h_t; every pre-activation gradient is dh times a factor p known
from the forward pass, so `prepare_backward` computes the p's for all steps before the
time loop::

    p_n = (1 - z) * (1 - n²)           dn_pre = dh * p_n      # through h_t and tanh
    p_z = (h_{t-1} - n) * z(1-z)       dz_pre = dh * p_z      # through h_t and σ
    p_r = p_n * gh_n * r(1-r)          dr_pre = dh * p_r      # through r * gh_n and σ
    dgx = [dr_pre, dz_pre, dn_pre]
    dgh = [dr_pre, dz_pre, dn_pre * r] = dh * p_gh,   p_gh = [p_r, p_z, p_n * r]
    dh_{t-1} = dh * z + dgh W_hh

The update gate z is the *keep* gate (z → 1 copies h_{t-1}: ∂h_t/∂h_{t-1} = diag(z) + the
paths through n) and 1 - z the write gate, so z plays the LSTM's forget gate: ``init="chrono"``
(`rnnkit.core.init`) draws b_z ~ log U(1, t_max - 1) (Tallec & Ollivier 2018, their
b_f), and "xavier" sets b_z = forget_bias (default 0). b_r and b_n stay 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from rnnkit.core.cells.steps import per_step

GATES = 3
HAS_CELL_STATE = False
SEPARATE_HIDDEN_BIAS = True


class ForwardSteps(NamedTuple):
    """Per-step views (one list entry per t, the active rows) that forward_step writes into."""

    h_prev: list[Tensor]   # h_{t-1}
    h: list[Tensor]        # h_t
    gh: list[Tensor]       # W_hh h_{t-1} + b_hh (n, 3H)
    gh_rz: list[Tensor]    # its r, z blocks
    gh_n: list[Tensor]     # its n block
    rz: list[Tensor]       # [r, z] (n, 2H)
    r: list[Tensor]
    z: list[Tensor]
    n: list[Tensor]


class BackwardSteps(NamedTuple):
    """Per-step views of the factors prepare_backward computes and the gradients backward_step writes."""

    p_gh: list[Tensor]       # (n, 3, H): dgh = dh * p_gh
    p_n: list[Tensor]        # (n, H):    dn_pre = dh * p_n
    dgh: list[Tensor]        # (n, 3H): ∂L/∂gh
    dgh_gates: list[Tensor]  # (n, 3, H) view of dgh
    dn_pre: list[Tensor]     # (n, H): the n block of dgx
    z: list[Tensor]


@dataclass
class Trace:
    h: Tensor  # (T+1, B, H): h[0] = h_0, h[t+1] = h_t; zero where a sequence has ended
    gh: Tensor  # (T, B, 3H): W_hh h_{t-1} + b_hh
    act: Tensor  # (T, B, 3H): [r, z, n]
    batch_sizes: list[int]


def new_trace(T: int, B: int, H: int, h0: Tensor, c0: Tensor | None, nonlinearity: str,
              batch_sizes: list[int]) -> Trace:
    h = h0.new_zeros(T + 1, B, H)
    h[0] = h0
    tr = Trace(h=h, gh=h0.new_empty(T, B, 3 * H), act=h0.new_empty(T, B, 3 * H), batch_sizes=batch_sizes)
    steps = lambda x: per_step(x, batch_sizes)  # noqa: E731
    tr.fw = ForwardSteps(steps(h[:-1]), steps(h[1:]), steps(tr.gh), steps(tr.gh[..., : 2 * H]),
                         steps(tr.gh[..., 2 * H :]), steps(tr.act[..., : 2 * H]), steps(tr.act[..., :H]),
                         steps(tr.act[..., H : 2 * H]), steps(tr.act[..., 2 * H :]))
    return tr


def forward_step(tr: Trace, t: int, gx_t: Tensor, W_hh_t: Tensor, b_hh: Tensor | None) -> None:
    H = tr.h.shape[-1]
    h_prev, h, gh, gh_rz, gh_n, rz, r, z, n = (s[t] for s in tr.fw)  # the ForwardSteps fields
    if b_hh is None:
        torch.mm(h_prev, W_hh_t, out=gh)
    else:
        torch.addmm(b_hh, h_prev, W_hh_t, out=gh)  # (n, 3H)
    torch.add(gx_t[:, : 2 * H], gh_rz, out=rz).sigmoid_()  # r, z
    torch.mul(r, gh_n, out=n).add_(gx_t[:, 2 * H :]).tanh_()  # n = tanh(gx_n + r * gh_n)
    torch.sub(h_prev, n, out=h).mul_(z).add_(n)  # h_t = n + z * (h_{t-1} - n)


def prepare_backward(tr: Trace) -> None:
    T, B, H3 = tr.act.shape
    H = H3 // 3
    r, z, n = tr.act.split(H, dim=2)
    gh_n = tr.gh[..., 2 * H :]
    p_n = (1 - z) * (1 - n * n)  # ∂h_t/∂n_pre
    p_z = (tr.h[:-1] - n) * z * (1 - z)  # ∂h_t/∂z_pre
    p_r = p_n * gh_n * r * (1 - r)  # ∂h_t/∂r_pre
    p_gh = torch.cat([p_r, p_z, p_n * r], dim=2)  # (T, B, 3H): dgh = dh * p_gh
    tr.dgh = torch.zeros_like(tr.act)  # (T, B, 3H)
    tr.dgx = torch.zeros_like(tr.act)  # (T, B, 3H)
    steps = lambda x: per_step(x, tr.batch_sizes)  # noqa: E731
    tr.bw = BackwardSteps(steps(p_gh.view(T, B, 3, H)), steps(p_n), steps(tr.dgh), steps(tr.dgh.view(T, B, 3, H)),
                          steps(tr.dgx[..., 2 * H :]), steps(z))


def backward_step(tr: Trace, t: int, dh: Tensor, dc: Tensor | None, W_hh: Tensor, dout_prev: Tensor | None) -> None:
    """dh: ∂L/∂h_t (n, H), overwritten with ∂L/∂h_{t-1} (+ dout_prev)."""
    p_gh, p_n, dgh, dgh_gates, dn_pre, z = (s[t] for s in tr.bw)  # the BackwardSteps fields
    torch.mul(p_gh, dh.unsqueeze(1), out=dgh_gates)  # dgh = [dr_pre, dz_pre, dn_pre * r]
    torch.mul(dh, p_n, out=dn_pre)  # dgx's n block (its r, z blocks equal dgh's: input_gate_grads)
    if dout_prev is None:
        dh.mul_(z)  # through z * h_{t-1}
    else:
        torch.addcmul(dout_prev, dh, z, out=dh)
    dh.addmm_(dgh, W_hh)  # ... plus through gh = W_hh h_{t-1}


def input_gate_grads(tr: Trace) -> Tensor:
    H = tr.h.shape[-1]
    tr.dgx[..., : 2 * H] = tr.dgh[..., : 2 * H]  # r and z gradients are shared
    return tr.dgx


def hidden_gate_grads(tr: Trace) -> Tensor:
    return tr.dgh
