"""Training glue for tagging: CoNLL data -> vocabularies -> tensors -> `rnnkit.training.Trainer`.

The Task's loss is the tagger's (CRF negative log-likelihood or token cross-entropy over
valid tokens); evaluation is entity-level F1 (seqeval) on the validation split, which
picks checkpoints/best.pt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from rnnkit.tasks.tag.checkpoint import tag_model_config
from rnnkit.tasks.tag.config import TagConfig, TaggerConfig
from rnnkit.tasks.tag.data import TagData, load_conll_data
from rnnkit.tasks.tag.encode import EncodedSentence, TagBatch, Vocabularies, batches, encode_all
from rnnkit.tasks.tag.evaluate import entity_scores, predict_tags
from rnnkit.tasks.tag.model import Tagger
from rnnkit.training import FitResult, Task, TrainConfig, Trainer
from rnnkit.training.checkpoint import load_checkpoint


@dataclass
class PreparedTags:
    cfg: TagConfig
    data: TagData
    vocab: Vocabularies
    train: list[EncodedSentence]
    valid: list[EncodedSentence]
    test: list[EncodedSentence]


def prepare(cfg: TagConfig) -> PreparedTags:
    data = load_conll_data(cfg.data, cfg.valid_data, cfg.test_data, cfg.valid_fraction, cfg.test_fraction, cfg.split_seed)
    vocab = Vocabularies.fit(data.train, cfg.min_freq)
    return PreparedTags(cfg, data, vocab, encode_all(data.train, vocab), encode_all(data.valid, vocab),
                        encode_all(data.test, vocab))


def score(model: torch.nn.Module, encoded: list[EncodedSentence], gold: list, tags: list[str]) -> dict[str, float]:
    return entity_scores([s.tags for s in gold], predict_tags(model, encoded, tags))


def make_task(model: Tagger, p: PreparedTags, seed: int) -> Task:
    def loss(m: torch.nn.Module, b: TagBatch, state: Any) -> tuple[torch.Tensor, None, int]:
        e = m(b.words, b.chars, b.char_lengths, b.lengths)  # (T, B, K)
        return model.loss(e, b.tags, b.lengths), None, int(b.lengths.sum())

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        return score(m, p.valid, p.data.valid, p.vocab.tags)

    meta = tag_model_config(model.config, p.vocab, p.cfg)
    return Task(model=model, train_batches=lambda epoch: batches(p.train, p.cfg.batch_size, seed, epoch, p.cfg.bucket),
                loss=loss, evaluate=evaluate, metric="f1", lower_is_better=False, unit="tok", model_config=meta,
                steps_per_epoch=-(-len(p.train) // p.cfg.batch_size))


@dataclass
class TagOutcome:
    fit: FitResult
    model: Tagger
    prepared: PreparedTags
    test_scores: dict[str, float] | None


def train(p: PreparedTags, model_kwargs: dict[str, Any], train_cfg: TrainConfig) -> TagOutcome:
    """Train, reload the best checkpoint (validation entity F1), score the test split."""
    torch.manual_seed(train_cfg.seed)
    cfg = TaggerConfig(vocab_size=len(p.vocab.words), char_vocab_size=len(p.vocab.chars), num_tags=len(p.vocab.tags),
                       **model_kwargs)
    model = Tagger(cfg)
    fit = Trainer(make_task(model, p, train_cfg.seed), train_cfg).fit()
    best = fit.run_dir / "checkpoints" / "best.pt"
    if best.is_file():
        model.load_state_dict(load_checkpoint(best, map_location="cpu")["model"])
    model.cpu().eval()
    test = score(model, p.test, p.data.test, p.vocab.tags) if p.test else None
    return TagOutcome(fit, model, p, test)
