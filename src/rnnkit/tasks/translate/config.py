"""Configuration of translation: the encoder–decoder, the data around it, and decoding.

`TranslatorConfig` rebuilds the network; `TranslateConfig` says where the pairs come
from, how they are tokenised and batched, and how the decoder is trained; `DecodeConfig`
says how translations are searched. All are saved in the checkpoint as plain dicts
(with both vocabularies), so a checkpoint alone rebuilds the translator.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit.config import (Config, check_bool, check_choice, check_fraction, check_int, check_number, check_text,
                           option)
from rnnkit.layers.attention import KINDS as ATTENTION_KINDS
from rnnkit.layers.factory import check_cell

ATTENTIONS = ATTENTION_KINDS + ("none",)
TOKENIZERS = ("sentencepiece", "word")


@dataclass(frozen=True)
class TranslatorConfig(Config):
    """Bidirectional recurrent encoder -> recurrent decoder with attention (or a fixed context)."""

    source_vocab: int = option(help="source vocabulary size, >= 4")
    target_vocab: int = option(help="target vocabulary size, >= 4")
    embedding_size: int = option(256, "token embedding size (source and target), >= 1")
    cell: str = option("lstm", "recurrent cell of encoder and decoder: lstm, gru, rnn_tanh or rnn_relu")
    hidden_size: int = option(256, "encoder units per direction and decoder units, >= 1")
    encoder_layers: int = option(1, "stacked bidirectional encoder layers, >= 1")
    decoder_layers: int = option(1, "stacked decoder layers, >= 1")
    attention: str = option("general", (
        "additive (Bahdanau), dot or general (Luong) attention over the encoder states, masked over padding; "
        "none: the fixed-context encoder-decoder (the encoder's final state is the only context)"))
    input_feeding: bool = option(False, "feed the previous attentional vector into the next decoder step "
                                        "(Luong et al.; slower: the decoder then runs one step at a time)")
    tie_embeddings: bool = option(True, "share the decoder's target embedding with its output layer")
    dropout: float = option(0.2, "dropout on embeddings, encoder outputs and the attentional vector, in [0, 1)")

    def __post_init__(self) -> None:
        check_int("source_vocab", self.source_vocab, 4)
        check_int("target_vocab", self.target_vocab, 4)
        for name in ("embedding_size", "hidden_size", "encoder_layers", "decoder_layers"):
            check_int(name, getattr(self, name), 1)
        check_cell(self.cell)
        check_choice("attention", self.attention, ATTENTIONS)
        check_bool("input_feeding", self.input_feeding)
        check_bool("tie_embeddings", self.tie_embeddings)
        check_fraction("dropout", self.dropout)
        if self.input_feeding and self.attention == "none":
            raise ValueError("input_feeding: needs an attention (additive, dot or general), got attention='none'")


@dataclass(frozen=True)
class TranslateConfig(Config):
    """Where the parallel text comes from, how it becomes ids and batches, how the decoder learns."""

    data: str = option("bible", (
        "'bible' (the corpus `rnnkit translate make-data bible` writes into --data-dir), a TSV file "
        "(source<TAB>target per line, its valid/test from --valid-data/--test-data) or SOURCE_FILE,TARGET_FILE"))
    data_dir: str = option("~/.cache/rnnkit/bible", "where make-data writes and --data bible reads train/valid/test.tsv")
    valid_data: str = option("", "validation pairs for a custom --data (TSV or SRC,TGT); empty: the last 5% of --data")
    tokenizer: str = option("sentencepiece", "sentencepiece (unigram subwords, one model per language) or word")
    vocab_size: int = option(8000, "subword (or most-frequent word) vocabulary per language, >= 8")
    max_length: int = option(100, "training pairs longer than this many tokens on either side are skipped, >= 2")
    train_limit: int = option(0, "use only the first N training pairs (a slice for quick runs); 0: all")
    valid_limit: int = option(0, "evaluate on only the first N validation pairs; 0: all")
    batch_size: int = option(64, "pairs per batch (bucketed by length), >= 1")
    teacher_forcing: float = option(1.0, "probability that the decoder reads the reference token (not its own "
                                          "prediction) at each step, in [0, 1]; below 1 the decoder runs step by step")
    label_smoothing: float = option(0.1, "label smoothing of the cross-entropy, in [0, 1)")

    def __post_init__(self) -> None:
        check_text("data", self.data)
        check_text("data_dir", self.data_dir)
        check_choice("tokenizer", self.tokenizer, TOKENIZERS)
        check_int("vocab_size", self.vocab_size, 8)
        check_int("max_length", self.max_length, 2)
        check_int("train_limit", self.train_limit, 0)
        check_int("valid_limit", self.valid_limit, 0)
        check_int("batch_size", self.batch_size, 1)
        check_number("teacher_forcing", self.teacher_forcing, lo=0.0, hi=1.0)
        check_fraction("label_smoothing", self.label_smoothing)


@dataclass(frozen=True)
class DecodeConfig(Config):
    """How a translation is searched for."""

    beam_size: int = option(5, "beam width; 1: greedy search, >= 1")
    length_penalty: float = option(1.0, "alpha of the GNMT length penalty ((5 + n) / 6) ** alpha that divides a "
                                        "finished hypothesis' log-probability; 0: none, >= 0")
    max_length_ratio: float = option(2.0, "stop a translation after max_length_ratio * source tokens + 10, > 0")
    batch_size: int = option(32, "source sentences decoded together, >= 1")

    def __post_init__(self) -> None:
        check_int("beam_size", self.beam_size, 1)
        check_number("length_penalty", self.length_penalty, lo=0.0)
        check_number("max_length_ratio", self.max_length_ratio, lo=0.0, lo_open=True)
        check_int("batch_size", self.batch_size, 1)
