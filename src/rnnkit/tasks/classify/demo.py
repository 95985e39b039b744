"""`rnnkit demo classify`: who is speaking? A bidirectional LSTM on JapaneseVowels in about a minute.

Nine speakers say the vowel pair /ae/; each utterance is 7-29 frames of 12 LPC
coefficients (the UEA archive's standard 270 / 370 split, bundled in the sktime
package). The demo trains through the standard loop (length-bucketed batches, clipping,
best checkpoint by validation loss), prints test accuracy, macro-F1 and per-class
precision/recall, a few predictions, and where the pictures went.
"""

from __future__ import annotations

import argparse
import time

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.training import TrainConfig

TRAIN_FIELDS = ("max_seconds", "epochs", "lr", "seed", "run_dir")
DEFAULTS = {"max_seconds": 45.0, "epochs": 60, "lr": 3e-3, "run_dir": "runs/demo_classify"}


def add_flags(p: argparse.ArgumentParser) -> None:
    add_config_flags(p, TrainConfig, TRAIN_FIELDS, DEFAULTS)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")


def run(args: argparse.Namespace) -> int:
    from rnnkit.tasks.classify.config import ClassifyConfig
    from rnnkit.tasks.classify.evaluate import format_metrics, majority_accuracy, predict_proba
    from rnnkit.tasks.classify.plots import plot_confusion
    from rnnkit.tasks.classify.train import prepare, train

    import torch

    torch.set_num_threads(1)  # batches of 16 short sequences: one thread is fastest, and steadiest on a busy machine
    t0 = time.perf_counter()
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress, eval_every=60)
    print("rnnkit demo classify: which of 9 speakers said /ae/? (JapaneseVowels, 12 LPC coefficients per frame)")
    prepared = prepare(ClassifyConfig(data="japanesevowels", batch_size=16, select_by="loss"))
    print(f"  {prepared.data.notes[0]}; lengths {min(prepared.train.lengths)}-{max(prepared.train.lengths)} frames")
    print(f"  training a bidirectional LSTM (64 units, final-state pooling) for up to {train_cfg.max_seconds:.0f} s ...")
    out = train(prepared, {"hidden_size": 64, "embedding_size": 64, "pooling": "last", "dropout": 0.2}, train_cfg)
    m, test = out.test_metrics, prepared.test
    print(f"\ntest, {len(test)} utterances (always guessing the most frequent speaker: "
          f"{majority_accuracy(prepared.train.ys, test.ys):.3f})\n{format_metrics(m)}")
    picks = list(range(0, len(test.xs), max(1, len(test.xs) // 6)))[:6]  # spread over the test file (several speakers)
    probs = predict_proba(out.model, [test.xs[k] for k in picks])  # (6, C)
    print("\na few test utterances:")
    for i, k in enumerate(picks):
        c = int(probs[i].argmax())
        print(f"  {test.where[k].rsplit('/', 1)[-1]:>28}  {len(test.xs[k]):2d} frames  speaker {prepared.labels[int(test.ys[k])]}"
              f" -> predicted {prepared.labels[c]} (p = {float(probs[i, c]):.3f})")
    run_dir = out.fit.run_dir
    png = plot_confusion(m["confusion"], prepared.labels, run_dir / "confusion.png", "JapaneseVowels test")
    print(f"\nfinished in {time.perf_counter() - t0:.0f} s ({out.fit.step} steps). Pictures and files:")
    print(f"  confusion matrix  {png}")
    print(f"  training curves   {run_dir / 'curves.png'}")
    print(f"  checkpoint        {run_dir / 'checkpoints' / 'best.pt'}")
    print("next: rnnkit classify train --data drugreview --pooling attention   (text; then classify predict --explain)")
    return 0
