"""Load a text-generation checkpoint: the model, its tokeniser and its configs.

The training loop writes `checkpoints/best.pt` and `checkpoints/last.pt`; the
`model_config` it stores for this task is `textgen_model_config(...)`: a plain dict with
the model config, the tokeniser (its whole vocabulary) and the task config. So a
checkpoint alone rebuilds everything needed to sample, complete or evaluate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.text import Tokenizer, tokenizer_from_dict
from rnnkit.tasks.textgen.config import LanguageModelConfig, TextGenConfig
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.tasks.registry import Loaded, load, register_kind

KIND = "textgen"


def textgen_model_config(model_cfg: LanguageModelConfig, tokenizer: Tokenizer, task_cfg: TextGenConfig) -> dict[str, Any]:
    """What the checkpoint's `model_config` holds for this task (plain values only)."""
    return {"kind": KIND, "model": model_cfg.to_dict(), "tokenizer": tokenizer.to_dict(), "task": task_cfg.to_dict()}


@dataclass
class LoadedModel:
    model: LanguageModel
    tokenizer: Tokenizer
    task: TextGenConfig
    path: Path
    step: int


def load_model(path: str | os.PathLike[str]) -> LoadedModel:
    """Rebuild model and tokeniser from a checkpoint (or run directory) on the CPU, in eval mode."""
    loaded = load(path, kind=KIND)
    x = loaded.extras
    return LoadedModel(loaded.model, x["tokenizer"], x["task"], loaded.path, loaded.step)


def _load(ckpt: dict[str, Any], path: Path) -> Loaded:
    """The registered loader of this kind (see rnnkit.tasks.registry)."""
    meta = ckpt["model_config"]
    model = LanguageModel(LanguageModelConfig.from_dict(meta["model"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    tokenizer = tokenizer_from_dict(meta["tokenizer"])

    def encode_text(text: str) -> tuple[tuple, list[str]]:
        ids = torch.tensor(tokenizer.encode(text, "--text"), dtype=torch.long)[:, None]  # (T, 1)
        return (ids,), tokenizer.tokens(text)

    return Loaded(KIND, model, path, int(ckpt.get("step", 0)), meta,
                  {"tokenizer": tokenizer, "task": TextGenConfig.from_dict(meta["task"])}, encode_text)


register_kind(KIND, _load)
