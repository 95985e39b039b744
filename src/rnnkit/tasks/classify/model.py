"""The sequence classifier: input map -> recurrent encoder -> pooling over valid steps -> classes.

Letters: T time, B batch, F features, E embedding size, H hidden size, D directions,
L layers, C classes. With lengths n_b (right padding; steps t >= n_b are invisible):

    x_t = Embed[token_t]  or  W_in (f_t - mu) / sigma     # (T, B, E)
    o_t, h_n = RNN^{L,D}(x_t; lengths)                    # o (T, B, D*H); zero at padding
    last:      z = [h_fwd at t = n_b - 1 ; h_bwd at t = 0]  # the top layer's final states
    mean:      z = (1 / n_b) sum_{t < n_b} o_t
    max:       z = max_{t < n_b} o_t
    attention: a = softmax_{t < n_b}(score(q, o_t)),  z = sum_t a_t o_t
    logits = W_out dropout(z) + b_out                     # (B, C)

Padding never reaches z: the layers stop at each sequence's own end, and the pooling
helpers of `rnnkit.layers.masking` / `rnnkit.layers.attention` mask it out, so a
sequence alone and inside a padded batch get the same logits.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnkit.layers.attention import AttentionPool
from rnnkit.layers.dropout import Dropout
from rnnkit.layers.factory import make_layer
from rnnkit.layers.masking import masked_max, masked_mean
from rnnkit.tasks.classify.config import ClassifierConfig


class SequenceClassifier(nn.Module):
    """Token ids (T, B) or features (T, B, F), with lengths (B,) -> logits (B, C)."""

    def __init__(self, cfg: ClassifierConfig) -> None:
        super().__init__()
        self.config = cfg
        if cfg.input == "tokens":
            self.embedding = nn.Embedding(cfg.vocab_size, cfg.embedding_size)
            nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        else:
            self.projection = nn.Linear(cfg.num_features, cfg.embedding_size)
            # feature standardisation, set from the training data (`set_feature_scale`), saved with the weights
            self.register_buffer("feature_mean", torch.zeros(cfg.num_features))
            self.register_buffer("feature_std", torch.ones(cfg.num_features))
        self.rnn = make_layer(cfg.cell, cfg.embedding_size, cfg.hidden_size, num_layers=cfg.num_layers,
                              bidirectional=cfg.bidirectional, dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        D = 2 if cfg.bidirectional else 1
        self.pool = AttentionPool(D * cfg.hidden_size, cfg.attention) if cfg.pooling == "attention" else None
        self.drop_in = Dropout(cfg.dropout)
        self.drop = Dropout(cfg.dropout)
        self.head = nn.Linear(D * cfg.hidden_size, cfg.num_classes)

    def set_feature_scale(self, mean: Tensor, std: Tensor) -> None:
        """mu, sigma (F,) of the training frames; sigma floored at 1e-6."""
        self.feature_mean.copy_(mean)
        self.feature_std.copy_(std.clamp_min(1e-6))

    def embed(self, x: Tensor) -> Tensor:
        if self.config.input == "tokens":
            if x.dtype != torch.long or x.dim() != 2:
                raise TypeError(f"x: expected token ids, torch.long of shape (T, B), got {x.dtype} {tuple(x.shape)}")
            return self.embedding(x)                                             # (T, B, E)
        if not x.is_floating_point() or x.dim() != 3 or x.shape[-1] != self.config.num_features:
            raise TypeError(f"x: expected features of shape (T, B, {self.config.num_features}), got {x.dtype} "
                            f"{tuple(x.shape)}")
        return self.projection((x - self.feature_mean) / self.feature_std)    # (T, B, E)

    def encode(self, x: Tensor, lengths: object = None) -> tuple[Tensor, Tensor | None]:
        """Pooled vector z (B, D*H) and, for attention pooling, the weights (B, T)."""
        T, B = x.shape[:2]
        lens = torch.full((B,), T, dtype=torch.long) if lengths is None else torch.as_tensor(lengths, dtype=torch.long)
        out, state = self.rnn(self.drop_in(self.embed(x)), lengths=lens.cpu())  # out (T, B, D*H)
        pooling = self.config.pooling
        if pooling == "last":
            h = state[0] if isinstance(state, tuple) else state                  # (L*D, B, H)
            D = 2 if self.config.bidirectional else 1
            return torch.cat(list(h[-D:]), dim=-1), None                         # (B, D*H)
        if pooling == "mean":
            return masked_mean(out, lens.to(out.device)), None
        if pooling == "max":
            return masked_max(out, lens.to(out.device)), None
        return self.pool(out, lens.to(out.device))                               # (B, D*H), (B, T)

    def forward(self, x: Tensor, lengths: object = None) -> Tensor:
        """Logits (B, C)."""
        z, _ = self.encode(x, lengths)
        return self.head(self.drop(z))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
