"""The float32 check of fused kernels under autocast (rnnkit.core.lowp_check).

The wrong kernel of the bug (oneDNN's AMX bf16 LSTM backward) exists only on some Intel
hosts, so the guard is tested with stand-in paths: one that perturbs the gradients
(must be refused) and one that agrees with float32 (must be kept). The last test runs
the real kernel of whatever host runs it and asserts what users get: gradients within
2 % of float32.
"""

import json
import warnings

import pytest
import torch

import rnnkit
from rnnkit.core import lowp_check
from rnnkit.core.fused import run_fused
from rnnkit.layers import recurrent
from tests.training.training_helpers import classification_task, quiet_config

BF16 = torch.bfloat16


class ScaleGrad(torch.autograd.Function):
    """Identity forward; the gradient times `scale` backward (a kernel with a wrong backward)."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None


def wrong_backward(scale=1.3):
    def run(mode, x, hx, weights, *rest):
        return run_fused(mode, x, hx, [ScaleGrad.apply(w, scale) for w in weights], *rest)
    return run


def float32_as_lowp(mode, x, hx, weights, *rest):
    return run_fused(mode, x, hx, weights, *rest)  # agrees with float32 exactly


@pytest.fixture(autouse=True)
def fresh_verdicts():
    lowp_check.clear_verdicts()
    yield
    lowp_check.clear_verdicts()


@pytest.fixture
def spy_kernel(monkeypatch):
    """Records, for every fused call of a layer, whether autocast was on inside it (then runs
    the float32 kernel: not every host has a bf16 one)."""
    seen = []

    def spy(*args):
        seen.append(torch.is_autocast_enabled("cpu"))
        with torch.autocast("cpu", enabled=False):
            return run_fused(*args)

    monkeypatch.setattr(recurrent, "run_fused", spy)
    return seen


def test_probe_measures_the_gradient_error_of_the_path_under_test():
    layer = rnnkit.LSTM(6, 16, num_layers=2, bidirectional=True)
    bad = lowp_check.probe_layer(layer, BF16, lowp_run=wrong_backward(1.3))
    assert not bad.trusted and bad.worst_error == pytest.approx(0.3, rel=1e-4)
    assert bad.worst_parameter in dict(layer.named_parameters()) and "exceeds" in bad.reason
    good = lowp_check.probe_layer(layer, BF16, lowp_run=float32_as_lowp)
    assert good.trusted and good.worst_error == 0.0 and "within" in good.reason
    slightly_off = lowp_check.probe_layer(layer, BF16, lowp_run=wrong_backward(1.01))
    assert slightly_off.trusted and slightly_off.worst_error == pytest.approx(0.01, rel=1e-3)


def test_a_kernel_that_raises_is_not_trusted():
    def raises(*args):
        raise RuntimeError("could not create a primitive descriptor for the LSTM forward propagation primitive. "
                           "Run workload with ONEDNN_VERBOSE=all")

    verdict = lowp_check.probe_layer(rnnkit.LSTM(4, 8), BF16, lowp_run=raises)
    assert not verdict.trusted and verdict.worst_error == float("inf")
    assert verdict.reason == "the kernel raised: could not create a primitive descriptor for the LSTM forward " \
                             "propagation primitive"


def test_layer_falls_back_to_the_float32_kernel_when_the_probe_disagrees(monkeypatch):
    monkeypatch.setattr(lowp_check, "_autocast_run", lambda device, amp: wrong_backward(1.3))
    torch.manual_seed(0)
    layer = rnnkit.LSTM(6, 16)
    x = torch.randn(7, 3, 6)
    with pytest.warns(UserWarning, match="failed its gradient check: largest gradient error 30.00%"):
        with torch.autocast("cpu", dtype=BF16):
            out, (h, c) = layer(x)
    assert out.dtype == h.dtype == torch.float32  # the float32 kernel ran (the autocast one returns bfloat16)
    out.sum().backward()
    got = [p.grad.clone() for p in layer.parameters()]
    layer.zero_grad()
    layer(x)[0].sum().backward()  # plain float32
    for g, p in zip(got, layer.parameters()):
        torch.testing.assert_close(g, p.grad)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: the cached verdict does not warn again
        with torch.autocast("cpu", dtype=BF16):
            layer(x)


def test_layer_keeps_the_autocast_kernel_when_the_probe_agrees(monkeypatch, spy_kernel):
    calls = []

    def counting_run(device, amp):
        calls.append(amp)
        return float32_as_lowp

    monkeypatch.setattr(lowp_check, "_autocast_run", counting_run)
    layer = rnnkit.LSTM(6, 16)
    with torch.autocast("cpu", dtype=BF16):
        layer(torch.randn(7, 3, 6))
        layer(torch.randn(9, 2, 6))  # same configuration: the cached verdict, no second probe
        rnnkit.LSTM(6, 32)(torch.randn(7, 3, 6))  # another hidden size: probed again
    assert spy_kernel == [True, True, True] and len(calls) == 2
    layer(torch.randn(7, 3, 6))  # outside autocast nothing is probed
    assert len(calls) == 2


def test_trainer_records_the_verdict_in_config_json(monkeypatch, tmp_path):
    monkeypatch.setattr(lowp_check, "_autocast_run", lambda device, amp: wrong_backward(1.5))
    task = classification_task(rnnkit_layer=True)
    with pytest.warns(UserWarning, match="failed its gradient check"):
        rnnkit.Trainer(task, quiet_config(tmp_path, max_steps=2, precision="bf16")).fit()
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["precision"] == "bf16"
    assert saved["lowp_kernels"]["rnn"]["trusted"] is False
    assert saved["lowp_kernels"]["rnn"]["worst_error"] == pytest.approx(0.5, rel=1e-4)
    fp32_dir = tmp_path / "fp32"
    rnnkit.Trainer(classification_task(rnnkit_layer=True),
                   quiet_config(tmp_path, run_dir=str(fp32_dir), max_steps=2, precision="fp32")).fit()
    assert json.loads((fp32_dir / "config.json").read_text())["lowp_kernels"] == {}


@pytest.mark.parametrize("hidden", [512, 1024])
def test_bf16_gradients_of_this_hosts_lstm_agree_with_float32(hidden):
    """What the user gets through engine="auto" on this host, whatever its bf16 kernel does."""
    torch.manual_seed(0)
    layer = rnnkit.LSTM(64, hidden)
    x = torch.randn(16, 8, 64).bfloat16().float()
    proj = torch.randn(16, 8, hidden)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a host without a trustworthy kernel says so; that is fine here
        with torch.autocast("cpu", dtype=BF16):
            out, _ = layer(x)
    (out.float() * proj).sum().backward()
    lowp = {n: p.grad.clone() for n, p in layer.named_parameters()}
    layer.zero_grad()
    (layer(x)[0] * proj).sum().backward()
    for n, p in layer.named_parameters():
        err = float((lowp[n] - p.grad).norm() / p.grad.norm())
        assert err <= 0.02, (n, err)
