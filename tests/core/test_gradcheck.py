"""float64 gradcheck of the explicit engine's hand-derived BPTT."""

import pytest
import torch

import rnnkit
from tests.layers.helpers import CELL_KINDS


def _layer(kind, **kw):
    if kind.startswith("RNN"):
        return rnnkit.RNN(3, 4, nonlinearity=kind.split("_")[1].lower(), engine="explicit", **kw).double()
    return getattr(rnnkit, kind)(3, 4, engine="explicit", **kw).double()


CONFIGS = {
    "plain": dict(kw={}, lengths=None, state=False),
    "ragged": dict(kw={}, lengths=[5, 2, 4], state=False),
    "bidirectional_ragged": dict(kw={"bidirectional": True}, lengths=[3, 5, 1], state=False),
    "two_layers": dict(kw={"num_layers": 2}, lengths=None, state=False),
    "initial_state": dict(kw={"num_layers": 2, "bidirectional": True}, lengths=[5, 4, 2], state=True),
    "no_bias": dict(kw={"bias": False}, lengths=None, state=True),
}


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("kind", CELL_KINDS)
def test_gradcheck(kind, config):
    torch.manual_seed(0)
    c = CONFIGS[config]
    layer = _layer(kind, **c["kw"])
    D = 2 if layer.bidirectional else 1
    x = torch.randn(5, 3, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(layer.num_layers * D, 3, 4, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(layer.num_layers * D, 3, 4, dtype=torch.float64, requires_grad=True)
    params = list(layer.parameters())
    names = [n for n, _ in layer.named_parameters()]

    def f(x, h0, c0, *ps):
        state = None
        if c["state"]:
            state = (h0, c0) if kind == "LSTM" else h0
        out, st = torch.func.functional_call(layer, dict(zip(names, ps)), (x, state), {"lengths": c["lengths"]})
        st = st if isinstance(st, tuple) else (st,)
        return (out, *st)

    assert torch.autograd.gradcheck(f, (x, h0, c0, *params), eps=1e-6, atol=1e-7)
    assert layer.last_engine == "explicit"
