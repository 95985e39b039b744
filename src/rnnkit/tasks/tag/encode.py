"""Sentences -> tensors: word ids (lowercased words), character ids per word, tag ids; and batches.

Letters: T words, B sentences, L characters of the longest word in the batch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch

from rnnkit.data.batching import BucketSampler, pad_batch
from rnnkit.data.text import Vocabulary
from rnnkit.tasks.tag.data import Sentence

PAD, UNK = "<pad>", "<unk>"
MAX_WORD_CHARS = 30


@dataclass
class Vocabularies:
    words: Vocabulary
    chars: Vocabulary
    tags: list[str]

    @classmethod
    def fit(cls, train: list[Sentence], min_freq: int) -> "Vocabularies":
        counts = Counter(t.lower() for s in train for t in s.tokens)
        words = sorted((w for w, n in counts.items() if n >= min_freq), key=lambda w: (-counts[w], w))
        chars = sorted({c for s in train for t in s.tokens for c in t})
        tags = sorted({t for s in train for t in s.tags}, key=lambda t: (t != "O", t[2:], t))
        return cls(Vocabulary([PAD, UNK] + words, UNK), Vocabulary([PAD, UNK] + chars, UNK), tags)

    def to_dict(self) -> dict:
        return {"words": self.words.to_dict(), "chars": self.chars.to_dict(), "tags": list(self.tags)}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocabularies":
        return cls(Vocabulary.from_dict(d["words"]), Vocabulary.from_dict(d["chars"]), list(d["tags"]))


@dataclass
class EncodedSentence:
    words: torch.Tensor          # (T,)
    chars: list[torch.Tensor]    # T tensors (L_i,)
    tags: torch.Tensor           # (T,), -1 where unknown (prediction)


def encode_sentence(tokens: list[str], vocab: Vocabularies, tags: list[str] | None = None,
                    where: str = "", lines: list[int] | None = None) -> EncodedSentence:
    """Ids of one sentence; a tag training never saw is an error naming its line."""
    words = torch.tensor(vocab.words.ids([t.lower() for t in tokens]), dtype=torch.long)
    chars = [torch.tensor(vocab.chars.ids(list(t[:MAX_WORD_CHARS])), dtype=torch.long) for t in tokens]
    index = {t: i for i, t in enumerate(vocab.tags)}
    ids = []
    for k, tag in enumerate(tags or []):
        if tag not in index:
            place = f"{where.rsplit(':', 1)[0]}:{lines[k]}" if lines else where
            raise ValueError(f"{place}: expected a tag seen in training ({', '.join(vocab.tags)}), got {tag!r}")
        ids.append(index[tag])
    tag_ids = torch.tensor(ids, dtype=torch.long) if tags is not None else torch.full((len(tokens),), -1)
    return EncodedSentence(words, chars, tag_ids)


def encode_all(sentences: list[Sentence], vocab: Vocabularies) -> list[EncodedSentence]:
    return [encode_sentence(s.tokens, vocab, s.tags, s.where, s.lines) for s in sentences]


@dataclass
class TagBatch:
    words: torch.Tensor          # (T, B)
    chars: torch.Tensor          # (L, T*B), word slot n = t*B + b
    char_lengths: torch.Tensor   # (T*B,), 1 at padded word slots
    lengths: torch.Tensor        # (B,)
    tags: torch.Tensor           # (T, B), 0 at padding

    def to(self, device: torch.device | str) -> "TagBatch":
        return TagBatch(self.words.to(device), self.chars.to(device), self.char_lengths, self.lengths,
                        self.tags.to(device))


def make_batch(items: list[EncodedSentence]) -> TagBatch:
    words, lengths = pad_batch([s.words for s in items])          # (T, B), (B,)
    tags, _ = pad_batch([s.tags.clamp_min(0) for s in items])     # (T, B)
    T, B = words.shape
    pad_word = torch.zeros(1, dtype=torch.long)
    slots = [items[b].chars[t] if t < len(items[b].chars) and len(items[b].chars[t]) else pad_word
             for t in range(T) for b in range(B)]                  # T*B, in words.flatten() order
    chars, char_lengths = pad_batch(slots)                          # (L, T*B), (T*B,)
    return TagBatch(words, chars, char_lengths, lengths, tags)


def batches(data: list[EncodedSentence], batch_size: int, seed: int, epoch: int, bucket: bool = True):
    sampler = BucketSampler([len(s.words) for s in data], batch_size, pool_batches=50 if bucket else 1, seed=seed)
    sampler.set_epoch(epoch)
    for idx in sampler:
        yield make_batch([data[i] for i in idx])
