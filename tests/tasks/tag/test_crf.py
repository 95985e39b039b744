"""The CRF's forward algorithm and Viterbi against brute-force enumeration of every tag path."""

import itertools

import torch

from rnnkit.tasks.tag.crf import CRF


def _brute_force(crf: CRF, e: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """log Z and the best path of one sentence e (n, K) by scoring all K^n paths."""
    n, K = e.shape
    scores, paths = [], list(itertools.product(range(K), repeat=n))
    for y in paths:
        s = crf.start[y[0]] + crf.end[y[-1]] + sum(e[t, y[t]] for t in range(n))
        s = s + sum(crf.transitions[y[t - 1], y[t]] for t in range(1, n))
        scores.append(s)
    scores = torch.stack(scores)
    return torch.logsumexp(scores, 0), list(paths[int(scores.argmax())])


@torch.no_grad()
def test_forward_algorithm_and_viterbi_match_enumeration_on_a_padded_batch():
    torch.manual_seed(0)
    K, lengths = 3, torch.tensor([4, 1, 3, 2])
    crf = CRF(K).double()
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    e = torch.randn(4, 4, K, dtype=torch.double)
    tags = torch.randint(0, K, (4, 4))
    log_z = crf.log_partition(e, lengths)
    nll = crf.nll(e.float(), tags, lengths)
    best = crf.decode(e, lengths)
    for b, n in enumerate(lengths.tolist()):
        z, path = _brute_force(crf, e[:n, b])
        assert torch.allclose(log_z[b], z, atol=1e-10), (b, log_z[b], z)
        assert best[b] == path
        gold = crf.path_score(e[:n, b:b + 1], tags[:n, b:b + 1], torch.tensor([n]))[0]
        assert abs(float(nll[b]) - float(z - gold)) < 1e-4
    # probabilities of all paths of the longest sentence sum to one
    n = 4
    total = sum(torch.exp(crf.path_score(e[:n, :1], torch.tensor(y)[:, None], torch.tensor([n]))[0] - log_z[0])
                for y in itertools.product(range(K), repeat=n))
    assert abs(float(total) - 1.0) < 1e-10


def test_padding_values_do_not_change_the_crf():
    torch.manual_seed(1)
    crf = CRF(4)
    e = torch.randn(5, 2, 4)
    lengths = torch.tensor([5, 2])
    e2 = e.clone()
    e2[2:, 1] = 100.0
    assert torch.allclose(crf.log_partition(e, lengths), crf.log_partition(e2, lengths))
    assert crf.decode(e, lengths) == crf.decode(e2, lengths)
