"""Classification quality on real data, with the anchors the issue names.

    # JapaneseVowels (UEA 270/370 split), test accuracy over seeds, with training time
    python benchmarks/classify_quality.py jv --seeds 0 1 2
    # tweets / drug reviews: TF-IDF + logistic regression, rnnkit from scratch, rnnkit --init-from an LM
    python benchmarks/classify_quality.py text --data drugreview --lm-seconds 120
    python benchmarks/classify_quality.py text --data tweets --lm-seconds 300 --max-seconds 600   # a time budget per run

Model choices were made on the validation split (held out from training); the test
split is scored once per run. torch.set_num_threads(1) throughout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from rnnkit.tasks.classify import ClassifyConfig, prepare, train
from rnnkit.tasks.classify.encode import one_line
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


def tfidf_baseline(prepared) -> dict:
    """TF-IDF (word 1-2-grams) + logistic regression; C chosen on the validation split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    d = prepared.data
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    Xtr = vec.fit_transform([e.x for e in d.train])
    Xva, Xte = vec.transform([e.x for e in d.valid]), vec.transform([e.x for e in d.test])
    ytr, yva, yte = ([e.label for e in s] for s in (d.train, d.valid, d.test))
    best = None
    for C in (0.3, 1.0, 3.0, 10.0, 30.0):
        clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(Xtr, ytr)
        f = f1_score(yva, clf.predict(Xva), average="macro")
        if best is None or f > best[0]:
            best = (f, C, clf)
    return {"valid_macro_f1": best[0], "C": best[1], "test_macro_f1": f1_score(yte, best[2].predict(Xte), average="macro"),
            "test_accuracy": float(sum(a == b for a, b in zip(best[2].predict(Xte), yte)) / len(yte))}


def train_lm(prepared, out_dir: Path, seconds: float, seed: int) -> Path:
    """A word-level language model on the training texts (rnnkit textgen), sized as the classifier's encoder."""
    text_file = out_dir / "train_texts.txt"
    text_file.write_text("\n".join(one_line(e.x) for e in prepared.data.train) + "\n", encoding="utf-8")
    run = out_dir / "lm"
    cmd = [sys.executable, "-m", "rnnkit", "textgen", "train", "--data", str(text_file), "--level", "word",
           "--lowercase", "--split-punctuation", "--min-freq", "2", "--max-vocab", "20000",
           "--hidden-size", str(TEXT_MODEL["hidden_size"]), "--embedding-size", str(TEXT_MODEL["embedding_size"]),
           "--dropout", "0.2", "--lr", "3e-3", "--warmup-steps", "50", "--bptt", "35", "--batch-size", "32",
           "--max-seconds", str(seconds), "--eval-every", "200", "--precision", "fp32", "--seed", str(seed),
           "--run-dir", str(run), "--sample-length", "0", "--no-progress"]
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return run


def text_rows(name: str, lm_seconds: float, epochs: int, seed: int, out_dir: Path, max_seconds: float = 0.0,
              lr: float = 2e-3, lm_run: str = "") -> dict:
    base_cfg = ClassifyConfig(data=name, batch_size=32, max_length=200, class_weights=True)
    prepared = prepare(base_cfg)
    result = {"data": prepared.data.notes, "tfidf": tfidf_baseline(prepared)}
    print("tfidf", result["tfidf"], flush=True)
    tcfg = dict(lr=lr, epochs=epochs, patience=4, seed=seed, progress=False, max_seconds=max_seconds)
    t0 = time.perf_counter()
    scratch = train(prepared, TEXT_MODEL, TrainConfig(**tcfg, run_dir=str(out_dir / "scratch")))
    result["scratch"] = {"test_macro_f1": scratch.test_metrics["macro_f1"], "test_accuracy": scratch.test_metrics["accuracy"],
                         "valid_macro_f1": scratch.fit.best_metric, "seconds": time.perf_counter() - t0}
    print("scratch", result["scratch"], flush=True)
    lm_run = Path(lm_run) if lm_run else train_lm(prepared, out_dir, lm_seconds, seed)
    pre = prepare(base_cfg.replace(init_from=str(lm_run)))
    t0 = time.perf_counter()
    init = train(pre, TEXT_MODEL, TrainConfig(**tcfg, run_dir=str(out_dir / "init_from")))
    result["init_from"] = {"test_macro_f1": init.test_metrics["macro_f1"], "test_accuracy": init.test_metrics["accuracy"],
                           "valid_macro_f1": init.fit.best_metric, "seconds": time.perf_counter() - t0,
                           "copied": len(init.copied), "lm_seconds": lm_seconds}
    print("init_from", result["init_from"], flush=True)
    return result


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("jv", "text"))
    ap.add_argument("--data", default="drugreview", help="text: tweets or drugreview")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--lm-seconds", type=float, default=120.0)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--max-seconds", type=float, default=0.0,
                    help="text: training-time budget of each classifier run (from scratch, --init-from); 0: none")
    ap.add_argument("--lr", type=float, default=2e-3, help="text: Adam learning rate of both classifier runs")
    ap.add_argument("--lm-run", default="", help="text: reuse this textgen run as the LM (trained on the same "
                                                  "training texts) instead of training one")
    ap.add_argument("--out", default="runs/bench_classify")
    args = ap.parse_args()
    out_dir = Path(args.out) / (args.what if args.what == "jv" else args.data)
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.what == "jv":
        result = japanese_vowels(args.seeds, out_dir)
    else:
        result = text_rows(args.data, args.lm_seconds, args.epochs, args.seeds[0], out_dir, args.max_seconds, args.lr,
                           args.lm_run)
    (out_dir / "result.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
