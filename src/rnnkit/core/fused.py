"""Dispatch to PyTorch's native multi-layer RNN kernels (oneDNN on CPU, cuDNN on CUDA).

``flat_weights`` is torch.nn's order: for each layer, for each direction,
``W_ih, W_hh[, b_ih, b_hh]``. Variable lengths go through PyTorch's packed sequences,
exactly as torch.nn.LSTM does with ``pack_padded_sequence``.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

KERNELS = {"LSTM": torch.lstm, "GRU": torch.gru, "RNN_TANH": torch.rnn_tanh, "RNN_RELU": torch.rnn_relu}


def run_fused(mode: str, x: Tensor, hx: Tensor | tuple[Tensor, Tensor], flat_weights: list[Tensor],
              bias: bool, num_layers: int, dropout: float, training: bool, bidirectional: bool,
              lengths: Tensor | None):
    """x: (T, B, I); hx: (L*D, B, H) or a pair of them; lengths: CPU int64 (B,) or None.

    Returns out (T, B, D*H) and the final state in the same form as ``hx``.
    """
    kernel = KERNELS[mode]
    lstm = mode == "LSTM"
    hx_list = list(hx) if lstm else [hx]
    if lengths is None:
        result = kernel(x, hx_list if lstm else hx, flat_weights, bias, num_layers, dropout, training,
                        bidirectional, False)
        out, hidden = result[0], result[1:]
    else:
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
        hx_sorted = [h.index_select(1, packed.sorted_indices) for h in hx_list]
        result = kernel(packed.data, packed.batch_sizes, hx_sorted if lstm else hx_sorted[0], flat_weights,
                        bias, num_layers, dropout, training, bidirectional)
        out_packed = PackedSequence(result[0], packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        out = pad_packed_sequence(out_packed, total_length=x.shape[0])[0]
        hidden = tuple(h.index_select(1, packed.unsorted_indices) for h in result[1:])
    return out, (tuple(hidden) if lstm else hidden[0])
