"""The recogniser: frames -> subsampling -> stacked recurrent encoder -> characters + blank, for CTC.

Letters: T frames, T' output steps, B batch, F features, k window and s hop of the
subsampling (output step j reads frames j*s .. j*s + k - 1), H hidden size, D
directions, V labels (the characters and the blank, id 0). With lengths n_b:

    x_t = (f_t - mu) / sigma                                # (T, B, F); mu, sigma: 0, 1 unless global
    stack: u_j = [x_{js}; ...; x_{js+s-1}]                  # (T', B, s*F), T' = T // s
    conv:  u_j = ReLU(W * x_{js .. js+k-1} + b)             # (T', B, C),   T' = (T - k) // s + 1
    o_j, _ = RNN^{L,D}(u_j; lengths n'_b)                   # (T', B, D*H); zero at padding
    log p(v | j) = log_softmax(W_out o_j + b_out)           # (T', B, V)

`stream_step` runs a unidirectional model on the frames of one chunk at a time, carrying
the frames not yet subsampled and the recurrent state, and gives the same log
probabilities as `forward` on the whole utterance (the conv and the stacking read only
frames that have arrived; a unidirectional layer only past steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.layers.dropout import Dropout
from rnnkit.layers.factory import make_layer
from rnnkit.tasks.speech.config import SpeechModelConfig


@dataclass
class StreamState:
    frames: Tensor          # (n, F) normalised frames not yet consumed by the subsampling
    rnn: Any = None         # the recurrent state, or None at the start


class SpeechRecognizer(nn.Module):
    """Features (T, B, F) with lengths (B,) -> log probabilities (T', B, V) and output lengths (B,)."""

    def __init__(self, cfg: SpeechModelConfig) -> None:
        super().__init__()
        self.config = cfg
        Fdim = cfg.num_features
        self.register_buffer("feature_mean", torch.zeros(Fdim))  # set for normalise='global'
        self.register_buffer("feature_std", torch.ones(Fdim))
        self.k, self.s = cfg.window
        if cfg.subsample == "conv":
            self.conv = nn.Conv1d(Fdim, cfg.conv_channels, kernel_size=self.k, stride=self.s)
            width = cfg.conv_channels
        else:
            width = Fdim * self.s
        self.drop_in = Dropout(cfg.dropout)
        self.rnn = make_layer(cfg.cell, width, cfg.hidden_size, num_layers=cfg.num_layers,
                              bidirectional=cfg.bidirectional, dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        D = 2 if cfg.bidirectional else 1
        self.drop = Dropout(cfg.dropout)
        self.head = nn.Linear(D * cfg.hidden_size, cfg.num_labels)

    def set_feature_scale(self, mean: Tensor, std: Tensor) -> None:
        """mu, sigma (F,) of the training frames (normalise='global'); sigma floored at 1e-5."""
        self.feature_mean.copy_(mean)
        self.feature_std.copy_(std.clamp_min(1e-5))

    def output_lengths(self, lengths: Tensor) -> Tensor:
        """T'_b = (n_b - k) // s + 1 output steps per utterance (0 when n_b < k)."""
        return torch.div(lengths - self.k, self.s, rounding_mode="floor").clamp_min(-1) + 1

    def subsample(self, x: Tensor) -> Tensor:
        """(T, B, F) normalised frames -> (T', B, U) encoder inputs."""
        T, B, Fdim = x.shape
        Tn = (T - self.k) // self.s + 1 if T >= self.k else 0
        if self.config.subsample == "conv":
            y = self.conv(x[: self.k + (Tn - 1) * self.s].permute(1, 2, 0))   # (B, C, T')
            return F.relu(y).permute(2, 0, 1)                                # (T', B, C)
        x = x[: Tn * self.s]                                                 # (T' s, B, F)
        return x.reshape(Tn, self.s, B, Fdim).permute(0, 2, 1, 3).reshape(Tn, B, self.s * Fdim)

    def normalise(self, x: Tensor) -> Tensor:
        return (x - self.feature_mean) / self.feature_std

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor]:
        T, B = x.shape[:2]
        lens = torch.full((B,), T, dtype=torch.long) if lengths is None else torch.as_tensor(lengths).long().cpu()
        out_lens = self.output_lengths(lens)
        if int(out_lens.min()) < 1:
            raise ValueError(f"lengths: every utterance needs >= {self.k} frames for this model, got {int(lens.min())}")
        u = self.drop_in(self.subsample(self.normalise(x)))                  # (T', B, U)
        o, _ = self.rnn(u, lengths=out_lens)                                 # (T', B, D*H)
        return F.log_softmax(self.head(self.drop(o)).float(), dim=-1), out_lens  # (T', B, V)

    # ------------------------------------------------------------ streaming
    def start_stream(self) -> StreamState:
        if self.config.bidirectional:
            raise ValueError("--stream: needs a unidirectional model (trained with --no-bidirectional); "
                             "a bidirectional one reads each utterance from its end too")
        return StreamState(torch.zeros(0, self.config.num_features))

    def stream_step(self, frames: Tensor, st: StreamState) -> tuple[Tensor, StreamState]:
        """New raw frames (t, F) -> log probabilities (t', V) of the output steps they complete."""
        buf = torch.cat([st.frames, self.normalise(frames)])                 # (n, F)
        Tn = (len(buf) - self.k) // self.s + 1 if len(buf) >= self.k else 0
        if Tn == 0:
            return torch.zeros(0, self.config.num_labels), StreamState(buf, st.rnn)
        u = self.subsample(buf[: self.k + (Tn - 1) * self.s, None])          # (t', 1, U)
        o, rnn_state = self.rnn(u, st.rnn)                                   # (t', 1, H)
        logp = F.log_softmax(self.head(o).float(), dim=-1)[:, 0]             # (t', V)
        return logp, StreamState(buf[Tn * self.s:], rnn_state)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
