"""The language model: embedding -> stacked recurrent layers -> linear over the vocabulary.

Letters: T time, B batch, E embedding size, H hidden size, L layers, V vocabulary.

    x_t = Embed[token_t]                      # (T, B, E)
    h_t = RNN^L(x_t, h_{t-1})                 # (T, B, H), any rnnkit cell, L layers
    logits_t = W_out h_t + b_out              # (T, B, V); W_out = Embed when tied

Dropout (when configured) acts on the embedding output, between recurrent layers (inside
the rnnkit layer) and on the top layer's output, as in Zaremba et al. (2014), the
embedding's at its own rate if `input_dropout` is set;
`weight_dropout` drops recurrent weights W_hh instead (Merity et al., 2017).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from rnnkit.layers.dropout import Dropout
from rnnkit.layers.factory import make_layer
from rnnkit.tasks.textgen.config import LanguageModelConfig

State = Any  # (h, c) for LSTM, h for GRU / RNN; each (L, B, H)


def recurrent_layer(cfg: LanguageModelConfig) -> nn.Module:
    """The rnnkit recurrent layer named by `cfg.cell`, `cfg.num_layers` deep."""
    return make_layer(cfg.cell, cfg.embedding_dim, cfg.hidden_size, num_layers=cfg.num_layers,
                      dropout=cfg.dropout if cfg.num_layers > 1 else 0.0, weight_dropout=cfg.weight_dropout)


class LanguageModel(nn.Module):
    """Next-token model over a vocabulary of `cfg.vocab_size` tokens; inputs are (T, B) ids."""

    def __init__(self, cfg: LanguageModelConfig) -> None:
        super().__init__()
        self.config = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embedding_dim)
        self.rnn = recurrent_layer(cfg)
        self.drop_in = Dropout(cfg.embedding_dropout)  # nn.Dropout's contract, a cheaper CPU mask
        self.drop = Dropout(cfg.dropout)
        self.decoder = nn.Linear(cfg.hidden_size, cfg.vocab_size)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if cfg.tie_weights:
            self.decoder.weight = self.embedding.weight  # (V, H) both

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Logits (T, B, V) for the next token at every position, and the final state."""
        if not isinstance(tokens, torch.Tensor) or tokens.dtype != torch.long:
            raise TypeError(f"tokens: expected a torch.long tensor of ids, got {getattr(tokens, 'dtype', type(tokens))}")
        if tokens.dim() != 2:
            raise ValueError(f"tokens: expected shape (T, B), got {tuple(tokens.shape)}")
        x = self.drop_in(self.embedding(tokens))     # (T, B, E)
        out, state = self.rnn(x, state)              # (T, B, H)
        return self.decoder(self.drop(out)), state   # (T, B, V)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
