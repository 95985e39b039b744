r"""Gradient through time: ‖∂L/∂h_t‖ for every step t, layer and direction.

Letters: T time, B batch, H hidden, L layers, D directions.

∂L/∂h_t is the *total* derivative of the loss with respect to the hidden state at step t:
through the output at t and through every later step. For a loss read at the last step
only (the adding problem), it is the product of one Jacobian per step,

    ∂L/∂h_t = ∂L/∂h_T · ∏_{s=t+1..T} ∂h_s/∂h_{s-1},

so it shrinks (vanishes) or grows (explodes) geometrically with T - t. For a vanilla RNN
∂h_s/∂h_{s-1} = diag(1 - h_s²) W_hh, whose size is bounded by the spectral radius of
W_hh; the LSTM adds the path c_{s-1} → c_s with factor f, which is near 1 when the
forget gate stays open.

The norms come from the explicit engine's own backward (`rnnkit.record_state_grads`);
`tests/diagnostics` checks them against autograd through torch.nn cells.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from rnnkit.core.bptt import record_state_grads
from rnnkit.diagnostics._models import direction_names, explicit_engine, recurrent_layers
from rnnkit.layers.recurrent import RecurrentLayer


@dataclass
class GradientThroughTime:
    """‖∂L/∂h_t‖ per step, for each layer/direction named like its weights (``l0``, ``l0_reverse``;
    ``encoder.l0`` … when the model holds several recurrent modules)."""

    norms: dict[str, np.ndarray]  # name -> (T,) Frobenius norm over (B, H) of ∂L/∂h_t
    per_sequence: dict[str, np.ndarray]  # name -> (T, B) norm over H, per sequence
    spectral_radius: dict[str, np.ndarray]  # weight name -> (G,) spectral radius of each gate block of W_hh
    loss: float

    def ratio_first_last(self, name: str = "l0") -> float:
        """‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖: how much of the gradient survives the whole sequence."""
        n = self.norms[name]
        return float(n[0] / n[-1]) if n[-1] > 0 else float("nan")


def spectral_radius(layer: RecurrentLayer) -> dict[str, np.ndarray]:
    """Spectral radius (largest |eigenvalue|) of each (H, H) gate block of every ``weight_hh_*``."""
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(f"layer must be an rnnkit RNN, LSTM or GRU, got {type(layer).__name__}")
    H = layer.hidden_size
    radii = {}
    for name, p in layer.named_parameters():
        if name.startswith("weight_hh"):
            blocks = p.detach().double().cpu().split(H, dim=0)  # G blocks of (H, H)
            radii[name] = np.array([torch.linalg.eigvals(b).abs().max().item() for b in blocks])
    return radii


def gradient_through_time(model: nn.Module, batch: Any,
                          loss_fn: Callable[[nn.Module, Any], torch.Tensor]) -> GradientThroughTime:
    """Run ``loss_fn(model, batch)`` forward and backward and return ‖∂L/∂h_t‖ for every step.

    `model` holds one or more rnnkit recurrent modules (any number of stacked layers and
    directions each); they run on the explicit engine for this call. With one module the
    names are the weights' (``l0``, ``l0_reverse``); with several they carry the module's
    name in the model (``encoder.l0``, ``decoder.l0``), and so do the spectral radii.
    Parameter gradients are accumulated as by any backward; zero them afterwards if you
    train on.
    """
    modules = recurrent_layers(model)
    if not modules:
        raise ValueError(f"model must contain at least one rnnkit recurrent layer (RNN, LSTM or GRU), "
                         f"got none in a {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(model, batch), got {type(loss_fn).__name__}")
    with contextlib.ExitStack() as stack:
        for _, layer in modules:
            stack.enter_context(explicit_engine(layer))
        grads = stack.enter_context(record_state_grads())
        loss = loss_fn(model, batch)
        if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
            raise ValueError(f"loss_fn must return a scalar tensor, got {getattr(loss, 'shape', type(loss).__name__)}")
        loss.backward()
    norms, per_seq, radii = {}, {}, {}
    for mod_name, layer in modules:
        prefix = f"{mod_name or type(model).__name__}." if len(modules) > 1 else ""
        recorded = grads.of(layer)
        for k, d, name in direction_names(layer):
            if (k, d) not in recorded:
                raise ValueError(f"model: the recurrent module {mod_name or '<model>'!r} got no gradient through "
                                 f"time (layer {k}, direction {d}): it must run in loss_fn's forward pass and reach "
                                 "the loss")
            g = recorded[(k, d)].detach().double()  # (T, B, H)
            per_seq[prefix + name] = g.norm(dim=2).cpu().numpy()  # (T, B)
            norms[prefix + name] = g.norm(dim=(1, 2)).cpu().numpy()  # (T,)
        radii.update({prefix + w: r for w, r in spectral_radius(layer).items()})
    return GradientThroughTime(norms=norms, per_sequence=per_seq, spectral_radius=radii, loss=float(loss.detach()))
