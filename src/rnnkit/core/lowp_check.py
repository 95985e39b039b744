"""Check a fused kernel's low-precision gradients against float32 before trusting them.

Why: under ``torch.autocast`` (bfloat16 on CPU) `torch.lstm` runs oneDNN's bf16 kernel.
On Intel CPUs with AMX, torch 2.13.0 with oneDNN 3.12 computes that kernel's *backward*
wrongly from H = 1024 on: 20–85 % relative error in every weight gradient while the
forward is right to 0.4 % (docs/bf16.md has a reproduction). Training still runs, only
worse, so nothing fails. On CPUs without AVX512-BF16 the same kernel cannot be built
at all ("could not create a primitive descriptor").

So before a layer configuration (cell, sizes, layers, directions, device, dtype) first
runs the fused kernel under autocast, `check_fused_lowp` runs one small probe batch
through it twice, under autocast and in float32, with the layer's own weights, and
compares every parameter's gradient:

    err(W) = ‖∂L/∂W (autocast) − ∂L/∂W (float32)‖ / ‖∂L/∂W (float32)‖

The kernel is trusted when err ≤ TOLERANCE for every parameter (correct bf16 paths
measure 0.3–0.5 %). Otherwise the layer runs the fused kernel in float32 inside the
autocast region (the rest of the model keeps bf16) and says so once. The verdict is
cached per configuration for the life of the process.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from rnnkit.core.fused import run_fused

TOLERANCE = 0.02  # largest relative norm error of any parameter's gradient that passes
PROBE_STEPS, PROBE_BATCH = 16, 8  # (T, B) of the probe: the AMX fault shows at T = 8 and B = 4 already

Key = tuple


@dataclass(frozen=True)
class LowpVerdict:
    """What the probe found for one configuration; `trusted` decides the kernel."""

    trusted: bool
    dtype: str                 # the autocast dtype checked, e.g. "bfloat16"
    worst_parameter: str | None
    worst_error: float         # relative norm error of that parameter's gradient; inf if the kernel failed
    reason: str
    seconds: float             # cost of the probe

    def to_dict(self) -> dict:
        return asdict(self)


_verdicts: dict[Key, LowpVerdict] = {}


def clear_verdicts() -> None:
    """Forget every cached verdict (tests; or after changing oneDNN settings)."""
    _verdicts.clear()


def layer_key(layer, amp: torch.dtype) -> Key:
    p = layer.weight_ih_l0
    return (layer.mode, layer.input_size, layer.hidden_size, layer.num_layers, layer.bidirectional, layer.bias,
            str(p.device), p.dtype, amp)


def check_fused_lowp(layer, amp: torch.dtype) -> LowpVerdict:
    """The cached verdict on `layer`'s fused kernel under autocast to `amp`; probes on first use."""
    key = layer_key(layer, amp)
    verdict = _verdicts.get(key)
    if verdict is None:
        verdict = _verdicts[key] = probe_layer(layer, amp)
        if not verdict.trusted:
            warnings.warn(f"rnnkit: the fused {layer.mode} kernel under {verdict.dtype} autocast "
                          f"(H={layer.hidden_size}, {layer.weight_ih_l0.device}) failed its gradient check: "
                          f"{verdict.reason}; this layer runs its fused kernel in float32 instead "
                          f"(the rest of the model keeps {verdict.dtype})", stacklevel=4)
    return verdict


def _autocast_run(device_type: str, amp: torch.dtype) -> Callable[..., tuple]:
    """The path under test: the fused kernel inside torch.autocast."""

    def run(*args) -> tuple:
        with torch.autocast(device_type, dtype=amp):
            return run_fused(*args)
    return run


def probe_layer(layer, amp: torch.dtype, lowp_run: Callable[..., tuple] | None = None) -> LowpVerdict:
    """Compare one forward+backward of `layer`'s fused kernel under autocast with float32.

    `lowp_run(mode, x, hx, weights, bias, L, dropout, training, bidirectional, lengths)`
    replaces the path under test (tests pass a deliberately wrong one).
    """
    t0 = time.perf_counter()
    p0 = layer.weight_ih_l0
    names = [n for n, _ in layer.named_parameters() if not n.startswith("initial_")]  # torch.nn's flat order
    weights = [p.detach().clone() for n, p in layer.named_parameters() if not n.startswith("initial_")]
    gen = torch.Generator().manual_seed(0)
    LD, B, T = layer.num_layers * layer.num_directions, PROBE_BATCH, PROBE_STEPS
    # inputs exactly representable in the low precision, so only the kernel's arithmetic differs
    x = torch.randn(T, B, layer.input_size, generator=gen).to(amp).to(p0.dtype).to(p0.device)
    proj = torch.randn(T, B, layer.num_directions * layer.hidden_size, generator=gen).to(p0.device)
    lstm = layer.mode == "LSTM"

    def grads(run: Callable[..., tuple]) -> list[Tensor]:
        w = [t.clone().requires_grad_(True) for t in weights]
        h0 = torch.zeros(LD, B, layer.hidden_size, dtype=p0.dtype, device=p0.device)
        hx = (h0, h0.clone()) if lstm else h0
        # the probe may be called inside the caller's autocast region: only `run` decides on autocast
        with torch.enable_grad(), torch.autocast(p0.device.type, enabled=False):
            out, final = run(layer.mode, x, hx, w, layer.bias, layer.num_layers, 0.0, False, layer.bidirectional,
                             None)
            h_n = final[0] if lstm else final
            loss = (out.float() * proj).sum() + h_n.float().sum()  # every output and the final state matter
            return list(torch.autograd.grad(loss, w))

    dtype_name = str(amp).removeprefix("torch.")
    try:
        reference = grads(run_fused)
        tested = grads(lowp_run or _autocast_run(p0.device.type, amp))
    except RuntimeError as e:  # e.g. oneDNN has no bf16 kernel for this CPU
        first = str(e).strip().split(". ")[0].rstrip(".") or type(e).__name__  # oneDNN appends advice
        return LowpVerdict(False, dtype_name, None, float("inf"), f"the kernel raised: {first}",
                           time.perf_counter() - t0)
    errors = [float((g.float() - r).norm() / r.norm().clamp_min(1e-30)) for g, r in zip(tested, reference)]
    worst = max(range(len(errors)), key=errors.__getitem__)
    trusted = errors[worst] <= TOLERANCE
    reason = (f"largest gradient error {errors[worst]:.2%} ({names[worst]}) "
              f"{'within' if trusted else 'exceeds'} the tolerance {TOLERANCE:.0%}")
    return LowpVerdict(trusted, dtype_name, names[worst], errors[worst], reason, time.perf_counter() - t0)
