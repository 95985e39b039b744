"""Weight initialisers for recurrent layers.

Schemes (the layer's ``init=`` argument):

- ``"xavier"`` (default): input weights Xavier/Glorot uniform per gate block (fan_in=I,
  fan_out=H), recurrent weights orthogonal per gate block, biases zero, and for the LSTM
  a forget-gate bias of ``forget_bias`` (default 1) so the cell remembers from the start.
- ``"he"``: as "xavier", but input weights He/Kaiming uniform (for ReLU RNNs).
- ``"torch"``: exactly torch.nn's: everything uniform in ±1/√H.

Orthogonal recurrent weights keep ‖W_hh h‖ = ‖h‖ at initialisation, so gradients through
time neither vanish nor explode in the first steps of training.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

SCHEMES = ("xavier", "he", "torch")


def _per_block(weight: Tensor, hidden_size: int, fn) -> None:
    for block in weight.split(hidden_size, dim=0):  # one (H, ·) block per gate
        fn(block)


@torch.no_grad()
def init_layer_weights(params: dict[str, Tensor], hidden_size: int, scheme: str, lstm: bool,
                       forget_bias: float = 1.0) -> None:
    """Initialise ``weight_ih_*``, ``weight_hh_*``, ``bias_ih_*``, ``bias_hh_*`` in place."""
    if scheme not in SCHEMES:
        raise ValueError(f"init must be one of {SCHEMES}, got {scheme!r}")
    H = hidden_size
    for name, p in params.items():
        if scheme == "torch":
            bound = 1.0 / math.sqrt(H)
            nn.init.uniform_(p, -bound, bound)
        elif name.startswith("weight_ih"):
            if scheme == "xavier":
                _per_block(p, H, nn.init.xavier_uniform_)
            else:
                _per_block(p, H, lambda b: nn.init.kaiming_uniform_(b, nonlinearity="relu"))
        elif name.startswith("weight_hh"):
            _per_block(p, H, nn.init.orthogonal_)
        elif name.startswith("bias"):
            p.zero_()
            if lstm and name.startswith("bias_ih"):
                p[H : 2 * H] = forget_bias  # gate order i, f, g, o
