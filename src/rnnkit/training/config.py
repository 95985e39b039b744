"""`TrainConfig`: every knob of the training loop, in one frozen dataclass.

Why gradient clipping by global norm is on by default, at 5.0: the gradient of a
recurrent network is a product of one Jacobian per time step, so it can grow
exponentially with the sequence length and a single bad batch can throw the weights
far away (Pascanu et al., 2013, "On the difficulty of training recurrent neural
networks"). Rescaling the whole gradient when its L2 norm exceeds a threshold keeps
its direction and bounds the step. Thresholds between 1 and 10 are the usual range
(1 in Pascanu et al. and many seq2seq recipes, 5 in Zaremba et al.'s PTB language
model and Karpathy's char-rnn, 10 in some speech systems); 5.0 is rarely active on
a healthy run and always active on a spike. The norm before clipping is logged every
step in `metrics.jsonl` (`grad_norm`), so you can see how often the clip bites.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit.config import (Config, check_choice, check_fraction, check_int, check_number, check_text,
                           option)

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("none", "cosine", "anneal", "step", "plateau")
BUDGET_SCHEDULES = ("cosine", "anneal")  # shapes over the training budget (max_steps and/or max_seconds)
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("fp32", "bf16", "auto")


@dataclass(frozen=True)
class TrainConfig(Config):
    """Configuration of one training run; saved inside every checkpoint as a plain dict."""

    optimizer: str = option("adam", "adam, adamw or sgd")
    lr: float = option(1e-3, "peak learning rate, > 0")
    weight_decay: float = option(0.0, "L2 (sgd, adam) or decoupled (adamw) weight decay, >= 0")
    momentum: float = option(0.0, "SGD momentum in [0, 1)")
    schedule: str = option("none", (
        "learning-rate schedule after the warm-up: none; cosine (to 0 over the budget); anneal (constant, "
        "then linearly to 0 over the last anneal_share of the budget); step (times lr_gamma every "
        "lr_step_size steps); plateau (times lr_gamma after lr_patience evaluations without improvement). "
        "The budget is max_steps and/or max_seconds, whichever runs out first"))
    anneal_share: float = option(0.5, "schedule='anneal': share of the budget, at its end, over which the lr falls "
                                      "linearly to 0, in (0, 1]")
    warmup_steps: int = option(0, "raise the lr linearly from lr/warmup_steps to lr over the first warmup_steps "
                                  "steps, >= 0; not with schedule='plateau'")
    lr_step_size: int = option(1000, "steps between decays of the step schedule, >= 1")
    lr_gamma: float = option(0.5, "decay factor of the step and plateau schedules, in (0, 1)")
    lr_patience: int = option(2, "evaluations without improvement before plateau decays, >= 0")
    clip_norm: float | None = option(5.0, "rescale the gradient when its global L2 norm exceeds this (1-10 is the "
                                          "usual range; None turns clipping off, not recommended for RNNs)")
    clip_value: float | None = option(None, "also clamp every gradient element to [-clip_value, clip_value] before "
                                            "norm clipping; None: off")
    max_steps: int = option(0, "stop after this many optimiser steps; 0: no step limit")
    max_seconds: float = option(0.0, "stop after this many seconds of training (evaluations and checkpoint writing "
                                     "not counted; the last step ends within the budget); 0: no time limit")
    epochs: int = option(1, "stop after this many passes over the training batches, >= 1")
    eval_every: int = option(0, "evaluate every this many steps; 0: at the end of each epoch")
    checkpoint_every: int = option(0, "write checkpoints/last.pt every this many steps; 0: at every evaluation")
    patience: int = option(0, "stop after this many evaluations without improvement of the task metric; "
                              "0: never stop early")
    min_delta: float = option(0.0, "smallest change of the metric that counts as improvement, >= 0")
    seed: int = option(0, "one seed for torch, numpy, random, data order and dropout")
    run_dir: str = option("runs/default", "directory for config, metrics, plots and checkpoints")
    log_every: int = option(10, "steps between progress-bar updates and train-loss averages, >= 1")
    progress: bool = option(True, "show a progress bar (rank 0 only)")
    plot: bool = option(True, "write curves.png at evaluations (at most every 30 s) and at the end")
    device: str = option("auto", "auto (cuda when present), cpu or cuda")
    precision: str = option("fp32", (
        "fp32; bf16: forward pass under torch.autocast in bfloat16, weights, gradients and optimiser "
        "in float32 (about 1.5x faster for an LSTM on CPUs with AVX512-BF16, and on recent GPUs; a fused "
        "kernel whose bf16 gradients disagree with float32 runs in float32, docs/bf16.md); "
        "auto: bf16 where the device has native bfloat16 kernels, else fp32"))

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("device", self.device, DEVICES)
        check_choice("precision", self.precision, PRECISIONS)
        check_number("lr", self.lr, lo=0.0, lo_open=True)
        check_number("weight_decay", self.weight_decay, lo=0.0)
        check_fraction("momentum", self.momentum)
        check_number("anneal_share", self.anneal_share, lo=0.0, hi=1.0, lo_open=True)
        check_number("lr_gamma", self.lr_gamma, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
        check_number("min_delta", self.min_delta, lo=0.0)
        check_number("max_seconds", self.max_seconds, lo=0.0)
        for name in ("clip_norm", "clip_value"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), lo=0.0, lo_open=True)
        for name, lo in (("lr_step_size", 1), ("warmup_steps", 0), ("lr_patience", 0), ("max_steps", 0),
                         ("epochs", 1), ("eval_every", 0), ("checkpoint_every", 0), ("patience", 0),
                         ("log_every", 1), ("seed", None)):
            check_int(name, getattr(self, name), lo)
        check_text("run_dir", self.run_dir)
        if self.warmup_steps and self.schedule == "plateau":
            raise ValueError(f"warmup_steps: {self.warmup_steps} does not combine with schedule='plateau' "
                             f"(which rescales the lr at evaluations); use 0, or another schedule")
        if self.schedule in BUDGET_SCHEDULES and not (self.max_steps or self.max_seconds):
            raise ValueError(f"schedule: {self.schedule!r} decays over the training budget and needs max_steps >= 1 "
                             f"or max_seconds > 0, got neither")
