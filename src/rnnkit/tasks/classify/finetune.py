"""Fine-tuning a classifier started from a language model: ULMFiT's schedule (Howard & Ruder, 2018).

The tensors copied from the language model (`--init-from`) are cut into layer groups,
top down; everything else (pooling, output layer, a bidirectional encoder's reverse
direction) is the fresh group g = 0, which always trains:

    g = 0: the fresh tensors      g = 1: recurrent layer L-1   ...   g = L: layer 0   g = L+1: embedding

- **Discriminative learning rates** (`lr_decay` = ξ): group g takes lr_g = lr / ξ^g, so
  the lower layers, which hold the most general features, move least (ULMFiT: ξ = 2.6).
- **Gradual unfreezing** (`unfreeze_every` = k epochs): at first only g = 0 trains; every
  k epochs one more group joins, from the top down, until everything trains (ULMFiT: k = 1).
  A frozen tensor has requires_grad False, so it gets no gradient and the optimiser
  skips it; its Adam moments start when it joins.

Without `--init-from` nothing is copied, every tensor is in g = 0 and both options
change nothing. The schedule (warm-up, cosine, anneal) scales every group's lr alike.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import torch
from torch import nn

from rnnkit.training import TrainConfig, Trainer
from rnnkit.training import distributed as ddp
from rnnkit.training.optim import build_optimizer, build_scheduler

_LAYER = re.compile(r"_l(\d+)(?:_reverse)?$")


def layer_groups(model: nn.Module, copied: list[str]) -> list[list[nn.Parameter]]:
    """[fresh, top recurrent layer, ..., recurrent layer 0, input map]; groups with no tensor are dropped."""
    copied_set = set(copied)
    fresh: list[nn.Parameter] = []
    by_layer: dict[int, list[nn.Parameter]] = {}
    bottom: list[nn.Parameter] = []
    for name, p in model.named_parameters():
        if name not in copied_set:
            fresh.append(p)
        elif name.startswith("rnn.") and (m := _LAYER.search(name)):
            by_layer.setdefault(int(m.group(1)), []).append(p)
        else:  # embedding.weight (or an input projection)
            bottom.append(p)
    groups = [fresh] + [by_layer[k] for k in sorted(by_layer, reverse=True)] + [bottom]
    return [g for g in groups if g]


class Unfreezer:
    """requires_grad by step: groups[0] always, one more group every `every` steps (every=0: all at once)."""

    def __init__(self, groups: list[list[nn.Parameter]], every: int) -> None:
        self.groups, self.every = groups, every
        self.active = -1

    def trainable(self, step: int) -> int:
        """How many groups train at optimiser step `step` (0-based)."""
        if self.every <= 0:
            return len(self.groups)
        return min(len(self.groups), 1 + step // self.every)

    def apply(self, step: int) -> None:
        n = self.trainable(step)
        if n == self.active:
            return
        for g, params in enumerate(self.groups):
            for p in params:
                p.requires_grad_(g < n)
        self.active = n


def make_trainer(task: Any, train_cfg: TrainConfig, copied: list[str], lr_decay: float = 1.0,
                 unfreeze_every: float = 0.0) -> Trainer:
    """A `Trainer` for `task`, with discriminative learning rates and gradual unfreezing when asked for."""
    groups = layer_groups(task.model, copied)
    steps = 0
    if unfreeze_every > 0 and len(groups) > 1:
        if ddp.is_distributed():
            raise ValueError("unfreeze_every: gradual unfreezing is not supported in distributed training (use 0)")
        steps = max(1, round(unfreeze_every * (task.steps_per_epoch or 1)))
        unfreezer = Unfreezer(groups, steps)
        holder: dict[str, Trainer] = {}
        base_loss: Callable = task.loss

        def loss(model: nn.Module, batch: Any, state: Any) -> Any:
            unfreezer.apply(holder["trainer"].step)  # before the forward pass, so a resumed run freezes right too
            return base_loss(model, batch, state)

        task.loss = loss
    trainer = Trainer(task, train_cfg)
    if steps:
        holder["trainer"] = trainer
    if lr_decay != 1.0 and len(groups) > 1:
        trainer.optimizer = grouped_optimizer(train_cfg, groups, lr_decay)
        trainer.scheduler = build_scheduler(train_cfg, trainer.optimizer, task.lower_is_better,
                                            lambda step: trainer.budget.progress(step))
    return trainer


def grouped_optimizer(train_cfg: TrainConfig, groups: list[list[nn.Parameter]],
                      lr_decay: float) -> torch.optim.Optimizer:
    """The configured optimiser with one parameter group per layer group, lr_g = lr / lr_decay^g."""
    opt = build_optimizer(train_cfg, groups[0])
    for g, params in enumerate(groups[1:], start=1):
        opt.add_param_group({"params": params, "lr": train_cfg.lr / lr_decay ** g})
    return opt
