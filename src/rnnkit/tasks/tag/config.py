"""Configuration of per-token tagging: the tagger network, and the data around it.

Both frozen dataclasses are saved in the checkpoint (with the word, character and tag
vocabularies), so a checkpoint alone rebuilds the tagger.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit.config import Config, check_bool, check_fraction, check_int, check_text, option
from rnnkit.layers.factory import check_cell


@dataclass(frozen=True)
class TaggerConfig(Config):
    """Word embedding + character encoder -> bidirectional encoder -> tag scores (-> CRF)."""

    vocab_size: int = option(help="words in the vocabulary (with <pad> and <unk>), >= 2")
    char_vocab_size: int = option(help="characters in the vocabulary (with <pad> and <unk>), >= 2")
    num_tags: int = option(help="tags, >= 2")
    word_embedding_size: int = option(100, "size of the word embedding, >= 1")
    char_embedding_size: int = option(32, "size of the character embedding, >= 1")
    char_hidden_size: int = option(32, "units per direction of the character encoder (0: no character encoder), >= 0")
    cell: str = option("lstm", "recurrent cell of both encoders: lstm, gru, rnn_tanh or rnn_relu")
    hidden_size: int = option(128, "units per direction of the word-level encoder, >= 1")
    num_layers: int = option(1, "stacked word-level layers, >= 1")
    dropout: float = option(0.5, "dropout on the token features, between layers and before the tag scores, in [0, 1)")
    crf: bool = option(True, "a linear-chain CRF over the tag scores (forward algorithm in training, Viterbi to decode)")

    def __post_init__(self) -> None:
        for name in ("vocab_size", "char_vocab_size", "num_tags"):
            check_int(name, getattr(self, name), 2)
        for name in ("word_embedding_size", "char_embedding_size", "hidden_size", "num_layers"):
            check_int(name, getattr(self, name), 1)
        check_int("char_hidden_size", self.char_hidden_size, 0)
        check_cell(self.cell)
        check_fraction("dropout", self.dropout)
        check_bool("crf", self.crf)


@dataclass(frozen=True)
class TagConfig(Config):
    """CoNLL data, vocabularies, batches."""

    data: str = option("wnut16", "bundled data set (wnut16) or a CoNLL file: token and tag per line, blank line between sentences")
    valid_data: str = option("", "a CoNLL file for validation; '': a seeded share of the training file")
    test_data: str = option("", "a CoNLL file for the test split; '': a seeded share of the training file (user files too)")
    valid_fraction: float = option(0.1, "share of the sentences held out for validation when no file is given, in (0, 1)")
    test_fraction: float = option(0.1, "share of the sentences held out for test when no file is given, in [0, 1)")
    split_seed: int = option(0, "seed of the split by sentence")
    min_freq: int = option(2, "words (lowercased) seen fewer times in training become <unk> (the character encoder "
                              "still reads them), >= 1")
    batch_size: int = option(32, "sentences per batch, >= 1")
    bucket: bool = option(True, "batch sentences of similar lengths together")

    def __post_init__(self) -> None:
        check_text("data", self.data)
        check_fraction("valid_fraction", self.valid_fraction)
        check_fraction("test_fraction", self.test_fraction)
        if self.valid_fraction == 0 or self.valid_fraction + self.test_fraction >= 1:
            raise ValueError(f"valid_fraction: expected > 0 and valid_fraction + test_fraction < 1, got "
                             f"{self.valid_fraction} + {self.test_fraction}")
        check_int("split_seed", self.split_seed)
        check_int("min_freq", self.min_freq, 1)
        check_int("batch_size", self.batch_size, 1)
        check_bool("bucket", self.bucket)
