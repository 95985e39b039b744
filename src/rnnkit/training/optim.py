"""Optimiser and learning-rate schedule from a `TrainConfig`; seeding and RNG state capture."""

from __future__ import annotations

import math
import random
from typing import Any, Callable, Iterable

import numpy as np
import torch

from .config import TrainConfig


FUSED_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)


def build_optimizer(config: TrainConfig, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ValueError("the model has no parameters with requires_grad=True; nothing to train")
    if config.optimizer in ("adam", "adamw"):
        adam = torch.optim.Adam if config.optimizer == "adam" else torch.optim.AdamW
        # one fused kernel for all parameters instead of ~10 small ops per tensor: the same update
        # (to float rounding), and for small models (a forecaster, a tagger) the optimiser is a large
        # share of the step; where a device/dtype has no fused kernel, the per-tensor loop
        fused = all(p.device.type in ("cpu", "cuda") and p.dtype in FUSED_DTYPES for p in params)
        return adam(params, lr=config.lr, weight_decay=config.weight_decay, fused=fused or None)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def resolve_precision(precision: str, device: torch.device) -> str:
    """'fp32' or 'bf16': 'auto' takes bf16 where the device computes it natively (CPUs with
    AVX512-BF16 or AMX, CUDA GPUs that support it), because emulated bf16 is slower than fp32."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type == "cpu":
        probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch.cpu's own capability checks
        native = any(getattr(torch.cpu, name, lambda: False)() for name in probes)
        return "bf16" if native else "fp32"
    return "fp32"


def warmup_factor(step: int, warmup_steps: int) -> float:
    """Linear warm-up: the share of the peak lr for optimiser step `step` (0-based)."""
    return 1.0 if step >= warmup_steps else (step + 1) / warmup_steps


def budget_shape(schedule: str, progress: float, anneal_share: float) -> float:
    """The lr factor of a budget schedule at `progress` (share of the budget used, 0..1).

    cosine: 0.5 (1 + cos(pi * progress)); anneal: 1 until 1 - anneal_share, then linearly to 0.
    """
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "anneal":
        return min(1.0, (1.0 - progress) / anneal_share)
    return 1.0


def build_scheduler(config: TrainConfig, optimizer: torch.optim.Optimizer, lower_is_better: bool = True,
                    progress: Callable[[int], float] | None = None) -> Any:
    """None, or the one scheduler that owns the lr: it advances every optimiser step (plateau: every evaluation).

    lr(step) = lr * warmup(step) * schedule(step), with warmup rising linearly over the
    first `warmup_steps` steps (Adam's first updates are its largest relative to the
    gradient: a warm-up keeps a high peak lr from throwing the weights off at the start).
    cosine and anneal follow `progress(step)`, the share of the training budget used
    (steps and/or seconds, `rnnkit.training.budget.Budget`); without it, step / max_steps.
    """
    if config.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min" if lower_is_better else "max", factor=config.lr_gamma, patience=config.lr_patience)
    warm, kind = config.warmup_steps, config.schedule
    if kind in ("cosine", "anneal"):
        share = progress or (lambda s: min(1.0, s / config.max_steps))
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: warmup_factor(s, warm) * budget_shape(kind, share(s), config.anneal_share))
    if kind == "step":
        size, gamma = config.lr_step_size, config.lr_gamma
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_factor(s, warm) * gamma ** (s // size))
    if warm:
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_factor(s, warm))
    return None


def seed_everything(seed: int) -> None:
    """Seed Python's random, numpy and torch (CPU and CUDA) from one integer."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def get_rng_state() -> dict[str, Any]:
    """Every global RNG state as tensors and plain values (loadable with weights_only=True)."""
    _, keys, pos, has_gauss, gauss = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "gauss": float(gauss)},
        "python": {"version": version, "internal": list(internal), "gauss_next": gauss_next},
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    p = state["python"]
    random.setstate((p["version"], tuple(p["internal"]), p["gauss_next"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
