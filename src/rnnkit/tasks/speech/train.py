"""Training glue: corpus folder -> WAVs -> features -> `rnnkit.training.Trainer` -> best checkpoint.

    prepared = prepare(SpeechConfig(data="corpora/digits"), FeatureConfig(normalise="global"))
    out = train(prepared, {"bidirectional": False}, TrainConfig(max_seconds=120, epochs=50, run_dir="runs/asr"))
    out.test_metrics["wer"]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from rnnkit.tasks.speech.checkpoint import speech_model_config
from rnnkit.tasks.speech.config import FeatureConfig, SpeechConfig, SpeechModelConfig
from rnnkit.tasks.speech.data import CHARS, Clip, SpeechData, encode_text, labels, load_speech_data, read_wav
from rnnkit.tasks.speech.evaluate import error_rates, transcribe_features
from rnnkit.tasks.speech.features import features
from rnnkit.tasks.speech.model import SpeechRecognizer
from rnnkit.tasks.speech.task import Encoded, make_task
from rnnkit.training import FitResult, TrainConfig, Trainer


def encode_clips(clips: list[Clip], fcfg: FeatureConfig, resample: bool = True) -> Encoded:
    """Read every WAV and compute its frames (an error names the clip's transcript line)."""
    feats = []
    for c in clips:
        try:
            feats.append(features(read_wav(c.path, resample), fcfg, str(c.path)))
        except ValueError as err:
            raise ValueError(f"{c.where}: {err}") from None
    return Encoded(feats, [torch.tensor(encode_text(c.text)) for c in clips], [c.text for c in clips],
                   [c.voice for c in clips])


@dataclass
class Prepared:
    cfg: SpeechConfig
    features: FeatureConfig
    data: SpeechData
    train: Encoded
    valid: Encoded
    test: Encoded | None


def prepare(cfg: SpeechConfig, fcfg: FeatureConfig, data: SpeechData | None = None) -> Prepared:
    data = data or load_speech_data(cfg.data, cfg.valid_fraction, cfg.split_seed)
    enc = lambda clips: encode_clips(clips, fcfg, cfg.resample)  # noqa: E731
    return Prepared(cfg, fcfg, data, enc(data.train), enc(data.valid), enc(data.test) if data.test else None)


def build_model(prepared: Prepared, model_kwargs: dict[str, Any]) -> SpeechRecognizer:
    cfg = SpeechModelConfig(**dict(model_kwargs, num_features=prepared.features.num_features, num_labels=len(labels())))
    model = SpeechRecognizer(cfg)
    if prepared.features.normalise == "global":
        frames = torch.cat(prepared.train.feats)                            # (sum T, F)
        model.set_feature_scale(frames.mean(0), frames.std(0, unbiased=False))
    return model


@dataclass
class SpeechOutcome:
    fit: FitResult
    model: SpeechRecognizer
    prepared: Prepared
    valid_metrics: dict[str, float]
    test_metrics: dict[str, float] | None


def train(prepared: Prepared, model_kwargs: dict[str, Any], train_cfg: TrainConfig, resume: bool = False) -> SpeechOutcome:
    """Train, reload the best checkpoint (lowest validation CER), score validation and test (greedy)."""
    torch.manual_seed(train_cfg.seed)
    model = build_model(prepared, model_kwargs)
    meta = speech_model_config(model.config, prepared.features, CHARS, prepared.cfg)
    task = make_task(model, prepared.train, prepared.valid, prepared.cfg, train_cfg.seed, meta)
    fit = Trainer(task, train_cfg).fit(resume=resume)
    best = fit.run_dir / "checkpoints" / "best.pt"
    if best.is_file():
        from rnnkit.training.checkpoint import load_checkpoint

        model.load_state_dict(load_checkpoint(best, map_location="cpu")["model"])
    model.cpu().eval()
    valid = score(model, prepared.valid)
    test = score(model, prepared.test) if prepared.test is not None else None
    return SpeechOutcome(fit, model, prepared, valid, test)


def score(model: SpeechRecognizer, data: Encoded, beam_width: int = 1) -> dict[str, float]:
    return error_rates(data.texts, transcribe_features(model, data.feats, beam_width))
