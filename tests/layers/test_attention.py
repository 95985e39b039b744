"""Attention: weights sum to 1 and are 0 on padding; the score equations; padding invariance."""

import pytest
import torch

from rnnkit.layers.attention import Attention, AttentionPool


@pytest.mark.parametrize("kind", ["additive", "dot", "general"])
def test_weights_sum_to_one_and_padding_gets_none(kind):
    torch.manual_seed(0)
    att = Attention(8, 8, kind)
    keys, q, lengths = torch.randn(6, 4, 8), torch.randn(4, 8), [6, 1, 3, 5]
    context, w = att(q, keys, lengths)
    assert w.shape == (4, 6) and context.shape == (4, 8)
    torch.testing.assert_close(w.sum(1), torch.ones(4))
    for b, n in enumerate(lengths):
        assert (w[b, n:] == 0).all() and (w[b, :n] > 0).all()
        keys_padded = keys.clone()
        keys_padded[n:, b] = 1e3  # garbage in the padding changes nothing
        alone_c, alone_w = att(q[b:b + 1], keys[:n, b:b + 1])
        torch.testing.assert_close(att(q, keys_padded, lengths)[0][b], alone_c[0])
        torch.testing.assert_close(w[b, :n], alone_w[0])


def test_scores_follow_the_equations():
    torch.manual_seed(1)
    keys, q = torch.randn(5, 2, 3), torch.randn(2, 4)
    add = Attention(4, 3, "additive", attention_size=7)
    e = torch.stack([torch.stack([add.v.weight[0] @ torch.tanh(add.W_q.weight @ q[b] + add.W_k.weight @ keys[s, b]
                                                                + add.W_k.bias) for b in range(2)]) for s in range(5)])
    torch.testing.assert_close(add.scores(q, keys), e)
    gen = Attention(4, 3, "general")
    torch.testing.assert_close(gen.scores(q, keys), torch.einsum("bq,qk,sbk->sb", q, gen.W.weight, keys))
    dot = Attention(3, 3, "dot")
    q3 = torch.randn(2, 3)
    _, w = dot(q3, keys)
    torch.testing.assert_close(w, torch.softmax(torch.einsum("bk,sbk->bs", q3, keys), dim=1))


def test_pool_attends_with_a_learned_query_and_trains():
    torch.manual_seed(0)
    pool = AttentionPool(4)
    keys = torch.randn(5, 3, 4, requires_grad=True)
    context, w = pool(keys, [5, 2, 4])
    context.sum().backward()
    assert pool.query.grad is not None and pool.query.grad.abs().sum() > 0
    assert keys.grad[2:, 1].abs().sum() == 0  # padding of row 1 gets no gradient


@pytest.mark.parametrize("kwargs, call, match", [
    (dict(query_size=4, key_size=3, kind="dot"), None, "'dot' needs query_size == key_size, got 4 and 3"),
    (dict(query_size=4, key_size=3, kind="luong"), None, "kind: expected one of additive, dot, general"),
    (dict(query_size=4, key_size=3), ("q", (2, 5)), r"query: expected shape \(2, 4\), got \(2, 5\)"),
    (dict(query_size=4, key_size=3), ("k", (5, 2, 2)), r"keys: expected shape \(S, B, 3\), got \(5, 2, 2\)"),
])
def test_errors_name_the_argument(kwargs, call, match):
    with pytest.raises(ValueError, match=match):
        att = Attention(**kwargs)
        q, k = torch.randn(2, 4), torch.randn(5, 2, 3)
        if call[0] == "q":
            q = torch.randn(*call[1])
        else:
            k = torch.randn(*call[1])
        att(q, k)
