"""Length bucketing vs. random batches on Penn Treebank sentences, through rnnkit's Trainer.

Each sentence is an independent sequence (no state carried): a word-level LSTM language
model predicts every next word of the sentence, padded positions are masked out of the
loss. Both runs see the same sentences, the same number of batches and batch size; only
the grouping differs (`BucketSampler(pool_batches=50)` vs `pool_batches=1`, plain random
batches). Repeated and interleaved in one process; the speed-up is the ratio of times.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \\
        python benchmarks/training_bucketing.py
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F
from torch import nn

import rnnkit
from rnnkit.data.batching import BucketSampler, pad_batch, padding_fraction
from rnnkit.training import Task, TrainConfig, Trainer


def ptb_sentences(limit: int, vocab_size: int) -> tuple[list[torch.Tensor], int]:
    """`limit` random PTB training sentences; words outside the `vocab_size - 1` most frequent become <unk>."""
    from collections import Counter

    import treebank
    lines = [line.split() + ["<eos>"] for line in treebank.penn["train"].split("\n") if line.strip()]
    counts = Counter(w for line in lines for w in line)
    vocab = {w: i + 1 for i, (w, _) in enumerate(counts.most_common(vocab_size - 1))}  # 0 is <unk>
    g = torch.Generator().manual_seed(0)
    pick = torch.randperm(len(lines), generator=g)[:limit].tolist()
    return [torch.tensor([vocab.get(w, 0) for w in lines[i]]) for i in pick], vocab_size


class SentenceLM(nn.Module):
    def __init__(self, vocab: int, hidden: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = rnnkit.LSTM(hidden, hidden)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.emb(x), lengths=lengths)   # (T, B, H), zeros at padding
        return self.head(out)                              # (T, B, V)


def make_task(sents: list[torch.Tensor], vocab: int, hidden: int, batch_size: int, pool: int) -> Task:
    torch.manual_seed(0)
    model = SentenceLM(vocab, hidden)
    lengths = [len(s) - 1 for s in sents]
    sampler = BucketSampler(lengths, batch_size, pool_batches=pool, seed=0)

    def batches(epoch: int):
        sampler.set_epoch(epoch)
        for idx in sampler:
            x, lens = pad_batch([sents[i][:-1] for i in idx])
            y, _ = pad_batch([sents[i][1:] for i in idx], padding_value=-100)
            yield x, lens, y

    def loss(model: nn.Module, batch, state):
        x, lens, y = batch
        logits = model(x, lens)
        return F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=-100), None, int(lens.sum())

    task = Task(model=model, train_batches=batches, loss=loss, unit="tok", steps_per_epoch=len(sampler))
    task.padding = padding_fraction(lengths, sampler.global_batches(0))  # type: ignore[attr-defined]
    return task


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=3200)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--vocab", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    sents, vocab = ptb_sentences(args.sentences, args.vocab)
    lens = [len(s) - 1 for s in sents]
    print(f"PTB train: {len(sents)} sentences, lengths {min(lens)}..{max(lens)}, mean {statistics.mean(lens):.1f}; "
          f"vocab {vocab}; batch {args.batch_size}; hidden {args.hidden}; torch threads {torch.get_num_threads()}")
    times: dict[str, list[float]] = {"random": [], "bucketed": []}
    padding = {}
    with tempfile.TemporaryDirectory() as tmp:
        warm = TrainConfig(run_dir=f"{tmp}/warm", progress=False, plot=False, max_steps=5)
        Trainer(make_task(sents, vocab, args.hidden, args.batch_size, 1), warm).fit()  # one-time imports
        for r in range(args.repeats):
            for name, pool in (("random", 1), ("bucketed", 50)):
                task = make_task(sents, vocab, args.hidden, args.batch_size, pool)
                padding[name] = task.padding
                cfg = TrainConfig(run_dir=f"{tmp}/{name}{r}", progress=False, plot=False, epochs=1, lr=1e-3)
                t0 = time.perf_counter()
                Trainer(task, cfg).fit()
                times[name].append(time.perf_counter() - t0)
                print(f"repeat {r} {name:8s}: {times[name][-1]:.2f} s, padding {padding[name]:.1%}")
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"median epoch time: random {med['random']:.2f} s, bucketed {med['bucketed']:.2f} s; "
          f"speed-up {med['random'] / med['bucketed']:.2f}x; padding {padding['random']:.1%} -> {padding['bucketed']:.1%}")


if __name__ == "__main__":
    main()
