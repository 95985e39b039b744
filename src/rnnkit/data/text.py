"""Tokenisers and vocabularies for language models.

Two tokenisers share one small interface (`encode`, `decode`, `tokens`, `to_dict`,
`len()`), so a task never needs to know which level it runs at:

- `CharTokenizer`: one id per character seen in the training text.
- `WordTokenizer`: one id per word that occurs at least `min_freq` times (optionally
  the `max_size` most frequent), everything else maps to `<unk>`; a line break is the
  token `<eos>`, as in Mikolov's Penn Treebank set-up.

Both save to a plain dict (`to_dict`) of strings and numbers, so a checkpoint stores its
vocabulary beside the weights and `tokenizer_from_dict` rebuilds it in a fresh process.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Sequence

UNK = "<unk>"
EOS = "<eos>"

# Word pattern with punctuation split off: "don't" stays whole, "<unk>" stays whole.
_PUNCT_PATTERN = re.compile(r"<unk>|<eos>|\w+(?:['’]\w+)*|[^\w\s]")
_SPACE_PATTERN = re.compile(r"\S+")


class Vocabulary:
    """A fixed list of tokens and the inverse map token -> id.

    `unk` names the token that unknown tokens map to; without it an unknown token is an
    error (the character level, where every character of the training text has an id).
    """

    def __init__(self, tokens: Sequence[str], unk: str | None = None) -> None:
        tokens = list(tokens)
        if not tokens:
            raise ValueError("tokens: expected at least one token, got an empty list")
        if len(set(tokens)) != len(tokens):
            dup = next(t for t, n in Counter(tokens).items() if n > 1)
            raise ValueError(f"tokens: expected distinct tokens, got {dup!r} more than once")
        if unk is not None and unk not in tokens:
            raise ValueError(f"unk: expected one of the tokens, got {unk!r}")
        self.itos: list[str] = tokens
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(tokens)}
        self.unk = unk
        self.unk_id = None if unk is None else self.stoi[unk]

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.itos == other.itos and self.unk == other.unk

    def ids(self, tokens: Iterable[str], what: str = "text") -> list[int]:
        """Map tokens to ids; unknown ones go to `<unk>` or raise naming `what`."""
        if self.unk_id is not None:
            get, unk_id = self.stoi.get, self.unk_id
            return [get(t, unk_id) for t in tokens]
        out = []
        for pos, t in enumerate(tokens):
            i = self.stoi.get(t)
            if i is None:
                raise ValueError(
                    f"{what}: token {t!r} at position {pos} is not in the vocabulary "
                    f"of {len(self)} tokens"
                )
            out.append(i)
        return out

    def tokens_of(self, ids: Iterable[int]) -> list[str]:
        """Map ids back to tokens."""
        n = len(self.itos)
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < n:
                raise ValueError(f"ids: expected ids in 0..{n - 1}, got {i}")
            out.append(self.itos[i])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"tokens": list(self.itos), "unk": self.unk}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Vocabulary":
        return cls(d["tokens"], d.get("unk"))


def _check_text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what}: expected str, got {type(text).__name__}")
    return text


class CharTokenizer:
    """Character-level tokeniser: the vocabulary is the sorted set of training characters."""

    level = "char"

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab

    @classmethod
    def fit(cls, text: str) -> "CharTokenizer":
        """Build the vocabulary from every distinct character of `text`."""
        text = _check_text(text, "text")
        if not text:
            raise ValueError("text: expected at least one character, got an empty string")
        return cls(Vocabulary(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.vocab)

    def tokens(self, text: str) -> list[str]:
        return list(_check_text(text, "text"))

    def encode(self, text: str, what: str = "text") -> list[int]:
        """Ids of the characters of `text`; an unseen character raises ValueError."""
        return self.vocab.ids(self.tokens(text), what)

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.vocab.tokens_of(ids))

    def join(self, pieces: Sequence[str]) -> str:
        return "".join(pieces)

    @staticmethod
    def spaced(pieces: Iterable[str], at_line_start: bool = True) -> Iterable[str]:
        """Yield each character as it is printed (for streaming; see WordTokenizer)."""
        yield from pieces

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "vocab": self.vocab.to_dict()}


class WordTokenizer:
    """Word-level tokeniser with `<unk>` for rare words and `<eos>` for line breaks.

    `split_punctuation=False` splits on white space only (right for already tokenised
    text such as the Penn Treebank); `True` also splits punctuation off words.
    `lowercase=True` folds case before counting and encoding.
    """

    level = "word"

    def __init__(self, vocab: Vocabulary, lowercase: bool = False, split_punctuation: bool = False) -> None:
        if vocab.unk != UNK or EOS not in vocab:
            raise ValueError(f"vocab: a word vocabulary needs {UNK!r} as unk and {EOS!r}")
        self.vocab = vocab
        self.lowercase = bool(lowercase)
        self.split_punctuation = bool(split_punctuation)
        self.eos_id = vocab.stoi[EOS]

    @classmethod
    def fit(
        cls,
        text: str,
        min_freq: int = 1,
        max_size: int | None = None,
        lowercase: bool = False,
        split_punctuation: bool = False,
    ) -> "WordTokenizer":
        """Keep words seen at least `min_freq` times, at most `max_size` of them (by count)."""
        if not isinstance(min_freq, int) or isinstance(min_freq, bool) or min_freq < 1:
            raise ValueError(f"min_freq: expected an integer >= 1, got {min_freq!r}")
        if max_size is not None and (not isinstance(max_size, int) or max_size < 3):
            raise ValueError(f"max_size: expected None or an integer >= 3, got {max_size!r}")
        probe = cls(Vocabulary([UNK, EOS], UNK), lowercase, split_punctuation)
        words = probe.tokens(text)
        if not any(w != EOS for w in words):
            raise ValueError("text: expected at least one word, got none")
        counts = Counter(w for w in words if w not in (UNK, EOS))
        # Most frequent first, ties in alphabetical order, so the vocabulary is reproducible.
        kept = sorted((w for w, n in counts.items() if n >= min_freq), key=lambda w: (-counts[w], w))
        if max_size is not None:
            kept = kept[: max_size - 2]
        return cls(Vocabulary([UNK, EOS] + kept, UNK), lowercase, split_punctuation)

    def __len__(self) -> int:
        return len(self.vocab)

    def tokens(self, text: str) -> list[str]:
        """Words of `text`, with `<eos>` after every line break."""
        text = _check_text(text, "text")
        if self.lowercase:
            text = text.lower()
        pattern = _PUNCT_PATTERN if self.split_punctuation else _SPACE_PATTERN
        out: list[str] = []
        lines = text.split("\n")
        for k, line in enumerate(lines):
            out.extend(pattern.findall(line))
            if k < len(lines) - 1:
                out.append(EOS)
        return out

    def encode(self, text: str, what: str = "text") -> list[int]:
        return self.vocab.ids(self.tokens(text), what)

    def decode(self, ids: Iterable[int]) -> str:
        return self.join(self.vocab.tokens_of(ids))

    def join(self, pieces: Sequence[str]) -> str:
        return "".join(self.spaced(pieces))

    @staticmethod
    def spaced(pieces: Iterable[str], at_line_start: bool = True) -> Iterable[str]:
        """Yield each word with the space or line break that goes before it (for streaming)."""
        for p in pieces:
            if p == EOS:
                yield "\n"
                at_line_start = True
            else:
                yield p if at_line_start else " " + p
                at_line_start = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "vocab": self.vocab.to_dict(),
            "lowercase": self.lowercase,
            "split_punctuation": self.split_punctuation,
        }


Tokenizer = CharTokenizer | WordTokenizer


def tokenizer_from_dict(d: dict[str, Any]) -> Tokenizer:
    """Rebuild a tokeniser saved with `to_dict` (for example from a checkpoint)."""
    level = d.get("level")
    vocab = Vocabulary.from_dict(d["vocab"])
    if level == "char":
        return CharTokenizer(vocab)
    if level == "word":
        return WordTokenizer(vocab, d.get("lowercase", False), d.get("split_punctuation", False))
    raise ValueError(f"tokenizer level: expected 'char' or 'word', got {level!r}")


def fit_tokenizer(
    text: str,
    level: str = "char",
    min_freq: int = 1,
    max_size: int | None = None,
    lowercase: bool = False,
    split_punctuation: bool = False,
) -> Tokenizer:
    """Build a character or word tokeniser from training text."""
    if level == "char":
        return CharTokenizer.fit(text)
    if level == "word":
        return WordTokenizer.fit(text, min_freq, max_size, lowercase, split_punctuation)
    raise ValueError(f"level: expected 'char' or 'word', got {level!r}")
