"""Load a speech checkpoint: the recogniser, its feature settings and its character list.

The checkpoint's `model_config` (`speech_model_config`) is a plain dict: ``kind``, the
model config, the feature config, the characters (label i + 1 is chars[i]; 0 is blank)
and the task config, so a checkpoint alone transcribes a WAV file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnkit.tasks.registry import Loaded, load, register_kind
from rnnkit.tasks.speech.config import FeatureConfig, SpeechConfig, SpeechModelConfig
from rnnkit.tasks.speech.model import SpeechRecognizer

KIND = "speech"


def speech_model_config(model_cfg: SpeechModelConfig, feature_cfg: FeatureConfig, chars: str,
                        task_cfg: SpeechConfig) -> dict[str, Any]:
    return {"kind": KIND, "model": model_cfg.to_dict(), "features": feature_cfg.to_dict(), "chars": chars,
            "task": task_cfg.to_dict()}


@dataclass
class LoadedRecognizer:
    model: SpeechRecognizer
    features: FeatureConfig
    chars: str
    task: SpeechConfig
    path: Path
    step: int


def load_recognizer(path: str | os.PathLike[str]) -> LoadedRecognizer:
    """Rebuild a recogniser from a checkpoint (or run directory) on the CPU, in eval mode."""
    loaded = load(path, kind=KIND)
    x = loaded.extras
    return LoadedRecognizer(loaded.model, x["features"], x["chars"], x["task"], loaded.path, loaded.step)


def _load(ckpt: dict[str, Any], path: Path) -> Loaded:
    """The registered loader of this kind (see rnnkit.tasks.registry)."""
    meta = ckpt["model_config"]
    model = SpeechRecognizer(SpeechModelConfig.from_dict(meta["model"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    extras = {"features": FeatureConfig.from_dict(meta["features"]), "chars": meta["chars"],
              "task": SpeechConfig.from_dict(meta["task"])}
    return Loaded(KIND, model, path, int(ckpt.get("step", 0)), meta, extras)


register_kind(KIND, _load)
