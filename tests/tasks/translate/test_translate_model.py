"""Attention, padding invariance and search of the translator (random weights, float64)."""

import math

import pytest
import torch

from rnnkit.layers.attention import Attention
from rnnkit.tasks.translate.config import TranslatorConfig
from rnnkit.tasks.translate.decode import beam_search, greedy, translate_ids
from rnnkit.tasks.translate.model import Memory, Translator, attend
from rnnkit.tasks.translate.vocab import BOS, EOS, PAD


def model(attention="general", **kw):
    torch.manual_seed(0)
    m = Translator(TranslatorConfig(source_vocab=30, target_vocab=25, embedding_size=16, hidden_size=12,
                                    attention=attention, dropout=0.0, **kw)).double().eval()
    return m


def padded(lengths, vocab=30, seed=1):
    g = torch.Generator().manual_seed(seed)
    S, B = max(lengths), len(lengths)
    src = torch.randint(4, vocab, (S, B), generator=g)
    for b, n in enumerate(lengths):
        src[n:, b] = PAD
    return src, torch.tensor(lengths)


@pytest.mark.parametrize("kind", ["additive", "dot", "general"])
def test_batched_scores_match_the_attention_module(kind):
    """attend() scores all queries at once from precomputed keys: the module's forward is its oracle."""
    torch.manual_seed(0)
    att = Attention(6, 6, kind).double()
    keys = torch.randn(5, 3, 6, dtype=torch.double)  # (S, B, K)
    lengths = torch.tensor([5, 2, 4])
    valid = torch.arange(5)[:, None] < lengths[None]
    mem = Memory(keys, att.project_keys(keys), valid, torch.zeros(3, 6, dtype=torch.double))
    queries = torch.randn(4, 3, 6, dtype=torch.double)  # (T, B, Q)
    ctx, w = attend(att, queries, mem)  # (T, B, K), (T, B, S)
    for t in range(4):
        c_ref, w_ref = att(queries[t], keys, lengths)
        torch.testing.assert_close(ctx[t], c_ref)
        torch.testing.assert_close(w[t], w_ref)


@pytest.mark.parametrize("kind", ["additive", "dot", "general"])
def test_attention_sums_to_one_and_is_zero_on_padding(kind):
    m = model(kind)
    src, lengths = padded([7, 3, 5])
    st = m.begin(src, lengths)
    y = torch.full((3,), BOS)
    for _ in range(3):
        logp, st, w = m.step(y, st)  # w (B, S)
        torch.testing.assert_close(w.sum(-1), torch.ones(3, dtype=torch.double))
        for b, n in enumerate(lengths.tolist()):
            assert torch.all(w[b, n:] == 0)
            assert torch.all(w[b, :n] > 0)
        y = logp.argmax(-1)


@pytest.mark.parametrize("attention,feed", [("general", False), ("additive", True), ("none", False)])
def test_a_source_alone_and_in_a_padded_batch_translate_the_same(attention, feed):
    m = model(attention, input_feeding=feed)
    src, lengths = padded([4, 9, 6, 2])
    alone = [translate_ids(m, [src[:n, b]], beam_size=3, max_length_ratio=1.5)[0] for b, n in enumerate(lengths.tolist())]
    together = beam_search(m, src, lengths, beam_size=3, max_length_ratio=1.5)
    for a, t in zip(alone, together):
        assert a.tokens == t.tokens and math.isclose(a.score, t.score, rel_tol=1e-9)
    g_alone = [greedy(m, src[:n, b:b + 1], lengths[b:b + 1])[0] for b, n in enumerate(lengths.tolist())]
    assert [h.tokens for h in greedy(m, src, lengths)] == [h.tokens for h in g_alone]


def test_beam_of_width_one_is_greedy():
    m = model("general")
    src, lengths = padded([5, 8, 3, 6, 7], seed=3)
    g = greedy(m, src, lengths, max_length_ratio=2.0)
    b = beam_search(m, src, lengths, beam_size=1, length_penalty=0.7, max_length_ratio=2.0)
    assert [h.tokens for h in g] == [h.tokens for h in b]
    for x, y in zip(g, b):
        assert math.isclose(x.score, y.score, rel_tol=1e-9)
    assert any(len(h.tokens) > 0 for h in g)


class Markov:
    """A toy search model: p(next | previous token) from a fixed table, the same for every source."""

    def __init__(self, table):
        self.table = torch.log(torch.tensor(table, dtype=torch.double))  # (V, V) rows: previous token

    def begin(self, src, lengths):
        return torch.zeros(src.shape[1])

    def step(self, y, st):
        return self.table[y], st, None

    @staticmethod
    def select(st, idx):
        return st[idx]


def test_beam_search_finds_a_higher_scoring_hypothesis_than_greedy():
    A, B, eps = 4, 5, 1e-6
    V = 6
    table = [[eps] * V for _ in range(V)]
    table[BOS][A], table[BOS][B] = 0.6, 0.4           # greedy takes A ...
    table[A][EOS], table[A][A], table[A][B] = 0.4, 0.3, 0.3  # ... and then can only end at 0.6 * 0.4 = 0.24
    table[B][EOS] = 0.9                                # B, EOS: 0.4 * 0.9 = 0.36
    table[EOS][EOS] = 1.0
    src, lengths = torch.ones(3, 1, dtype=torch.long), torch.tensor([3])
    g = greedy(Markov(table), src, lengths)[0]
    b = beam_search(Markov(table), src, lengths, beam_size=2, length_penalty=0.0)[0]
    assert g.tokens == [A] and math.isclose(g.score, math.log(0.6 * 0.4), rel_tol=1e-4)
    assert b.tokens == [B] and math.isclose(b.score, math.log(0.4 * 0.9), rel_tol=1e-4)
    assert b.score > g.score


def test_tied_output_shares_the_target_embedding():
    m = model("general")
    assert m.out.weight is m.tgt_embedding.weight
    assert model("general", tie_embeddings=False).out.weight is not model("general").tgt_embedding.weight
