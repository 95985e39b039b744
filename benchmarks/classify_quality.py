"""Classification quality on real data, with the anchors the issue names.

    # JapaneseVowels (UEA 270/370 split), test accuracy over seeds, with training time
    python benchmarks/classify_quality.py jv --seeds 0 1 2
    # tweets / drug reviews: TF-IDF + logistic regression, rnnkit from scratch, rnnkit --init-from an LM
    python benchmarks/classify_quality.py text --data drugreview --lm-seconds 120
    python benchmarks/classify_quality.py text --data tweets --lm-seconds 300 --max-seconds 600   # a time budget per run
    # ULMFiT: one LM on the training tweets + training reviews, then discriminative lrs and gradual unfreezing
    # (--lm-finetune-steps N: the LM first fine-tuned on the data set's own training texts, ULMFiT's stage 2)
    python benchmarks/classify_quality.py text --data drugreview --rows init_from --lm-corpus mixed --lm-layers 2 \
        --lm-embedding 256 --no-init-bidirectional --lr-decay 2.6 --unfreeze-every 1 --select-by loss --lr 1e-2 --seeds 0 1 2

Model choices were made on the validation split (held out from training); the test
split is scored once per run. torch.set_num_threads(1) throughout.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from rnnkit.tasks.classify import ClassifyConfig, prepare, train
from rnnkit.tasks.classify.datasets import load_data
from rnnkit.tasks.classify.encode import one_line
from rnnkit.tasks.classify.train import score
from rnnkit.training import TrainConfig

JV_MODEL = {"hidden_size": 128, "pooling": "last", "embedding_size": 64, "dropout": 0.2}
JV_TRAIN = {"lr": 3e-3, "epochs": 60}
TEXT_MODEL = {"cell": "lstm", "hidden_size": 256, "embedding_size": 128, "num_layers": 1, "bidirectional": True,
              "pooling": "max", "dropout": 0.3}


def japanese_vowels(seeds: list[int], out_dir: Path) -> dict:
    rows = []
    for seed in seeds:
        prepared = prepare(ClassifyConfig(data="japanesevowels", batch_size=16, select_by="loss"))
        t0 = time.perf_counter()
        out = train(prepared, JV_MODEL, TrainConfig(**JV_TRAIN, seed=seed, run_dir=str(out_dir / f"jv{seed}"),
                                                    progress=False))
        rows.append({"seed": seed, "test_accuracy": out.test_metrics["accuracy"], "train_seconds": out.fit.train_seconds,
                     "wall_seconds": time.perf_counter() - t0, "best_step": out.fit.best_step})
        print(rows[-1], flush=True)
    return {"rows": rows, "median_accuracy": statistics.median(r["test_accuracy"] for r in rows)}


def tfidf_fit(d):
    """TF-IDF (word 1-2-grams) + logistic regression on d.train, C chosen on d.valid: (C, valid F1, model)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit([e.x for e in d.train])
    Xtr, Xva = vec.transform([e.x for e in d.train]), vec.transform([e.x for e in d.valid])
    best = None
    for C in (0.3, 1.0, 3.0, 10.0, 30.0):
        clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(Xtr, [e.label for e in d.train])
        f = f1_score([e.label for e in d.valid], clf.predict(Xva), average="macro")
        if best is None or f > best[1]:
            best = (C, f, clf)
    C, f, clf = best
    return C, f, make_pipeline(vec, clf)  # predicts from raw texts, like the fitted pipeline it replaces


def tfidf_baseline(prepared) -> dict:
    """TF-IDF (word 1-2-grams) + logistic regression; C chosen on the validation split."""
    from sklearn.metrics import f1_score

    d = prepared.data
    C, valid_f1, clf = tfidf_fit(d)
    pred, yte = clf.predict([e.x for e in d.test]), [e.label for e in d.test]
    return {"valid_macro_f1": valid_f1, "C": C, "test_macro_f1": f1_score(yte, pred, average="macro"),
            "test_accuracy": float(sum(a == b for a, b in zip(pred, yte)) / len(yte))}


def tfidf_ensemble(data, members: int, seed: int, split_seed: int = 0) -> dict:
    """TF-IDF + logistic regression on the same member hold-outs as `train_ensemble(..., seed)`,
    its probabilities averaged: the baseline given what the rnnkit ensemble is given."""
    import numpy as np
    from sklearn.metrics import f1_score

    from rnnkit.tasks.classify.ensemble import member_data

    probs, classes = 0.0, None
    for k in range(members):
        C, _, clf = tfidf_fit(member_data(data, k, split_seed * 1_000_003 + seed + k))
        classes = list(clf.classes_)
        probs = probs + clf.predict_proba([e.x for e in data.test])
    pred = [classes[i] for i in np.argmax(probs, axis=1)]
    return {"seed": seed, "test_macro_f1": f1_score([e.label for e in data.test], pred, average="macro")}


