"""Attention over a padded sequence of keys: additive (Bahdanau) and multiplicative (Luong).

Letters: B batch, S source steps (keys), Q query size, K key size, A attention size.
For a query q (B, Q) and keys k_s (S, B, K) with valid steps s < lengths[b]:

    additive  (Bahdanau et al., 2015):  e_s = v · tanh(W_q q + W_k k_s)
    dot       (Luong et al., 2015):     e_s = q · k_s              (needs Q == K)
    general   (Luong et al., 2015):     e_s = q · (W k_s)
    a = softmax over valid s of e_s     (padding gets weight exactly 0)
    context = Σ_s a_s k_s               (B, K)

The same module serves translation (query: the decoder state) and attention pooling in
classification (query: a learned vector, `Attention.pool`).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnkit.layers.masking import as_lengths, padding_mask

KINDS = ("additive", "dot", "general")


class Attention(nn.Module):
    def __init__(self, query_size: int, key_size: int, kind: str = "additive", attention_size: int | None = None) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
        for name, v in (("query_size", query_size), ("key_size", key_size)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: expected a positive int, got {v!r}")
        if kind == "dot" and query_size != key_size:
            raise ValueError(f"kind: 'dot' needs query_size == key_size, got {query_size} and {key_size}")
        self.kind, self.query_size, self.key_size = kind, query_size, key_size
        if kind == "additive":
            A = attention_size or key_size
            self.W_q = nn.Linear(query_size, A, bias=False)
            self.W_k = nn.Linear(key_size, A, bias=True)
            self.v = nn.Linear(A, 1, bias=False)
        elif kind == "general":
            self.W = nn.Linear(key_size, query_size, bias=False)

    def project_keys(self, keys: Tensor) -> Tensor:
        """The part of e that depends on the keys alone, so a decoder computes it once per source:
        keys (S, B, K) -> k_s (dot), W k_s (S, B, Q) (general) or W_k k_s (S, B, A) (additive)."""
        if self.kind == "dot":
            return keys
        return self.W(keys) if self.kind == "general" else self.W_k(keys)

    def scores_projected(self, queries: Tensor, projected: Tensor) -> Tensor:
        """e (T, S, B) before masking, for T queries (T, B, Q) against project_keys(keys) (S, B, ·)."""
        if self.kind == "additive":
            return self.v(torch.tanh(self.W_q(queries)[:, None] + projected[None])).squeeze(-1)  # (T, S, B)
        return torch.einsum("tbq,sbq->tsb", queries, projected)  # (T, S, B)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        """e (S, B) before masking, for one query (B, Q)."""
        return self.scores_projected(query[None], self.project_keys(keys))[0]  # (S, B)

    def forward(self, query: Tensor, keys: Tensor, lengths: object = None) -> tuple[Tensor, Tensor]:
        """query (B, Q), keys (S, B, K), lengths B ints in 1..S or None -> context (B, K), weights (B, S)."""
        if keys.dim() != 3 or keys.shape[-1] != self.key_size:
            raise ValueError(f"keys: expected shape (S, B, {self.key_size}), got {tuple(keys.shape)}")
        S, B, _ = keys.shape
        if query.shape != (B, self.query_size):
            raise ValueError(f"query: expected shape ({B}, {self.query_size}), got {tuple(query.shape)}")
        e = self.scores(query, keys)  # (S, B)
        if lengths is not None:
            valid = padding_mask(as_lengths(lengths, S, B, keys.device), S)  # (S, B)
            e = e.masked_fill(~valid, float("-inf"))
        a = torch.softmax(e.float(), dim=0).to(keys.dtype)  # (S, B), 0 at padding
        context = (a[..., None] * keys).sum(0)  # (B, K)
        return context, a.transpose(0, 1)  # (B, S)


class AttentionPool(nn.Module):
    """Attention pooling over a sequence: a learned query attends to the outputs (S, B, K) -> (B, K)."""

    def __init__(self, key_size: int, kind: str = "additive", attention_size: int | None = None) -> None:
        super().__init__()
        self.query = nn.Parameter(torch.zeros(key_size))
        self.attention = Attention(key_size, key_size, kind, attention_size)
        nn.init.normal_(self.query, std=key_size ** -0.5)

    def forward(self, keys: Tensor, lengths: object = None) -> tuple[Tensor, Tensor]:
        return self.attention(self.query.expand(keys.shape[1], -1), keys, lengths)
