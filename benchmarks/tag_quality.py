"""WNUT-16 named entities: entity F1 (seqeval) of rnnkit's tagger, with and without the CRF,
beside tagging each token with its most frequent training tag, on the same seeded test split.

    python benchmarks/tag_quality.py --crf --max-seconds 420
    python benchmarks/tag_quality.py --no-crf --max-seconds 420

Split: 2,394 tweets, by sentence, seed 0: 1,916 train / 239 validation / 239 test.
Checkpoint chosen by validation entity F1. torch.set_num_threads(1).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from rnnkit.tasks.tag import TagConfig, entity_scores, most_frequent_tag_baseline, prepare, train
from rnnkit.training import TrainConfig


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crf", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--max-seconds", type=float, default=420.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/bench_tag")
    args = ap.parse_args()
    p = prepare(TagConfig(data="wnut16", batch_size=16))
    gold = [s.tags for s in p.data.test]
    base = entity_scores(gold, most_frequent_tag_baseline(p.data.train, p.data.test))
    print("baseline", base, flush=True)
    run = Path(args.out) / ("crf" if args.crf else "softmax")
    out = train(p, {"crf": args.crf, "hidden_size": 100, "word_embedding_size": 64, "dropout": 0.5},
                TrainConfig(lr=3e-3, epochs=100, max_seconds=args.max_seconds, seed=args.seed, run_dir=str(run),
                            progress=False, plot=False))
    result = {"crf": args.crf, "test": out.test_scores, "baseline": base, "valid_f1": out.fit.best_metric,
              "steps": out.fit.step, "epochs": out.fit.epoch, "train_seconds": out.fit.train_seconds}
    (run / "result.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
