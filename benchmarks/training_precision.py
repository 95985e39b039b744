"""Training-step speed of the character language model, bfloat16 autocast vs float32.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/training_precision.py

One step = forward (under torch.autocast for bf16), float32 cross-entropy, backward,
clipping and Adam, as `rnnkit.Trainer` does it, on random tokens (speed does not depend
on the data). The two precisions alternate over interleaved rounds in one process; the
table gives the median milliseconds per step and the ratio, so machine noise hits both.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from rnnkit.tasks.textgen.config import LanguageModelConfig
from rnnkit.tasks.textgen.model import LanguageModel

POINTS = [(512, 32, 32), (768, 32, 64), (1024, 32, 64)]  # (H, B, T)


def step_time(model: LanguageModel, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
              bf16: bool, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits, _ = model(x)                                                    # (T, B, V)
        loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per precision")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per round")
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"AVX512-BF16: {torch.cpu._is_avx512_bf16_supported()}")
    print("| 1-layer LSTM LM (H, B×T) | fp32 ms/step | bf16 ms/step | bf16 tokens/s | fp32 / bf16 |")
    print("|---|---|---|---|---|")
    for H, B, T in POINTS:
        torch.manual_seed(0)
        model = LanguageModel(LanguageModelConfig(vocab_size=65, hidden_size=H, embedding_size=64, dropout=0.2))
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        x, y = torch.randint(0, 65, (T, B)), torch.randint(0, 65, (T, B))
        for bf16 in (False, True):
            step_time(model, opt, x, y, bf16, 2)  # warm-up: oneDNN primitive caches
        times = {False: [], True: []}
        for _ in range(args.rounds):
            for bf16 in (False, True):
                times[bf16].append(step_time(model, opt, x, y, bf16, args.steps))
        fp32, bf16 = statistics.median(times[False]), statistics.median(times[True])
        print(f"| H={H}, {B}×{T} | {fp32 * 1e3:.1f} | {bf16 * 1e3:.1f} | {B * T / bf16:,.0f} | {fp32 / bf16:.2f} |")


if __name__ == "__main__":
    main()
