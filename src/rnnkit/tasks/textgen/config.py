"""Configuration of the text-generation task: the model, and the data/tokeniser around it.

Both are frozen dataclasses whose fields carry help strings (the CLI builds its flags
from them) and are checked in `__post_init__`; both are saved inside the checkpoint as
plain dicts, so a checkpoint alone rebuilds model and tokeniser in a fresh process.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

from rnnkit.layers.factory import check_cell

LEVELS = ("char", "word")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


def _check_int(name: str, value: Any, lo: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if value < lo:
        raise ValueError(f"{name}: expected an int >= {lo}, got {value}")


def _check_fraction(name: str, value: Any, hi_open: bool = True) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    if not (0.0 <= value < 1.0 if hi_open else 0.0 <= value <= 1.0):
        raise ValueError(f"{name}: expected a number in [0, 1), got {value}")


class _Dict:
    """to_dict / from_dict / replace for the frozen configs below."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):  # type: ignore[no-untyped-def]
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} fields {unknown}; known fields are {sorted(known)}")
        return cls(**data)

    def replace(self, **changes: Any):  # type: ignore[no-untyped-def]
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class LanguageModelConfig(_Dict):
    """Embedding -> stacked recurrent layers -> linear over the vocabulary."""

    vocab_size: int = field(metadata=_help("number of tokens in the vocabulary, >= 2"))
    cell: str = field(default="lstm", metadata=_help("recurrent cell: lstm, gru, rnn_tanh or rnn_relu"))
    hidden_size: int = field(default=512, metadata=_help("units per recurrent layer, >= 1"))
    num_layers: int = field(default=1, metadata=_help("stacked recurrent layers, >= 1"))
    embedding_size: int = field(default=0, metadata=_help(
        "size of the token embedding; 0: same as hidden_size (needed for tie_weights)"))
    dropout: float = field(default=0.0, metadata=_help(
        "dropout on the embedding output, between recurrent layers and before the output layer, in [0, 1)"))
    input_dropout: float | None = field(default=None, metadata=_help(
        "dropout on the embedding output only, in [0, 1); None: the same as dropout"))
    weight_dropout: float = field(default=0.0, metadata=_help(
        "DropConnect on the recurrent weights W_hh, one mask per TBPTT chunk (AWD-LSTM), in [0, 1)"))
    tie_weights: bool = field(default=False, metadata=_help(
        "share the embedding matrix with the output layer (Press & Wolf 2017; useful at word level)"))

    def __post_init__(self) -> None:
        _check_int("vocab_size", self.vocab_size, 2)
        check_cell(self.cell)
        _check_int("hidden_size", self.hidden_size, 1)
        _check_int("num_layers", self.num_layers, 1)
        _check_int("embedding_size", self.embedding_size, 0)
        _check_fraction("dropout", self.dropout)
        _check_fraction("weight_dropout", self.weight_dropout)
        if self.input_dropout is not None:
            _check_fraction("input_dropout", self.input_dropout)
        if not isinstance(self.tie_weights, bool):
            raise TypeError(f"tie_weights: expected a bool, got {self.tie_weights!r}")
        if self.tie_weights and self.embedding_size not in (0, self.hidden_size):
            raise ValueError(
                f"tie_weights: needs embedding_size == hidden_size={self.hidden_size} (or 0), "
                f"got embedding_size={self.embedding_size}")

    @property
    def embedding_dim(self) -> int:
        return self.embedding_size or self.hidden_size

    @property
    def embedding_dropout(self) -> float:
        return self.dropout if self.input_dropout is None else self.input_dropout


@dataclass(frozen=True)
class TextGenConfig(_Dict):
    """Data, tokeniser and truncated-BPTT layout of a text-generation run."""

    data: str = field(default="shakespeare", metadata=_help(
        "training text: 'shakespeare' (bundled plays), 'ptb' (Penn Treebank) or a path to a UTF-8 text file"))
    level: str = field(default="char", metadata=_help("tokenise into characters ('char') or words ('word')"))
    min_freq: int = field(default=1, metadata=_help("word level: words seen fewer times become <unk>, >= 1"))
    max_vocab: int = field(default=0, metadata=_help("word level: keep at most this many words; 0: no limit"))
    lowercase: bool = field(default=False, metadata=_help("word level: fold case before counting words"))
    split_punctuation: bool = field(default=False, metadata=_help(
        "word level: split punctuation off words (default: split on white space only)"))
    valid_fraction: float = field(default=0.1, metadata=_help(
        "share of a text file (or of the Shakespeare plays) held out at its end for validation, in (0, 1)"))
    batch_size: int = field(default=32, metadata=_help("parallel streams per truncated-BPTT batch, >= 1"))
    bptt: int = field(default=128, metadata=_help("time steps per truncated-BPTT chunk, >= 1"))
    max_seconds: float = field(default=0.0, metadata=_help(
        "stop training after this many seconds of wall-clock time; 0: no time limit"))
    anneal: float = field(default=0.0, metadata=_help(
        "with max_seconds: share of the time budget, at its end, over which the learning rate falls "
        "linearly to 0, in [0, 1]"))
    eval_tokens: int = field(default=0, metadata=_help(
        "tokens of the validation split used by the periodic evaluations; 0: all of it"))
    shift_epochs: bool = field(default=True, metadata=_help(
        "start every epoch after the first at a random offset of 0..bptt-1 tokens, so that "
        "truncated-BPTT chunks do not cut the text at the same places every epoch"))

    def __post_init__(self) -> None:
        if not isinstance(self.data, str) or not self.data:
            raise ValueError(f"data: expected 'shakespeare', 'ptb' or a file path, got {self.data!r}")
        if self.level not in LEVELS:
            raise ValueError(f"level: expected 'char' or 'word', got {self.level!r}")
        _check_int("min_freq", self.min_freq, 1)
        _check_int("max_vocab", self.max_vocab, 0)
        if 0 < self.max_vocab < 3:
            raise ValueError(f"max_vocab: expected 0 or an int >= 3, got {self.max_vocab}")
        if not isinstance(self.valid_fraction, (int, float)) or not 0.0 < self.valid_fraction < 1.0:
            raise ValueError(f"valid_fraction: expected a number in (0, 1), got {self.valid_fraction!r}")
        _check_int("batch_size", self.batch_size, 1)
        _check_int("bptt", self.bptt, 1)
        if not isinstance(self.max_seconds, (int, float)) or self.max_seconds < 0:
            raise ValueError(f"max_seconds: expected a number >= 0, got {self.max_seconds!r}")
        _check_int("eval_tokens", self.eval_tokens, 0)
        _check_fraction("anneal", self.anneal, hi_open=False)
        if not isinstance(self.shift_epochs, bool):
            raise TypeError(f"shift_epochs: expected a bool, got {self.shift_epochs!r}")
        if self.anneal and not self.max_seconds:
            raise ValueError(f"anneal: needs max_seconds > 0 (it decays over the end of the time budget), "
                             f"got anneal={self.anneal} with max_seconds=0")
        if self.level == "char" and (self.min_freq != 1 or self.max_vocab or self.lowercase or self.split_punctuation):
            warnings.warn("min_freq, max_vocab, lowercase and split_punctuation apply to level='word' only; "
                          "they are ignored at level='char'", stacklevel=3)
