r"""Weight initialisers for recurrent layers.

Letters: H hidden, G gate blocks (LSTM 4 in order i, f, g, o; GRU 3 in order r, z, n;
RNN 1).

Schemes (the layer's ``init=`` argument):

- ``"xavier"`` (default): input weights Xavier/Glorot uniform per gate block (fan_in=I,
  fan_out=H), recurrent weights orthogonal per gate block, biases zero except the
  *keep gate*'s, which is ``forget_bias``: the LSTM's forget gate f (layer default 1, so
  the cell remembers from the start) and the GRU's update gate z (layer default 0).
- ``"he"``: as "xavier", but input weights He/Kaiming uniform (for ReLU RNNs).
- ``"torch"``: exactly torch.nn's: everything uniform in ±1/√H.
- ``"chrono"``: weights as "xavier", gate biases from the *chrono* initialisation of
  Tallec & Ollivier, "Can recurrent neural networks warp time?", ICLR 2018, §3:

      b_keep ~ log U(1, t_max - 1)    one draw per hidden unit

  A keep gate σ(b) makes a unit forget with time constant about 1 / (1 - σ(b)) = 1 + e^b
  steps, so these biases spread the units' memories over 2 … t_max steps, where
  ``t_max`` is the longest dependency the task is expected to have. LSTM:
  b_f ~ log U(1, t_max - 1) and b_i = -b_f (a unit that keeps long writes little);
  g and o zero. GRU (h_t = (1 - z) n + z h_{t-1}: z keeps, 1 - z writes, so z plays
  the forget gate and its write gate is already 1 - z): b_z ~ log U(1, t_max - 1);
  r and n zero. The vanilla RNN has no gate, so chrono does not apply to it.

Where a bias value goes: a gate's pre-activation adds ``bias_ih`` and ``bias_hh`` (in
the GRU both stay inside z's σ), so the whole value is written into ``bias_ih`` and the
matching slice of ``bias_hh`` is zero.

Orthogonal recurrent weights keep ‖W_hh h‖ = ‖h‖ at initialisation, so gradients through
time neither vanish nor explode in the first steps of training.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

SCHEMES = ("xavier", "he", "torch", "chrono")

# The keep gate's block (index into the G gate blocks) and, for chrono, the write gate's.
KEEP_GATE = {"LSTM": 1, "GRU": 1}  # LSTM i, f, g, o -> f ; GRU r, z, n -> z
WRITE_GATE = {"LSTM": 0}  # LSTM i; the GRU's write gate is 1 - z, set through z


def check_init(mode: str, scheme: str, t_max: object) -> None:
    """ValueErrors naming the argument: an unknown scheme, chrono on a gateless cell or without t_max >= 3."""
    if scheme not in SCHEMES:
        raise ValueError(f"init must be one of {SCHEMES}, got {scheme!r}")
    if scheme != "chrono":
        return
    if mode not in KEEP_GATE:
        raise ValueError(f"init='chrono' sets gate biases and needs an LSTM or GRU layer, got mode {mode!r} "
                         "(use init='xavier' for the vanilla RNN)")
    if not isinstance(t_max, int) or isinstance(t_max, bool) or t_max < 3:
        raise ValueError(f"t_max must be an integer >= 3 with init='chrono' (the longest dependency, in steps), "
                         f"got {t_max!r}")


def chrono_bias(hidden_size: int, t_max: int, generator: torch.Generator | None = None) -> Tensor:
    """(H,) keep-gate biases b = log u, u ~ U(1, t_max - 1) (Tallec & Ollivier 2018)."""
    u = torch.empty(hidden_size).uniform_(1.0, float(t_max - 1), generator=generator)  # (H,)
    return u.log()


def _per_block(weight: Tensor, hidden_size: int, fn) -> None:
    for block in weight.split(hidden_size, dim=0):  # one (H, ·) block per gate
        fn(block)


@torch.no_grad()
def init_layer_weights(params: dict[str, Tensor], hidden_size: int, scheme: str, mode: str,
                       forget_bias: float = 1.0, t_max: int | None = None) -> None:
    """Initialise ``weight_ih_*``, ``weight_hh_*``, ``bias_ih_*``, ``bias_hh_*`` in place.

    `mode` is the layer's cell ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"); `forget_bias` is
    the keep gate's bias under "xavier" and "he"; `t_max` the chrono horizon.
    """
    check_init(mode, scheme, t_max)
    H = hidden_size
    for name, p in params.items():
        if scheme == "torch":
            bound = 1.0 / math.sqrt(H)
            nn.init.uniform_(p, -bound, bound)
        elif name.startswith("weight_ih"):
            if scheme == "he":
                _per_block(p, H, lambda b: nn.init.kaiming_uniform_(b, nonlinearity="relu"))
            else:
                _per_block(p, H, nn.init.xavier_uniform_)
        elif name.startswith("weight_hh"):
            _per_block(p, H, nn.init.orthogonal_)
        elif name.startswith("bias"):
            p.zero_()
            if name.startswith("bias_ih") and mode in KEEP_GATE:
                _gate_biases(p, H, scheme, mode, forget_bias, t_max)


def _gate_biases(b_ih: Tensor, H: int, scheme: str, mode: str, forget_bias: float, t_max: int | None) -> None:
    """Write the keep gate's (and for chrono the LSTM input gate's) bias into one (G·H,) bias_ih."""
    keep = KEEP_GATE[mode]
    if scheme != "chrono":
        b_ih[keep * H : (keep + 1) * H] = forget_bias
        return
    b_keep = chrono_bias(H, t_max)  # (H,)
    b_ih[keep * H : (keep + 1) * H] = b_keep
    if mode in WRITE_GATE:
        w = WRITE_GATE[mode]
        b_ih[w * H : (w + 1) * H] = -b_keep  # LSTM: b_i = -b_f
