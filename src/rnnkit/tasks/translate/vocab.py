"""Vocabularies of translation: sentencepiece subwords or words, one per language.

Both kinds share the ids of the four specials, PAD 0, UNK 1, BOS 2, EOS 3, and one small
interface: ``encode(text) -> ids`` (no BOS/EOS), ``decode(ids) -> text``, ``pieces``,
``len()``, ``to_dict()`` (plain values, saved in the checkpoint; `vocab_from_dict`
rebuilds it). Sentencepiece (Kudo and Richardson, 2018) is trained on the training
side of its language only, a unigram model with full character coverage.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any, Iterable, Sequence

from rnnkit.data.text import Vocabulary, WordTokenizer

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")


class SubwordVocab:
    """A sentencepiece model (unigram subwords)."""

    kind = "sentencepiece"

    def __init__(self, model_proto: bytes) -> None:
        import sentencepiece as spm

        self.proto = model_proto
        self.sp = spm.SentencePieceProcessor(model_proto=model_proto)

    @classmethod
    def fit(cls, sentences: Sequence[str], vocab_size: int) -> "SubwordVocab":
        import sentencepiece as spm

        buf = io.BytesIO()
        # a small corpus cannot fill a large vocabulary: hard_vocab_limit=False takes what it can
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences), model_writer=buf, vocab_size=vocab_size, model_type="unigram",
            character_coverage=1.0, pad_id=PAD, unk_id=UNK, bos_id=BOS, eos_id=EOS, num_threads=1,
            hard_vocab_limit=False, minloglevel=2)
        return cls(buf.getvalue())

    def __len__(self) -> int:
        return self.sp.get_piece_size()

    def encode(self, text: str) -> list[int]:
        return self.sp.encode(text)

    def pieces(self, text: str) -> list[str]:
        return self.sp.encode(text, out_type=str)

    def id_pieces(self, ids: Iterable[int]) -> list[str]:
        return [self.sp.id_to_piece(int(i)) for i in ids]

    def decode(self, ids: Iterable[int]) -> str:
        return self.sp.decode([int(i) for i in ids if int(i) > EOS])

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "model": base64.b64encode(self.proto).decode("ascii")}


_DETOK_LEFT = re.compile(r" ([,.;:!?)\]»”’])")
_DETOK_RIGHT = re.compile(r"([(\[¡¿«“‘]) ")


class WordVocab:
    """Words with punctuation split off (`rnnkit.data.text.WordTokenizer`), the most frequent kept."""

    kind = "word"

    def __init__(self, words: Sequence[str]) -> None:
        self.tokenizer = WordTokenizer(Vocabulary(["<unk>", "<eos>"], "<unk>"), split_punctuation=True)
        self.itos = list(SPECIALS) + [w for w in words if w not in SPECIALS]
        self.vocab = Vocabulary(self.itos, "<unk>")

    @classmethod
    def fit(cls, sentences: Sequence[str], vocab_size: int) -> "WordVocab":
        fitted = WordTokenizer.fit("\n".join(sentences), max_size=vocab_size - 2, split_punctuation=True)
        return cls([w for w in fitted.vocab.itos if w not in ("<unk>", "<eos>")])

    def __len__(self) -> int:
        return len(self.itos)

    def pieces(self, text: str) -> list[str]:
        return [w for w in self.tokenizer.tokens(" ".join(text.split())) if w != "<eos>"]

    def encode(self, text: str) -> list[int]:
        return self.vocab.ids(self.pieces(text))

    def id_pieces(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[int(i)] for i in ids]

    def decode(self, ids: Iterable[int]) -> str:
        text = " ".join(self.itos[int(i)] for i in ids if int(i) > EOS)
        return _DETOK_RIGHT.sub(r"\1", _DETOK_LEFT.sub(r"\1", text))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "words": self.itos[len(SPECIALS):]}


Vocab = SubwordVocab | WordVocab


def fit_vocab(kind: str, sentences: Sequence[str], vocab_size: int) -> Vocab:
    if kind == "sentencepiece":
        return SubwordVocab.fit(sentences, vocab_size)
    if kind == "word":
        return WordVocab.fit(sentences, vocab_size)
    raise ValueError(f"tokenizer: expected sentencepiece or word, got {kind!r}")


def vocab_from_dict(d: dict[str, Any]) -> Vocab:
    if d.get("kind") == "sentencepiece":
        return SubwordVocab(base64.b64decode(d["model"]))
    if d.get("kind") == "word":
        return WordVocab(d["words"])
    raise ValueError(f"vocabulary kind: expected sentencepiece or word, got {d.get('kind')!r}")


def encode_source(vocab: Vocab, text: str, where: str, allow_unknown: bool = False) -> list[int]:
    """Source ids of one sentence; a ValueError naming `where` if it is empty or (unless
    allow_unknown: a training or validation pair, whose <unk>s the model learns from) all unknown."""
    ids = vocab.encode(text)
    if not ids:
        raise ValueError(f"{where}: empty sentence, expected text to translate")
    if not allow_unknown and all(i == UNK for i in ids):
        raise ValueError(f"{where}: every token of {text[:40]!r} is unknown to the source vocabulary "
                         f"({len(ids)} tokens, all <unk>; the vocabulary comes from the training pairs)")
    return ids
