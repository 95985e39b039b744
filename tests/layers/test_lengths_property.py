"""Property: a padded batch with lengths gives the numbers of running each sequence alone."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnkit.layers.masking import padding_mask
from tests.layers.helpers import CELL_KINDS, as_tuple, make_pair


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(CELL_KINDS),
    lengths=st.lists(st.integers(1, 7), min_size=1, max_size=5),
    extra_pad=st.integers(0, 2),
    layers=st.integers(1, 2),
    bidir=st.booleans(),
    engine=st.sampled_from(["explicit", "fused"]),
    batch_first=st.booleans(),
)
def test_padded_batch_equals_each_sequence_alone(kind, lengths, extra_pad, layers, bidir, engine, batch_first):
    torch.manual_seed(len(lengths))
    layer, _ = make_pair(kind, 3, 4, num_layers=layers, bidirectional=bidir, engine=engine, batch_first=batch_first)
    layer = layer.double()
    T, B = max(lengths) + extra_pad, len(lengths)
    x = torch.randn(T, B, 3, dtype=torch.float64, requires_grad=True)
    xin = x.transpose(0, 1) if batch_first else x
    out, state = layer(xin, lengths=lengths)
    out = out.transpose(0, 1) if batch_first else out  # (T, B, DH)
    assert out.shape == (T, B, 4 * (2 if bidir else 1))
    (out.sum() + sum(s.sum() for s in as_tuple(state))).backward()
    grad_batch = x.grad.clone()

    for b, L in enumerate(lengths):
        xb = x.detach()[:L, b : b + 1].clone().requires_grad_(True)
        xb_in = xb.transpose(0, 1) if batch_first else xb
        out_b, state_b = layer(xb_in)
        out_b = out_b.transpose(0, 1) if batch_first else out_b
        torch.testing.assert_close(out[:L, b : b + 1], out_b)
        for s, s_b in zip(as_tuple(state), as_tuple(state_b), strict=True):
            torch.testing.assert_close(s[:, b : b + 1], s_b)
        (out_b.sum() + sum(s.sum() for s in as_tuple(state_b))).backward()
        torch.testing.assert_close(grad_batch[:L, b : b + 1], xb.grad)
    padded = ~padding_mask(lengths, T)  # (T, B): outputs there are exactly zero and feed no gradient
    assert out.detach()[padded].abs().sum() == 0 and grad_batch[padded].abs().sum() == 0
    assert int(padded.sum()) == T * B - sum(lengths)
