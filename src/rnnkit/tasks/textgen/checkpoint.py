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

from rnnkit.data.text import Tokenizer, tokenizer_from_dict
from rnnkit.tasks.textgen.config import LanguageModelConfig, TextGenConfig
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.training.checkpoint import load_checkpoint

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


def resolve_checkpoint(path: str | os.PathLike[str]) -> Path:
    """A checkpoint file, or a run directory (then its checkpoints/best.pt, else last.pt)."""
    p = Path(path)
    if p.is_dir():
        for name in ("best.pt", "last.pt"):
            if (p / "checkpoints" / name).is_file():
                return p / "checkpoints" / name
        raise FileNotFoundError(f"--checkpoint: expected a .pt file or a run directory with checkpoints/, got {str(p)!r}")
    if not p.is_file():
        raise FileNotFoundError(f"--checkpoint: expected a .pt file or a run directory, got {str(p)!r} (no such file)")
    return p


def load_model(path: str | os.PathLike[str]) -> LoadedModel:
    """Rebuild model and tokeniser from a checkpoint (or run directory) on the CPU, in eval mode."""
    p = resolve_checkpoint(path)
    ckpt = load_checkpoint(p, map_location="cpu")
    meta = ckpt.get("model_config")
    if not isinstance(meta, dict) or meta.get("kind") != KIND:
        kind = meta.get("kind") if isinstance(meta, dict) else None
        raise ValueError(f"--checkpoint: expected a textgen checkpoint, got one of kind {kind!r} ({p})")
    model = LanguageModel(LanguageModelConfig.from_dict(meta["model"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    return LoadedModel(model, tokenizer_from_dict(meta["tokenizer"]), TextGenConfig.from_dict(meta["task"]),
                       p, int(ckpt.get("step", 0)))
