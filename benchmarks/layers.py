"""Forward+backward time of rnnkit's layers against torch.nn and a naive LSTMCell loop.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/layers.py [--reps 15] [--threads 2]

Every contender runs the same (T, B, I, H) with the same weights; the runs are
interleaved (one of each per round) and the median over rounds is compared, so the
ratios hold on a shared, noisy machine. Ratios are rnnkit time / reference time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import rnnkit

POINTS = [(100, 16, 64, 64), (100, 32, 128, 256), (50, 64, 512, 512)]


def naive_lstmcell(cell: torch.nn.LSTMCell):
    def run(x):
        h = c = x.new_zeros(x.shape[1], cell.hidden_size)
        outs = []
        for t in range(x.shape[0]):
            h, c = cell(x[t], (h, c))
            outs.append(h)
        return torch.stack(outs), (h, c)

    return run


def fwd_bwd(fn, x) -> float:
    t0 = time.perf_counter()
    out, _ = fn(x)
    out.sum().backward()
    return time.perf_counter() - t0


def contenders(kind: str, I: int, H: int) -> dict:
    if kind == "LSTM":
        ref = torch.nn.LSTM(I, H)
        auto, explicit = rnnkit.LSTM(I, H), rnnkit.LSTM(I, H, engine="explicit")
    elif kind == "GRU":
        ref = torch.nn.GRU(I, H)
        auto, explicit = rnnkit.GRU(I, H), rnnkit.GRU(I, H, engine="explicit")
    else:
        ref = torch.nn.RNN(I, H)
        auto, explicit = rnnkit.RNN(I, H), rnnkit.RNN(I, H, engine="explicit")
    auto.load_state_dict(ref.state_dict())
    explicit.load_state_dict(ref.state_dict())
    out = {"torch.nn": ref, "auto": auto, "explicit": explicit}
    if kind == "LSTM":
        cell = torch.nn.LSTMCell(I, H)
        cell.load_state_dict({k[:-3]: v for k, v in ref.state_dict().items()})
        out["LSTMCell loop"] = naive_lstmcell(cell)
    return out


def measure(kind: str, point: tuple[int, int, int, int], reps: int) -> dict[str, float]:
    T, B, I, H = point
    models = contenders(kind, I, H)
    x = torch.randn(T, B, I, requires_grad=True)
    times: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(2):  # warm-up
        for m in models.values():
            fwd_bwd(m, x)
    for _ in range(reps):
        for k, m in models.items():
            times[k].append(fwd_bwd(m, x))
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=15, help="interleaved rounds per point")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch intra-op threads")
    ap.add_argument("--cells", nargs="+", default=["LSTM", "GRU", "RNN"], help="cell kinds to measure")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {args.threads} threads, median of {args.reps} interleaved rounds")
    print("| cell | (T,B,I,H) | torch.nn ms | auto / torch.nn | explicit / torch.nn | explicit / LSTMCell loop |")
    print("|---|---|---|---|---|---|")
    for kind in args.cells:
        for point in POINTS:
            m = measure(kind, point, args.reps)
            ref = m["torch.nn"]
            loop = f"{m['explicit'] / m['LSTMCell loop']:.2f}" if "LSTMCell loop" in m else "–"
            print(f"| {kind} | {point} | {ref * 1e3:.1f} | {m['auto'] / ref:.2f} | {m['explicit'] / ref:.2f} | {loop} |",
                  flush=True)


if __name__ == "__main__":
    main()
