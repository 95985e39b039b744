"""The tagger: word embedding + character encoder -> bidirectional encoder -> tag scores (-> CRF).

Letters: T words, B sentences, N = T*B word slots, L characters per word, E word
embedding, C character embedding, G character hidden size, H hidden size, K tags.
Lample et al. (2016):

    c_w = [h_fwd(chars of w) at its last char ; h_bwd at its first]   # (N, 2G): spelling, for unseen words
    x_t = dropout([Embed[w_t] ; c_{w_t}])                              # (T, B, E + 2G)
    o_t = BiRNN(x_t; lengths)                                          # (T, B, 2H), zero at padding
    e_t = W dropout(o_t) + b                                           # (T, B, K) tag scores
    train: sum_t cross-entropy(e_t, y_t) over valid t, or the CRF's -log p(y | x)
    decode: argmax_k e_t[k] per token, or the CRF's Viterbi path

The word encoder stops at each sentence's own end (both directions), so a sentence alone
and inside a padded batch get the same scores and tags.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnkit.layers.dropout import Dropout
from rnnkit.layers.factory import make_layer
from rnnkit.tasks.tag.config import TaggerConfig
from rnnkit.tasks.tag.crf import CRF


class Tagger(nn.Module):
    def __init__(self, cfg: TaggerConfig) -> None:
        super().__init__()
        self.config = cfg
        self.word_embedding = nn.Embedding(cfg.vocab_size, cfg.word_embedding_size, padding_idx=0)
        feat = cfg.word_embedding_size
        if cfg.char_hidden_size:
            self.char_embedding = nn.Embedding(cfg.char_vocab_size, cfg.char_embedding_size, padding_idx=0)
            self.char_rnn = make_layer(cfg.cell, cfg.char_embedding_size, cfg.char_hidden_size, bidirectional=True)
            feat += 2 * cfg.char_hidden_size
        self.rnn = make_layer(cfg.cell, feat, cfg.hidden_size, num_layers=cfg.num_layers, bidirectional=True,
                              dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        self.drop = Dropout(cfg.dropout)
        self.out = nn.Linear(2 * cfg.hidden_size, cfg.num_tags)
        self.crf = CRF(cfg.num_tags) if cfg.crf else None

    def char_features(self, chars: Tensor, char_lengths: Tensor) -> Tensor:
        """chars (L, N) ids, char_lengths (N,) >= 1 -> (N, 2G): both directions' final states."""
        _, state = self.char_rnn(self.char_embedding(chars), lengths=char_lengths.cpu())  # h (2, N, G)
        h = state[0] if isinstance(state, tuple) else state
        return torch.cat([h[0], h[1]], dim=-1)  # (N, 2G)

    def emissions(self, words: Tensor, chars: Tensor, char_lengths: Tensor, lengths: Tensor) -> Tensor:
        """Tag scores (T, B, K). words (T, B); chars (L, T*B) in the order of words.flatten()."""
        T, B = words.shape
        x = self.word_embedding(words)                                          # (T, B, E)
        if self.config.char_hidden_size:
            c = self.char_features(chars, char_lengths).view(T, B, -1)          # (T, B, 2G)
            x = torch.cat([x, c], dim=-1)                                       # (T, B, E + 2G)
        o, _ = self.rnn(self.drop(x), lengths=lengths.cpu())                    # (T, B, 2H)
        return self.out(self.drop(o))                                           # (T, B, K)

    def forward(self, words: Tensor, chars: Tensor, char_lengths: Tensor, lengths: Tensor) -> Tensor:
        return self.emissions(words, chars, char_lengths, lengths)

    def loss(self, e: Tensor, tags: Tensor, lengths: Tensor) -> Tensor:
        """Mean over sentences of the CRF's -log p(y|x), or mean token cross-entropy over valid tokens."""
        if self.crf is not None:
            return self.crf.nll(e, tags, lengths).mean()
        valid = torch.arange(e.shape[0], device=e.device)[:, None] < lengths.to(e.device)[None, :]  # (T, B)
        return nn.functional.cross_entropy(e.float()[valid], tags[valid])

    @torch.no_grad()
    def decode(self, e: Tensor, lengths: Tensor) -> list[list[int]]:
        """Tag ids per sentence (its own length): Viterbi with the CRF, else per-token argmax."""
        if self.crf is not None:
            return self.crf.decode(e, lengths)
        best = e.argmax(-1).T.tolist()  # (B, T)
        return [row[: int(n)] for row, n in zip(best, lengths.tolist())]
