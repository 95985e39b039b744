"""The `rnnkit.training.Task` of a recogniser: bucketed batches, SpecAugment, CTC loss, CER/WER.

Letters: T frames, T' output steps, B batch, F features, V labels, L target characters.
The loss is torch's CTC (blank id 0, `zero_infinity=True`, so an utterance too short
for its transcript adds nothing rather than inf), averaged over the batch after
dividing each utterance's by its target length (reduction 'mean'). Padding never enters
it: the recurrent layers stop at each utterance's own end, and ctc_loss reads only
the first T'_b steps of each. Validation decodes greedily (or with the beam) and
scores CER and WER; the best checkpoint is the one of lowest validation CER.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import torch
import torch.nn.functional as F

from rnnkit.data.batching import BucketSampler, pad_batch
from rnnkit.tasks.speech.config import SpeechConfig
from rnnkit.tasks.speech.data import BLANK
from rnnkit.tasks.speech.evaluate import error_rates, transcribe_features
from rnnkit.tasks.speech.features import spec_augment
from rnnkit.training import Task


@dataclass
class Encoded:
    """Features and targets of one split."""

    feats: list[torch.Tensor]    # (T_i, F) each
    targets: list[torch.Tensor]  # (L_i,) character ids each
    texts: list[str]
    voices: list[str]

    def __len__(self) -> int:
        return len(self.feats)


@dataclass
class Batch:
    x: torch.Tensor               # (T, B, F), right-padded
    lengths: torch.Tensor         # (B,) int64, CPU
    targets: torch.Tensor         # (sum L_b,) concatenated character ids
    target_lengths: torch.Tensor  # (B,)

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(self.x.to(device), self.lengths, self.targets, self.target_lengths)


def batches(data: Encoded, cfg: SpeechConfig, seed: int, epoch: int, fill: torch.Tensor) -> Iterator[Batch]:
    """One epoch of length-bucketed, SpecAugmented batches, the same for the same (seed, epoch)."""
    sampler = BucketSampler([len(f) for f in data.feats], cfg.batch_size, pool_batches=50 if cfg.bucket else 1,
                            seed=seed)
    sampler.set_epoch(epoch)
    g = torch.Generator().manual_seed(seed * 7919 + epoch)
    for idx in sampler:
        feats = [spec_augment(data.feats[i], g, time_masks=cfg.time_masks, time_width=cfg.time_mask_frames,
                              freq_masks=cfg.freq_masks, freq_width=cfg.freq_mask_bins, fill=fill) for i in idx]
        x, lengths = pad_batch(feats)                                        # (T, B, F), (B,)
        tg = [data.targets[i] for i in idx]
        yield Batch(x, lengths, torch.cat(tg), torch.tensor([len(t) for t in tg]))


def ctc_loss(model: torch.nn.Module, batch: Batch, state: Any) -> tuple[torch.Tensor, None, int]:
    log_probs, out_lens = model(batch.x, batch.lengths)                      # (T', B, V), (B,)
    loss = F.ctc_loss(log_probs, batch.targets.to(log_probs.device), out_lens, batch.target_lengths,
                      blank=BLANK, reduction="mean", zero_infinity=True)
    return loss, None, len(batch.lengths)


def make_task(model: torch.nn.Module, train: Encoded, valid: Encoded, cfg: SpeechConfig, seed: int,
              model_config: dict[str, Any]) -> Task:
    fill = model.feature_mean.detach().cpu().clone()  # masks hold the mean: 0 after normalisation (0 already, per utterance)

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        hyps = transcribe_features(m, valid.feats, cfg.beam_width)
        return {**error_rates(valid.texts, hyps), "loss": _mean_loss(m, valid)}

    return Task(model=model, train_batches=lambda epoch: batches(train, cfg, seed, epoch, fill), loss=ctc_loss,
                evaluate=evaluate, metric="cer", lower_is_better=True, stateful=False, unit="utt",
                model_config=model_config, steps_per_epoch=-(-len(train) // cfg.batch_size))


def _mean_loss(model: torch.nn.Module, data: Encoded, batch_size: int = 64) -> float:
    total, n = 0.0, 0
    device = next(model.parameters()).device
    for start in range(0, len(data), batch_size):
        sl = slice(start, start + batch_size)
        x, lengths = pad_batch(data.feats[sl])
        tg: Sequence[torch.Tensor] = data.targets[sl]
        b = Batch(x.to(device), lengths, torch.cat(list(tg)), torch.tensor([len(t) for t in tg]))
        loss, _, k = ctc_loss(model, b, None)
        total, n = total + float(loss) * k, n + k
    return total / max(n, 1)
