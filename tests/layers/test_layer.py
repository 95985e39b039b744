"""Layer features beyond parity: state_dict round trips, learned initial state, dropout
between layers, initialisers, truncated BPTT, unbatched input, recorded gradients."""

import pytest
import torch

import rnnkit
from tests.layers.helpers import make_pair


def test_state_dict_moves_both_ways():
    ours = rnnkit.GRU(3, 5, num_layers=2, bidirectional=True)
    ref = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [(k, v.shape) for k, v in ref.state_dict().items()]
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(ours(x)[0], ref(x)[0])


def test_learned_initial_state_is_used_and_trained():
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(2, 3, num_layers=2, learn_initial_state=True, engine="explicit")
    with torch.no_grad():
        lstm.initial_h.fill_(0.5)
        lstm.initial_c.fill_(-0.25)
    x = torch.randn(4, 3, 2)
    out, _ = lstm(x)
    h0 = (torch.full((2, 3, 3), 0.5), torch.full((2, 3, 3), -0.25))
    torch.testing.assert_close(out, lstm(x, h0)[0])
    out.sum().backward()
    assert lstm.initial_h.grad.abs().sum() > 0 and lstm.initial_c.grad.abs().sum() > 0


@pytest.mark.parametrize("engine", ["explicit", "fused"])
def test_dropout_only_between_layers(engine):
    torch.manual_seed(0)
    x = torch.randn(5, 4, 3)
    one = rnnkit.LSTM(3, 4, num_layers=1, engine=engine)
    with pytest.warns(UserWarning):
        one_d = rnnkit.LSTM(3, 4, num_layers=1, dropout=0.9, engine=engine)
    one_d.load_state_dict(one.state_dict())
    torch.testing.assert_close(one_d.train()(x)[0], one(x)[0])  # no dropout after the last layer
    two = rnnkit.LSTM(3, 4, num_layers=2, dropout=0.9, engine=engine).train()
    a, b = two(x)[0], two(x)[0]
    assert not torch.allclose(a, b)  # dropout acts between the layers in training...
    two.eval()
    torch.testing.assert_close(two(x)[0], two(x)[0])  # ...and not in evaluation


def test_xavier_orthogonal_forget_bias_default():
    lstm = rnnkit.LSTM(6, 8)
    W_hh = lstm.weight_hh_l0
    for block in W_hh.detach().split(8):
        torch.testing.assert_close(block @ block.T, torch.eye(8), atol=1e-5, rtol=0)
    b = lstm.bias_ih_l0.detach()
    assert torch.equal(b[8:16], torch.ones(8)) and b[:8].abs().sum() == 0 and b[16:].abs().sum() == 0
    assert lstm.bias_hh_l0.abs().sum() == 0
    bound = (6 / (6 + 8)) ** 0.5  # Xavier uniform per gate block
    assert lstm.weight_ih_l0.abs().max() <= bound


def test_he_and_torch_inits():
    he = rnnkit.RNN(50, 64, nonlinearity="relu", init="he")
    assert he.weight_ih_l0.abs().max() <= (6 / 50) ** 0.5
    assert he.weight_ih_l0.abs().max() > (6 / (50 + 64)) ** 0.5  # wider than Xavier
    t = rnnkit.GRU(3, 16, init="torch")
    assert all(p.abs().max() <= 0.25 for p in t.parameters())
    assert t.bias_ih_l0.abs().sum() > 0


def test_truncated_bptt_stops_gradient_at_chunk_boundary():
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(2, 3, engine="explicit")
    x = torch.randn(10, 1, 2, requires_grad=True)
    _, state = lstm(x[:5])
    out, _ = lstm(x[5:], rnnkit.detach_state(state))
    out.sum().backward()
    assert x.grad[:5].abs().max() == 0  # nothing flows back past the boundary
    assert x.grad[5:].abs().min() > 0
    x.grad = None
    _, state = lstm(x[:5])
    lstm(x[5:], state)[0].sum().backward()  # without the detach it would flow
    assert x.grad[:5].abs().min() > 0