def lm_corpus(out_dir: Path, corpus: str, prepared) -> Path:
    """The language model's text, one text per line: this data set's training texts ('own'), or 'mixed':
    the training tweets plus all 600 training reviews (labels unused), shuffled with seed 0."""
    if corpus == "own":
        lines = [one_line(e.x) for e in prepared.data.train]
    else:
        tweets, reviews = load_data("tweets"), load_data("drugreview")
        lines = [one_line(e.x) for e in tweets.train + reviews.train + reviews.valid]
        random.Random(0).shuffle(lines)
    path = out_dir / f"lm_{corpus}_texts.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train_lm(text_file: Path, run: Path, seconds: float, seed: int, hidden: int, embedding: int, layers: int,
             steps: int = 0, cell: str = "lstm", dropout: float = 0.25, lr: float = 3e-3) -> Path:
    """A word-level language model (rnnkit textgen); its sizes fix the --init-from classifier's encoder."""
    tie = ["--tie-weights"] if hidden == embedding else []
    cmd = [sys.executable, "-m", "rnnkit", "textgen", "train", "--data", str(text_file), "--level", "word",
           "--lowercase", "--split-punctuation", "--min-freq", "3", "--max-vocab", "20000", "--valid-fraction", "0.02",
           "--cell", cell, "--hidden-size", str(hidden), "--embedding-size", str(embedding), "--num-layers",
           str(layers), *tie, "--dropout", str(dropout), "--lr", str(lr), "--warmup-steps", "100", "--schedule", "anneal", "--bptt", "35",
           "--batch-size", "32", "--max-seconds", str(0 if steps else seconds), "--max-steps", str(steps),
           "--eval-every", "300", "--eval-tokens", "0",
           "--precision", "fp32", "--seed", str(seed), "--run-dir", str(run), "--sample-length", "0", "--no-progress"]
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return run


def finetune_lm(lm: Path, text_file: Path, run: Path, steps: int, seed: int) -> Path:
    """ULMFiT's second stage: the LM trained on, for `steps` steps, on this data set's training texts
    (`rnnkit textgen train --init-from`: its vocabulary and sizes kept)."""
    cmd = [sys.executable, "-m", "rnnkit", "textgen", "train", "--data", str(text_file), "--init-from", str(lm),
           "--valid-fraction", "0.1", "--dropout", "0.25", "--lr", "3e-3", "--warmup-steps", "20", "--schedule",
           "anneal", "--bptt", "35", "--batch-size", "16", "--max-seconds", "0", "--max-steps", str(steps),
           "--eval-every", "50", "--eval-tokens", "0", "--precision", "fp32", "--seed", str(seed), "--run-dir",
           str(run), "--sample-length", "0", "--no-progress"]
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return run


def classifier_run(prepared, model: dict, tcfg: dict, run_dir: Path, row: str) -> dict:
    """One seed of one row; printed as soon as it ends."""
    t0 = time.perf_counter()
    out = train(prepared, model, TrainConfig(**tcfg, run_dir=str(run_dir)))
    valid = score(out.model, prepared.valid, prepared.labels)
    result = {"seed": tcfg["seed"], "test_macro_f1": out.test_metrics["macro_f1"],
              "test_accuracy": out.test_metrics["accuracy"], "valid_macro_f1": valid["macro_f1"],
              "valid_best_metric": out.fit.best_metric, "best_step": out.fit.best_step, "steps": out.fit.step,
              "epochs": out.fit.epoch, "stopped": out.fit.stopped, "train_seconds": out.fit.train_seconds,
              "wall_seconds": time.perf_counter() - t0, "copied": len(out.copied)}
    print(row, result, flush=True)
    return result


def ensemble_run(cfg, model: dict, tcfg: dict, run_dir: Path, row: str, members: int) -> dict:
    """One ensemble of `members` classifiers (seeds tcfg["seed"] + k), printed as soon as it ends."""
    from rnnkit.tasks.classify.ensemble import train_ensemble

    t0 = time.perf_counter()
    out = train_ensemble(cfg, model, TrainConfig(**tcfg, run_dir=str(run_dir)), members)
    result = {"seed": tcfg["seed"], "members": members, "test_macro_f1": out.test_metrics["macro_f1"],
              "test_accuracy": out.test_metrics["accuracy"],
              "members_test_macro_f1": [o.test_metrics["macro_f1"] for o in out.members],
              "members_valid_best": [o.fit.best_metric for o in out.members],
              "train_seconds": sum(o.fit.train_seconds for o in out.members), "wall_seconds": time.perf_counter() - t0}
    print(row, result, flush=True)
    return result


