"""One module per cell family; each gives the equations, a forward step and a backward step.

A cell module exposes the same small interface, which `rnnkit.core.bptt` drives over time:

- ``GATES``: how many H-wide blocks the input projection has (RNN 1, GRU 3, LSTM 4).
- ``HAS_CELL_STATE``: whether the state is ``(h, c)`` rather than ``h``.
- ``Trace``: the tensors the forward pass stores for the backward pass.
- ``forward_step(tr, t, n, gx_t, W_hh_t, b_hh)``: step t for the first n (active) rows.
- ``prepare_backward(tr)``: everything of the backward that needs no incoming gradient,
  computed for all steps at once (few large ops instead of many small ones).
- ``backward_step(tr, t, n, dh, dc, W_hh)``: step t in reverse; updates dh (and dc) in
  place to the gradient w.r.t. the previous state and records the gate gradients.
"""

from rnnkit.core.cells import gru, lstm, rnn

CELLS = {"LSTM": lstm, "GRU": gru, "RNN_TANH": rnn, "RNN_RELU": rnn}

__all__ = ["CELLS", "gru", "lstm", "rnn"]
