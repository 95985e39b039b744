"""`rnnkit demo translate`: English -> Spanish with attention, on a slice of the Bible, in about 2 minutes.

Builds the WEB / RV1909 corpus with diatheke if it is not there yet, trains a small
encoder-decoder with Luong attention on the first pairs of the training books (through
the standard loop: bucketed batches, clipping, best checkpoint by validation BLEU),
then translates a few validation verses it never saw and draws the attention of one.
A model this small, trained this briefly, gets the shape and the frequent words right;
benchmarks/RESULTS.md has the full-size run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rnnkit.cli.flags import add_config_flags
from rnnkit.training import TrainConfig

TRAIN_FIELDS = ("max_seconds", "lr", "seed", "run_dir")
DEFAULTS = {"max_seconds": 90.0, "lr": 3e-3, "run_dir": "runs/demo_translate"}


def add_flags(p: argparse.ArgumentParser) -> None:
    add_config_flags(p, TrainConfig, TRAIN_FIELDS, DEFAULTS)
    p.add_argument("--data-dir", default="~/.cache/rnnkit/bible", help="where the Bible corpus is (built if missing)")
    p.add_argument("--pairs", type=int, default=6000, help="training pairs of the slice (default: 6000)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")


def run(args: argparse.Namespace) -> int:
    import torch

    from rnnkit.tasks.translate.attend import draw_attention
    from rnnkit.tasks.translate.checkpoint import LoadedTranslator
    from rnnkit.tasks.translate.config import DecodeConfig, TranslateConfig
    from rnnkit.tasks.translate.corpus import make_bible
    from rnnkit.tasks.translate.train import prepare, train

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    data_dir = Path(args.data_dir).expanduser()
    if not (data_dir / "train.tsv").is_file():
        print(f"building the corpus into {data_dir} (diatheke, about 20 s) ...")
        _, report = make_bible(data_dir)
        print("  " + "\n  ".join(report.lines()))
    cfg = TranslateConfig(data="bible", data_dir=str(data_dir), vocab_size=2000, max_length=40,
                          train_limit=args.pairs, valid_limit=60, batch_size=32)
    prepared = prepare(cfg)
    print(f"rnnkit demo translate: {len(prepared.train)} English-Spanish verse pairs (WEB / Reina-Valera 1909, "
          f"up to 40 subwords), sentencepiece vocabularies of {len(prepared.source)} / {len(prepared.target)}")
    print(f"  training a bidirectional-LSTM encoder and an LSTM decoder with general attention (128 units) for up to "
          f"{args.max_seconds:.0f} s ...")
    train_cfg = TrainConfig(max_seconds=args.max_seconds, epochs=1000, lr=args.lr, seed=args.seed, run_dir=args.run_dir,
                            eval_every=150, progress=args.progress, schedule="anneal", anneal_share=0.3,
                            precision="auto")
    out = train(prepared, {"embedding_size": 128, "hidden_size": 128, "attention": "general", "dropout": 0.1}, train_cfg)
    tr = LoadedTranslator(out.model, prepared.source, prepared.target, cfg, out.fit.run_dir, out.fit.step)
    dec = DecodeConfig(beam_size=5)
    picks = prepared.valid.sources[:4]
    print(f"\nvalidation verses it never saw (best validation BLEU {out.fit.best_metric:.1f}, greedy), beam 5:")
    for src, ref, hyp in zip(picks, prepared.valid.targets, tr.translate(picks, dec)):
        print(f"  EN  {src}\n  ->  {hyp}\n  RV  {ref}\n")
    sentence = "God is love."
    text, png = draw_attention(tr, sentence, dec, out.fit.run_dir / "attention.png")
    print(f"  {sentence!r} -> {text!r}")
    print(f"\nfinished in {time.perf_counter() - t0:.0f} s ({out.fit.step} steps). Pictures and files:")
    print(f"  attention         {png}")
    print(f"  training curves   {out.fit.run_dir / 'curves.png'}")
    print(f"  checkpoint        {out.fit.run_dir / 'checkpoints' / 'best.pt'}")
    print("next: rnnkit translate train --max-seconds 3600   (the full corpus; then translate eval / run / attend)")
    return 0
