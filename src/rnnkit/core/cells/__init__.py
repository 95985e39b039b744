"""One module per cell family; each gives the equations, a forward step and a backward step.

A cell module exposes the same small interface, which `rnnkit.core.bptt` drives over time:

- ``GATES``: how many H-wide blocks the input projection has (RNN 1, GRU 3, LSTM 4).
- ``HAS_CELL_STATE``: whether the state is ``(h, c)`` rather than ``h``.
- ``Trace``: the tensors the forward pass stores for the backward pass.
- ``new_trace(T, B, H, h0, c0, nonlinearity, batch_sizes)``: storage for the forward pass.
- ``forward_step(tr, t, gx_t, W_hh_t, b_hh)``: step t for the rows still running.
- ``prepare_backward(tr)``: everything of the backward that needs no incoming gradient,
  computed for all steps at once (few large ops instead of many small ones).
- ``backward_step(tr, t, dh, dc, W_hh, dout_prev)``: step t in reverse; overwrites dh
  (and dc) with the gradient w.r.t. the previous state and records the gate gradients.

Per-step tensors are views made once per sequence by `per_step` (Python indexing inside
the time loop would cost more than the math at small sizes).
"""

from rnnkit.core.cells import gru, lstm, rnn
from rnnkit.core.cells.steps import per_step

CELLS = {"LSTM": lstm, "GRU": gru, "RNN_TANH": rnn, "RNN_RELU": rnn}

__all__ = ["CELLS", "gru", "lstm", "per_step", "rnn"]
