"""Load a classification checkpoint: the model, its tokeniser (text) and its label list.

The checkpoint's `model_config` (`classify_model_config`) is a plain dict: ``kind``,
the model config, the tokeniser (None for numeric sequences), the labels in id order
and the task config, so a checkpoint alone rebuilds the classifier.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.text import Tokenizer, tokenizer_from_dict
from rnnkit.tasks.classify.config import ClassifierConfig, ClassifyConfig
from rnnkit.tasks.classify.encode import one_line, text_ids
from rnnkit.tasks.classify.model import SequenceClassifier
from rnnkit.tasks.registry import Loaded, load, register_kind

KIND = "classify"


def classify_model_config(model_cfg: ClassifierConfig, tokenizer: Tokenizer | None, labels: list[str],
                          task_cfg: ClassifyConfig) -> dict[str, Any]:
    return {"kind": KIND, "model": model_cfg.to_dict(), "tokenizer": None if tokenizer is None else tokenizer.to_dict(),
            "labels": list(labels), "task": task_cfg.to_dict()}


@dataclass
class LoadedClassifier:
    model: SequenceClassifier
    tokenizer: Tokenizer | None
    labels: list[str]
    task: ClassifyConfig
    path: Path
    step: int

    def encode_text(self, text: str, where: str = "--text") -> torch.Tensor:
        if self.tokenizer is None:
            raise ValueError(f"{where}: this classifier reads numeric sequences, not text")
        return text_ids(self.tokenizer, text, where, self.task.max_length)  # (T,)

    def tokens(self, text: str) -> list[str]:
        """The tokens the model reads for `text` (after the same cut to max_length)."""
        if self.tokenizer is None:
            raise ValueError("--text: this classifier reads numeric sequences, not text")
        toks = self.tokenizer.tokens(one_line(text))
        if self.tokenizer.level == "char":
            toks = [t for t in toks if t in self.tokenizer.vocab]
        return toks[: self.task.max_length]


def load_classifier(path: str | os.PathLike[str]) -> LoadedClassifier:
    """Rebuild a classifier from a checkpoint (or run directory) on the CPU, in eval mode."""
    loaded = load(path, kind=KIND)
    x = loaded.extras
    return LoadedClassifier(loaded.model, x["tokenizer"], x["labels"], x["task"], loaded.path, loaded.step)


def _load(ckpt: dict[str, Any], path: Path) -> Loaded:
    """The registered loader of this kind (see rnnkit.tasks.registry)."""
    meta = ckpt["model_config"]
    model = SequenceClassifier(ClassifierConfig.from_dict(meta["model"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    tokenizer = None if meta["tokenizer"] is None else tokenizer_from_dict(meta["tokenizer"])
    task = ClassifyConfig.from_dict(meta["task"])
    encode_text = None
    if tokenizer is not None:
        def encode_text(text: str) -> tuple[tuple, list[str]]:
            ids = text_ids(tokenizer, text, "--text", task.max_length)  # (T,)
            return (ids[:, None],), tokenizer.vocab.tokens_of(ids.tolist())  # ((T, 1),), T tokens

    return Loaded(KIND, model, path, int(ckpt.get("step", 0)), meta,
                  {"tokenizer": tokenizer, "labels": list(meta["labels"]), "task": task}, encode_text)


register_kind(KIND, _load)
