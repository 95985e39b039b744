"""Parallel text: a TSV file (source<TAB>target per line) or two line-aligned files.

Every error is one line naming the file and line: an empty line (or an empty side), a
row without a tab, two files of different line counts, a missing file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Pairs:
    """Sources and targets, line-aligned; `where` names the origin for messages."""

    sources: list[str]
    targets: list[str]
    where: str
    first_line: int = 1   # the line of `where` the first pair is on (a split held out of a file starts later)

    def __len__(self) -> int:
        return len(self.sources)

    def head(self, n: int) -> "Pairs":
        """The first n pairs (all for n = 0)."""
        return self if n <= 0 else Pairs(self.sources[:n], self.targets[:n], self.where, self.first_line)


def _read_lines(path: str | Path, what: str) -> list[str]:
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"{what}: no such file {str(p)!r}")
    lines = p.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{what}: {p} is empty, expected one sentence (pair) per line")
    return lines


def read_tsv(path: str | Path, what: str = "--data") -> Pairs:
    """source<TAB>target per line (further columns ignored)."""
    sources, targets = [], []
    for i, line in enumerate(_read_lines(path, what), 1):
        fields = line.split("\t")
        if not line.strip():
            raise ValueError(f"{what}: {path}, line {i}: empty line, expected source<TAB>target")
        if len(fields) < 2:
            raise ValueError(f"{what}: {path}, line {i}: expected 2 tab-separated fields (source, target), got 1")
        src, tgt = fields[0].strip(), fields[1].strip()
        if not src or not tgt:
            raise ValueError(f"{what}: {path}, line {i}: empty {'source' if not src else 'target'}")
        sources.append(src)
        targets.append(tgt)
    return Pairs(sources, targets, str(path))


def read_parallel(source_path: str | Path, target_path: str | Path, what: str = "--data") -> Pairs:
    """Two files, line i of one translating line i of the other."""
    src, tgt = _read_lines(source_path, what), _read_lines(target_path, what)
    if len(src) != len(tgt):
        raise ValueError(f"{what}: {source_path} has {len(src)} lines but {target_path} has {len(tgt)}; "
                         f"expected line-aligned files")
    for path, lines in ((source_path, src), (target_path, tgt)):
        for i, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"{what}: {path}, line {i}: empty line, expected a sentence")
    return Pairs([s.strip() for s in src], [t.strip() for t in tgt], f"{source_path},{target_path}")


def read_pairs(spec: str, what: str = "--data") -> Pairs:
    """A TSV path, or 'SOURCE_FILE,TARGET_FILE'."""
    if "," in spec and not Path(spec).expanduser().is_file():
        src, tgt = spec.split(",", 1)
        return read_parallel(src, tgt, what)
    return read_tsv(spec, what)


def bible_split(data_dir: str | Path, split: str) -> Pairs:
    """One split of the corpus `rnnkit translate make-data bible` wrote."""
    p = Path(data_dir).expanduser() / f"{split}.tsv"
    if not p.is_file():
        raise FileNotFoundError(f"--data bible: no {p}; build the corpus first with "
                                f"`rnnkit translate make-data bible --out {data_dir}`")
    return read_tsv(p, "--data bible")


def read_sentences(lines: list[str], what: str) -> list[str]:
    """Source sentences to translate, one per line; an empty line is an error naming it."""
    for i, line in enumerate(lines, 1):
        if not line.strip():
            raise ValueError(f"{what}, line {i}: empty line, expected a sentence to translate")
    return [line.strip() for line in lines]
