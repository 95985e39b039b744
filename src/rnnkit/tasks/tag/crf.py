"""A linear-chain conditional random field over per-token tag scores (Lafferty et al., 2001).

Letters: T time, B batch, K tags. Emissions e_t (T, B, K) come from the encoder; the CRF
adds transition scores A[i, j] (tag i then tag j), start scores s and end scores f. A tag
path y_0..y_{n-1} of a sentence of length n scores

    score(y) = s[y_0] + sum_{t<n} e_t[y_t] + sum_{0<t<n} A[y_{t-1}, y_t] + f[y_{n-1}]
    p(y | x) = exp(score(y)) / Z,   log Z = logsumexp over all K^n paths

The forward algorithm computes log Z in O(n K^2):

    alpha_0 = s + e_0
    alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + A[i, j]) + e_t[j]        (t < n)
    log Z = logsumexp_j(alpha_{n-1}[j] + f[j])

and Viterbi replaces logsumexp by max (keeping the argmax as back-pointers) to find the
best path. Steps t >= n (padding) leave alpha unchanged, so padding never counts.
Tested against brute-force enumeration of all K^n paths (tests/tasks/tag/test_crf.py).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnkit.layers.masking import padding_mask


class CRF(nn.Module):
    def __init__(self, num_tags: int) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))  # A (K, K), from i to j
        self.start = nn.Parameter(torch.zeros(num_tags))                   # s (K,)
        self.end = nn.Parameter(torch.zeros(num_tags))                     # f (K,)
        nn.init.uniform_(self.transitions, -0.1, 0.1)

    def path_score(self, emissions: Tensor, tags: Tensor, lengths: Tensor) -> Tensor:
        """score(y) (B,) of the given tag paths; tags (T, B) (any value at padding)."""
        T, B, _ = emissions.shape
        mask = padding_mask(lengths.to(emissions.device), T).to(emissions.dtype)     # (T, B)
        e = emissions.gather(2, tags.unsqueeze(-1)).squeeze(-1)                       # (T, B): e_t[y_t]
        trans = self.transitions[tags[:-1], tags[1:]]                                 # (T-1, B): A[y_{t-1}, y_t]
        last = tags.gather(0, (lengths.to(tags.device) - 1).unsqueeze(0)).squeeze(0)  # (B,): y_{n-1}
        return (self.start[tags[0]] + (e * mask).sum(0) + (trans * mask[1:]).sum(0) + self.end[last])

    def log_partition(self, emissions: Tensor, lengths: Tensor) -> Tensor:
        """log Z (B,) by the forward algorithm."""
        T = emissions.shape[0]
        mask = padding_mask(lengths.to(emissions.device), T)                          # (T, B)
        alpha = self.start + emissions[0]                                             # (B, K)
        for t in range(1, T):
            step = torch.logsumexp(alpha.unsqueeze(2) + self.transitions, dim=1) + emissions[t]  # (B, K)
            alpha = torch.where(mask[t].unsqueeze(1), step, alpha)                    # padding: unchanged
        return torch.logsumexp(alpha + self.end, dim=1)                               # (B,)

    def nll(self, emissions: Tensor, tags: Tensor, lengths: Tensor) -> Tensor:
        """-log p(y | x) (B,) of each sentence's gold path."""
        emissions = emissions.float()
        return self.log_partition(emissions, lengths) - self.path_score(emissions, tags, lengths)

    @torch.no_grad()
    def decode(self, emissions: Tensor, lengths: Tensor) -> list[list[int]]:
        """Viterbi: the highest-scoring tag path of each sentence (a list of n_b tag ids)."""
        emissions = emissions.float()
        T, B, K = emissions.shape
        mask = padding_mask(lengths.to(emissions.device), T)                          # (T, B)
        delta = self.start + emissions[0]                                             # (B, K)
        back = []
        for t in range(1, T):
            best, arg = (delta.unsqueeze(2) + self.transitions).max(dim=1)            # (B, K) each
            keep = mask[t].unsqueeze(1)
            delta = torch.where(keep, best + emissions[t], delta)
            back.append(torch.where(keep, arg, torch.arange(K, device=arg.device).expand(B, K)))  # identity at padding
        last = (delta + self.end).argmax(1)                                           # (B,)
        path = [last]
        for arg in reversed(back):
            path.append(arg.gather(1, path[-1].unsqueeze(1)).squeeze(1))
        ids = torch.stack(path[::-1]).T.tolist()                                      # (B, T)
        return [row[: int(n)] for row, n in zip(ids, lengths.tolist())]
