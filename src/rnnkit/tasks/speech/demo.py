"""`rnnkit demo speech`: synthesise spoken digits, train a CTC recogniser, transcribe unheard voices.

About 700 digit strings are spoken by espeak-ng and flite voices (about 25 s on two
cores); a unidirectional LSTM over stacked log-mel frames trains with CTC for
`--max-seconds`; the test clips come from voices the model never heard, and a few are
transcribed both offline and streaming (100 ms chunks, state carried), which agree.
"""

from __future__ import annotations

import argparse
import time

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.training import TrainConfig

TRAIN_FIELDS = ("max_seconds", "epochs", "lr", "seed", "run_dir")
DEFAULTS = {"max_seconds": 100.0, "epochs": 200, "lr": 3e-3, "run_dir": "runs/demo_speech"}


def add_flags(p: argparse.ArgumentParser) -> None:
    add_config_flags(p, TrainConfig, TRAIN_FIELDS, DEFAULTS)
    p.add_argument("--clips", type=int, default=600, help="training clips to synthesise")
    p.add_argument("--corpus", default="runs/demo_speech/corpus", help="where the synthetic corpus goes")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar")


def run(args: argparse.Namespace) -> int:
    import torch

    from rnnkit.tasks.speech.checkpoint import load_recognizer
    from rnnkit.tasks.speech.config import FeatureConfig, SpeechConfig
    from rnnkit.tasks.speech.data import read_wav
    from rnnkit.tasks.speech.evaluate import per_voice, transcribe_features
    from rnnkit.tasks.speech.stream import stream_file
    from rnnkit.tasks.speech.synth import TEST_VOICES, make_corpus
    from rnnkit.tasks.speech.train import prepare, train

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    print(f"rnnkit demo speech: {args.clips} spoken digit strings from espeak-ng and flite, then CTC training")
    corpus = make_corpus(args.corpus, "digits", args.clips, 60, 60, noise=0.2, seed=args.seed, jobs=2,
                         progress=args.progress)
    print(f"  corpus {corpus} in {time.perf_counter() - t0:.0f} s; test voices, never heard in training: "
          f"{', '.join(TEST_VOICES)}")
    prepared = prepare(SpeechConfig(data=str(corpus), batch_size=16), FeatureConfig(normalise="global"))
    train_cfg = config_from_args(TrainConfig, args, TRAIN_FIELDS, progress=args.progress, eval_every=150)
    print(f"  training a unidirectional LSTM (2 x 128, 3 stacked 10 ms frames per step) for up to "
          f"{train_cfg.max_seconds:.0f} s ...")
    model = {"bidirectional": False, "hidden_size": 128, "num_layers": 2, "dropout": 0.1}
    out = train(prepared, model, train_cfg)
    test = prepared.test
    m = out.test_metrics
    print(f"\nheld-out voices, {len(test)} clips: CER {m['cer']:.3f}  WER {m['wer']:.3f}")
    hyps = transcribe_features(out.model, test.feats)
    for v, r in per_voice(test.texts, hyps, test.voices).items():
        print(f"  {v:<28} CER {r['cer']:.3f}  WER {r['wer']:.3f}")
    rec = load_recognizer(out.fit.run_dir)
    print("\na few held-out clips, offline | streaming in 100 ms chunks:")
    for i in range(0, min(len(test), 4)):
        clip = prepared.data.test[i]
        streamed = [p.text for p in stream_file(rec, read_wav(clip.path))][-1]
        print(f"  {clip.voice:<26} said: {clip.text}\n  {'':<26} heard: {hyps[i]} | {streamed}")
    print(f"\nfinished in {time.perf_counter() - t0:.0f} s ({out.fit.step} steps); checkpoint "
          f"{out.fit.run_dir / 'checkpoints' / 'best.pt'}")
    print(f"next: rnnkit speech transcribe {prepared.data.test[0].path} --checkpoint {out.fit.run_dir} --stream")
    return 0
