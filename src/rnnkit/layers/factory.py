"""One place that turns a cell name into an rnnkit recurrent layer.

Cell names (the ``cell=`` of every task config and CLI flag):

- ``"lstm"``: `rnnkit.LSTM`
- ``"gru"``: `rnnkit.GRU`
- ``"rnn_tanh"``, ``"rnn_relu"``: `rnnkit.RNN` with that nonlinearity
"""

from __future__ import annotations

from typing import Any

from rnnkit.layers.recurrent import GRU, LSTM, RNN, RecurrentLayer

CELL_NAMES = ("lstm", "gru", "rnn_tanh", "rnn_relu")


def check_cell(cell: Any, name: str = "cell") -> None:
    """A ValueError naming `name` unless `cell` is one of CELL_NAMES."""
    if cell not in CELL_NAMES:
        raise ValueError(f"{name}: expected one of {', '.join(CELL_NAMES)}, got {cell!r}")


def make_layer(cell: str, input_size: int, hidden_size: int, **kwargs: Any) -> RecurrentLayer:
    """An rnnkit layer from a cell name; `kwargs` go to the layer (num_layers, bidirectional, init, …).

    ``forget_bias``, the keep gate's bias (LSTM f, GRU z), is dropped for the gateless RNN.
    """
    check_cell(cell)
    if cell == "lstm":
        return LSTM(input_size, hidden_size, **kwargs)
    if cell == "gru":
        return GRU(input_size, hidden_size, **kwargs)
    kwargs.pop("forget_bias", None)
    return RNN(input_size, hidden_size, nonlinearity=cell[4:], **kwargs)
