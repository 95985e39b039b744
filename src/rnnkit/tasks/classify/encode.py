"""Examples -> tensors: token ids or feature frames, label ids, lengths.

Text goes through the tokenisers of `rnnkit.data.text` (the ones textgen uses), so a
classifier started from a language model (``--init-from``) reads text exactly as that
model did. Letters: T time, F features, N examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnnkit.data.text import Tokenizer, fit_tokenizer
from rnnkit.tasks.classify.config import ClassifyConfig
from rnnkit.tasks.classify.data import Example


@dataclass
class Encoded:
    xs: list[torch.Tensor]     # N tensors: (T_i,) ids or (T_i, F) features
    ys: torch.Tensor           # (N,) label ids
    where: list[str]           # N "file:line"

    @property
    def lengths(self) -> list[int]:
        return [len(x) for x in self.xs]

    def __len__(self) -> int:
        return len(self.xs)


def one_line(text: str) -> str:
    """Line breaks inside a text are spaces (a word tokeniser would turn them into <eos>)."""
    return " ".join(text.split("\n"))


def fit_text_tokenizer(train: list[Example], cfg: ClassifyConfig) -> Tokenizer:
    corpus = "\n".join(one_line(e.x) for e in train)  # type: ignore[arg-type]
    return fit_tokenizer(corpus, cfg.level, cfg.min_freq, cfg.max_vocab or None, cfg.lowercase, cfg.split_punctuation)


def text_ids(tokenizer: Tokenizer, text: str, where: str, max_length: int) -> torch.Tensor:
    """(T,) ids of one text; unknown characters (char level) are skipped; no token at all is an error."""
    text = one_line(text)
    if tokenizer.level == "char":
        ids = tokenizer.vocab.ids([ch for ch in text if ch in tokenizer.vocab])
    else:
        ids = tokenizer.encode(text, where)
    if not ids:
        raise ValueError(f"{where}: expected a text with at least one token, got {text[:40]!r}")
    return torch.tensor(ids[:max_length], dtype=torch.long)


def label_ids(examples: list[Example], labels: list[str]) -> torch.Tensor:
    index = {y: i for i, y in enumerate(labels)}
    out = []
    for e in examples:
        if e.label not in index:
            raise ValueError(f"{e.where}: expected a label seen in training ({', '.join(labels)}), got {e.label!r}")
        out.append(index[e.label])
    return torch.tensor(out, dtype=torch.long)


def encode(examples: list[Example], labels: list[str], tokenizer: Tokenizer | None, max_length: int,
           num_features: int | None = None) -> Encoded:
    """Tensors of a split; a feature sequence of the wrong width is an error naming its line."""
    xs = []
    for e in examples:
        if tokenizer is not None:
            if not isinstance(e.x, str):
                raise ValueError(f"{e.where}: expected a text, got a numeric sequence")
            xs.append(text_ids(tokenizer, e.x, e.where, max_length))
        else:
            if not isinstance(e.x, torch.Tensor):
                raise ValueError(f"{e.where}: expected a numeric sequence, got a text")
            if num_features is not None and e.x.shape[1] != num_features:
                raise ValueError(f"{e.where}: expected {num_features} dimensions, got {e.x.shape[1]}")
            xs.append(e.x[:max_length])
    return Encoded(xs, label_ids(examples, labels), [e.where for e in examples])


def feature_scale(train: Encoded) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation (F,) over every training frame."""
    frames = torch.cat(train.xs)  # (sum T_i, F)
    return frames.mean(0), frames.std(0)


def class_weights(ys: torch.Tensor, num_classes: int) -> torch.Tensor:
    """w_c = N / (C n_c): inverse class frequency, 1 on balanced data."""
    counts = torch.bincount(ys, minlength=num_classes).float().clamp_min(1)
    return len(ys) / (num_classes * counts)
