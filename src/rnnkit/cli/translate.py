"""`rnnkit translate`: build the Bible corpus, train, evaluate and run translators.

    rnnkit translate make-data bible                     # diatheke -> ~/.cache/rnnkit/bible/{train,valid,test}.tsv
    rnnkit translate train --max-seconds 3600 --run-dir runs/translate
    rnnkit translate eval --checkpoint runs/translate --beam-size 5
    rnnkit translate run --checkpoint runs/translate "In the beginning was the Word."
    cat english.txt | rnnkit translate run --checkpoint runs/translate
    rnnkit translate attend --checkpoint runs/translate "God is love." --out attention.png
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.tasks.translate.config import DecodeConfig, TranslateConfig, TranslatorConfig
from rnnkit.training import TrainConfig

DATA_FIELDS = ("data", "data_dir", "valid_data", "tokenizer", "vocab_size", "max_length", "train_limit",
               "valid_limit", "batch_size", "teacher_forcing", "label_smoothing")
MODEL_FIELDS = ("embedding_size", "cell", "hidden_size", "encoder_layers", "decoder_layers", "attention",
                "input_feeding", "tie_embeddings", "dropout")
TRAIN_FIELDS = ("optimizer", "lr", "weight_decay", "schedule", "anneal_share", "warmup_steps", "clip_norm",
                "max_steps", "max_seconds", "epochs", "eval_every", "patience", "seed", "run_dir", "device", "precision")
TRAIN_DEFAULTS = {"lr": 2e-3, "epochs": 20, "run_dir": "runs/translate", "precision": "auto"}
DECODE_FIELDS = ("beam_size", "length_penalty", "max_length_ratio", "batch_size")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("translate", help="translation: make-data, train, eval, run, attend (encoder-decoder "
                                                "with attention)",
                              description="Sequence to sequence: an English sentence in, a Spanish one out.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    m = sub.add_parser("make-data", help="build a bundled parallel corpus (bible: WEB English / RV1909 Spanish)")
    m.add_argument("corpus", choices=("bible",), help="which corpus: bible (Debian diatheke + sword-text-web/-sparv)")
    m.add_argument("--out", default="~/.cache/rnnkit/bible", help="directory for train/valid/test .tsv and .refs")
    m.set_defaults(func=run_make_data)

    t = sub.add_parser("train", help="train a translator; prints validation BLEU and chrF")
    add_config_flags(t, TranslateConfig, DATA_FIELDS)
    add_config_flags(t, TranslatorConfig, MODEL_FIELDS)
    add_config_flags(t, TrainConfig, TRAIN_FIELDS, TRAIN_DEFAULTS)
    t.add_argument("--threads", type=int, default=1, help="torch CPU threads (default: 1)")
    t.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")
    t.add_argument("--resume", action="store_true", help="continue the run in --run-dir from checkpoints/last.pt")
    t.set_defaults(func=run_train)

    e = sub.add_parser("eval", help="BLEU and chrF (sacrebleu) of a checkpoint on the test (or validation) pairs")
    _checkpoint_flags(e)
    e.add_argument("--data", default=None, help="pairs to score (TSV or SRC,TGT); default: the training data's --split")
    e.add_argument("--split", choices=("valid", "test"), default="test", help="split of --data bible to score")
    e.add_argument("--limit", type=int, default=0, help="score only the first N pairs; 0: all")
    e.add_argument("--out", default=None, help="write the translations here, one per line")
    e.set_defaults(func=run_eval)

    r = sub.add_parser("run", help="translate SENTENCE, or stdin one sentence per line (streamed)")
    _checkpoint_flags(r)
    r.add_argument("sentence", nargs="*", help="the sentence to translate; none: read stdin, one per line")
    r.set_defaults(func=run_run)

    a = sub.add_parser("attend", help="draw the attention weights of one sentence's translation as a heatmap")
    _checkpoint_flags(a)
    a.add_argument("sentence", help="the source sentence")
    a.add_argument("--out", default="attention.png", help="where the PNG goes")
    a.set_defaults(func=run_attend)


def _checkpoint_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory")
    add_config_flags(p, DecodeConfig, ("beam_size", "length_penalty", "max_length_ratio"))
    p.add_argument("--decode-batch", type=int, default=32, help="sentences decoded together (default: 32)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default: 1)")


def _decode_config(args: argparse.Namespace) -> DecodeConfig:
    return config_from_args(DecodeConfig, argparse.Namespace(**{**vars(args), "batch_size": args.decode_batch}),
                            DECODE_FIELDS)


def _threads(n: int) -> None:
    import torch

    if n < 1:
        raise ValueError(f"--threads: expected an integer >= 1, got {n}")
    torch.set_num_threads(n)


def run_make_data(args: argparse.Namespace) -> int:
    from rnnkit.tasks.translate.corpus import make_bible

    out, report = make_bible(args.out)
    print("\n".join(report.lines()))
    print(f"wrote {out}/train.tsv, valid.tsv, test.tsv (English<TAB>Spanish) and .refs (verse references)")
    return 0


def run_train(args: argparse.Namespace) -> int:
    from rnnkit.tasks.translate.train import prepare, train

    _threads(args.threads)
    cfg = config_from_args(TranslateConfig, args, DATA_FIELDS)
    model_kwargs = config_from_args(TranslatorConfig, args, MODEL_FIELDS, source_vocab=4, target_vocab=4).to_dict()
    for k in ("source_vocab", "target_vocab"):
        del model_kwargs[k]  # from the data
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress)
    prepared = prepare(cfg)
    print(f"data: {cfg.data}, {len(prepared.train)} train pairs ({prepared.skipped} longer than {cfg.max_length} "
          f"tokens skipped), {len(prepared.valid)} validation; vocabularies {len(prepared.source)} / "
          f"{len(prepared.target)} ({cfg.tokenizer})")
    out = train(prepared, model_kwargs, train_cfg, resume=args.resume)
    m = out.fit.last_metrics
    best = "none" if out.fit.best_metric is None else f"{out.fit.best_metric:.2f}"
    print(f"trained {out.fit.step} steps in {out.fit.train_seconds:.0f} s ({out.fit.stopped}); best step "
          f"{out.fit.best_step}, validation BLEU {best} (greedy)")
    print("last evaluation: " + ", ".join(f"{k} {v:.3f}" for k, v in m.items()))
    print(f"run directory: {out.fit.run_dir} (checkpoints/best.pt, metrics.jsonl, curves.png)")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from rnnkit.tasks.translate.checkpoint import load_translator
    from rnnkit.tasks.translate.data import bible_split, read_pairs
    from rnnkit.tasks.translate.evaluate import bleu_chrf

    _threads(args.threads)
    tr = load_translator(args.checkpoint)
    pairs = read_pairs(args.data) if args.data else (
        bible_split(tr.task.data_dir, args.split) if tr.task.data == "bible" else None)
    if pairs is None:
        raise ValueError("--data: this checkpoint was not trained on --data bible; give the pairs to score")
    pairs = pairs.head(args.limit)
    dec = _decode_config(args)
    start = time.perf_counter()
    hyps = tr.translate(pairs.sources, dec, where=pairs.where)
    seconds = time.perf_counter() - start
    scores = bleu_chrf(hyps, pairs.targets)
    print(f"{pairs.where}: {len(pairs)} sentences, beam {dec.beam_size}: BLEU {scores['bleu']:.2f}, "
          f"chrF {scores['chrf']:.2f}; {len(pairs) / seconds:.1f} sentences/s")
    if args.out:
        Path(args.out).write_text("".join(h + "\n" for h in hyps), encoding="utf-8")
        print(f"translations: {args.out}")
    print(json.dumps({**scores, "sentences": len(pairs), "seconds": seconds, "beam_size": dec.beam_size}))
    return 0


def run_run(args: argparse.Namespace) -> int:
    from rnnkit.tasks.translate.checkpoint import load_translator
    from rnnkit.tasks.translate.data import read_sentences

    _threads(args.threads)
    tr = load_translator(args.checkpoint)
    dec = _decode_config(args)
    if args.sentence:
        print(tr.translate([" ".join(args.sentence)], dec, where="SENTENCE")[0])
        return 0
    for i, line in enumerate(sys.stdin, 1):  # streamed: one translation per line as it comes
        text = read_sentences([line.rstrip("\n")], f"stdin, line {i}")[0]
        print(tr.translate([text], dec, where=f"stdin, line {i}")[0], flush=True)
    return 0


def run_attend(args: argparse.Namespace) -> int:
    from rnnkit.tasks.translate.attend import draw_attention
    from rnnkit.tasks.translate.checkpoint import load_translator

    _threads(args.threads)
    tr = load_translator(args.checkpoint)
    text, path = draw_attention(tr, args.sentence, _decode_config(args), args.out)
    print(text)
    print(f"attention picture: {path}")
    return 0
