"""The `rnnkit.training.Task` of translation: bucketed pairs, masked cross-entropy, BLEU.

Batches come from `BucketSampler` over max(source, target) lengths (similar lengths side
by side, seeded per epoch) and `pad_batch`. The loss is the cross-entropy of every real
target token (EOS included), PAD positions ignored. Evaluation: validation loss and
perplexity (no label smoothing) and greedy-search BLEU and chrF on the validation pairs.
Letters: S source, T target, B batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import torch

from rnnkit.data.batching import BucketSampler, pad_batch
from rnnkit.tasks.translate.model import masked_cross_entropy
from rnnkit.tasks.translate.vocab import BOS, EOS, PAD
from rnnkit.training import Task


@dataclass
class Batch:
    src: torch.Tensor       # (S, B) ids, right-padded with PAD
    lengths: torch.Tensor   # (B,) source lengths, on the CPU
    tgt_in: torch.Tensor    # (T, B) BOS y_1 … y_n, PAD after
    tgt_out: torch.Tensor   # (T, B) y_1 … y_n EOS, PAD after

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(self.src.to(device), self.lengths, self.tgt_in.to(device), self.tgt_out.to(device))


@dataclass
class EncodedPairs:
    src: list[torch.Tensor]  # (S_i,) source ids
    tgt: list[torch.Tensor]  # (T_i,) target ids without BOS/EOS
    sources: list[str]
    targets: list[str]

    def __len__(self) -> int:
        return len(self.src)


def make_batch(src: list[torch.Tensor], tgt: list[torch.Tensor]) -> Batch:
    s, lengths = pad_batch(src, padding_value=PAD)  # (S, B), (B,)
    bos, eos = torch.tensor([BOS]), torch.tensor([EOS])
    tin, _ = pad_batch([torch.cat([bos, t]) for t in tgt], padding_value=PAD)  # (T, B)
    tout, _ = pad_batch([torch.cat([t, eos]) for t in tgt], padding_value=PAD)  # (T, B)
    return Batch(s, lengths, tin, tout)


def batches(data: EncodedPairs, batch_size: int, seed: int, epoch: int) -> Iterator[Batch]:
    """One epoch of bucketed batches, the same for the same (seed, epoch)."""
    lengths = [max(len(s), len(t) + 1) for s, t in zip(data.src, data.tgt)]
    sampler = BucketSampler(lengths, batch_size, pool_batches=50, seed=seed)
    sampler.set_epoch(epoch)
    for idx in sampler:
        yield make_batch([data.src[i] for i in idx], [data.tgt[i] for i in idx])


def make_loss(label_smoothing: float, teacher_forcing: float):
    def loss(model: torch.nn.Module, batch: Batch, state: Any) -> tuple[torch.Tensor, None, int]:
        logits = model(batch.src, batch.lengths, batch.tgt_in, teacher_forcing)  # (T, B, V)
        value, n = masked_cross_entropy(logits, batch.tgt_out, label_smoothing)
        return value, None, n

    return loss


@torch.no_grad()
def validation_loss(model: torch.nn.Module, data: EncodedPairs, batch_size: int = 64) -> float:
    """Mean cross-entropy per target token (no smoothing), teacher forced."""
    total, count = 0.0, 0
    device = next(model.parameters()).device
    for i in range(0, len(data), batch_size):
        b = make_batch(data.src[i:i + batch_size], data.tgt[i:i + batch_size]).to(device)
        value, n = masked_cross_entropy(model(b.src, b.lengths, b.tgt_in), b.tgt_out)
        total, count = total + float(value) * n, count + n
    return total / max(count, 1)


def make_task(model: torch.nn.Module, train: EncodedPairs, valid: EncodedPairs, *, batch_size: int, seed: int,
              label_smoothing: float, teacher_forcing: float, model_config: dict[str, Any],
              translate: Callable[[torch.nn.Module, list[torch.Tensor]], list[str]] | None,
              clock: Callable[[], float] | None = None) -> Task:
    """`translate(model, sources)` gives validation BLEU (metric "bleu"); None: select by loss.
    `clock()` (the trainer's training seconds) goes into every evaluation record."""
    from rnnkit.tasks.translate.evaluate import bleu_chrf

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        loss = validation_loss(m, valid)
        out = {"loss": loss, "perplexity": math.exp(min(loss, 50.0))}
        if translate is not None:
            out.update(bleu_chrf(translate(m, valid.src), valid.targets))
        if clock is not None:
            out["train_seconds"] = clock()
        return out

    steps = -(-len(train) // batch_size)
    return Task(model=model, train_batches=lambda epoch: batches(train, batch_size, seed, epoch),
                loss=make_loss(label_smoothing, teacher_forcing), evaluate=evaluate,
                metric="bleu" if translate is not None else "loss", lower_is_better=translate is None,
                stateful=False, unit="tok", model_config=model_config, steps_per_epoch=steps)