def summary(rows: list[dict]) -> dict:
    f = [r["test_macro_f1"] for r in rows]
    return {"median": statistics.median(f), "min": min(f), "max": max(f), "spread": max(f) - min(f)}


def text_rows(args) -> dict:
    base_cfg = ClassifyConfig(data=args.data, batch_size=32, max_length=200, class_weights=True,
                              select_by=args.select_by)
    prepared = prepare(base_cfg)
    result = {"data": prepared.data.notes, "args": vars(args), "host": host(), "tfidf": tfidf_baseline(prepared)}
    print("tfidf", result["tfidf"], flush=True)
    out_dir = Path(args.out) / args.data
    model = {**TEXT_MODEL, **{k: v for k, v in {"cell": args.cell, "hidden_size": args.hidden_size, "embedding_size": args.embedding_size,
                                                "num_layers": args.num_layers, "bidirectional": args.bidirectional,
                                                "pooling": args.pooling, "dropout": args.dropout}.items()
                              if v is not None}}
    tcfg = dict(lr=args.lr, epochs=args.epochs, patience=args.patience, progress=False, plot=False,
                max_seconds=args.max_seconds, max_steps=args.max_steps, eval_every=args.eval_every,
                weight_decay=args.weight_decay, warmup_steps=args.warmup_steps,
                schedule=args.schedule)
    K = args.ensemble
    if K > 1:  # repeat s: members with seeds K*s .. K*s + K - 1, so that repeats share no seed
        rows = [tfidf_ensemble(prepared.data, K, K * s) for s in args.seeds]
        result["tfidf_ensemble"] = {"rows": rows, **summary(rows)}
        print("tfidf_ensemble", result["tfidf_ensemble"], flush=True)
    if "scratch" in args.rows:
        if K > 1:
            rows = [ensemble_run(base_cfg, model, dict(tcfg, seed=K * s), out_dir / f"scratch_ens{s}", "scratch", K)
                    for s in args.seeds]
        else:
            rows = [classifier_run(prepared, model, dict(tcfg, seed=s), out_dir / f"scratch{s}", "scratch")
                    for s in args.seeds]
        result["scratch"] = {"model": model, "ensemble": K, "rows": rows, **summary(rows)}
    if "init_from" in args.rows:
        if args.lm_run:
            lm = Path(args.lm_run)
        else:
            text = lm_corpus(out_dir, args.lm_corpus, prepared)
            lm = train_lm(text, out_dir / f"lm_{args.lm_corpus}", args.lm_seconds, args.seeds[0], args.lm_hidden,
                          args.lm_embedding, args.lm_layers, args.lm_steps, args.lm_cell, args.lm_dropout, args.lm_lr)
        if args.lm_finetune_steps:
            lm = finetune_lm(lm, lm_corpus(out_dir, "own", prepared), out_dir / "lm_finetuned", args.lm_finetune_steps,
                             args.seeds[0])
        init_cfg = base_cfg.replace(init_from=str(lm), lr_decay=args.lr_decay, unfreeze_every=args.unfreeze_every)
        init_model = {**model, "bidirectional": args.init_bidirectional}
        if K > 1:
            rows = [ensemble_run(init_cfg, init_model, dict(tcfg, seed=K * s), out_dir / f"init_from_ens{s}",
                                 "init_from", K) for s in args.seeds]
        else:
            pre = prepare(init_cfg)
            rows = [classifier_run(pre, init_model, dict(tcfg, seed=s), out_dir / f"init_from{s}", "init_from")
                    for s in args.seeds]
        result["init_from"] = {"lm": str(lm), "lm_finetune_steps": args.lm_finetune_steps, "bidirectional": args.init_bidirectional, "lr_decay": args.lr_decay,
                               "unfreeze_every": args.unfreeze_every, "rows": rows, **summary(rows)}
    for key in ("tfidf_ensemble", "scratch", "init_from"):
        if key in result:
            r = result[key]
            print(f"{key}: test macro-F1 median {r['median']:.3f} (min {r['min']:.3f}, max {r['max']:.3f}) over seeds "
                  f"{args.seeds}; TF-IDF {result['tfidf']['test_macro_f1']:.3f}", flush=True)
    return result


