"""Load a tagging checkpoint: the tagger and its word, character and tag vocabularies.

`model_config` (`tag_model_config`): ``kind``, the model config, the vocabularies and
the task config: a checkpoint alone rebuilds the tagger.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnkit.tasks.registry import Loaded, load, register_kind
from rnnkit.tasks.tag.config import TagConfig, TaggerConfig
from rnnkit.tasks.tag.encode import Vocabularies, encode_sentence, make_batch
from rnnkit.tasks.tag.model import Tagger

KIND = "tag"


def tag_model_config(model_cfg: TaggerConfig, vocab: Vocabularies, task_cfg: TagConfig) -> dict[str, Any]:
    return {"kind": KIND, "model": model_cfg.to_dict(), "vocab": vocab.to_dict(), "task": task_cfg.to_dict()}


@dataclass
class LoadedTagger:
    model: Tagger
    vocab: Vocabularies
    task: TagConfig
    path: Path
    step: int

    @torch.no_grad()
    def tag(self, tokens: list[str]) -> list[str]:
        """Tags of one tokenised sentence."""
        b = make_batch([encode_sentence(tokens, self.vocab)])
        e = self.model(b.words, b.chars, b.char_lengths, b.lengths)  # (T, 1, K)
        return [self.vocab.tags[k] for k in self.model.decode(e, b.lengths)[0]]


def load_tagger(path: str | os.PathLike[str]) -> LoadedTagger:
    loaded = load(path, kind=KIND)
    return LoadedTagger(loaded.model, loaded.extras["vocab"], loaded.extras["task"], loaded.path, loaded.step)


def _load(ckpt: dict[str, Any], path: Path) -> Loaded:
    meta = ckpt["model_config"]
    model = Tagger(TaggerConfig.from_dict(meta["model"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    vocab = Vocabularies.from_dict(meta["vocab"])
    return Loaded(KIND, model, path, int(ckpt.get("step", 0)), meta,
                  {"vocab": vocab, "task": TagConfig.from_dict(meta["task"])})


register_kind(KIND, _load)
