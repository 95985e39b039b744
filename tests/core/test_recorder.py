"""`record_state_grads` keyed by module: an encoder and a decoder record apart, each equal to autograd."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import rnnkit


class EncoderDecoder(nn.Module):
    """GRU encoder -> its final state starts an LSTM decoder of a different hidden size."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = rnnkit.GRU(3, 4, engine="explicit")
        self.decoder = rnnkit.LSTM(2, 4, engine="explicit")

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _, h = self.encoder(x)  # (1, B, 4)
        out, _ = self.decoder(y, (h, torch.zeros_like(h)))  # (T_dec, B, 4)
        return out


def _autograd_state_grads(model: EncoderDecoder, x, y) -> tuple[torch.Tensor, torch.Tensor]:
    """Oracle: the same weights in torch.nn cells, one step at a time, retain_grad on every h_t."""
    enc = nn.GRUCell(3, 4, dtype=torch.float64)
    dec = nn.LSTMCell(2, 4, dtype=torch.float64)
    enc.load_state_dict({k[:-3]: v for k, v in model.encoder.state_dict().items()})
    dec.load_state_dict({k[:-3]: v for k, v in model.decoder.state_dict().items()})
    h = x.new_zeros(x.shape[1], 4)
    hs_enc, hs_dec = [], []
    for t in range(x.shape[0]):
        h = enc(x[t], h)
        h.retain_grad()
        hs_enc.append(h)
    c = torch.zeros_like(h)
    for t in range(y.shape[0]):
        h, c = dec(y[t], (h, c))
        h.retain_grad()
        hs_dec.append(h)
    torch.stack(hs_dec).pow(2).sum().backward()
    return torch.stack([h.grad for h in hs_enc]), torch.stack([h.grad for h in hs_dec])


def test_two_modules_record_separately_and_equal_autograd():
    torch.manual_seed(0)
    model = EncoderDecoder().double()
    x = torch.randn(6, 2, 3, dtype=torch.float64)  # encoder: T = 6
    y = torch.randn(4, 2, 2, dtype=torch.float64)  # decoder: T = 4
    with rnnkit.record_state_grads() as grads:
        model(x, y).pow(2).sum().backward()
    enc, dec = grads.of(model.encoder), grads.of(model.decoder)
    assert list(enc) == [(0, 0)] and list(dec) == [(0, 0)]
    assert enc[(0, 0)].shape == (6, 2, 4) and dec[(0, 0)].shape == (4, 2, 4)
    want_enc, want_dec = _autograd_state_grads(model, x, y)
    torch.testing.assert_close(enc[(0, 0)], want_enc)
    torch.testing.assert_close(dec[(0, 0)], want_dec)
    assert enc[(0, 0)][-1].abs().sum() > 0  # the decoder's gradient reaches the encoder's last state


def test_ambiguous_short_key_is_refused_and_one_module_keeps_it():
    torch.manual_seed(0)
    model = EncoderDecoder()
    with rnnkit.record_state_grads() as grads:
        model(torch.randn(5, 1, 3), torch.randn(3, 1, 2)).sum().backward()
    with pytest.raises(KeyError, match=r"2 recurrent modules recorded \(layer, direction\) = \(0, 0\).*grads.of"):
        grads[(0, 0)]
    with pytest.raises(KeyError, match=r"no recorded gradient for \(layer, direction\) = \(1, 0\)"):
        grads[(1, 0)]
    lstm = rnnkit.LSTM(2, 3, num_layers=2)
    with rnnkit.record_state_grads() as one:
        lstm(torch.randn(4, 1, 2))[0].sum().backward()
    assert sorted(one) == [(0, 0), (1, 0)] and len(one) == 2
    torch.testing.assert_close(one[(1, 0)], one.of(lstm)[(1, 0)])
    assert one.of(model.encoder) == {}  # a module that did not run has no entry
