"""Bad input raises ValueError/TypeError naming the argument, the expectation and what came."""

import pytest
import torch

import rnnkit


@pytest.fixture(params=["explicit", "fused"])
def lstm(request):
    return rnnkit.LSTM(3, 4, num_layers=2, engine=request.param)


def test_wrong_feature_size(lstm):
    with pytest.raises(ValueError, match=r"input_size=3.*got 5"):
        lstm(torch.randn(6, 2, 5))


def test_non_floating_input(lstm):
    with pytest.raises(TypeError, match=r"floating-point.*torch.int64"):
        lstm(torch.ones(6, 2, 3, dtype=torch.int64))


def test_not_a_tensor(lstm):
    with pytest.raises(TypeError, match=r"torch.Tensor, got list"):
        lstm([[1.0, 2.0, 3.0]])


def test_wrong_rank(lstm):
    with pytest.raises(ValueError, match=r"3-D.*got shape \(2, 6, 2, 3\)"):
        lstm(torch.randn(2, 6, 2, 3))


def test_dtype_mismatch_with_parameters(lstm):
    with pytest.raises(TypeError, match=r"float64 but the layer's parameters are torch.float32"):
        lstm(torch.randn(6, 2, 3, dtype=torch.float64))


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 2, 5), (1, 2, 4)])
def test_state_of_wrong_shape(lstm, shape):
    h = torch.zeros(shape)
    with pytest.raises(ValueError, match=r"state h must have shape \(2, 2, 4\)"):
        lstm(torch.randn(6, 2, 3), (h, torch.zeros(2, 2, 4)))


def test_state_of_wrong_dtype(lstm):
    with pytest.raises(TypeError, match=r"state c must have dtype torch.float32.*float64"):
        lstm(torch.randn(6, 2, 3), (torch.zeros(2, 2, 4), torch.zeros(2, 2, 4, dtype=torch.float64)))


def test_lstm_state_must_be_pair(lstm):
    with pytest.raises(TypeError, match=r"pair \(h, c\)"):
        lstm(torch.randn(6, 2, 3), torch.zeros(2, 2, 4))


def test_gru_state_must_be_one_tensor():
    with pytest.raises(TypeError, match=r"one tensor h"):
        rnnkit.GRU(3, 4)(torch.randn(6, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)))


@pytest.mark.parametrize(
    "lengths,err,match",
    [
        ([6], ValueError, r"one entry per sequence \(B=2\), got 1"),
        ([6, 0], ValueError, r"1\.\.T=6, got 0 at batch index 1"),
        ([7, 2], ValueError, r"1\.\.T=6, got 7 at batch index 0"),
        ([2.0, 3.0], TypeError, r"integers, got 2.0"),
        (torch.tensor([2.0, 3.0]), TypeError, r"integers, got a tensor of dtype torch.float32"),
        (torch.tensor([[2, 3]]), ValueError, r"1-D"),
        ("23", TypeError, r"got str"),
    ],
)
def test_bad_lengths(lstm, lengths, err, match):
    with pytest.raises(err, match=match):
        lstm(torch.randn(6, 2, 3), lengths=lengths)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"hidden_size": 0}, "hidden_size must be a positive integer, got 0"),
        ({"num_layers": 1.5}, "num_layers must be a positive integer, got 1.5"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
        ({"engine": "cuda"}, "engine must be one of"),
        ({"init": "normal"}, "init must be one of"),
    ],
)
def test_bad_config(kwargs, match):
    args = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        rnnkit.LSTM(**args)


def test_bad_nonlinearity():
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        rnnkit.RNN(3, 4, nonlinearity="sigmoid")


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="dropout=0.5 has no effect with num_layers=1"):
        rnnkit.GRU(3, 4, dropout=0.5)
