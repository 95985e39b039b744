"""Training glue: data -> tokeniser and labels -> tensors -> `rnnkit.training.Trainer`.

    prepared = prepare(ClassifyConfig(data="drugreview"))
    out = train(prepared, {"hidden_size": 128}, TrainConfig(max_seconds=60, epochs=20, run_dir="runs/clf"))
    out.test_metrics["macro_f1"]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from rnnkit.data.text import Tokenizer
from rnnkit.tasks.classify.checkpoint import classify_model_config
from rnnkit.tasks.classify.config import ClassifierConfig, ClassifyConfig
from rnnkit.tasks.classify.datasets import LabelledData, load_data
from rnnkit.tasks.classify.encode import Encoded, class_weights, encode, feature_scale, fit_text_tokenizer
from rnnkit.tasks.classify.evaluate import classification_metrics, predict_proba
from rnnkit.tasks.classify.finetune import make_trainer
from rnnkit.tasks.classify.model import SequenceClassifier
from rnnkit.tasks.classify.pretrained import copy_language_model, lm_model_fields, load_language_model
from rnnkit.tasks.classify.task import make_task
from rnnkit.training import FitResult, TrainConfig


@dataclass
class Prepared:
    cfg: ClassifyConfig
    data: LabelledData
    tokenizer: Tokenizer | None
    labels: list[str]
    train: Encoded
    valid: Encoded
    test: Encoded | None
    lm: Any = None  # the textgen LoadedModel of --init-from

    @property
    def num_features(self) -> int:
        return int(self.train.xs[0].shape[1])


def prepare(cfg: ClassifyConfig, data: LabelledData | None = None) -> Prepared:
    """Read the data, fit (or take from --init-from) the tokeniser, fix the labels, encode every split."""
    data = data or load_data(cfg.data, cfg.text_column, cfg.label_column, cfg.valid_fraction, cfg.split_seed,
                             cfg.test_data)
    lm = load_language_model(cfg.init_from) if cfg.init_from else None
    if lm is not None and data.input != "tokens":
        raise ValueError(f"--init-from: a language model starts a text classifier, but {data.name} holds numeric sequences")
    tokenizer = None if data.input != "tokens" else (lm.tokenizer if lm else fit_text_tokenizer(data.train, cfg))
    labels = sorted({e.label for e in data.train}, key=_label_key)
    if len(labels) < 2:
        raise ValueError(f"--data: expected at least 2 labels in the training split, got {labels}")
    F = None if tokenizer is not None else int(data.train[0].x.shape[1])  # type: ignore[union-attr]

    def enc(split: list) -> Encoded:
        return encode(split, labels, tokenizer, cfg.max_length, F)

    return Prepared(cfg, data, tokenizer, labels, enc(data.train), enc(data.valid),
                    enc(data.test) if data.test else None, lm)


def _label_key(label: str) -> tuple:
    """Numeric labels in numeric order ("2" before "10"), the rest alphabetically."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def build_model(prepared: Prepared, model_kwargs: dict[str, Any]) -> tuple[SequenceClassifier, list[str]]:
    """The classifier; with --init-from, its encoder sized as the language model and loaded from it."""
    kwargs = dict(model_kwargs, num_classes=len(prepared.labels))
    if prepared.tokenizer is not None:
        kwargs.update(input="tokens", vocab_size=len(prepared.tokenizer))
    else:
        kwargs.update(input="features", num_features=prepared.num_features)
    if prepared.lm is not None:
        kwargs.update(lm_model_fields(prepared.lm))
    model = SequenceClassifier(ClassifierConfig(**kwargs))
    copied: list[str] = []
    if prepared.lm is not None:
        copied = copy_language_model(model, prepared.lm)
    if model.config.input == "features":
        model.set_feature_scale(*feature_scale(prepared.train))
    return model, copied


@dataclass
class ClassifyOutcome:
    fit: FitResult
    model: SequenceClassifier
    prepared: Prepared
    copied: list[str]
    test_metrics: dict[str, Any] | None


def train(prepared: Prepared, model_kwargs: dict[str, Any], train_cfg: TrainConfig,
          resume: bool = False) -> ClassifyOutcome:
    """Train, reload the best checkpoint (by validation macro-F1) and score the test split."""
    torch.manual_seed(train_cfg.seed)
    model, copied = build_model(prepared, model_kwargs)
    cfg = prepared.cfg
    weight = class_weights(prepared.train.ys, len(prepared.labels)) if cfg.class_weights else None
    meta = classify_model_config(model.config, prepared.tokenizer, prepared.labels, cfg)
    task = make_task(model, prepared.train, prepared.valid, prepared.labels, batch_size=cfg.batch_size,
                     seed=train_cfg.seed, bucket=cfg.bucket, weight=weight, model_config=meta,
                     select_by=cfg.select_by)
    trainer = make_trainer(task, train_cfg, copied, cfg.lr_decay, cfg.unfreeze_every)
    fit = trainer.fit(resume=resume)
    best = fit.run_dir / "checkpoints" / "best.pt"
    if best.is_file():
        from rnnkit.training.checkpoint import load_checkpoint

        model.load_state_dict(load_checkpoint(best, map_location="cpu")["model"])
    model.cpu().eval()
    test = score(model, prepared.test, prepared.labels) if prepared.test is not None else None
    return ClassifyOutcome(fit, model, prepared, copied, test)


def score(model: torch.nn.Module, data: Encoded, labels: list[str]) -> dict[str, Any]:
    probs = predict_proba(model, data.xs)  # (N, C)
    return classification_metrics(data.ys.tolist(), probs.argmax(1).tolist(), labels)
