"""`rnnkit textgen`: train, sample, evaluate and complete with character / word language models.

    rnnkit textgen train --data shakespeare --max-seconds 300
    rnnkit textgen sample --checkpoint runs/textgen --prime "ROMEO:" --length 500 --temperature 0.8
    rnnkit textgen eval --checkpoint runs/textgen
    rnnkit textgen complete "to be or not to" -k 5 --checkpoint runs/textgen
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from typing import Any

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.tasks.textgen.config import LanguageModelConfig, TextGenConfig
from rnnkit.training import TrainConfig

# Flags built from the config dataclasses (rnnkit.cli.flags): field names and default overrides.
DATA_FIELDS = ("data", "level", "min_freq", "max_vocab", "lowercase", "split_punctuation", "valid_fraction",
               "batch_size", "bptt", "eval_tokens", "shift_epochs")
MODEL_FIELDS = ("cell", "hidden_size", "num_layers", "embedding_size", "dropout", "input_dropout",
                "weight_dropout", "tie_weights")
TRAIN_FIELDS = ("optimizer", "lr", "weight_decay", "schedule", "anneal_share", "warmup_steps", "lr_step_size",
                "lr_gamma", "clip_norm", "max_steps", "max_seconds", "epochs", "eval_every", "patience", "seed",
                "run_dir", "device", "precision")
# Defaults: the character-level settings measured best for short budgets in
# benchmarks/textgen_quality.py (many small steps at a high rate, annealed over the end of
# the budget); for word level see the PTB preset there.
TRAIN_DEFAULTS = {"lr": 1e-2, "warmup_steps": 100, "precision": "auto", "eval_every": 200, "run_dir": "runs/textgen",
                  "epochs": 1000, "max_steps": 0, "max_seconds": 300.0, "schedule": "anneal", "anneal_share": 0.5}
DATA_DEFAULTS = {"eval_tokens": 50_000, "bptt": 32}
MODEL_DEFAULTS = {"embedding_size": 64}


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("textgen", help="character and word language models: train, sample, eval, complete",
                              description="Language models that predict the next character or word, and generate text.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    t = sub.add_parser("train", help="train a language model (truncated BPTT) and save checkpoints")
    add_config_flags(t, TextGenConfig, DATA_FIELDS, DATA_DEFAULTS)
    add_config_flags(t, LanguageModelConfig, MODEL_FIELDS, MODEL_DEFAULTS)
    add_config_flags(t, TrainConfig, TRAIN_FIELDS, TRAIN_DEFAULTS)
    t.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")
    t.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from RUN_DIR/checkpoints/last.pt (same flags as the first run)")
    t.add_argument("--init-from", default="", metavar="RUN",
                   help="start from this textgen run's (or .pt's) weights, vocabulary and architecture and train on "
                        "--data: fine-tune a language model on new text (ULMFiT's second stage); its words become "
                        "<unk> where the run never saw them (default: a fresh model)")
    t.add_argument("--sample-length", type=int, default=300, help="characters/words of text to sample at the end; 0: none")
    t.set_defaults(func=run_train, defaults_of=t.get_default)

    s = sub.add_parser("sample", help="generate text from a checkpoint, printed as it is sampled")
    s.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory (uses checkpoints/best.pt)")
    s.add_argument("--prime", default=None, help="text the model reads before generating (default: a line break)")
    s.add_argument("--length", type=int, default=500, help="number of tokens (characters or words) to generate")
    add_sampling_flags(s)
    s.add_argument("--seed", type=int, default=None, help="random seed for reproducible samples (default: random)")
    s.add_argument("--reference", action="store_true",
                   help="use the straightforward torch path instead of the fast numpy sampler (slower, same distribution)")
    s.set_defaults(func=run_sample)

    e = sub.add_parser("eval", help="cross-entropy (nats), bits per token and perplexity on held-out text")
    e.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory")
    e.add_argument("--data", default=None, help="'shakespeare', 'ptb' or a UTF-8 text file (default: the training data)")
    e.add_argument("--split", choices=("valid", "test"), default=None,
                   help="held-out split (default: test where the corpus has one, else valid)")
    e.add_argument("--batch-size", type=int, default=16, help="parallel streams for evaluation")
    e.add_argument("--max-tokens", type=int, default=0, help="evaluate only this many tokens; 0: the whole split")
    e.set_defaults(func=run_eval)

    c = sub.add_parser("complete", help="the most likely next words after a text, with probabilities")
    c.add_argument("text", help="the text to continue, e.g. \"to be or not to\"")
    c.add_argument("-k", type=int, default=5, help="how many candidates to list")
    c.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory")
    c.set_defaults(func=run_complete)


def add_sampling_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--temperature", type=float, default=0.8,
                   help="divide the logits by this: < 1 is more conservative, > 1 more random")
    p.add_argument("--top-k", type=int, default=None, help="sample only among the k most likely tokens")
    p.add_argument("--top-p", type=float, default=None,
                   help="sample only among the most likely tokens whose probabilities sum to p (nucleus)")


def _check_positive(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name}: expected an integer >= 0, got {value}")


def run_train(args: argparse.Namespace) -> int:
    from rnnkit.tasks.textgen.generate import default_prime, sample_text
    from rnnkit.tasks.textgen.train import prepare_data, train

    _check_positive("--sample-length", args.sample_length)
    cfg = config_from_args(TextGenConfig, args, DATA_FIELDS)
    model_kwargs = config_from_args(LanguageModelConfig, args, MODEL_FIELDS, vocab_size=2).to_dict()  # checked
    del model_kwargs["vocab_size"]  # taken from the tokeniser
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress)
    t0 = time.perf_counter()
    lm = None
    if args.init_from:
        from rnnkit.tasks.textgen.train import pretrained_start

        lm, fixed_cfg, fixed_model = pretrained_start(args.init_from, cfg, model_kwargs)
        _check_fixed_flags(args, {**fixed_cfg.to_dict(), **fixed_model}, args.init_from)
        cfg, model_kwargs = fixed_cfg, fixed_model
        print(f"--init-from {lm.path}: step {lm.step}, {cfg.level} level, vocabulary {len(lm.tokenizer)}, "
              f"{model_kwargs['cell']} {model_kwargs['num_layers']} x {model_kwargs['hidden_size']}")
    data = prepare_data(cfg, tokenizer=lm.tokenizer if lm else None)
    if lm is not None and cfg.level == "word":
        unk = lm.tokenizer.vocab.unk_id
        share = float((data.train_ids == unk).float().mean())
        print(f"  {share:.1%} of the new training words are <unk> to the run's vocabulary")
    print(f"data: {data.corpus.name}, {cfg.level} level, vocabulary {len(data.tokenizer)}, "
          f"{len(data.train_ids):,} training / {len(data.valid_ids):,} validation tokens "
          f"({time.perf_counter() - t0:.1f} s)")
    out = train(cfg, model_kwargs, train_cfg, data, resume=args.resume, init_from=lm or "")  # loaded once, above
    loss = out.fit.last_metrics.get("loss", float("nan"))
    unit = "char" if cfg.level == "char" else "token"
    print(f"trained {out.fit.step} steps in {out.train_seconds:.0f} s; validation loss {loss:.3f} nats/{unit}, "
          f"{loss / math.log(2):.3f} bits/{unit}, perplexity {math.exp(loss):.2f}")
    run = out.fit.run_dir
    print(f"run directory: {run}\n  checkpoints: {run}/checkpoints/best.pt, last.pt\n"
          f"  metrics: {run}/metrics.jsonl\n  curves: {run}/curves.png")
    if args.sample_length:
        print("--- sample (temperature 0.8) ---")
        for piece in sample_text(out.model, data.tokenizer, default_prime(data.tokenizer), args.sample_length,
                                 temperature=0.8, seed=train_cfg.seed):
            sys.stdout.write(piece)
        sys.stdout.write("\n")
    print(f"sample more with: rnnkit textgen sample --checkpoint {run}")
    return 0


def _check_fixed_flags(args: argparse.Namespace, fixed: dict[str, Any], run: str) -> None:
    """A flag the pretrained run fixes (architecture, tokeniser) may be left out or repeat the
    run's value; anything else would be silently ignored, so it is an error."""
    for name in ("level", "lowercase", "split_punctuation", "cell", "hidden_size", "num_layers", "embedding_size",
                 "tie_weights"):
        given = getattr(args, name)
        if given != args.defaults_of(name) and given != fixed[name]:
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"{flag}: --init-from {run} fixes it to {fixed[name]!r}; leave the flag out, got {given!r}")


