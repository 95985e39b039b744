"""Forward+backward time of rnnkit's layers against torch.nn and a naive LSTMCell loop.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/layers.py [--reps 15] [--threads 2]
    # variable lengths (uniform in T/2..T): torch.nn through pack_padded_sequence, rnnkit with lengths=
    python benchmarks/layers.py --ragged [--bidirectional] --cells LSTM

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


def fwd_bwd(fn, x, lengths=None) -> float:
    t0 = time.perf_counter()
    out, _ = fn(x) if lengths is None else fn(x, lengths)
    out.sum().backward()
    return time.perf_counter() - t0


def packed(module: torch.nn.Module):
    """torch.nn's way to variable lengths: pack, run, pad back."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    def run(x, lengths):
        out, state = module(pack_padded_sequence(x, lengths, enforce_sorted=False))
        return pad_packed_sequence(out, total_length=x.shape[0])[0], state

    return run


def with_lengths(module: torch.nn.Module):
    return lambda x, lengths: module(x, lengths=lengths)


def contenders(kind: str, I: int, H: int, bidirectional: bool = False, ragged: bool = False) -> dict:
    ref = getattr(torch.nn, kind)(I, H, bidirectional=bidirectional)
    auto = getattr(rnnkit, kind)(I, H, bidirectional=bidirectional)
    explicit = getattr(rnnkit, kind)(I, H, bidirectional=bidirectional, engine="explicit")
    auto.load_state_dict(ref.state_dict())
    explicit.load_state_dict(ref.state_dict())
    if ragged:
        return {"torch.nn": packed(ref), "auto": with_lengths(auto), "explicit": with_lengths(explicit)}
    out = {"torch.nn": ref, "auto": auto, "explicit": explicit}
    if kind == "LSTM" and not bidirectional:
        cell = torch.nn.LSTMCell(I, H)
        cell.load_state_dict({k[:-3]: v for k, v in ref.state_dict().items()})
        out["LSTMCell loop"] = naive_lstmcell(cell)
    return out


def measure(kind: str, point: tuple[int, int, int, int], reps: int, bidirectional: bool = False,
            ragged: bool = False) -> dict[str, float]:
    T, B, I, H = point
    models = contenders(kind, I, H, bidirectional, ragged)
    x = torch.randn(T, B, I, requires_grad=True)
    lengths = None
    if ragged:  # uniform in T/2..T, the longest T
        lengths = torch.randint(T // 2, T + 1, (B,), generator=torch.Generator().manual_seed(0))
        lengths[0] = T
    times: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(2):  # warm-up
        for m in models.values():
            fwd_bwd(m, x, lengths)
    for _ in range(reps):
        for k, m in models.items():
            times[k].append(fwd_bwd(m, x, lengths))
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=15, help="interleaved rounds per point")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch intra-op threads")
    ap.add_argument("--cells", nargs="+", default=["LSTM", "GRU", "RNN"], help="cell kinds to measure")
    ap.add_argument("--bidirectional", action="store_true", help="bidirectional layers")
    ap.add_argument("--ragged", action="store_true",
                    help="lengths uniform in T/2..T: torch.nn through pack_padded_sequence, rnnkit with lengths=")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {args.threads} threads, median of {args.reps} interleaved rounds"
          + (", bidirectional" if args.bidirectional else "") + (", ragged lengths" if args.ragged else ""))
    print("| cell | (T,B,I,H) | torch.nn ms | auto / torch.nn | explicit / torch.nn | explicit / LSTMCell loop |")
    print("|---|---|---|---|---|---|")
    for kind in args.cells:
        for point in POINTS:
            m = measure(kind, point, args.reps, args.bidirectional, args.ragged)
            ref = m["torch.nn"]
            loop = f"{m['explicit'] / m['LSTMCell loop']:.2f}" if "LSTMCell loop" in m else "–"
            print(f"| {kind} | {point} | {ref * 1e3:.1f} | {m['auto'] / ref:.2f} | {m['explicit'] / ref:.2f} | {loop} |",
                  flush=True)


if __name__ == "__main__":
    main()
