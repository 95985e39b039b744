"""Masking and pooling over valid steps: exact values, padding invisible (property test)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnkit.layers.masking import last_valid, masked_max, masked_mean, padding_mask


def test_known_values():
    x = torch.arange(12.0).view(4, 3, 1)  # x[t, b] = 3t + b
    lengths = [4, 1, 2]
    assert padding_mask(lengths, 4).T.tolist() == [[True] * 4, [True, False, False, False], [True, True, False, False]]
    assert last_valid(x, lengths).flatten().tolist() == [9.0, 1.0, 5.0]
    assert masked_mean(x, lengths).flatten().tolist() == [4.5, 1.0, 3.5]
    assert masked_max(-x, lengths).flatten().tolist() == [0.0, -1.0, -2.0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=5), st.integers(0, 3), st.integers(0, 10**6))
def test_padding_never_reaches_the_result(lengths, extra, seed):
    g = torch.Generator().manual_seed(seed)
    T, B = max(lengths) + extra, len(lengths)
    x = torch.randn(T, B, 3, generator=g)
    garbage = x.clone()
    garbage[~padding_mask(lengths, T)] = 1e6  # whatever lies in the padding
    for pool in (last_valid, masked_mean, masked_max):
        out = pool(garbage, lengths)
        for b, n in enumerate(lengths):
            alone = pool(x[:n, b:b + 1], [n])[0]
            torch.testing.assert_close(out[b], alone)


@pytest.mark.parametrize("lengths, match", [([0, 2], r"lengths: expected integers in 1..T=3, got min 0"),
                                            ([1, 4], r"got min 1, max 4"),
                                            ([1], r"lengths: expected 2 integers")])
def test_bad_lengths_name_the_argument(lengths, match):
    with pytest.raises(ValueError, match=match):
        masked_mean(torch.zeros(3, 2, 1), lengths)
