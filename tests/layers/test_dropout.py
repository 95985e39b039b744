import math

import pytest
import torch

from rnnkit.layers.dropout import Dropout, dropout, keep_mask


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5, 0.9])
def test_mask_keeps_each_element_with_probability_one_minus_p(p):
    torch.manual_seed(0)
    keep, q = keep_mask((400, 1000), p)
    assert keep.dtype == torch.bool and keep.shape == (400, 1000)
    assert abs(q - (1 - p)) <= 2 ** -17
    n = keep.numel()
    # the kept share of 400,000 draws lies within 5 standard errors of q
    assert abs(keep.float().mean().item() - q) < 5 * math.sqrt(q * (1 - q) / n)
    # no pattern across the four 16-bit lanes of one random word, nor along rows
    lanes = keep.flatten()[: n - n % 4].view(-1, 4).float().mean(0)
    assert torch.allclose(lanes, torch.full((4,), q), atol=5 * math.sqrt(q * (1 - q) / (n / 4)))
    same = (keep[:, 1:] == keep[:, :-1]).float().mean().item()   # neighbours agree as often as chance says
    assert abs(same - (q * q + (1 - q) ** 2)) < 0.01


def test_output_is_unbiased_and_the_gradient_is_the_scaled_mask():
    torch.manual_seed(1)
    x = torch.randn(200, 500, dtype=torch.float64, requires_grad=True)
    y = dropout(x, 0.25)
    kept = y != 0
    q = round(0.75 * 2 ** 16) / 2 ** 16
    assert torch.allclose(y[kept], x[kept] / q)
    y.sum().backward()
    assert torch.equal(x.grad, kept.double() / q)
    # E[y] = x: the mean of many draws on a constant input
    ones = torch.ones(2_000_000)
    assert abs(dropout(ones, 0.3).mean().item() - 1.0) < 5 * math.sqrt(0.3 / 0.7 / ones.numel())


def test_module_contract_matches_torch_dropout():
    x = torch.randn(4, 8)
    layer = Dropout(0.5)
    assert torch.equal(layer.eval()(x), x)                  # identity in eval mode
    assert torch.equal(Dropout(0.0).train()(x), x)
    assert torch.equal(Dropout(1.0).train()(x), torch.zeros_like(x))
    bf = torch.randn(64, 32, dtype=torch.bfloat16)
    assert layer.train()(bf).dtype == torch.bfloat16
    torch.manual_seed(3)
    a = layer(x)
    torch.manual_seed(3)
    assert torch.equal(a, layer(x))                         # the global seed fixes the mask
    assert repr(layer) == "Dropout(p=0.5)"
    with pytest.raises(ValueError, match=r"p: expected a dropout probability in \[0, 1\], got 1.5"):
        Dropout(1.5)
