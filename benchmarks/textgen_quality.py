"""Language-model quality within a wall-clock training budget, through `rnnkit textgen`'s own code.

Tiny Shakespeare (character level; first 90 % train, last 10 % validation):

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/textgen_quality.py --corpus tiny --budget-seconds 64

Penn Treebank (word level, Mikolov's 10k vocabulary; test perplexity):

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/textgen_quality.py --corpus ptb --budget-seconds 1800

Training stops once --budget-seconds of training time have passed (the periodic
evaluations on a slice of the validation split are not counted), then the model is
evaluated on the full validation split (tiny) or the full test split (ptb). Prints one
JSON line with the result, the hyperparameters and the machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from rnnkit.data.datasets import Corpus, ptb_corpus, split_text
from rnnkit.tasks.textgen.config import TextGenConfig
from rnnkit.tasks.textgen.evaluate import evaluate_stream
from rnnkit.tasks.textgen.train import prepare_data, train
from rnnkit.training import TrainConfig
from rnnkit.training.loop import resolve_device
from rnnkit.training.optim import resolve_precision

TINY = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"

# Per corpus: (data config, model, optimiser) defaults, chosen on this 2-core CPU. Tiny: 64
# streams per batch, not 32: the larger GEMMs run ~1.4x the characters per second, which is
# what a time budget buys on a slower host (host C: 1.538 at batch 32, 1.490 at 64 in 64 s).
PRESETS = {
    "tiny": dict(level="char", batch_size=64, bptt=32, eval_tokens=20_000, anneal_share=0.5,
                 model=dict(cell="lstm", hidden_size=512, num_layers=1, embedding_size=64, dropout=0.0),
                 lr=1e-2, warmup_steps=100, precision="auto", eval_every=300),
    "ptb": dict(level="word", batch_size=32, bptt=35, eval_tokens=20_000, anneal_share=0.3,
                model=dict(cell="lstm", hidden_size=256, num_layers=2, dropout=0.3, tie_weights=True),
                lr=3e-3, eval_every=500),
}


def cpu_model() -> str:
    """The CPU's model name (lscpu), written beside every figure: hosts differ between sessions."""
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description="Train within a time budget, then evaluate on the full held-out split.")
    ap.add_argument("--corpus", choices=sorted(PRESETS), default="tiny", help="tiny (Tiny Shakespeare) or ptb")
    ap.add_argument("--budget-seconds", type=float, default=64.0, help="training time budget (evaluations not counted)")
    ap.add_argument("--hidden-size", type=int, default=None, help="override the preset's LSTM units")
    ap.add_argument("--num-layers", type=int, default=None, help="override the preset's number of layers")
    ap.add_argument("--embedding-size", type=int, default=None, help="override the preset's embedding size")
    ap.add_argument("--dropout", type=float, default=None, help="override the preset's dropout")
    ap.add_argument("--input-dropout", type=float, default=None, help="override the dropout on the embedding output")
    ap.add_argument("--weight-dropout", type=float, default=None, help="override the preset's DropConnect on W_hh")
    ap.add_argument("--batch-size", type=int, default=None, help="override the preset's batch size")
    ap.add_argument("--bptt", type=int, default=None, help="override the preset's TBPTT length")
    ap.add_argument("--lr", type=float, default=None, help="override the preset's Adam learning rate")
    ap.add_argument("--optimizer", choices=("adam", "adamw"), default="adam", help="adam (the presets) or adamw")
    ap.add_argument("--weight-decay", type=float, default=0.0, help="weight decay (decoupled with adamw)")
    ap.add_argument("--anneal", type=float, default=None, help="override the preset's share of the budget for lr decay")
    ap.add_argument("--max-steps", type=int, default=0,
                    help="also stop after this many steps; the lr anneals over whichever limit runs out first "
                         "(with --budget-seconds 0: a step budget alone, e.g. what a faster host runs in the time)")
    ap.add_argument("--warmup-steps", type=int, default=None, help="override the preset's lr warm-up steps")
    ap.add_argument("--precision", choices=("fp32", "bf16", "auto"), default=None, help="override the preset's precision")
    ap.add_argument("--shift-epochs", action=argparse.BooleanOptionalAction, default=True,
                    help="start each epoch after the first at a random offset in 0..bptt-1")
    ap.add_argument("--eval-tokens", type=int, default=None,
                    help="override the validation tokens of the periodic evaluations (0: all; not timed either way)")
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    ap.add_argument("--run-dir", default=None, help="run directory (default runs/bench-<corpus>)")
    ap.add_argument("--progress", action=argparse.BooleanOptionalAction, default=False, help="show a progress bar")
    args = ap.parse_args()

    p = PRESETS[args.corpus]
    model = dict(p["model"])
    for k in ("hidden_size", "num_layers", "embedding_size", "dropout", "input_dropout", "weight_dropout"):
        if getattr(args, k) is not None:
            model[k] = getattr(args, k)
    if args.corpus == "tiny":
        train_text, valid_text = split_text(TINY.read_text(encoding="utf-8"), 0.1)
        corpus, split = Corpus("tinyshakespeare", train_text, valid_text), "valid"
    else:
        corpus, split = ptb_corpus(), "test"
    cfg = TextGenConfig(data=args.corpus, level=p["level"], batch_size=args.batch_size or p["batch_size"],
                        bptt=args.bptt or p["bptt"],
                        eval_tokens=p["eval_tokens"] if args.eval_tokens is None else args.eval_tokens,
                        shift_epochs=args.shift_epochs)
    data = prepare_data(cfg, corpus)
    run_dir = args.run_dir or f"runs/bench-{args.corpus}"
    # checkpoints/last.pt only at the end: writing it (model + Adam state, fsync) would eat the budget.
    tc = TrainConfig(lr=args.lr or p["lr"], optimizer=args.optimizer, weight_decay=args.weight_decay,
                     eval_every=p["eval_every"], checkpoint_every=10**9, epochs=10_000, seed=args.seed,
                     max_seconds=args.budget_seconds, max_steps=args.max_steps, schedule="anneal",
                     anneal_share=p["anneal_share"] if args.anneal is None else args.anneal,
                     precision=args.precision or p.get("precision", "fp32"),
                     warmup_steps=p.get("warmup_steps", 0) if args.warmup_steps is None else args.warmup_steps,
                     lr_patience=1, lr_gamma=0.5, run_dir=run_dir, progress=args.progress)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    out = train(cfg, model, tc, data)
    wall = time.perf_counter() - t0
    ids = data.valid_ids if split == "valid" else data.test_ids
    t1 = time.perf_counter()
    final = evaluate_stream(out.model, ids, batch_size=16)
    best = None
    best_path = Path(run_dir) / "checkpoints" / "best.pt"
    if best_path.exists():  # the best checkpoint by the (sliced) validation loss, evaluated in full
        from rnnkit.tasks.textgen.checkpoint import load_model
        best = evaluate_stream(load_model(best_path).model, ids, batch_size=16)["loss"]
    print(json.dumps({
        "corpus": args.corpus, "split": split, "budget_s": args.budget_seconds,
        "train_s": round(out.train_seconds, 1), "wall_s_incl_evals": round(wall, 1),
        "steps": out.fit.step, "tokens_per_s": round(out.fit.step * cfg.batch_size * cfg.bptt / max(out.train_seconds, 1e-9)),
        "loss_nats": round(final["loss"], 4), "bits_per_token": round(final["bits_per_token"], 4),
        "perplexity": round(final["perplexity"], 2), "best_ckpt_loss_nats": None if best is None else round(best, 4),
        "eval_s": round(time.perf_counter() - t1, 1), "eval_tokens": int(final["tokens"]),
        "model": model, "batch_size": cfg.batch_size, "bptt": cfg.bptt, "lr": tc.lr,
        "optimizer": tc.optimizer, "weight_decay": tc.weight_decay,
        "precision": resolve_precision(tc.precision, resolve_device(tc.device)), "warmup_steps": tc.warmup_steps,
        "schedule": tc.schedule, "anneal": tc.anneal_share, "max_steps": tc.max_steps, "shift_epochs": cfg.shift_epochs,
        "stopped": out.fit.stopped, "cpu": cpu_model(),
        "torch_threads": torch.get_num_threads(), "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
    }))


if __name__ == "__main__":
    main()
