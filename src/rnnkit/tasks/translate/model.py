"""The encoder–decoder: a bidirectional recurrent encoder, a recurrent decoder with attention.

Letters: S source steps, T target steps, B batch, E embedding, H hidden, V target vocabulary.

    encoder     o_s = [→h_s; ←h_s] = BiRNN(emb(x))_s                      (S, B, 2H)
    keys        k_s = W_k o_s                                             (S, B, H)
    start       s_0 = tanh(W_b [→h_S; ←h_1])                              (B, H)
    decoder     h_t = RNN(emb(y_{t-1}) [; h̃_{t-1} with input feeding], h_{t-1})
    attention   a_t = softmax_s score(h_t, k_s) over valid s, c_t = Σ_s a_ts k_s   (Luong et al., 2015)
    output      h̃_t = tanh(W_c [c_t; h_t]),  p(y_t) = softmax(W_o h̃_t)   (W_o = emb_y with tying)

``attention="none"`` is the fixed-context encoder–decoder (Cho et al., 2014): c_t = s_0 at
every step, the encoder's final state the only thing the decoder knows of the source.
Scores are `rnnkit.layers.attention.Attention`'s (additive, dot, general): its
``project_keys`` runs once per source, its ``scores_projected`` scores every query of a
target at once (the oracle test checks the result against ``Attention.forward``).
Without input feeding and with full teacher forcing the decoder runs over the whole
target in one call (the fused kernel); otherwise it runs one step at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.layers.attention import Attention
from rnnkit.layers.factory import make_layer
from rnnkit.layers.masking import padding_mask
from rnnkit.tasks.translate.config import TranslatorConfig
from rnnkit.tasks.translate.vocab import PAD


@dataclass
class Memory:
    """What the decoder reads of the source, one column per hypothesis (N = B or B * beam)."""

    keys: Tensor      # (S, N, H) projected encoder states
    scored: Tensor    # (S, N, A) Attention.project_keys(keys), computed once per source
    valid: Tensor     # (S, N) bool, False at padding
    context0: Tensor  # (N, H) the encoder summary s_0

    def select(self, idx: Tensor) -> "Memory":
        return Memory(self.keys[:, idx], self.scored[:, idx], self.valid[:, idx], self.context0[idx])


def attend(att: Attention | None, queries: Tensor, memory: Memory) -> tuple[Tensor, Tensor | None]:
    """Contexts (T, N, H) and weights (T, N, S) (0 at padding) for queries (T, N, H)."""
    if att is None:
        return memory.context0.expand(queries.shape[0], -1, -1), None
    e = att.scores_projected(queries, memory.scored).float()  # (T, S, N)
    e = e.masked_fill(~memory.valid[None], float("-inf"))
    a = torch.softmax(e, dim=1).to(memory.keys.dtype)  # (T, S, N)
    context = torch.einsum("tsn,snh->tnh", a, memory.keys)  # (T, N, H)
    return context, a.permute(0, 2, 1)  # (T, N, S)


class Translator(nn.Module):
    def __init__(self, cfg: TranslatorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        E, H = cfg.embedding_size, cfg.hidden_size
        self.src_embedding = nn.Embedding(cfg.source_vocab, E, padding_idx=PAD)
        self.tgt_embedding = nn.Embedding(cfg.target_vocab, E, padding_idx=PAD)
        drop = cfg.dropout
        self.encoder = make_layer(cfg.cell, E, H, num_layers=cfg.encoder_layers, bidirectional=True,
                                  dropout=drop if cfg.encoder_layers > 1 else 0.0)
        self.bridge = nn.Linear(2 * H, H)
        self.key_proj = nn.Linear(2 * H, H, bias=False)
        self.decoder = make_layer(cfg.cell, E + (E if cfg.input_feeding else 0), H, num_layers=cfg.decoder_layers,
                                  dropout=drop if cfg.decoder_layers > 1 else 0.0)
        self.attention = None if cfg.attention == "none" else Attention(H, H, cfg.attention)
        self.combine = nn.Linear(2 * H, E)  # [c_t; h_t] -> h̃_t, of size E so the output can share emb_y
        self.out = nn.Linear(E, cfg.target_vocab)
        if cfg.tie_embeddings:
            self.out.weight = self.tgt_embedding.weight
        self.drop = nn.Dropout(drop)
        self.lstm = cfg.cell == "lstm"

    # -- encoder ---------------------------------------------------------------------
    def encode(self, src: Tensor, lengths: Tensor) -> tuple[Memory, object]:
        """src (S, B) ids, lengths (B,) -> memory, decoder start state ((L, B, H) h [, c])."""
        out, state = self.encoder(self.drop(self.src_embedding(src)), lengths=lengths)  # (S, B, 2H)
        h = state[0] if isinstance(state, tuple) else state  # (Le*2, B, H)
        s0 = torch.tanh(self.bridge(torch.cat([h[-2], h[-1]], dim=-1)))  # (B, H): top layer, both ends
        keys = self.key_proj(self.drop(out))  # (S, B, H)
        scored = keys if self.attention is None else self.attention.project_keys(keys)
        valid = padding_mask(lengths.to(src.device), src.shape[0])  # (S, B)
        h0 = s0[None].expand(self.cfg.decoder_layers, -1, -1).contiguous()  # (Ld, B, H)
        start = (h0, torch.zeros_like(h0)) if self.lstm else h0
        return Memory(keys, scored, valid, s0), start

    # -- decoder -----------------------------------------------------------------------
    def output(self, h: Tensor, memory: Memory) -> tuple[Tensor, Tensor, Tensor | None]:
        """Decoder states (T, N, H) -> logits (T, N, V), attentional vectors (T, N, E), weights (T, N, S)."""
        context, weights = attend(self.attention, h, memory)
        h_tilde = torch.tanh(self.combine(torch.cat([context, h], dim=-1)))  # (T, N, E)
        return self.out(self.drop(h_tilde)), h_tilde, weights

    def forward(self, src: Tensor, lengths: Tensor, tgt_in: Tensor, teacher_forcing: float = 1.0) -> Tensor:
        """Logits (T, B, V) of the target given its shifted-right input tgt_in (T, B) (BOS first)."""
        memory, state = self.encode(src, lengths)
        if not self.cfg.input_feeding and teacher_forcing >= 1.0:
            h, _ = self.decoder(self.drop(self.tgt_embedding(tgt_in)), state)  # (T, B, H): one fused call
            return self.output(h, memory)[0]
        return self._forward_steps(memory, state, tgt_in, teacher_forcing)

    def _forward_steps(self, memory: Memory, state: object, tgt_in: Tensor, teacher_forcing: float) -> Tensor:
        """One step at a time: input feeding, and/or the model's own previous prediction where
        a coin with P(reference) = teacher_forcing says so (scheduled sampling, Bengio et al., 2015)."""
        T, B = tgt_in.shape
        feed = memory.keys.new_zeros(B, self.cfg.embedding_size) if self.cfg.input_feeding else None
        y, logits = tgt_in[0], []
        for t in range(T):
            step_logits, state, feed, _ = self._step(y, state, feed, memory)
            logits.append(step_logits)
            if t + 1 < T:
                own = step_logits.argmax(-1)
                use_ref = torch.rand(B, device=y.device) < teacher_forcing
                y = torch.where(use_ref, tgt_in[t + 1], own)
        return torch.stack(logits)  # (T, B, V)

    def _step(self, y: Tensor, state: object, feed: Tensor | None, memory: Memory):
        """One decoder step: y (N,) -> logits (N, V), state, attentional vector (N, E), weights (N, S)."""
        x = self.drop(self.tgt_embedding(y))  # (N, E)
        if feed is not None:
            x = torch.cat([x, feed], dim=-1)  # (N, 2E)
        h, state = self.decoder(x[None], state)  # (1, N, H)
        logits, h_tilde, weights = self.output(h, memory)
        return logits[0], state, (h_tilde[0] if self.cfg.input_feeding else None), \
            (None if weights is None else weights[0])

    # -- the search interface of decode.py ------------------------------------------------
    def begin(self, src: Tensor, lengths: Tensor) -> tuple:
        memory, state = self.encode(src, lengths)
        B = src.shape[1]
        feed = memory.keys.new_zeros(B, self.cfg.embedding_size) if self.cfg.input_feeding else None
        return memory, state, feed

    def step(self, y: Tensor, st: tuple) -> tuple[Tensor, tuple, Tensor | None]:
        """y (N,) previous tokens -> log-probabilities (N, V), next search state, attention (N, S)."""
        memory, state, feed = st
        logits, state, feed, weights = self._step(y, state, feed, memory)
        logits = logits if logits.dtype == torch.float64 else logits.float()  # bf16 under autocast
        return torch.log_softmax(logits, dim=-1), (memory, state, feed), weights

    @staticmethod
    def select(st: tuple, idx: Tensor) -> tuple:
        """The search state of hypotheses idx (beam reordering, finished sentences removed)."""
        memory, state, feed = st
        state = tuple(s[:, idx] for s in state) if isinstance(state, tuple) else state[:, idx]
        return memory.select(idx), state, (None if feed is None else feed[idx])


def masked_cross_entropy(logits: Tensor, target: Tensor, label_smoothing: float = 0.0) -> tuple[Tensor, int]:
    """Mean cross-entropy over the non-PAD targets of logits (T, B, V), target (T, B); and their count."""
    n = int((target != PAD).sum())
    loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=PAD,
                           label_smoothing=label_smoothing)
    return loss, n
