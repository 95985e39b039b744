"""The fast sampler against the straightforward one: same logits, same distribution.

The fast path (numpy `FastLSTMStepper` + Gumbel-max sampling) and the reference path
(`model(token, state)` per step + inverse-CDF sampling) share nothing but the weights.
Their logits must agree to 1e-5, and sequences drawn from each must fit the exact
distribution computed by enumeration (chi-square goodness of fit).
"""

import itertools

import numpy as np
import pytest
import torch

from rnnkit.tasks.textgen.config import LanguageModelConfig
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.tasks.textgen.sampling import (FastLSTMStepper, ReferenceStepper, generate_ids, make_stepper,
                                           next_token_probs, sample_from_logits)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # Single-token steps are latency-bound; one thread avoids OpenMP waits on a shared machine.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _model(V, H, L, seed=0, scale=1.0, out_scale=1.0):
    torch.manual_seed(seed)
    m = LanguageModel(LanguageModelConfig(vocab_size=V, hidden_size=H, num_layers=L))
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(scale)
        m.decoder.weight.mul_(out_scale)  # peaked next-token distributions, as after training
    return m.eval()


def _peaked():
    return _model(V=4, H=16, L=2, seed=3, scale=2.0, out_scale=15.0)


def chi2_pvalue(observed, expected, min_expected=5.0):
    """Goodness-of-fit p-value; cells with expected count < min_expected are pooled."""
    observed, expected = np.asarray(observed, float), np.asarray(expected, float)
    small = expected < min_expected
    obs = np.append(observed[~small], observed[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    stat = float(((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum())
    dof = int(keep.sum()) - 1
    return float(torch.special.gammaincc(torch.tensor(dof / 2, dtype=torch.float64),
                                         torch.tensor(stat / 2, dtype=torch.float64)))


@pytest.mark.parametrize("V, H, L", [(7, 16, 1), (65, 256, 2), (11, 32, 3)])
def test_fast_logits_and_state_match_reference(V, H, L):
    m = _model(V, H, L, out_scale=10.0)
    ref, fast = ReferenceStepper(m), FastLSTMStepper(m)
    tokens = torch.randint(0, V, (100,), generator=torch.Generator().manual_seed(1)).tolist()
    for t in tokens:
        a, b = fast.feed(t), ref.feed(t)
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=0)
        np.testing.assert_allclose(next_token_probs(a), next_token_probs(b), atol=1e-5, rtol=0)
    h, c = ref.state
    fh, fc = fast.state()
    np.testing.assert_allclose(fh, h[:, 0].numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(fc, c[:, 0].numpy(), atol=1e-5, rtol=0)
    fast.reset()
    ref.reset()
    np.testing.assert_allclose(fast.feed(tokens[0]), ref.feed(tokens[0]), atol=1e-5, rtol=0)


def _exact_sequence_probs(model, prime, steps, temperature):
    """P(t_1..t_steps | prime) for every sequence, by enumeration with the reference model."""
    V = model.config.vocab_size
    probs = {}
    for seq in itertools.product(range(V), repeat=steps):
        ref = ReferenceStepper(model)
        for t in prime:
            logits = ref.feed(t)
        p = 1.0
        for t in seq:
            p *= next_token_probs(logits, temperature)[t]
            logits = ref.feed(t)
        probs[seq] = p
    return probs


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_fast_and_reference_paths_sample_the_exact_distribution(temperature):
    m = _peaked()
    prime, steps = [0, 1, 2], 3
    exact = _exact_sequence_probs(m, prime, steps, temperature)
    seqs = list(exact)
    assert abs(sum(exact.values()) - 1.0) < 1e-9
    assert max(exact.values()) > 0.1  # far from uniform: a real test of the temperature
    for fast, n in ((True, 3000), (False, 800)):
        stepper = make_stepper(m, fast=fast)
        assert isinstance(stepper, FastLSTMStepper if fast else ReferenceStepper)
        counts = dict.fromkeys(seqs, 0)
        for seed in range(n):
            counts[tuple(generate_ids(stepper, prime, steps, temperature=temperature, seed=seed,
                                      fast_sampler=fast))] += 1
        p = chi2_pvalue([counts[s] for s in seqs], [n * exact[s] for s in seqs])
        assert p > 1e-3, f"fast={fast}: samples do not fit the exact distribution (p={p:.2e})"


def test_fit_test_detects_a_wrong_temperature():
    # The test above has power: sampling at 0.7 does not pass for the distribution at 1.0.
    m = _peaked()
    exact = _exact_sequence_probs(m, [0, 1, 2], 2, 1.0)
    stepper = make_stepper(m)
    counts = dict.fromkeys(exact, 0)
    for seed in range(3000):
        counts[tuple(generate_ids(stepper, [0, 1, 2], 2, temperature=0.7, seed=seed))] += 1
    assert chi2_pvalue([counts[s] for s in exact], [3000 * exact[s] for s in exact]) < 1e-6


def test_next_token_probs_temperature_top_k_top_p():
    logits = np.log(np.array([0.5, 0.25, 0.15, 0.1]))
    np.testing.assert_allclose(next_token_probs(logits), [0.5, 0.25, 0.15, 0.1], atol=1e-12)
    sharp = next_token_probs(logits, temperature=0.5)
    np.testing.assert_allclose(sharp, np.array([0.25, 0.0625, 0.0225, 0.01]) / 0.345, atol=1e-12)
    np.testing.assert_allclose(next_token_probs(logits, top_k=2), [2 / 3, 1 / 3, 0, 0], atol=1e-12)
    np.testing.assert_allclose(next_token_probs(logits, top_p=0.7), [2 / 3, 1 / 3, 0, 0], atol=1e-12)
    np.testing.assert_allclose(next_token_probs(logits, top_p=0.5), [1, 0, 0, 0], atol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"temperature": 0.6}, {"top_k": 2}, {"top_p": 0.8}])
def test_sample_from_logits_matches_its_probabilities(kwargs):
    logits = np.log(np.array([0.4, 0.3, 0.2, 0.1], dtype=np.float32))
    rng = np.random.default_rng(0)
    n = 20_000
    counts = np.bincount([sample_from_logits(logits, rng, **kwargs) for _ in range(n)], minlength=4)
    probs = next_token_probs(logits, **kwargs)
    assert counts[probs == 0].sum() == 0
    assert chi2_pvalue(counts[probs > 0], n * probs[probs > 0]) > 1e-3


@pytest.mark.parametrize("kwargs, match", [
    ({"temperature": 0}, r"--temperature: expected a number > 0, got 0"),
    ({"top_k": 0}, r"--top-k: expected an integer >= 1, got 0"),
    ({"top_p": 1.5}, r"--top-p: expected a number in \(0, 1\], got 1.5"),
])
def test_bad_sampling_settings(kwargs, match):
    m = _model(5, 8, 1)
    with pytest.raises(ValueError, match=match):
        next(generate_ids(make_stepper(m), [0], 3, **kwargs))


def test_same_seed_same_sample_and_gru_uses_reference():
    m = _model(6, 8, 2)
    a = list(generate_ids(make_stepper(m), [1], 50, seed=5))
    assert a == list(generate_ids(make_stepper(m), [1], 50, seed=5))
    torch.manual_seed(0)
    gru = LanguageModel(LanguageModelConfig(vocab_size=6, hidden_size=8, cell="gru"))
    assert isinstance(make_stepper(gru), ReferenceStepper)
    assert len(list(generate_ids(make_stepper(gru), [1], 10, seed=0))) == 10
