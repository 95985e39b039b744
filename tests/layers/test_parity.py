"""rnnkit layers give torch.nn's numbers: outputs, final states and every gradient."""

import itertools

import pytest
import torch

from tests.layers.helpers import CELL_KINDS, as_tuple, make_pair, run_torch, scalar_loss

CASES = list(itertools.product(CELL_KINDS, (1, 2), (False, True), (False, True), (False, True), ("explicit", "fused")))
TOL = {torch.float64: 1e-6, torch.float32: 1e-4}


def _check(kind, layers, bidir, batch_first, ragged, engine, dtype, seed=0):
    torch.manual_seed(seed)
    T, B, I, H = 6, 4, 3, 5
    ours, ref = make_pair(kind, I, H, num_layers=layers, bidirectional=bidir, batch_first=batch_first, engine=engine)
    ours, ref = ours.to(dtype), ref.to(dtype)
    D = 2 if bidir else 1
    shape = (B, T, I) if batch_first else (T, B, I)
    x = torch.randn(shape, dtype=dtype, requires_grad=True)
    h0 = torch.randn(layers * D, B, H, dtype=dtype, requires_grad=True)
    c0 = torch.randn(layers * D, B, H, dtype=dtype, requires_grad=True)
    state = (h0, c0) if kind == "LSTM" else h0
    lengths = [6, 2, 5, 1] if ragged else None

    out, st = ours(x, state, lengths=lengths)
    assert ours.last_engine == engine
    out_r, st_r = run_torch(ref, x, state, lengths, batch_first)
    tol = TOL[dtype]
    torch.testing.assert_close(out, out_r, atol=tol, rtol=tol)
    for a, b in zip(as_tuple(st), as_tuple(st_r), strict=True):
        torch.testing.assert_close(a, b, atol=tol, rtol=tol)

    inputs = [x, h0] + ([c0] if kind == "LSTM" else [])
    g = torch.autograd.grad(scalar_loss(out, st), inputs + list(ours.parameters()))
    g_r = torch.autograd.grad(scalar_loss(out_r, st_r), inputs + list(ref.parameters()))
    names = ["x", "h0", "c0"][: len(inputs)] + [n for n, _ in ours.named_parameters()]
    for name, a, b in zip(names, g, g_r, strict=True):
        torch.testing.assert_close(a, b, atol=tol, rtol=tol, msg=lambda m, name=name: f"grad {name}: {m}")


@pytest.mark.parametrize("kind,layers,bidir,batch_first,ragged,engine", CASES)
def test_parity_float64(kind, layers, bidir, batch_first, ragged, engine):
    _check(kind, layers, bidir, batch_first, ragged, engine, torch.float64)


@pytest.mark.parametrize("kind,layers,bidir,batch_first,ragged,engine", CASES)
def test_parity_float32(kind, layers, bidir, batch_first, ragged, engine):
    _check(kind, layers, bidir, batch_first, ragged, engine, torch.float32, seed=1)


def test_padded_outputs_are_zero_and_final_state_is_own_last_step():
    torch.manual_seed(0)
    ours, _ = make_pair("LSTM", 3, 4, bidirectional=True, engine="explicit")
    x = torch.randn(5, 2, 3)
    out, (h, _) = ours(x, lengths=[5, 2])
    assert out[2:, 1].abs().max() == 0
    alone, (h_alone, _) = ours(x[:2, 1:2])
    torch.testing.assert_close(h[:, 1:2], h_alone)
    torch.testing.assert_close(out[:2, 1:2], alone)
