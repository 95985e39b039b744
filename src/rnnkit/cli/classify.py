"""`rnnkit classify`: train, evaluate and use sequence classifiers (text or numeric sequences).

    rnnkit classify train --data japanesevowels --pooling mean --epochs 60
    rnnkit classify train --data reviews.csv --text-column review --label-column rating --class-weights
    rnnkit classify texts --data tweets --out tweets_train.txt      # training texts, for a language model
    rnnkit textgen train --data tweets_train.txt --level word ...   # then: --init-from runs/textgen
    rnnkit classify eval --checkpoint runs/classify
    echo "what a great drug" | rnnkit classify predict --checkpoint runs/classify
    rnnkit classify train --data drugreview --ensemble 5 --run-dir runs/ens   # 5 members, probabilities averaged
    rnnkit classify eval --checkpoint runs/ens                                # (or --checkpoint runA runB ...)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.tasks.classify.config import ClassifierConfig, ClassifyConfig
from rnnkit.training import TrainConfig

DATA_FIELDS = ("data", "test_data", "text_column", "label_column", "level", "min_freq", "max_vocab", "lowercase",
               "split_punctuation", "max_length", "valid_fraction", "split_seed", "batch_size", "bucket",
               "class_weights", "select_by", "init_from", "lr_decay", "unfreeze_every")
MODEL_FIELDS = ("embedding_size", "cell", "hidden_size", "num_layers", "bidirectional", "pooling", "attention", "dropout")
TRAIN_FIELDS = ("optimizer", "lr", "weight_decay", "schedule", "warmup_steps", "clip_norm", "max_steps", "max_seconds",
                "epochs", "eval_every", "patience", "seed", "run_dir", "device", "precision")
TRAIN_DEFAULTS = {"lr": 2e-3, "epochs": 10, "run_dir": "runs/classify", "patience": 5}


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("classify", help="sequence classification: train, eval, predict (text or numbers)",
                              description="One label per sequence: sentiment of a text, the speaker of an utterance.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    t = sub.add_parser("train", help="train a classifier; prints validation and test metrics")
    add_config_flags(t, ClassifyConfig, DATA_FIELDS)
    add_config_flags(t, ClassifierConfig, MODEL_FIELDS)
    add_config_flags(t, TrainConfig, TRAIN_FIELDS, TRAIN_DEFAULTS)
    t.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")
    t.add_argument("--ensemble", type=int, default=1, metavar="K",
                   help="train K members (seeds SEED..SEED+K-1, each with its own validation hold-out of the "
                        "training data) into RUN_DIR/member<k> and average their probabilities (default: 1, "
                        "one classifier)")
    t.set_defaults(func=run_train)

    e = sub.add_parser("eval", help="accuracy, macro-F1, per-class precision/recall and a confusion-matrix PNG")
    e.add_argument("--checkpoint", required=True, nargs="+", metavar="RUN",
                   help="checkpoint .pt file, run directory or ensemble directory; several: their probabilities "
                        "averaged")
    e.add_argument("--data", default=None, help="a labelled file in the training format (default: the training data)")
    e.add_argument("--split", choices=("valid", "test"), default="test", help="split of the training data to score")
    e.add_argument("--out", default=None, help="where the confusion matrix PNG goes (default: RUN_DIR/confusion.png)")
    e.set_defaults(func=run_eval)

    r = sub.add_parser("predict", help="label and probability for each line of a file or stdin")
    r.add_argument("--checkpoint", required=True, nargs="+", metavar="RUN",
                   help="checkpoint .pt file, run directory or ensemble directory; several: their probabilities "
                        "averaged")
    r.add_argument("--input", default="-", help="text file, one text per line; '-': stdin")
    r.add_argument("--explain", default=None, metavar="TEXT",
                   help="with attention pooling: draw the words that carried the decision for TEXT")
    r.add_argument("--out", default="attention.png", help="--explain: where the PNG goes")
    r.set_defaults(func=run_predict)

    x = sub.add_parser("texts", help="write the training texts, one per line (to train a language model on)")
    add_config_flags(x, ClassifyConfig, ("data", "text_column", "label_column", "valid_fraction", "split_seed"))
    x.add_argument("--out", required=True, help="text file to write")
    x.set_defaults(func=run_texts)


def run_train(args: argparse.Namespace) -> int:
    from rnnkit.tasks.classify.evaluate import format_metrics, majority_accuracy
    from rnnkit.tasks.classify.plots import plot_confusion
    from rnnkit.tasks.classify.train import prepare, score, train

    cfg = config_from_args(ClassifyConfig, args, DATA_FIELDS)
    model_kwargs = config_from_args(ClassifierConfig, args, MODEL_FIELDS, num_classes=2, vocab_size=2).to_dict()
    for k in ("num_classes", "input", "vocab_size", "num_features"):
        del model_kwargs[k]  # from the data
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress)
    if args.ensemble != 1:
        return _train_ensemble(cfg, model_kwargs, train_cfg, args.ensemble)
    prepared = prepare(cfg)
    d = prepared.data
    vocab = f", vocabulary {len(prepared.tokenizer)}" if prepared.tokenizer else f", {prepared.num_features} features"
    print(f"data: {d.name}, {len(d.train)} train / {len(d.valid)} validation / {len(d.test)} test, "
          f"labels {', '.join(prepared.labels)}{vocab}")
    for note in d.notes:
        print(f"  {note}")
    out = train(prepared, model_kwargs, train_cfg)
    if out.copied:
        print(f"--init-from {cfg.init_from}: copied {len(out.copied)} tensors ({', '.join(out.copied[:3])}, …)")
    run = out.fit.run_dir
    valid = score(out.model, prepared.valid, prepared.labels)
    print(f"trained {out.fit.step} steps in {out.fit.train_seconds:.0f} s ({out.fit.stopped}); best step {out.fit.best_step}")
    print(f"--- validation ---\n{format_metrics(valid)}")
    report = {"valid": valid, "train_seconds": out.fit.train_seconds}
    if out.test_metrics is not None:
        base = majority_accuracy(prepared.train.ys, prepared.test.ys)  # type: ignore[union-attr]
        print(f"--- test (majority class: accuracy {base:.4f}) ---\n{format_metrics(out.test_metrics)}")
        png = plot_confusion(out.test_metrics["confusion"], prepared.labels, run / "confusion.png", f"{d.name} test")
        report["test"] = out.test_metrics
        print(f"confusion matrix: {png}")
    (run / "results.json").write_text(json.dumps(report, indent=1))
    print(f"run directory: {run} (checkpoints/best.pt, metrics.jsonl, curves.png, results.json)")
    return 0


def _train_ensemble(cfg: Any, model_kwargs: dict[str, Any], train_cfg: TrainConfig, members: int) -> int:
    from rnnkit.tasks.classify.ensemble import train_ensemble
    from rnnkit.tasks.classify.evaluate import format_metrics
    from rnnkit.tasks.classify.plots import plot_confusion
    from rnnkit.tasks.classify.train import score

    report: dict[str, Any] = {"members": []}

    def on_member(k: int, out: Any) -> None:
        if k == 0:
            d = out.prepared.data
            print(f"data: {d.name}, {len(d.train)} train / {len(d.valid)} validation per member / {len(d.test)} test, "
                  f"labels {', '.join(out.prepared.labels)}")
        valid = score(out.model, out.prepared.valid, out.prepared.labels)
        test = out.test_metrics
        print(f"member {k}: {out.fit.step} steps in {out.fit.train_seconds:.0f} s, best step {out.fit.best_step}; "
              f"validation macro-F1 {valid['macro_f1']:.4f}"
              + (f", test macro-F1 {test['macro_f1']:.4f} alone" if test else ""), flush=True)
        report["members"].append({"valid": valid, "test": test, "train_seconds": out.fit.train_seconds})

    out = train_ensemble(cfg, model_kwargs, train_cfg, members, on_member)
    run = out.run_dir
    if out.test_metrics is not None:
        print(f"--- test, the {members} members' probabilities averaged ---\n{format_metrics(out.test_metrics)}")
        png = plot_confusion(out.test_metrics["confusion"], out.members[0].prepared.labels, run / "confusion.png",
                             f"{cfg.data} test, ensemble of {members}")
        report["test"] = out.test_metrics
        print(f"confusion matrix: {png}")
    (run / "results.json").write_text(json.dumps(report, indent=1))
    print(f"ensemble directory: {run} (ensemble.json, member0 … member{members - 1}, results.json); "
          f"use it with: rnnkit classify predict --checkpoint {run}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from rnnkit.tasks.classify.datasets import load_data
    from rnnkit.tasks.classify.ensemble import load_ensemble
    from rnnkit.tasks.classify.evaluate import format_metrics
    from rnnkit.tasks.classify.plots import plot_confusion

    ens = load_ensemble(args.checkpoint)
    t = ens.members[0].task
    if args.data:
        data = load_data(args.data, t.text_column, t.label_column, t.valid_fraction, t.split_seed)
        examples, name = data.train + data.valid, args.data  # a whole file
    else:
        if args.split == "valid" and len(ens) > 1:
            raise ValueError("--split: an ensemble's members each held out their own validation examples and "
                             "trained on the others'; score --split test or --data FILE")
        data = load_data(t.data, t.text_column, t.label_column, t.valid_fraction, t.split_seed, t.test_data)
        examples, name = getattr(data, args.split), f"{t.data} {args.split}"
        if not examples:
            raise ValueError(f"--split: {t.data} has no {args.split} split; give --data FILE")
    m = ens.score(examples)
    what = f" (the mean of {len(ens)} classifiers' probabilities)" if len(ens) > 1 else ""
    print(f"{name}: {len(examples)} examples{what}\n{format_metrics(m)}")
    home = ens.path if ens.path is not None and ens.path.is_dir() and len(ens) > 1 else ens.members[0].path.parent.parent
    out = Path(args.out) if args.out else home / "confusion.png"
    print(f"confusion matrix: {plot_confusion(m['confusion'], ens.labels, out, name)}")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from rnnkit.tasks.classify.ensemble import load_ensemble
    from rnnkit.tasks.classify.predict import explain, predict_texts, read_lines

    ens = load_ensemble(args.checkpoint)
    if args.explain is not None:
        if len(ens) > 1:
            raise ValueError("--explain: draws one classifier's attention; give --checkpoint one run, not an "
                             f"ensemble of {len(ens)}")
        path, top = explain(ens.members[0], args.explain, args.out)
        print("weights: " + ", ".join(f"{tok} {a:.2f}" for tok, a in top))
        print(f"attention picture: {path}")
        return 0
    items = read_lines(args.input, sys.stdin.read() if args.input == "-" else None)
    for (text, _), (label, p) in zip(items, predict_texts(ens, items)):
        print(f"{label}\t{p:.3f}\t{text}")
    return 0


def run_texts(args: argparse.Namespace) -> int:
    from rnnkit.tasks.classify.datasets import load_data
    from rnnkit.tasks.classify.encode import one_line

    cfg = config_from_args(ClassifyConfig, args, ("data", "text_column", "label_column", "valid_fraction", "split_seed"))
    data = load_data(cfg.data, cfg.text_column, cfg.label_column, cfg.valid_fraction, cfg.split_seed)
    if data.input != "tokens":
        raise ValueError(f"--data: {cfg.data} holds numeric sequences, not texts")
    Path(args.out).write_text("\n".join(one_line(e.x) for e in data.train) + "\n", encoding="utf-8")  # type: ignore[arg-type]
    print(f"wrote {len(data.train)} training texts of {data.name} to {args.out}")
    return 0
