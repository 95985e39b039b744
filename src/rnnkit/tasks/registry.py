"""One checkpoint loader for every task: `rnnkit.load(path)` dispatches on the stored kind.

A training checkpoint's ``model_config`` is a plain dict whose ``"kind"`` names the task
that wrote it ("textgen", …). Each task registers a loader for its kind, which rebuilds
the model from the checkpoint alone and returns it with what it needs besides its
weights (vocabulary, scalers, label set) in a `Loaded`:

    loaded = rnnkit.load("runs/textgen")          # a run directory or a .pt file
    loaded.kind, loaded.model, loaded.extras["tokenizer"]

Built-in kinds are imported on first use (`BUILTIN`); a task outside rnnkit, or a test,
adds its own with `register_kind`.

An ensemble on disk is a directory with `ensemble.json` (``{"members": [run directories,
relative to it]}``) and the members' run directories. `rnnkit.load` reads one as one model
where its kind registered a `combine` (forecast: the members' forecasts averaged), and
otherwise says so and names a member to load instead.
"""

from __future__ import annotations

import importlib
import json
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
Combiner = Callable[[list[Loaded], Path], Loaded]  # (members, ensemble directory) -> one model
_loaders: dict[str, Loader] = {}
_combiners: dict[str, Combiner] = {}

ENSEMBLE_MANIFEST = "ensemble.json"


def register_kind(kind: str, loader: Loader, combine: Combiner | None = None) -> None:
    """`loader(checkpoint_dict, path) -> Loaded` rebuilds checkpoints whose model_config kind is `kind`;
    `combine(members, path) -> Loaded`, if given, makes one model of an ensemble directory's members."""
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind: expected a non-empty string, got {kind!r}")
    _loaders[kind] = loader
    if combine is not None:
        _combiners[kind] = combine


def known_kinds() -> list[str]:
    return sorted(set(_loaders) | set(BUILTIN))


def write_ensemble_manifest(run_dir: str | os.PathLike[str], members: list[str]) -> Path:
    """RUN_DIR/ensemble.json naming the member run directories (relative to RUN_DIR)."""
    path = Path(run_dir) / ENSEMBLE_MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"members": list(members)}, indent=1))
    return path


def is_ensemble(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / ENSEMBLE_MANIFEST).is_file()


def ensemble_members(path: str | os.PathLike[str]) -> list[Path]:
    """The member run directories an ensemble directory's manifest names."""
    manifest = Path(path) / ENSEMBLE_MANIFEST
    try:
        names = json.loads(manifest.read_text(encoding="utf-8"))["members"]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise TypeError("not a non-empty list of names")
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"--checkpoint: {manifest}: expected {{\"members\": [run dirs]}} ({err})") from None
    return [Path(path) / n for n in names]


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
    if is_ensemble(path):
        return _load_ensemble(Path(path), kind)
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


def _load_ensemble(path: Path, expected: str | None) -> Loaded:
    paths = ensemble_members(path)
    members = [load(p, expected) for p in paths]
    kinds = sorted({m.kind for m in members})
    if len(kinds) > 1:
        raise ValueError(f"--checkpoint: the members of the ensemble {path} are of different kinds ({', '.join(kinds)})")
    kind = kinds[0]
    if kind not in _combiners:
        raise ValueError(f"--checkpoint: {path} is an ensemble of {len(members)} {kind} models, which rnnkit.load "
                         f"cannot make one model of; load a member ({paths[0]}) or give the "
                         f"directory to `rnnkit {kind}`")
    return _combiners[kind](members, path)
