"""Dropout on the CPU: rnnkit.layers.dropout.Dropout against torch.nn.Dropout, forward + backward.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/dropout_speed.py

Shapes are a character language model's LSTM output (T, B, H) at the sizes of the Tiny
Shakespeare runs. Both run in interleaved rounds in one process; the table gives the
median milliseconds per call and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from rnnkit.layers.dropout import Dropout

SHAPES = [(32, 32, 512), (64, 32, 768), (64, 32, 1024)]


def ms_per_call(layer: nn.Module, x: torch.Tensor, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        layer(x).sum().backward()
    return (time.perf_counter() - t0) / calls * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=float, default=0.25, help="dropout probability")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    ap.add_argument("--calls", type=int, default=10, help="timed calls per round")
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, p={args.p}, forward + backward\n")
    print("| (T, B, H) | dtype | torch.nn.Dropout ms | rnnkit Dropout ms | speed-up |")
    print("|---|---|---|---|---|")
    for shape in SHAPES:
        for dtype in (torch.float32, torch.bfloat16):
            x = torch.randn(*shape, dtype=dtype, requires_grad=True)
            layers = {"torch": nn.Dropout(args.p), "rnnkit": Dropout(args.p)}
            times: dict[str, list[float]] = {k: [] for k in layers}
            for k, layer in layers.items():
                ms_per_call(layer, x, 2)  # warm-up
            for _ in range(args.rounds):
                for k, layer in layers.items():
                    times[k].append(ms_per_call(layer, x, args.calls))
            t, r = statistics.median(times["torch"]), statistics.median(times["rnnkit"])
            print(f"| {shape} | {str(dtype)[6:]} | {t:.2f} | {r:.2f} | {t / r:.2f}× |")


if __name__ == "__main__":
    main()
