"""The `rnnkit.training.Task` of a classifier: bucketed batches, weighted cross-entropy, metrics.

Batches come from `BucketSampler` (similar lengths side by side, seeded per epoch) and
`pad_batch`; the loss is the cross-entropy of each sequence's logits (one per sequence,
so padding cannot enter it), optionally weighted per class. Evaluation: accuracy and
macro-F1 on the validation split. Letters: T time, B batch, F features, C classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import torch
import torch.nn.functional as F

from rnnkit.data.batching import BucketSampler, pad_batch
from rnnkit.tasks.classify.encode import Encoded
from rnnkit.tasks.classify.evaluate import classification_metrics, predict_proba
from rnnkit.training import Task


@dataclass
class Batch:
    x: torch.Tensor        # (T, B) ids or (T, B, F) features, right-padded
    lengths: torch.Tensor  # (B,) int64, on the CPU
    y: torch.Tensor        # (B,) label ids

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(self.x.to(device), self.lengths, self.y.to(device))


def batches(data: Encoded, batch_size: int, seed: int, epoch: int, bucket: bool = True) -> Iterator[Batch]:
    """One epoch of batches, the same for the same (seed, epoch); bucket=False: random batches."""
    sampler = BucketSampler(data.lengths, batch_size, pool_batches=50 if bucket else 1, seed=seed)
    sampler.set_epoch(epoch)
    for idx in sampler:
        x, lengths = pad_batch([data.xs[i] for i in idx])  # (T, B[, F]), (B,)
        yield Batch(x, lengths, data.ys[idx])


def make_loss(weight: torch.Tensor | None):
    """loss(model, batch, state) -> (mean cross-entropy over the batch's sequences, None, B)."""

    def loss(model: torch.nn.Module, batch: Batch, state: Any) -> tuple[torch.Tensor, None, int]:
        logits = model(batch.x, batch.lengths)  # (B, C)
        w = None if weight is None else weight.to(logits.device)
        return F.cross_entropy(logits.float(), batch.y, weight=w), None, len(batch.y)

    return loss


def make_task(model: torch.nn.Module, train: Encoded, valid: Encoded, labels: list[str], *, batch_size: int,
              seed: int, bucket: bool, weight: torch.Tensor | None, model_config: dict[str, Any],
              select_by: str = "macro_f1") -> Task:
    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        probs = predict_proba(m, valid.xs)  # (N, C)
        nll = F.nll_loss(torch.log(probs.clamp_min(1e-12)), valid.ys).item()
        metrics = classification_metrics(valid.ys.tolist(), probs.argmax(1).tolist(), labels)
        return {"loss": nll, "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}

    steps = -(-len(train) // batch_size)
    return Task(model=model, train_batches=lambda epoch: batches(train, batch_size, seed, epoch, bucket),
                loss=make_loss(weight), evaluate=evaluate, metric=select_by, lower_is_better=select_by == "loss",
                stateful=False, unit="seq", model_config=model_config, steps_per_epoch=steps)