@pytest.mark.parametrize("engine", ["explicit", "fused"])
def test_unbatched_input(engine):
    torch.manual_seed(0)
    ours, ref = make_pair("LSTM", 3, 4, num_layers=2, engine=engine)
    x = torch.randn(6, 3)
    out, (h, c) = ours(x)
    out_r, (h_r, c_r) = ref(x)
    assert out.shape == (6, 4) and h.shape == (2, 4)
    torch.testing.assert_close(out, out_r)
    torch.testing.assert_close(c, c_r)


def test_auto_engine_reports_and_switches_while_recording():
    lstm = rnnkit.LSTM(3, 4)
    x = torch.randn(5, 2, 3)
    lstm(x)
    assert lstm.last_engine == "fused"
    with rnnkit.record_state_grads():
        lstm(x)
    assert lstm.last_engine == "explicit"
    gru, rnn = rnnkit.GRU(3, 4), rnnkit.RNN(3, 4)
    gru(x), rnn(x)
    assert (gru.last_engine, rnn.last_engine) == ("explicit", "explicit")  # faster than torch.nn's CPU loop


@pytest.mark.parametrize("bidirectional", [False, True])
def test_auto_lstm_takes_the_explicit_engine_for_ragged_lengths_on_the_cpu_with_the_same_numbers(bidirectional):
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(3, 4, num_layers=2, bidirectional=bidirectional)
    fused = rnnkit.LSTM(3, 4, num_layers=2, bidirectional=bidirectional, engine="fused")
    fused.load_state_dict(lstm.state_dict())
    x = torch.randn(7, 3, 3, requires_grad=True)
    lengths = torch.tensor([7, 2, 5])
    out, (h, c) = lstm(x, lengths=lengths)
    assert lstm.last_engine == "explicit"  # torch's packed CPU kernel is 1.5-2.9x slower
    out_f, (h_f, c_f) = fused(x, lengths=lengths)
    for a, b in ((out, out_f), (h, h_f), (c, c_f)):
        torch.testing.assert_close(a, b)
    (g,) = torch.autograd.grad(out.sum() + h.sum(), x)
    (g_f,) = torch.autograd.grad(out_f.sum() + h_f.sum(), x)
    torch.testing.assert_close(g, g_f)
    lstm(x, lengths=torch.tensor([7, 7, 7]))  # every sequence full: oneDNN's kernel, no packing
    assert lstm.last_engine == "fused"


def test_recorded_state_grads_equal_autograd():
    """dL/dh_t recorded in the hand-written backward = autograd through an LSTMCell loop."""
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(3, 4, engine="explicit").double()
    cell = torch.nn.LSTMCell(3, 4).double()
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    with rnnkit.record_state_grads() as grads:
        out, _ = lstm(x)
        out[-1].pow(2).sum().backward()
    h = c = torch.zeros(2, 4, dtype=torch.float64)
    hs = []
    for t in range(7):
        h, c = cell(x[t], (h, c))
        h.retain_grad()
        hs.append(h)
    hs[-1].pow(2).sum().backward()
    expected = torch.stack([h.grad for h in hs])
    torch.testing.assert_close(grads[(0, 0)], expected)


def test_recorded_grads_in_input_order_with_lengths_and_reverse():
    torch.manual_seed(0)
    gru = rnnkit.GRU(2, 3, bidirectional=True, engine="explicit").double()
    x = torch.randn(5, 3, 2, dtype=torch.float64)
    lengths = [2, 5, 3]
    with rnnkit.record_state_grads() as grads:
        out, _ = gru(x, lengths=lengths)
        out.sum().backward()
    for b, L in enumerate(lengths):
        with rnnkit.record_state_grads() as alone:
            o, _ = gru(x[:L, b : b + 1])
            o.sum().backward()
        for key in [(0, 0), (0, 1)]:
            torch.testing.assert_close(grads[key][:L, b : b + 1], alone[key])
            assert grads[key][L:, b].abs().sum() == 0