def run_sample(args: argparse.Namespace) -> int:
    from rnnkit.tasks.textgen.checkpoint import load_model
    from rnnkit.tasks.textgen.generate import default_prime, sample_text
    from rnnkit.tasks.textgen.sampling import check_sampling_args

    check_sampling_args(args.temperature, args.top_k, args.top_p)
    _check_positive("--length", args.length)
    loaded = load_model(args.checkpoint)
    prime = default_prime(loaded.tokenizer) if args.prime is None else args.prime.replace("\\n", "\n")
    pieces = sample_text(loaded.model, loaded.tokenizer, prime, args.length, temperature=args.temperature,
                         top_k=args.top_k, top_p=args.top_p, seed=args.seed, fast=not args.reference)
    first = next(pieces, "")  # encodes the prime: one the vocabulary cannot read fails before anything is printed
    if prime != "\n":
        sys.stdout.write(prime)
    for piece in itertools.chain([first], pieces):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from rnnkit.data.datasets import load_corpus
    from rnnkit.tasks.textgen.checkpoint import load_model
    from rnnkit.tasks.textgen.evaluate import evaluate_stream

    loaded = load_model(args.checkpoint)
    cfg = loaded.task.replace(data=args.data) if args.data else loaded.task
    corpus = load_corpus(cfg.data, cfg.valid_fraction)
    split = args.split or ("test" if corpus.test is not None else "valid")
    text = corpus.split(split)
    tok = loaded.tokenizer
    if tok.level == "char":
        known = [ch for ch in text if ch in tok.vocab]
        dropped = len(text) - len(known)
        ids = tok.vocab.ids(known)
    else:
        ids, dropped = tok.encode(text, what=f"{split} text"), 0
    out = evaluate_stream(loaded.model, ids, batch_size=args.batch_size, max_tokens=args.max_tokens)
    unit = "character" if tok.level == "char" else "word"
    print(f"{corpus.name} {split}: {int(out['tokens']):,} {unit}s"
          + (f" ({dropped} characters outside the vocabulary skipped)" if dropped else ""))
    print(f"cross-entropy  {out['loss']:.4f} nats/{unit}")
    print(f"bits per {unit}  {out['bits_per_token']:.4f}")
    print(f"perplexity     {out['perplexity']:.2f}")
    return 0


def run_complete(args: argparse.Namespace) -> int:
    from rnnkit.tasks.textgen.checkpoint import load_model
    from rnnkit.tasks.textgen.generate import complete

    loaded = load_model(args.checkpoint)
    for word, p in complete(loaded.model, loaded.tokenizer, args.text, args.k):
        print(f"{p:8.4f}  {word}")
    return 0
