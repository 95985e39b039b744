"""One training epoch of rnnkit's classifier against the same model written with torch.nn.

    python benchmarks/classify_speed.py --data japanesevowels tweets

rnnkit: `SequenceClassifier` (rnnkit.LSTM, bidirectional, final-state pooling) on
length-bucketed batches (`rnnkit.tasks.classify.task.batches`, the ones the training loop
gets). Reference: embedding/linear -> torch.nn.LSTM over `pack_padded_sequence` -> h_n
-> linear, on random batches (the usual DataLoader shuffle). Same sizes, same Adam, same
loss, same examples; forward, backward and optimiser step of every batch, in one
process, alternating rnnkit/reference over `--repeats` rounds (best round of each is
reported). torch.set_num_threads(1).
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnnkit.data.batching import pad_batch
from rnnkit.tasks.classify import ClassifyConfig, build_model, prepare
from rnnkit.tasks.classify.task import batches


class TorchClassifier(nn.Module):
    def __init__(self, vocab: int | None, features: int | None, E: int, H: int, C: int) -> None:
        super().__init__()
        self.inp = nn.Embedding(vocab, E) if vocab else nn.Linear(features, E)  # type: ignore[arg-type]
        self.lstm = nn.LSTM(E, H, bidirectional=True)
        self.head = nn.Linear(2 * H, C)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.inp(x), lengths, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)                      # h (2, B, H)
        return self.head(torch.cat([h[0], h[1]], dim=-1))  # (B, C)


def random_batches(data, batch_size: int, seed: int):
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed)).tolist()
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        x, lengths = pad_batch([data.xs[i] for i in idx])
        yield x, lengths, data.ys[idx]


def epoch(model: nn.Module, it) -> float:
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    model.train()
    t0 = time.perf_counter()
    for x, lengths, y in it:
        loss = F.cross_entropy(model(x, lengths), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def bench(name: str, E: int, H: int, batch_size: int, repeats: int) -> dict:
    p = prepare(ClassifyConfig(data=name, batch_size=batch_size, max_length=200))
    torch.manual_seed(0)
    ours, _ = build_model(p, {"hidden_size": H, "embedding_size": E, "pooling": "last", "dropout": 0.0})
    vocab = len(p.tokenizer) if p.tokenizer else None
    ref = TorchClassifier(vocab, None if vocab else p.num_features, E, H, len(p.labels))
    t_ours, t_ref = [], []
    for r in range(repeats):
        t_ours.append(epoch(ours, ((b.x, b.lengths, b.y) for b in batches(p.train, batch_size, r, r, bucket=True))))
        t_ref.append(epoch(ref, random_batches(p.train, batch_size, r)))
        print(f"{name} round {r}: rnnkit {t_ours[-1]:.2f} s, torch.nn {t_ref[-1]:.2f} s", flush=True)
    return {"data": name, "examples": len(p.train), "rnnkit_s": min(t_ours), "torch_s": min(t_ref),
            "ratio": min(t_ours) / min(t_ref), "engine": ours.rnn.last_engine}


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", default=["japanesevowels", "tweets"])
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    sizes = {"japanesevowels": (64, 128, 16), "tweets": (128, 128, 32), "drugreview": (128, 128, 32)}
    for name in args.data:
        E, H, B = sizes[name]
        r = bench(name, E, H, B, args.repeats)
        print(f"| {r['data']} | {r['examples']} | E={E}, H={H}, B={B} | {r['rnnkit_s']:.2f} | {r['torch_s']:.2f} | "
              f"{r['ratio']:.2f} | {r['engine']} |", flush=True)


if __name__ == "__main__":
    main()
