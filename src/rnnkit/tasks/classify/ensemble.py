"""Ensembles of classifiers: K members whose class probabilities are averaged,

    p(c | x) = (1/K) Σ_k p_k(c | x)

`train_ensemble` trains member k with seed `seed + k` and its own validation hold-out drawn
from the same training pool (the data set's train + valid; the test split is never
touched): member 0 keeps the data set's split, member k >= 1 holds out as many examples,
drawn with a seed made of split_seed and seed + k (so ensembles with other seeds draw other
hold-outs). Together the members train on every training example, while
each picks its checkpoint on examples it did not train on (as in bagging). On small data
(600 drug reviews, 60 of them for validation) one run's score swings with its seed and its
hold-out; the average does not (benchmarks/RESULTS.md, Classification).

Each member keeps its own tokeniser (its vocabulary is fitted on its own training part), so
texts are encoded once per member. An ensemble on disk is a directory with `ensemble.json`
(the member run directories, relative to it) and one run directory per member.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch

from rnnkit.tasks.classify.checkpoint import LoadedClassifier, load_classifier
from rnnkit.tasks.classify.config import ClassifyConfig
from rnnkit.tasks.classify.datasets import Example, LabelledData, hold_out, load_data
from rnnkit.tasks.classify.encode import encode
from rnnkit.tasks.classify.evaluate import classification_metrics, predict_proba
from rnnkit.tasks.registry import ensemble_members, is_ensemble, write_ensemble_manifest
from rnnkit.training import TrainConfig


def member_data(data: LabelledData, k: int, seed: int) -> LabelledData:
    """Member k's split: k = 0 the data set's own; k >= 1 a fresh hold-out of the same size from
    train + valid, drawn with `seed`. The test split is the same for every member."""
    if k == 0:
        return data
    pool = data.train + data.valid
    train, valid = hold_out(pool, len(data.valid) / len(pool), seed)
    notes = [*data.notes, f"ensemble member {k}: {len(valid)} of the {len(pool)} training examples held out "
                          f"for validation, seed {seed}"]
    return LabelledData(data.name, train, valid, data.test, data.input, notes)


@dataclass
class EnsembleOutcome:
    run_dir: Path
    members: list[Any]          # ClassifyOutcome per member
    test_metrics: dict[str, Any] | None


def train_ensemble(cfg: ClassifyConfig, model_kwargs: dict[str, Any], train_cfg: TrainConfig, members: int,
                   on_member: Any = None) -> EnsembleOutcome:
    """Train `members` classifiers into RUN_DIR/member<k> and score their average on the test split.
    on_member(k, outcome), if given, is called as each member finishes."""
    from rnnkit.tasks.classify.train import prepare, train

    if not isinstance(members, int) or isinstance(members, bool) or members < 1:
        raise ValueError(f"--ensemble: expected an integer >= 1, got {members!r}")
    data = load_data(cfg.data, cfg.text_column, cfg.label_column, cfg.valid_fraction, cfg.split_seed, cfg.test_data)
    if members > 1 and not data.valid:
        raise ValueError(f"--ensemble: members need a validation hold-out, and --valid-fraction gives {cfg.data} none")
    run_dir = Path(train_cfg.run_dir)
    outcomes, names = [], []
    for k in range(members):
        name = f"member{k}"
        seed = train_cfg.seed + k
        prepared = prepare(cfg, member_data(data, k, cfg.split_seed * 1_000_003 + seed))
        out = train(prepared, model_kwargs, train_cfg.replace(seed=seed, run_dir=str(run_dir / name)))
        outcomes.append(out)
        names.append(name)
        if on_member is not None:
            on_member(k, out)
    write_ensemble_manifest(run_dir, names)
    test = None
    if data.test:
        test = Ensemble([_as_loaded(o) for o in outcomes], run_dir).score(data.test)
    return EnsembleOutcome(run_dir, outcomes, test)


def _as_loaded(out: Any) -> LoadedClassifier:
    p = out.prepared
    return LoadedClassifier(out.model, p.tokenizer, p.labels, p.cfg, out.fit.run_dir / "checkpoints" / "best.pt",
                            out.fit.best_step or out.fit.step)


class Ensemble:
    """Members with the same labels; probabilities are the mean of theirs."""

    def __init__(self, members: Sequence[LoadedClassifier], path: Path | None = None) -> None:
        if not members:
            raise ValueError("--checkpoint: expected at least one classifier")
        labels = members[0].labels
        for m in members[1:]:
            if m.labels != labels:
                raise ValueError(f"--checkpoint: {m.path} predicts labels {m.labels}, but {members[0].path} "
                                 f"predicts {labels}; ensemble members must share their labels")
        self.members, self.labels, self.path = list(members), list(labels), path

    def __len__(self) -> int:
        return len(self.members)

    def proba_of_examples(self, examples: list[Example]) -> tuple[torch.Tensor, torch.Tensor]:
        """(probabilities (N, C), label ids (N,)) of labelled examples, each member encoding them itself."""
        total, ys = None, None
        for m in self.members:
            F = None if m.tokenizer is not None else m.model.config.num_features
            enc = encode(examples, self.labels, m.tokenizer, m.task.max_length, F)
            p = predict_proba(m.model, enc.xs)                                     # (N, C)
            total, ys = (p if total is None else total + p), enc.ys
        return total / len(self.members), ys                                    # type: ignore[operator]

    def score(self, examples: list[Example]) -> dict[str, Any]:
        probs, ys = self.proba_of_examples(examples)
        return classification_metrics(ys.tolist(), probs.argmax(1).tolist(), self.labels)

    def proba_of_texts(self, items: list[tuple[str, str]]) -> torch.Tensor:
        """Probabilities (N, C) of (text, where) items."""
        total = None
        for m in self.members:
            p = predict_proba(m.model, [m.encode_text(text, where) for text, where in items])
            total = p if total is None else total + p
        return total / len(self.members)                                        # type: ignore[operator]


def load_ensemble(paths: Sequence[str | os.PathLike[str]]) -> Ensemble:
    """Classifiers from checkpoints, run directories or ensemble directories (their members), as one ensemble."""
    members: list[LoadedClassifier] = []
    for p in paths:
        if is_ensemble(p):
            members += [load_classifier(m) for m in ensemble_members(p)]
        else:
            members.append(load_classifier(p))
    return Ensemble(members, Path(paths[0]) if len(paths) == 1 else None)
