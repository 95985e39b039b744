"""Chrono initialisation (Tallec & Ollivier 2018) and the keep-gate bias: values, distribution, errors."""

from __future__ import annotations

import math

import pytest
import torch
from scipy import stats

import rnnkit
from rnnkit.core.init import chrono_bias
from rnnkit.layers.factory import make_layer

N = 4096  # draws for the bias distribution itself
H = 512  # units of the layers (orthogonal W_hh of 4096 units would take seconds)


def _ks_log_uniform(b: torch.Tensor, t_max: int) -> float:
    """Kolmogorov-Smirnov p-value of exp(b) against U(1, t_max - 1)."""
    return stats.kstest(b.exp().double().numpy(), stats.uniform(loc=1, scale=t_max - 2).cdf).pvalue


def test_chrono_bias_is_log_uniform():
    torch.manual_seed(0)
    b = chrono_bias(N, 200)
    u = b.exp()
    assert u.min() >= 1 and u.max() <= 199
    assert u.min() < 1.5 and u.max() > 198.5  # the whole range is covered
    assert u.mean().item() == pytest.approx(100, abs=3)  # E[u] = t_max / 2, sd of the mean ≈ 0.9
    assert _ks_log_uniform(b, 200) > 0.01
    assert _ks_log_uniform(b + 0.1, 200) < 1e-6  # the test can tell a shifted distribution


def test_lstm_chrono_forget_and_input_biases():
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(3, H, init="chrono", t_max=100)
    b_i, b_f, b_g, b_o = lstm.bias_ih_l0.detach().split(H)  # gate order i, f, g, o
    assert _ks_log_uniform(b_f, 100) > 0.01
    assert b_f.min() >= 0 and b_f.max() <= math.log(99) + 1e-6
    assert torch.equal(b_i, -b_f)  # b_i = -b_f
    assert b_g.abs().sum() == 0 and b_o.abs().sum() == 0
    assert lstm.bias_hh_l0.abs().sum() == 0  # the whole value sits in bias_ih


def test_gru_chrono_update_gate_bias():
    torch.manual_seed(1)
    gru = rnnkit.GRU(3, H, init="chrono", t_max=50)
    b_r, b_z, b_n = gru.bias_ih_l0.detach().split(H)  # gate order r, z, n; z keeps h_{t-1}
    assert _ks_log_uniform(b_z, 50) > 0.01
    assert b_r.abs().sum() == 0 and b_n.abs().sum() == 0
    assert gru.bias_hh_l0.abs().sum() == 0


def test_chrono_keeps_xavier_orthogonal_weights_and_covers_every_layer_and_direction():
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(3, 8, num_layers=2, bidirectional=True, init="chrono", t_max=20)
    for name, p in lstm.named_parameters():
        if name.startswith("weight_hh"):
            for block in p.detach().split(8):
                torch.testing.assert_close(block @ block.T, torch.eye(8), atol=1e-5, rtol=0)
        if name.startswith("bias_ih"):
            b_f = p.detach()[8:16]
            assert b_f.min() >= 0 and b_f.exp().max() <= 19, name
    assert not torch.equal(lstm.bias_ih_l0[8:16], lstm.bias_ih_l1_reverse[8:16])  # a fresh draw per direction


def test_chrono_through_make_layer():
    torch.manual_seed(0)
    gru = make_layer("gru", 2, 16, init="chrono", t_max=30)
    assert gru.bias_ih_l0[16:32].min() >= 0 and gru.bias_ih_l0[16:32].max() > 0.5


def test_gru_forget_bias_sets_the_update_gate_under_xavier():
    gru = rnnkit.GRU(3, 5, forget_bias=2.0)
    b_r, b_z, b_n = gru.bias_ih_l0.detach().split(5)
    assert torch.equal(b_z, torch.full((5,), 2.0))
    assert b_r.abs().sum() == 0 and b_n.abs().sum() == 0
    assert rnnkit.GRU(3, 5).bias_ih_l0.abs().sum() == 0  # default 0: unchanged GRU start


@pytest.mark.parametrize("build,msg", [
    (lambda: rnnkit.RNN(2, 4, init="chrono", t_max=10), "init='chrono' sets gate biases and needs an LSTM or GRU"),
    (lambda: rnnkit.LSTM(2, 4, init="chrono"), "t_max must be an integer >= 3 with init='chrono'.*got None"),
    (lambda: rnnkit.GRU(2, 4, init="chrono", t_max=2), "t_max must be an integer >= 3.*got 2"),
    (lambda: rnnkit.LSTM(2, 4, init="glorot"), "init must be one of .*got 'glorot'"),
])
def test_chrono_errors_name_the_argument(build, msg):
    with pytest.raises(ValueError, match=msg):
        build()
