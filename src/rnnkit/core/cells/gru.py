r"""GRU cell as torch.nn.GRU defines it, gate order r, z, n.

Letters: B batch, T time, I input, H hidden; n ≤ B active rows at a step (a prefix).
The hidden bias b_hh stays separate because r multiplies the hidden part of n::

    gx_t = W_ih x_t + b_ih                      # (n, 3H), all t in one product
    gh_t = W_hh h_{t-1} + b_hh                  # (n, 3H)
    r = σ(gx_r + gh_r) ;  z = σ(gx_z + gh_z)
    n = tanh(gx_n + r * gh_n)
    h_t = (1 - z) * n + z * h_{t-1}  =  n + z * (h_{t-1} - n)

Backward, with dh = ∂L/∂h_t; every gate gradient is dh times a factor known from the
forward pass, so the factors are computed for all steps before the time loop::

    dn_pre = dh * (1 - z) * (1 - n²)                  # through h_t and tanh
    dz_pre = dh * (h_{t-1} - n) * z(1-z)              # through h_t and σ
    dr_pre = dn_pre * gh_n * r(1-r)                   # through r * gh_n and σ
    dgx = [dr_pre, dz_pre, dn_pre] ;  dgh = [dr_pre, dz_pre, dn_pre * r]
    dh_{t-1} = dh * z + dgh W_hh
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

GATES = 3
HAS_CELL_STATE = False
SEPARATE_HIDDEN_BIAS = True


@dataclass
class Trace:
    h: Tensor  # (T+1, B, H): h[0] = h_0, h[t+1] = h_t; zero where a sequence has ended
    gh: Tensor  # (T, B, 3H): W_hh h_{t-1} + b_hh
    act: Tensor  # (T, B, 3H): [r, z, n]
    mult_h: Tensor | None = None  # (T, B, 3H): dgh = dh * mult_h
    mult_n: Tensor | None = None  # (T, B, H): dgx_n = dh * mult_n
    dgh: Tensor | None = None  # (T, B, 3H)
    dgx: Tensor | None = None  # (T, B, 3H)


def new_trace(T: int, B: int, H: int, h0: Tensor, c0: Tensor | None = None, nonlinearity: str = "") -> Trace:
    h = h0.new_zeros(T + 1, B, H)
    h[0] = h0
    return Trace(h=h, gh=h0.new_empty(T, B, 3 * H), act=h0.new_empty(T, B, 3 * H))


def forward_step(tr: Trace, t: int, n: int, gx_t: Tensor, W_hh_t: Tensor, b_hh: Tensor | None) -> None:
    H = tr.h.shape[-1]
    h_prev = tr.h[t, :n]
    gh = tr.gh[t, :n]
    if b_hh is None:
        torch.mm(h_prev, W_hh_t, out=gh)
    else:
        torch.addmm(b_hh, h_prev, W_hh_t, out=gh)  # (n, 3H)
    a = tr.act[t, :n]
    rz = torch.add(gx_t[:, : 2 * H], gh[:, : 2 * H], out=a[:, : 2 * H]).sigmoid_()
    r, z = rz.split(H, dim=1)
    nn_ = torch.mul(r, gh[:, 2 * H :], out=a[:, 2 * H :])
    nn_.add_(gx_t[:, 2 * H :]).tanh_()  # n = tanh(gx_n + r * gh_n)
    h = torch.sub(h_prev, nn_, out=tr.h[t + 1, :n])
    h.mul_(z).add_(nn_)  # h_t = n + z * (h_{t-1} - n)


def prepare_backward(tr: Trace) -> None:
    H = tr.h.shape[-1]
    r, z, n = tr.act.split(H, dim=2)
    gh_n = tr.gh[..., 2 * H :]
    p_n = (1 - z) * (1 - n * n)  # ∂h_t/∂n_pre
    p_z = (tr.h[:-1] - n) * z * (1 - z)  # ∂h_t/∂z_pre
    p_r = p_n * gh_n * r * (1 - r)  # ∂h_t/∂r_pre
    tr.mult_h = torch.cat([p_r, p_z, p_n * r], dim=2)  # (T, B, 3H)
    tr.mult_n = p_n
    tr.dgh = torch.zeros_like(tr.act)
    tr.dgx = torch.zeros_like(tr.act)


def backward_step(tr: Trace, t: int, n: int, dh: Tensor, dc: Tensor | None, W_hh: Tensor) -> None:
    H = tr.h.shape[-1]
    dg = tr.dgh[t, :n]
    torch.mul(tr.mult_h[t, :n].view(n, 3, H), dh.unsqueeze(1), out=dg.view(n, 3, H))
    torch.mul(dh, tr.mult_n[t, :n], out=tr.dgx[t, :n, 2 * H :])  # dn_pre
    dh.mul_(tr.act[t, :n, H : 2 * H])  # through z * h_{t-1}
    dh.addmm_(dg, W_hh)  # ... plus through gh = W_hh h_{t-1}


def input_gate_grads(tr: Trace) -> Tensor:
    H = tr.h.shape[-1]
    tr.dgx[..., : 2 * H] = tr.dgh[..., : 2 * H]  # r and z gradients are shared
    return tr.dgx


def hidden_gate_grads(tr: Trace) -> Tensor:
    return tr.dgh