def host() -> dict:
    import platform

    info = {"machine": platform.machine(), "torch": torch.__version__,
            "capability": torch.backends.cpu.get_cpu_capability()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "cpu family", "model") and key.strip() not in info:
                info[key.strip()] = value.strip()
    except OSError:
        pass
    return info


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("jv", "text"))
    ap.add_argument("--data", default="drugreview", help="text: tweets or drugreview")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds of the model runs (each row)")
    ap.add_argument("--rows", nargs="+", default=["scratch", "init_from"], choices=("scratch", "init_from"),
                    help="text: which rnnkit rows to run (TF-IDF + logistic regression always runs)")
    ap.add_argument("--ensemble", type=int, default=1, metavar="K",
                    help="text: each seed s of an rnnkit row trains an ensemble of K members (seeds K*s .. K*s+K-1, "
                         "rnnkit.tasks.classify.ensemble), and TF-IDF gets the same K hold-outs averaged; 1: single runs")
    ap.add_argument("--epochs", type=int, default=15, help="text: most epochs per classifier run")
    ap.add_argument("--patience", type=int, default=4, help="text: evaluations without improvement before stopping")
    ap.add_argument("--max-seconds", type=float, default=0.0,
                    help="text: training-time budget of each classifier run (from scratch, --init-from); 0: none")
    ap.add_argument("--max-steps", type=int, default=0,
                    help="text: most optimiser steps per classifier run (0: none); cosine/anneal decay over it")
    ap.add_argument("--eval-every", type=int, default=0,
                    help="text: evaluate (and maybe checkpoint) every N steps; 0: once per epoch")
    ap.add_argument("--lr", type=float, default=2e-3, help="text: Adam learning rate of the classifier runs")
    ap.add_argument("--weight-decay", type=float, default=0.0, help="text: Adam L2 weight decay")
    ap.add_argument("--warmup-steps", type=int, default=0, help="text: linear lr warm-up steps")
    ap.add_argument("--schedule", default="none", help="text: lr schedule after the warm-up (none, cosine, anneal)")
    ap.add_argument("--select-by", default="macro_f1", choices=("macro_f1", "accuracy", "loss"),
                    help="text: validation metric that picks the checkpoint and drives early stopping")
    ap.add_argument("--hidden-size", type=int, default=None, help="text, from scratch: units per layer and direction")
    ap.add_argument("--embedding-size", type=int, default=None, help="text, from scratch: embedding size")
    ap.add_argument("--num-layers", type=int, default=None, help="text, from scratch: recurrent layers")
    ap.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                    help="text, from scratch: bidirectional encoder (default: yes)")
    ap.add_argument("--cell", default=None, help="text, from scratch: lstm, gru, rnn_tanh or rnn_relu (default: lstm)")
    ap.add_argument("--pooling", default=None, help="text: last, mean, max or attention (default: max)")
    ap.add_argument("--dropout", type=float, default=None, help="text: classifier dropout (default: 0.3)")
    ap.add_argument("--lm-run", default="", help="text: reuse this textgen run as the LM instead of training one")
    ap.add_argument("--lm-corpus", default="own", choices=("own", "mixed"),
                    help="text: the LM's text: this data set's training texts, or the training tweets plus the 600 "
                         "training reviews")
    ap.add_argument("--lm-seconds", type=float, default=120.0, help="text: training-time budget of the LM")
    ap.add_argument("--lm-steps", type=int, default=0,
                    help="text: train the LM for this many steps (annealed over them) instead of --lm-seconds; 0: off")
    ap.add_argument("--lm-finetune-steps", type=int, default=0,
                    help="text: fine-tune the LM this many steps on this data set's training texts before the "
                         "classifier starts from it (ULMFiT's second stage); 0: off")
    ap.add_argument("--lm-cell", default="lstm", help="text: LM cell (= the classifier's)")
    ap.add_argument("--lm-dropout", type=float, default=0.25, help="text: LM dropout")
    ap.add_argument("--lm-lr", type=float, default=3e-3, help="text: LM Adam learning rate")
    ap.add_argument("--lm-hidden", type=int, default=256, help="text: LM hidden size (= the classifier's)")
    ap.add_argument("--lm-embedding", type=int, default=128, help="text: LM embedding size (tied when = hidden)")
    ap.add_argument("--lm-layers", type=int, default=1, help="text: LM layers (= the classifier's)")
    ap.add_argument("--init-bidirectional", action=argparse.BooleanOptionalAction, default=True,
                    help="text, --init-from: bidirectional encoder (the reverse direction starts fresh)")
    ap.add_argument("--lr-decay", type=float, default=1.0, help="text, --init-from: discriminative lr factor per group")
    ap.add_argument("--unfreeze-every", type=float, default=0.0,
                    help="text, --init-from: gradual unfreezing, epochs between groups; 0: off")
    ap.add_argument("--out", default="runs/bench_classify")
    ap.add_argument("--name", default="result", help="the JSON goes to OUT/<what or data>/NAME.json")
    args = ap.parse_args()
    out_dir = Path(args.out) / (args.what if args.what == "jv" else args.data)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = japanese_vowels(args.seeds, out_dir) if args.what == "jv" else text_rows(args)
    (out_dir / f"{args.name}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
