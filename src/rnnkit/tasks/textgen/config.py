"""Configuration of the text-generation task: the model, and the data/tokeniser around it.

Both are frozen dataclasses whose fields carry help strings (the CLI builds its flags
from them) and are checked in `__post_init__`; both are saved inside the checkpoint as
plain dicts, so a checkpoint alone rebuilds model and tokeniser in a fresh process.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from rnnkit.config import Config, check_bool, check_choice, check_fraction, check_int, check_number, check_text, option
from rnnkit.layers.factory import check_cell

LEVELS = ("char", "word")


@dataclass(frozen=True)
class LanguageModelConfig(Config):
    """Embedding -> stacked recurrent layers -> linear over the vocabulary."""

    vocab_size: int = option(help="number of tokens in the vocabulary, >= 2")
    cell: str = option("lstm", "recurrent cell: lstm, gru, rnn_tanh or rnn_relu")
    hidden_size: int = option(512, "units per recurrent layer, >= 1")
    num_layers: int = option(1, "stacked recurrent layers, >= 1")
    embedding_size: int = option(0, (
        "size of the token embedding; 0: same as hidden_size (needed for tie_weights)"))
    dropout: float = option(0.0, (
        "dropout on the embedding output, between recurrent layers and before the output layer, in [0, 1)"))
    input_dropout: float | None = option(None, (
        "dropout on the embedding output only, in [0, 1); None: the same as dropout"))
    weight_dropout: float = option(0.0, (
        "DropConnect on the recurrent weights W_hh, one mask per TBPTT chunk (AWD-LSTM), in [0, 1)"))
    tie_weights: bool = option(False, (
        "share the embedding matrix with the output layer (Press & Wolf 2017; useful at word level)"))

    def __post_init__(self) -> None:
        check_int("vocab_size", self.vocab_size, 2)
        check_cell(self.cell)
        check_int("hidden_size", self.hidden_size, 1)
        check_int("num_layers", self.num_layers, 1)
        check_int("embedding_size", self.embedding_size, 0)
        check_fraction("dropout", self.dropout)
        check_fraction("weight_dropout", self.weight_dropout)
        if self.input_dropout is not None:
            check_fraction("input_dropout", self.input_dropout)
        check_bool("tie_weights", self.tie_weights)
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
class TextGenConfig(Config):
    """Data, tokeniser and truncated-BPTT layout of a text-generation run (the time budget and
    lr schedule are the training loop's: TrainConfig.max_seconds, schedule="anneal")."""

    LEGACY_FIELDS = frozenset({"max_seconds", "anneal"})  # in checkpoints from before they moved to TrainConfig

    data: str = option("shakespeare", (
        "training text: 'shakespeare' (bundled plays), 'ptb' (Penn Treebank) or a path to a UTF-8 text file"))
    level: str = option("char", "tokenise into characters ('char') or words ('word')")
    min_freq: int = option(1, "word level: words seen fewer times become <unk>, >= 1")
    max_vocab: int = option(0, "word level: keep at most this many words; 0: no limit")
    lowercase: bool = option(False, "word level: fold case before counting words")
    split_punctuation: bool = option(False, (
        "word level: split punctuation off words (default: split on white space only)"))
    valid_fraction: float = option(0.1, (
        "share of a text file (or of the Shakespeare plays) held out at its end for validation, in (0, 1)"))
    batch_size: int = option(32, "parallel streams per truncated-BPTT batch, >= 1")
    bptt: int = option(128, "time steps per truncated-BPTT chunk, >= 1")
    eval_tokens: int = option(0, (
        "tokens of the validation split used by the periodic evaluations; 0: all of it"))
    shift_epochs: bool = option(True, (
        "start every epoch after the first at a random offset of 0..bptt-1 tokens, so that "
        "truncated-BPTT chunks do not cut the text at the same places every epoch"))

    def __post_init__(self) -> None:
        check_text("data", self.data)
        check_choice("level", self.level, LEVELS)
        check_int("min_freq", self.min_freq, 1)
        check_int("max_vocab", self.max_vocab, 0)
        if 0 < self.max_vocab < 3:
            raise ValueError(f"max_vocab: expected 0 or an int >= 3, got {self.max_vocab}")
        check_number("valid_fraction", self.valid_fraction, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
        check_int("batch_size", self.batch_size, 1)
        check_int("bptt", self.bptt, 1)
        check_int("eval_tokens", self.eval_tokens, 0)
        for name in ("lowercase", "split_punctuation", "shift_epochs"):
            check_bool(name, getattr(self, name))
        if self.level == "char" and (self.min_freq != 1 or self.max_vocab or self.lowercase or self.split_punctuation):
            warnings.warn("min_freq, max_vocab, lowercase and split_punctuation apply to level='word' only; "
                          "they are ignored at level='char'", stacklevel=3)
