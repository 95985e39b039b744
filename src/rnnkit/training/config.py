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

import dataclasses
from dataclasses import dataclass, field
from typing import Any

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("none", "cosine", "step", "plateau")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("fp32", "bf16", "auto")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class TrainConfig:
    """Configuration of one training run; saved inside every checkpoint as a plain dict."""

    optimizer: str = field(default="adam", metadata=_help("adam, adamw or sgd"))
    lr: float = field(default=1e-3, metadata=_help("peak learning rate, > 0"))
    weight_decay: float = field(default=0.0, metadata=_help("L2 (sgd, adam) or decoupled (adamw) weight decay, >= 0"))
    momentum: float = field(default=0.0, metadata=_help("SGD momentum in [0, 1)"))
    schedule: str = field(default="none", metadata=_help(
        "learning-rate schedule: none; cosine (to 0 over max_steps); step (times lr_gamma every "
        "lr_step_size steps); plateau (times lr_gamma after lr_patience evaluations without improvement)"))
    warmup_steps: int = field(default=0, metadata=_help(
        "raise the lr linearly from lr/warmup_steps to lr over the first warmup_steps steps, >= 0; "
        "not with schedule='plateau'"))
    lr_step_size: int = field(default=1000, metadata=_help("steps between decays of the step schedule, >= 1"))
    lr_gamma: float = field(default=0.5, metadata=_help("decay factor of the step and plateau schedules, in (0, 1)"))
    lr_patience: int = field(default=2, metadata=_help("evaluations without improvement before plateau decays, >= 0"))
    clip_norm: float | None = field(default=5.0, metadata=_help(
        "rescale the gradient when its global L2 norm exceeds this (1-10 is the usual range; "
        "None turns clipping off, not recommended for RNNs)"))
    clip_value: float | None = field(default=None, metadata=_help(
        "also clamp every gradient element to [-clip_value, clip_value] before norm clipping; None: off"))
    max_steps: int = field(default=0, metadata=_help("stop after this many optimiser steps; 0: no step limit"))
    epochs: int = field(default=1, metadata=_help("stop after this many passes over the training batches, >= 1"))
    eval_every: int = field(default=0, metadata=_help("evaluate every this many steps; 0: at the end of each epoch"))
    checkpoint_every: int = field(default=0, metadata=_help(
        "write checkpoints/last.pt every this many steps; 0: at every evaluation"))
    patience: int = field(default=0, metadata=_help(
        "stop after this many evaluations without improvement of the task metric; 0: never stop early"))
    min_delta: float = field(default=0.0, metadata=_help("smallest change of the metric that counts as improvement, >= 0"))
    seed: int = field(default=0, metadata=_help("one seed for torch, numpy, random, data order and dropout"))
    run_dir: str = field(default="runs/default", metadata=_help("directory for config, metrics, plots and checkpoints"))
    log_every: int = field(default=10, metadata=_help("steps between progress-bar updates and train-loss averages, >= 1"))
    progress: bool = field(default=True, metadata=_help("show a progress bar (rank 0 only)"))
    plot: bool = field(default=True, metadata=_help("write curves.png at every evaluation and at the end"))
    device: str = field(default="auto", metadata=_help("auto (cuda when present), cpu or cuda"))
    precision: str = field(default="fp32", metadata=_help(
        "fp32; bf16: forward pass under torch.autocast in bfloat16, weights, gradients and optimiser "
        "in float32 (about 1.7x faster for an LSTM on CPUs with AVX512-BF16 or AMX, and on recent GPUs); "
        "auto: bf16 where the device has native bfloat16 kernels, else fp32"))

    def __post_init__(self) -> None:
        self._check_choice("optimizer", OPTIMIZERS)
        self._check_choice("schedule", SCHEDULES)
        self._check_choice("device", DEVICES)
        self._check_choice("precision", PRECISIONS)
        self._check_number("lr", self.lr, lo=0.0, lo_open=True)
        self._check_number("weight_decay", self.weight_decay, lo=0.0)
        self._check_number("momentum", self.momentum, lo=0.0, hi=1.0)
        self._check_number("lr_gamma", self.lr_gamma, lo=0.0, hi=1.0, lo_open=True)
        self._check_number("min_delta", self.min_delta, lo=0.0)
        for name in ("clip_norm", "clip_value"):
            if getattr(self, name) is not None:
                self._check_number(name, getattr(self, name), lo=0.0, lo_open=True)
        for name, lo in (("lr_step_size", 1), ("warmup_steps", 0), ("lr_patience", 0), ("max_steps", 0), ("epochs", 1),
                         ("eval_every", 0), ("checkpoint_every", 0), ("patience", 0), ("log_every", 1)):
            self._check_int(name, lo)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise TypeError(f"seed must be an int, got {self.seed!r}")
        if not isinstance(self.run_dir, str) or not self.run_dir:
            raise ValueError(f"run_dir must be a non-empty path string, got {self.run_dir!r}")
        if self.warmup_steps and self.schedule == "plateau":
            raise ValueError(f"warmup_steps={self.warmup_steps} does not combine with schedule='plateau' "
                             f"(which rescales the lr at evaluations); use 0, or another schedule")
        if self.schedule == "cosine" and self.max_steps == 0:
            raise ValueError("schedule='cosine' needs max_steps >= 1 (it decays to 0 over max_steps), got max_steps=0")

    def _check_choice(self, name: str, choices: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")

    def _check_int(self, name: str, lo: int) -> None:
        value = getattr(self, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
        if value < lo:
            raise ValueError(f"{name} must be >= {lo}, got {value}")

    @staticmethod
    def _check_number(name: str, value: Any, lo: float, hi: float | None = None, lo_open: bool = False) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
        too_low = value <= lo if lo_open else value < lo
        too_high = hi is not None and value >= hi
        if too_low or too_high or value != value:
            left = "(" if lo_open else "["
            right = f"{hi})" if hi is not None else "inf)"
            raise ValueError(f"{name} must be in {left}{lo}, {right}, got {value}")

    def to_dict(self) -> dict[str, Any]:
        """The config as a plain dict of str/int/float/bool/None (safe for weights_only loading)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        """Rebuild a config; unknown keys raise a ValueError naming them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields {unknown}; known fields are {sorted(known)}")
        return cls(**data)

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)
