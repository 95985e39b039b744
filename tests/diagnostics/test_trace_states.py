"""The gate-level trace reproduces the layer; saturation and correlation give known values."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.diagnostics import correlated_units, gate_saturation, position_signal, quote_signal, trace_layer, trace_model


@pytest.mark.parametrize("cls,kw", [
    (rnnkit.LSTM, {}), (rnnkit.GRU, {}), (rnnkit.RNN, {}), (rnnkit.RNN, {"nonlinearity": "relu"}),
    (rnnkit.LSTM, {"num_layers": 2, "bidirectional": True}), (rnnkit.GRU, {"num_layers": 2, "batch_first": True}),
])
def test_trace_h_equals_layer_output(cls, kw):
    torch.manual_seed(0)
    layer = cls(3, 6, init="torch", **kw).eval()
    x = torch.randn(4, 9, 3) if kw.get("batch_first") else torch.randn(9, 4, 3)  # T = 9
    out, state = layer(x)
    tr = trace_layer(layer, x)
    want = out.transpose(0, 1) if kw.get("batch_first") else out
    torch.testing.assert_close(tr.output, want, atol=1e-6, rtol=0)
    h_n = state[0] if isinstance(state, tuple) else state
    D = layer.num_directions
    for j, d in enumerate(tr.directions):  # final states: last step forward, first step reverse
        last = d.h[0] if d.name.endswith("reverse") else d.h[-1]
        torch.testing.assert_close(last, h_n[j], atol=1e-6, rtol=0)
    if layer.mode == "LSTM":
        torch.testing.assert_close(tr["l0"].c[-1], state[1][0], atol=1e-6, rtol=0)
        assert set(tr["l0"].gates) == {"i", "f", "g", "o"}
    assert len(tr.directions) == layer.num_layers * D


def test_trace_model_through_embedding():
    torch.manual_seed(0)

    class CharModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.rnn, self.out = nn.Embedding(10, 4), rnnkit.LSTM(4, 8), nn.Linear(8, 10)

        def forward(self, ids):
            h, _ = self.rnn(self.emb(ids))
            return self.out(h)

    model = CharModel()
    ids = torch.randint(0, 10, (12, 2))
    tr = trace_model(model, ids)
    want, _ = model.rnn(model.emb(ids))
    torch.testing.assert_close(tr.output, want, atol=1e-6, rtol=0)
    assert model.training  # mode restored


def test_gate_saturation_known_values():
    lstm = rnnkit.LSTM(2, 4)
    with torch.no_grad():
        for p in lstm.parameters():
            p.zero_()
        lstm.bias_ih_l0[:4] = 10.0  # i: always open (σ(10) > 0.9)
        lstm.bias_ih_l0[4:8] = -10.0  # f: always closed
        # o: σ(0) = 0.5, neither
    rows = {r.gate: r for r in gate_saturation(trace_layer(lstm, torch.randn(5, 3, 2)))}
    assert set(rows) == {"i", "f", "o"}
    assert (rows["i"].low, rows["i"].high) == (0.0, 1.0)
    assert (rows["f"].low, rows["f"].high) == (1.0, 0.0)
    assert (rows["o"].low, rows["o"].high) == (0.0, 0.0) and rows["o"].mean == pytest.approx(0.5)
    with pytest.raises(ValueError, match="0 < low < high < 1"):
        gate_saturation(trace_layer(lstm, torch.randn(5, 3, 2)), low=0.9, high=0.1)


def test_correlated_units_finds_the_unit_that_copies_the_signal():
    rnn = rnnkit.RNN(1, 3, nonlinearity="relu")
    with torch.no_grad():
        for p in rnn.parameters():
            p.zero_()
        rnn.weight_ih_l0[1, 0] = 1.0  # unit 1: h = relu(x) = x for x >= 0
        rnn.weight_ih_l0[2, 0] = 0.5
        rnn.bias_ih_l0[2] = -0.5  # unit 2: relu(x/2 - 1/2), partly correlated
    signal = np.array([0, 1, 1, 0, 2, 3, 0, 1], dtype=float)
    tr = trace_layer(rnn, torch.tensor(signal, dtype=torch.float32)[:, None])  # (T, I) unbatched
    top = correlated_units(tr, signal, top=2)
    assert (top[0].name, top[0].unit) == ("l0", 1) and top[0].r == pytest.approx(1.0, abs=1e-6)
    assert top[1].unit == 2 and 0.5 < top[1].r < 1.0
    with pytest.raises(ValueError, match=r"one number per time step, shape \(8,\)"):
        correlated_units(tr, signal[:5])
    with pytest.raises(ValueError, match="must vary"):
        correlated_units(tr, np.ones(8))


def test_quote_and_position_signals():
    np.testing.assert_array_equal(quote_signal('a "bc" d'), [0, 0, 1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(quote_signal(["he", "said", '"hi', 'there"', "."]), [0, 0, 1, 1, 0])
    np.testing.assert_array_equal(position_signal(3), [0, 1, 2])
    with pytest.raises(TypeError, match="text must be a string"):
        quote_signal(5)
    with pytest.raises(ValueError, match="must not be empty"):
        quote_signal("")


def test_trace_errors():
    with pytest.raises(TypeError, match="layer must be an rnnkit"):
        trace_layer(nn.GRU(2, 2), torch.randn(3, 2))
    with pytest.raises(ValueError, match="must have 2 features"):
        trace_layer(rnnkit.GRU(2, 2), torch.randn(3, 1, 5))
