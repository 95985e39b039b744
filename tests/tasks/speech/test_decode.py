"""CTC decoding: greedy collapses repeats and drops blanks; the prefix beam search and LM fusion."""

import math

import numpy as np
import pytest
import torch

from rnnkit.tasks.speech.data import CHARS, decode_ids, encode_text
from rnnkit.tasks.speech.decode import CharLM, beam_decode, greedy_decode

V = len(CHARS) + 1


def one_hot_path(path: list[int], p: float = 0.9) -> torch.Tensor:
    """(T, V) log probabilities whose argmax at step t is path[t], with probability p."""
    probs = torch.full((len(path), V), (1 - p) / (V - 1))
    probs[torch.arange(len(path)), torch.tensor(path)] = p
    return probs.log()


@pytest.mark.parametrize("path, expected", [
    ([0, 0, 0], []),                              # only blanks
    ([3, 3, 3], [3]),                             # a repeat collapses
    ([3, 0, 3], [3, 3]),                          # a blank keeps two same letters apart
    ([0, 3, 3, 0, 0, 4, 4, 4, 0], [3, 4]),
    ([3, 4, 3], [3, 4, 3]),
    ([1, 1, 0, 1], [1, 1]),                       # spaces too
])
def test_greedy_collapses_repeats_and_drops_blanks(path, expected):
    assert greedy_decode(one_hot_path(path)) == expected


def test_greedy_spells_hello():
    # h h _ e l l _ l o o -> "hello"
    h, e, l, o = encode_text("helo")
    assert decode_ids(greedy_decode(one_hot_path([h, h, 0, e, l, l, 0, l, o, o]))) == "hello"


def test_beam_width_1_equals_greedy_on_peaked_posteriors():
    g = torch.Generator().manual_seed(0)
    for trial in range(30):
        T = int(torch.randint(5, 40, (1,), generator=g))
        logits = torch.randn(T, V, generator=g)
        winners = torch.randint(0, V, (T,), generator=g)
        winners[torch.rand(T, generator=g) < 0.5] = 0             # CTC outputs are mostly blank
        logits[torch.arange(T), winners] += 8.0                   # each step's best label has p > 1/2
        lp = torch.log_softmax(logits, -1)
        assert lp.exp().max(-1).values.min() > 0.5
        assert beam_decode(lp, width=1) == greedy_decode(lp), f"trial {trial}"


def test_beam_sums_alignments_where_greedy_takes_one_path():
    # Two steps over {blank, a}: best path is blank-blank (0.6 * 0.6 = 0.36), but "a" has
    # p(a a) + p(a _) + p(_ a) = 0.16 + 0.24 + 0.24 = 0.64 > 0.36.
    probs = torch.zeros(2, V)
    a = encode_text("a")[0]
    probs[:, 0], probs[:, a] = 0.6, 0.4
    lp = torch.log(probs.clamp_min(1e-30))
    assert greedy_decode(lp) == []
    assert beam_decode(lp, width=4) == [a]


def test_beam_rejects_bad_width():
    with pytest.raises(ValueError, match="width"):
        beam_decode(one_hot_path([0, 1]), width=0)


class FixedLM:
    """P(c | prefix) fixed: prefers 'b' over 'a'."""

    def log_probs(self, prefix):
        out = np.full(V, math.log(1e-3))
        out[encode_text("b")[0]] = math.log(0.9)
        return out


def test_shallow_fusion_moves_the_choice_and_weight_zero_changes_nothing():
    a, b = encode_text("ab")
    probs = torch.full((3, V), 1e-4)
    probs[1, a], probs[1, b] = 0.55, 0.45                          # acoustics slightly prefer "a"
    probs[0, 0] = probs[2, 0] = 1.0
    lp = torch.log(probs / probs.sum(-1, keepdim=True))
    assert beam_decode(lp, width=4) == [a]
    assert beam_decode(lp, width=4, lm=FixedLM(), alpha=0.0, beta=0.0) == [a]
    assert beam_decode(lp, width=4, lm=FixedLM(), alpha=1.0, beta=0.0) == [b]


def test_char_lm_from_a_textgen_model_scores_every_label():
    from rnnkit.data.text import CharTokenizer
    from rnnkit.tasks.textgen.config import LanguageModelConfig
    from rnnkit.tasks.textgen.model import LanguageModel

    tok = CharTokenizer.fit("To be, or not to be: that is the question.\nWhether 'tis nobler\n")
    torch.manual_seed(0)
    model = LanguageModel(LanguageModelConfig(vocab_size=len(tok), embedding_size=8, hidden_size=16))
    lm = CharLM(model, tok, CHARS)
    lp = lm.log_probs(tuple(encode_text("to b")))
    assert lp.shape == (V,)
    # letters the LM knows (in either case) have a real probability, and they sum to at most 1
    t = encode_text("t")[0]
    assert lp[t] > -10 and np.exp(lp[1:]).sum() <= 1.0 + 1e-5
    # "t" collects the LM's "t" and "T"
    state = lm.cache[tuple(encode_text("to "))][0]
    with torch.no_grad():
        logits, _ = model(torch.tensor([[tok.vocab.ids(["b"])[0]]]), state)
    p = torch.softmax(logits[0, 0], -1)
    assert math.isclose(lp[t], math.log(float(p[tok.vocab.ids(["t"])[0]] + p[tok.vocab.ids(["T"])[0]])), rel_tol=1e-4)


def test_decoded_text_has_single_inner_spaces_only():
    assert decode_ids(encode_text(" five  five ")) == "five five"
