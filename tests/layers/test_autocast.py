"""The layers under torch.autocast (bfloat16 on CPU), as torch.nn's behave."""

import warnings

import pytest
import torch

import rnnkit
from rnnkit.core.lowp_check import check_fused_lowp

CELLS = [("LSTM", {}), ("GRU", {}), ("RNN", {"nonlinearity": "tanh"})]


def make(cell: str, kwargs: dict, engine: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return getattr(rnnkit, cell)(6, 8, num_layers=2, engine=engine, **kwargs)


def bf16():
    return torch.autocast("cpu", dtype=torch.bfloat16)


@pytest.mark.parametrize("cell, kwargs", CELLS)
def test_explicit_engine_computes_in_float32_under_autocast(cell, kwargs):
    layer = make(cell, kwargs, "explicit")
    x = torch.randn(5, 3, 6)
    ref_out, ref_state = layer(x)
    with bf16():
        out, state = layer(x.bfloat16())  # a bf16 input, as an earlier autocast layer would give
    assert out.dtype == torch.float32
    # same numbers as float32 up to the input's rounding to bfloat16
    torch.testing.assert_close(out, layer(x.bfloat16().float())[0])
    torch.testing.assert_close(out, ref_out, atol=2e-2, rtol=0)


@pytest.mark.parametrize("cell, kwargs", CELLS)
@pytest.mark.parametrize("engine", ["explicit", "fused"])
def test_state_round_trip_and_gradients_under_autocast(cell, kwargs, engine):
    layer = make(cell, kwargs, engine)
    ref = make(cell, kwargs, engine)
    x = torch.randn(2, 5, 3, 6)  # two TBPTT chunks of (T, B, I)
    with bf16():
        out1, state = layer(x[0])
        out2, _ = layer(x[1], state)  # the state comes back in whatever dtype the kernel returned
        loss = out2.float().pow(2).mean() + out1.float().pow(2).mean()
    loss.backward()
    r1, rstate = ref(x[0])
    r2, _ = ref(x[1], rstate)
    (r2.pow(2).mean() + r1.pow(2).mean()).backward()
    torch.testing.assert_close(out2.float(), r2, atol=5e-2, rtol=0)
    for (name, p), q in zip(layer.named_parameters(), ref.parameters()):
        assert p.grad.dtype == torch.float32, name  # weights and gradients stay float32
        cos = torch.nn.functional.cosine_similarity(p.grad.flatten(), q.grad.flatten(), dim=0)
        assert cos > 0.98, (name, float(cos))


def test_fused_lstm_runs_in_bfloat16_under_autocast_where_its_kernel_passed_the_check():
    layer = make("LSTM", {}, "fused")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # hosts without a trustworthy bf16 kernel say so
        with bf16():
            out, (h, c) = layer(torch.randn(5, 3, 6))
    trusted = check_fused_lowp(layer, torch.bfloat16).trusted  # cached: the verdict the call used
    # oneDNN's bf16 kernel, as torch.nn.LSTM; the float32 kernel where bf16 failed the check
    assert out.dtype == h.dtype == c.dtype == (torch.bfloat16 if trusted else torch.float32)


def test_bfloat16_input_outside_autocast_is_still_refused():
    layer = make("LSTM", {}, "explicit")
    with pytest.raises(TypeError, match="input has dtype torch.bfloat16 but the layer's parameters are torch.float32"):
        layer(torch.randn(5, 3, 6).bfloat16())
