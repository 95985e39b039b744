"""`Task`: what an application hands the training loop.

A task supplies a model, its training batches, a loss and an evaluation::

    task = Task(
        model=model,
        train_batches=lambda epoch: batches_for(epoch),   # same epoch -> same batches
        loss=lambda model, batch, state: (loss, new_state, n_items),
        evaluate=lambda model: {"loss": ..., "accuracy": ...},
        metric="accuracy", lower_is_better=False,
    )

Rules the loop relies on:

* `train_batches(epoch)` gives the same batches for the same epoch (seed any
  shuffling from the epoch, as `BucketSampler` does): this is how a resumed run
  finds its place, by skipping the batches it already consumed.
* `loss(model, batch, state)` returns the mean loss of the batch, the new recurrent
  state (or None) and how many items (tokens or sequences, see `unit`) the batch
  held. `model` may be wrapped in DistributedDataParallel: call it, don't reach into it.
* Independent sequences (classification, tagging, translation): `stateful=False`,
  and `state` is always None. Streams (language models, series): `stateful=True`;
  the loop hands back the state the previous chunk returned, detached, and None at
  the start of each epoch. If the batch has `row_starts` (B,) bool, those rows are
  zeroed first; inside a chunk use `run_with_resets` with the batch's reset mask.
* `evaluate(model)` runs under `torch.no_grad()` and `model.eval()` and returns a
  dict holding `metric`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import torch


@dataclass
class Task:
    model: torch.nn.Module
    train_batches: Callable[[int], Iterable[Any]]
    loss: Callable[[torch.nn.Module, Any, Any], tuple[torch.Tensor, Any, int]]
    evaluate: Callable[[torch.nn.Module], dict[str, float]] | None = None
    metric: str = "loss"
    lower_is_better: bool = True
    stateful: bool = False
    unit: str = "seq"
    model_config: dict[str, Any] | None = None
    steps_per_epoch: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(self.model).__name__}")
        for name in ("train_batches", "loss"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable, got {type(getattr(self, name)).__name__}")
        if self.evaluate is not None and not callable(self.evaluate):
            raise TypeError(f"evaluate must be callable or None, got {type(self.evaluate).__name__}")
        if self.model_config is not None and not isinstance(self.model_config, dict):
            raise TypeError(f"model_config must be a dict of plain values or None, got {type(self.model_config).__name__}")
