"""One checkpoint loader for every task: `rnnkit.load(path)` dispatches on the stored kind.

A training checkpoint's ``model_config`` is a plain dict whose ``"kind"`` names the task
that wrote it ("textgen", …). Each task registers a loader for its kind, which rebuilds
the model from the checkpoint alone and returns it with what it needs besides its
weights (vocabulary, scalers, label set) in a `Loaded`:

    loaded = rnnkit.load("runs/textgen")          # a run directory or a .pt file
    loaded.kind, loaded.model, loaded.extras["tokenizer"]

Built-in kinds are imported on first use (`BUILTIN`); a task outside rnnkit, or a test,
adds its own with `register_kind`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from rnnkit.training.checkpoint import load_checkpoint

# kind -> module that calls register_kind for it when imported
BUILTIN = {"textgen": "rnnkit.tasks.textgen.checkpoint", "forecast": "rnnkit.tasks.forecast.checkpoint",
           "classify": "rnnkit.tasks.classify.checkpoint",
           "tag": "rnnkit.tasks.tag.checkpoint", "speech": "rnnkit.tasks.speech.checkpoint",
           "translate": "rnnkit.tasks.translate.checkpoint"}


@dataclass
class Loaded:
    """A model rebuilt from a checkpoint (on the CPU, in eval mode) and what goes with it."""

    kind: str
    model: nn.Module
    path: Path
    step: int
    meta: dict[str, Any]                                   # the checkpoint's model_config
    extras: dict[str, Any] = field(default_factory=dict)   # tokenizer, scalers, labels, task config …
    # text -> (positional inputs of model(...), one label per step) for kinds that read text
    encode_text: Callable[[str], tuple[tuple, list[str]]] | None = None


Loader = Callable[[dict[str, Any], Path], Loaded]
_loaders: dict[str, Loader] = {}


def register_kind(kind: str, loader: Loader) -> None:
    """`loader(checkpoint_dict, path) -> Loaded` rebuilds checkpoints whose model_config kind is `kind`."""
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind: expected a non-empty string, got {kind!r}")
    _loaders[kind] = loader


def known_kinds() -> list[str]:
    return sorted(set(_loaders) | set(BUILTIN))


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


def load(path: str | os.PathLike[str], kind: str | None = None) -> Loaded:
    """Rebuild the model of any rnnkit checkpoint or run directory, whatever task wrote it.

    With `kind`, a checkpoint of another kind is refused before its model is built (a
    task's own loader passes its kind, so `rnnkit translate run --checkpoint runs/textgen`
    says what it got).
    """
    expected = kind
    p = resolve_checkpoint(path)
    ckpt = load_checkpoint(p, map_location="cpu")
    meta = ckpt.get("model_config")
    kind = meta.get("kind") if isinstance(meta, dict) else None
    if expected is not None and kind != expected:
        raise ValueError(f"--checkpoint: expected a {expected} checkpoint, got one of kind {kind!r} ({p})")
    if kind not in _loaders and kind in BUILTIN:
        importlib.import_module(BUILTIN[kind])
    if kind not in _loaders:
        raise ValueError(f"--checkpoint: expected a checkpoint of a known kind ({', '.join(known_kinds())}), "
                         f"got kind {kind!r} in {p}")
    return _loaders[kind](ckpt, p)
