"""`rnnkit tag`: per-token tagging (named entities) from CoNLL files: train, eval, predict.

    rnnkit tag train --data wnut16 --crf --epochs 30
    rnnkit tag eval --checkpoint runs/tag
    echo "I love New York" | rnnkit tag predict --checkpoint runs/tag
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.tasks.tag.config import TagConfig, TaggerConfig
from rnnkit.training import TrainConfig

DATA_FIELDS = ("data", "valid_data", "test_data", "valid_fraction", "test_fraction", "split_seed", "min_freq",
               "batch_size", "bucket")
MODEL_FIELDS = ("word_embedding_size", "char_embedding_size", "char_hidden_size", "cell", "hidden_size", "num_layers",
                "dropout", "crf")
TRAIN_FIELDS = ("optimizer", "lr", "weight_decay", "schedule", "warmup_steps", "clip_norm", "max_steps", "max_seconds",
                "epochs", "eval_every", "patience", "seed", "run_dir", "device")
TRAIN_DEFAULTS = {"lr": 3e-3, "epochs": 30, "run_dir": "runs/tag", "patience": 8}


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("tag", help="per-token tagging (named entities, CoNLL files): train, eval, predict",
                              description="One tag per token: BIO/BIOES named entities with an optional CRF.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    t = sub.add_parser("train", help="train a tagger; prints entity-level precision/recall/F1 (seqeval)")
    add_config_flags(t, TagConfig, DATA_FIELDS)
    add_config_flags(t, TaggerConfig, MODEL_FIELDS)
    add_config_flags(t, TrainConfig, TRAIN_FIELDS, TRAIN_DEFAULTS)
    t.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")
    t.set_defaults(func=run_train)

    e = sub.add_parser("eval", help="entity-level precision, recall, F1 on a CoNLL file or the held-out split")
    e.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory")
    e.add_argument("--data", default=None, help="a CoNLL file (default: the training data's test split)")
    e.set_defaults(func=run_eval)

    r = sub.add_parser("predict", help="tags for each line (white-space tokenised sentence) of a file or stdin")
    r.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory")
    r.add_argument("--input", default="-", help="text file, one sentence per line; '-': stdin")
    r.set_defaults(func=run_predict)


def _print_scores(name: str, s: dict[str, float]) -> None:
    print(f"{name}: entity precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}  "
          f"(token accuracy {s['token_accuracy']:.4f})")


def run_train(args: argparse.Namespace) -> int:
    from rnnkit.tasks.tag.evaluate import entity_scores, most_frequent_tag_baseline
    from rnnkit.tasks.tag.train import prepare, train

    cfg = config_from_args(TagConfig, args, DATA_FIELDS)
    model_kwargs = config_from_args(TaggerConfig, args, MODEL_FIELDS, vocab_size=2, char_vocab_size=2,
                                    num_tags=2).to_dict()
    for k in ("vocab_size", "char_vocab_size", "num_tags"):
        del model_kwargs[k]
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress)
    p = prepare(cfg)
    print(f"data: {p.data.name}; {p.data.notes[0]}; {len(p.vocab.words)} words, {len(p.vocab.chars)} characters, "
          f"{len(p.vocab.tags)} tags")
    out = train(p, model_kwargs, train_cfg)
    print(f"trained {out.fit.step} steps in {out.fit.train_seconds:.0f} s ({out.fit.stopped}); best step {out.fit.best_step}")
    report: dict[str, Any] = {"valid_f1": out.fit.best_metric}
    if out.test_scores is not None:
        _print_scores("test", out.test_scores)
        base = entity_scores([s.tags for s in p.data.test], most_frequent_tag_baseline(p.data.train, p.data.test))
        _print_scores("test, most frequent training tag per token", base)
        report.update(test=out.test_scores, baseline=base)
    (out.fit.run_dir / "results.json").write_text(json.dumps(report, indent=1))
    print(f"run directory: {out.fit.run_dir}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from rnnkit.tasks.tag.checkpoint import load_tagger
    from rnnkit.tasks.tag.data import load_conll_data, read_conll
    from rnnkit.tasks.tag.encode import encode_all
    from rnnkit.tasks.tag.train import score

    tagger = load_tagger(args.checkpoint)
    t = tagger.task
    gold = read_conll(args.data) if args.data else load_conll_data(
        t.data, t.valid_data, t.test_data, t.valid_fraction, t.test_fraction, t.split_seed).test
    if not gold:
        raise ValueError(f"--data: {t.data} has no test split; give --data FILE")
    s = score(tagger.model, encode_all(gold, tagger.vocab), gold, tagger.vocab.tags)
    _print_scores(args.data or f"{t.data} test", s)
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from rnnkit.tasks.classify.predict import read_lines
    from rnnkit.tasks.tag.checkpoint import load_tagger

    tagger = load_tagger(args.checkpoint)
    for text, _ in read_lines(args.input, sys.stdin.read() if args.input == "-" else None):
        tokens = text.split()
        print(" ".join(f"{tok}/{tag}" for tok, tag in zip(tokens, tagger.tag(tokens))))
    return 0
