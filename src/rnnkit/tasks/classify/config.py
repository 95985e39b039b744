"""Configuration of sequence classification: the model, and the data around it.

`ClassifierConfig` rebuilds the network; `ClassifyConfig` says where the examples come
from and how they are tokenised and batched. Both are saved inside the checkpoint as
plain dicts (with the vocabulary and the label list), so a checkpoint alone rebuilds the
classifier in a fresh process.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit.config import (Config, check_bool, check_choice, check_fraction, check_int, check_number, check_text,
                           option)
from rnnkit.layers.attention import KINDS as ATTENTION_KINDS
from rnnkit.layers.factory import check_cell

POOLINGS = ("last", "mean", "max", "attention")
INPUTS = ("tokens", "features")
LEVELS = ("word", "char")
SELECT_BY = ("macro_f1", "accuracy", "loss")


@dataclass(frozen=True)
class ClassifierConfig(Config):
    """Embedding (tokens) or linear (features) -> stacked recurrent encoder -> pooling -> classes."""

    num_classes: int = option(help="number of labels, >= 2")
    input: str = option("tokens", "tokens (ids through an embedding) or features (F numbers per step through a linear map)")
    vocab_size: int = option(0, "input='tokens': size of the vocabulary, >= 2")
    num_features: int = option(0, "input='features': numbers per step F, >= 1")
    embedding_size: int = option(128, "size of the token embedding / of the linear projection of the features, >= 1")
    cell: str = option("lstm", "recurrent cell: lstm, gru, rnn_tanh or rnn_relu")
    hidden_size: int = option(128, "units per recurrent layer and direction, >= 1")
    num_layers: int = option(1, "stacked recurrent layers, >= 1")
    bidirectional: bool = option(True, "read each sequence in both directions")
    pooling: str = option("last", (
        "how the outputs over time become one vector: last (each sequence's own final state, both directions), "
        "mean or max over valid steps, attention (a learned query over valid steps)"))
    attention: str = option("additive", "pooling='attention': additive, dot or general scores")
    dropout: float = option(0.3, "dropout on the embedding, between layers and on the pooled vector, in [0, 1)")

    def __post_init__(self) -> None:
        check_int("num_classes", self.num_classes, 2)
        check_choice("input", self.input, INPUTS)
        if self.input == "tokens":
            check_int("vocab_size", self.vocab_size, 2)
        else:
            check_int("num_features", self.num_features, 1)
        check_int("embedding_size", self.embedding_size, 1)
        check_cell(self.cell)
        check_int("hidden_size", self.hidden_size, 1)
        check_int("num_layers", self.num_layers, 1)
        check_bool("bidirectional", self.bidirectional)
        check_choice("pooling", self.pooling, POOLINGS)
        check_choice("attention", self.attention, ATTENTION_KINDS)
        check_fraction("dropout", self.dropout)


@dataclass(frozen=True)
class ClassifyConfig(Config):
    """Where the examples come from, how text is tokenised, how batches are made."""

    data: str = option("tweets", (
        "bundled data set (tweets, drugreview, japanesevowels) or a file: .csv/.tsv/.jsonl (text and label "
        "columns) or .ts (numeric sequences)"))
    test_data: str = option("", "a file of the same format for the test split (a user file only); '' : none")
    text_column: str = option("text", "CSV/TSV/JSONL: the column (key) holding the text")
    label_column: str = option("label", "CSV/TSV/JSONL: the column (key) holding the label")
    level: str = option("word", "tokenise text into words or characters")
    min_freq: int = option(2, "word level: words seen fewer times in training become <unk>, >= 1")
    max_vocab: int = option(20000, "word level: keep at most this many words; 0: no limit")
    lowercase: bool = option(True, "fold case before tokenising")
    split_punctuation: bool = option(True, "word level: split punctuation off words")
    max_length: int = option(400, "cut sequences to their first max_length steps (tokens or frames), >= 1")
    valid_fraction: float = option(0.1, (
        "share of the training examples held out for validation when the data has no validation split, in (0, 1)"))
    split_seed: int = option(0, "seed of the train/validation(/test) split of data that has none")
    batch_size: int = option(64, "sequences per batch, >= 1")
    bucket: bool = option(True, "batch sequences of similar lengths together (less padding); off: random batches")
    class_weights: bool = option(False, "weight the loss by inverse class frequency (imbalanced labels)")
    select_by: str = option("macro_f1", (
        "validation metric that picks checkpoints/best.pt and drives early stopping: macro_f1, accuracy or "
        "loss (cross-entropy; smoother when a small validation split saturates its accuracy)"))
    init_from: str = option("", (
        "a textgen run (or .pt) to start embedding and encoder from, with its vocabulary (ULMFiT); '': random"))
    lr_decay: float = option(1.0, (
        "--init-from: discriminative learning rates, lr / lr_decay^g for layer group g counted from the top "
        "(g=0: the fresh head, then each recurrent layer, then the embedding; ULMFiT: 2.6), >= 1; 1: one lr"))
    unfreeze_every: float = option(0.0, (
        "--init-from: gradual unfreezing; train only the fresh head first and unfreeze one more layer group, "
        "from the top down, every this many epochs (ULMFiT: 1; fractions allowed), >= 0; 0: all from the start"))

    def __post_init__(self) -> None:
        check_text("data", self.data)
        check_text("text_column", self.text_column)
        check_text("label_column", self.label_column)
        check_choice("level", self.level, LEVELS)
        check_int("min_freq", self.min_freq, 1)
        check_int("max_vocab", self.max_vocab, 0)
        if 0 < self.max_vocab < 3:
            raise ValueError(f"max_vocab: expected 0 or an int >= 3, got {self.max_vocab}")
        check_int("max_length", self.max_length, 1)
        check_fraction("valid_fraction", self.valid_fraction)
        if self.valid_fraction == 0:
            raise ValueError("valid_fraction: expected a number in (0, 1), got 0")
        check_int("split_seed", self.split_seed)
        check_int("batch_size", self.batch_size, 1)
        check_choice("select_by", self.select_by, SELECT_BY)
        check_number("lr_decay", self.lr_decay, lo=1.0)
        check_number("unfreeze_every", self.unfreeze_every, lo=0.0)
        for name in ("lowercase", "split_punctuation", "bucket", "class_weights"):
            check_bool(name, getattr(self, name))
