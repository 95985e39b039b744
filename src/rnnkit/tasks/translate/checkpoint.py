"""Load a translation checkpoint: the model, both vocabularies and the task config.

The checkpoint's `model_config` (`translate_model_config`) is a plain dict: ``kind``, the
model config, the source and target vocabularies (`vocab.to_dict`) and the task config,
so a checkpoint alone rebuilds the translator.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnkit.tasks.registry import Loaded, load, register_kind
from rnnkit.tasks.translate.config import DecodeConfig, TranslateConfig, TranslatorConfig
from rnnkit.tasks.translate.decode import Hypothesis, translate_ids
from rnnkit.tasks.translate.model import Translator
from rnnkit.tasks.translate.vocab import Vocab, encode_source, vocab_from_dict

KIND = "translate"


def translate_model_config(model_cfg: TranslatorConfig, source: Vocab, target: Vocab,
                           task_cfg: TranslateConfig) -> dict[str, Any]:
    return {"kind": KIND, "model": model_cfg.to_dict(), "source_vocab": source.to_dict(),
            "target_vocab": target.to_dict(), "task": task_cfg.to_dict()}


@dataclass
class LoadedTranslator:
    model: Translator
    source: Vocab
    target: Vocab
    task: TranslateConfig
    path: Path
    step: int

    def encode(self, sentences: list[str], where: str = "input") -> list[torch.Tensor]:
        return [torch.tensor(encode_source(self.source, s, f"{where}, line {i}" if len(sentences) > 1 else where))
                for i, s in enumerate(sentences, 1)]

    def hypotheses(self, sentences: list[str], decode: DecodeConfig, where: str = "input",
                   keep_attention: bool = False) -> list[Hypothesis]:
        return translate_ids(self.model, self.encode(sentences, where), decode.beam_size, decode.length_penalty,
                             decode.max_length_ratio, decode.batch_size, keep_attention)

    def translate(self, sentences: list[str], decode: DecodeConfig | None = None, where: str = "input") -> list[str]:
        return [self.target.decode(h.tokens) for h in self.hypotheses(sentences, decode or DecodeConfig(), where)]


def load_translator(path: str | os.PathLike[str]) -> LoadedTranslator:
    """Rebuild a translator from a checkpoint (or run directory) on the CPU, in eval mode."""
    loaded = load(path, kind=KIND)
    x = loaded.extras
    return LoadedTranslator(loaded.model, x["source"], x["target"], x["task"], loaded.path, loaded.step)


def _load(ckpt: dict[str, Any], path: Path) -> Loaded:
    """The registered loader of this kind (see rnnkit.tasks.registry)."""
    meta = ckpt["model_config"]
    model = Translator(TranslatorConfig.from_dict(meta["model"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    source, target = vocab_from_dict(meta["source_vocab"]), vocab_from_dict(meta["target_vocab"])

    def encode_text(text: str) -> tuple[tuple, list[str]]:
        ids = torch.tensor(encode_source(source, text, "--text"))  # (S,)
        return (ids[:, None], torch.tensor([len(ids)])), source.id_pieces(ids.tolist())

    return Loaded(KIND, model, path, int(ckpt.get("step", 0)), meta,
                  {"source": source, "target": target, "task": TranslateConfig.from_dict(meta["task"])}, encode_text)


register_kind(KIND, _load)
