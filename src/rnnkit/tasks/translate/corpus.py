"""The bundled English–Spanish corpus: the World English Bible beside the Reina-Valera 1909.

Both Bibles come from Debian's SWORD modules (``sword-text-web``: engWEB2015eb,
``sword-text-sparv``: spaRV1909eb), exported with ``diatheke -f OSIS`` (English with
``-o f``, footnotes on: they arrive as ``<note>`` elements, which are then stripped).
One line of the export is one verse record::

    [stale heading] Book C:V: <w>text</w> <note …>footnote</note> …<milestone type="line"/>

What cleaning does, in order, each rule counted (`Report`):

* markup: footnotes (``<note>``), canonical titles (``<title>``) and every tag go; the
  Strong's numbers of RV1909 live in ``lemma="H2416"`` attributes and go with the tags.
* headings: the English export repeats the last heading before every later record; a
  prefix that differs from the previous record's is new. A new prefix at a Psalm's
  verse 1 is its superscription, which RV1909 keeps inside verse 1, so it joins the
  English verse; every other prefix is dropped.
* acrostic letters (ALEPH, BETH … in Psalm 119, Lamentations): dropped on both sides.
* chapter-initial capitals of RV1909 ("EN el principio") are written as words ("En").
* alignment by reference (book, chapter, verse): verses of one Bible only (the
  deuterocanon of the WEB, a verse one side numbers differently) and empty verses go.
* chapters numbered differently (one Bible has a verse the other lacks) go whole.
* shifted chapters: a chapter versified differently gives pairs whose lengths stop
  agreeing; a chapter whose median |log(len es / len en) - m| (m the corpus median)
  exceeds `SHIFT_THRESHOLD` is dropped whole; then single pairs beyond `VERSE_THRESHOLD`
  (the WEB appends its glossary to Revelation 22:21).

Splits are by book (the issue's lists), so no test verse has a near-copy in training.
"""

from __future__ import annotations

import html
import math
import re
import statistics
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ENGLISH, SPANISH = "engWEB2015eb", "spaRV1909eb"
PACKAGES = ("diatheke", "sword-text-web", "sword-text-sparv")
TEST_BOOKS = ("Ruth", "Esther", "Ecclesiastes", "Daniel", "Jonah", "Micah", "Galatians", "James", "I Peter")
VALID_BOOKS = ("Lamentations", "Joel", "Habakkuk", "Philippians", "Colossians", "Titus", "Jude")
HEBREW_LETTERS = ("ALEPH", "BETH", "GIMEL", "DALETH", "HE", "VAU", "ZAIN", "CHETH", "TETH", "JOD", "CAPH", "LAMED",
                  "MEM", "NUN", "SAMECH", "AIN", "PE", "TZADDI", "KOPH", "RESH", "SCHIN", "SHIN", "TAU", "YODH", "JODH",
                  "HETH", "ZAYIN", "KAPH", "SAMEKH", "AYIN", "TSADHE", "QOPH", "TAV", "WAW", "VAV", "DALET")
SHIFT_THRESHOLD = 0.25   # median |log length ratio - corpus median| of a chapter that is dropped
VERSE_THRESHOLD = 1.2    # |log length ratio - corpus median| of one pair that is dropped (a 3.3x mismatch)
MIN_CHAPTER_VERSES = 3   # chapters shorter than this are judged by the corpus alone

_RECORD = re.compile(r"^(?P<prefix>.*?)(?P<book>(?:I{1,3} |IV )?[A-Z][A-Za-z]*(?: [a-zA-Z()]+)*) "
                     r"(?P<chapter>\d+):(?P<verse>\d+): (?P<text>.*?)(?:<milestone type=\"line\"/>)?\s*$")
_NOTE = re.compile(r"<note\b[^>]*/>|<note\b[^>]*>.*?</note>", re.S)
_TITLE = re.compile(r"<title\b[^>]*>.*?</title>", re.S)
_TAG = re.compile(r"<[^>]+>")
_LETTER = re.compile(r"^\s*(?:" + "|".join(HEBREW_LETTERS) + r")\b\.?\s*")

Ref = tuple[str, int, int]


@dataclass
class Report:
    """How many pairs (or records) each cleaning rule removed, and what is left."""

    english_records: int = 0
    spanish_records: int = 0
    removed: dict[str, int] = field(default_factory=dict)   # rule -> pairs (or records) removed
    changed: dict[str, int] = field(default_factory=dict)   # rule -> verses edited, kept
    kept: int = 0
    splits: dict[str, int] = field(default_factory=dict)
    shifted_chapters: list[str] = field(default_factory=list)

    def count(self, rule: str, n: int = 1) -> None:
        self.removed[rule] = self.removed.get(rule, 0) + n

    def edit(self, rule: str) -> None:
        self.changed[rule] = self.changed.get(rule, 0) + 1

    def lines(self) -> list[str]:
        out = [f"records: {self.english_records} English ({ENGLISH}), {self.spanish_records} Spanish ({SPANISH})"]
        out += [f"removed by {rule}: {n}" for rule, n in self.removed.items()]
        out += [f"edited by {rule}: {n}" for rule, n in self.changed.items()]
        if self.shifted_chapters:
            out.append(f"chapters dropped: {', '.join(self.shifted_chapters)}")
        out.append(f"kept: {self.kept} pairs; " + ", ".join(f"{k} {v}" for k, v in self.splits.items()))
        return out


def strip_markup(text: str) -> str:
    """Footnotes, titles and every tag removed, entities decoded, spaces collapsed."""
    text = _TAG.sub(" ", _TITLE.sub(" ", _NOTE.sub(" ", text)))
    text = html.unescape(text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ([,.;:!?»”’)])", r"\1", re.sub(r"([¡¿«“‘(]) ", r"\1", text))


def parse_osis(text: str, source: str = "OSIS export") -> dict[Ref, tuple[str, str]]:
    """{(book, chapter, verse): (raw verse markup, new heading or '')} from one diatheke -f OSIS export.

    A heading counts as new where the record's prefix differs from the previous record's."""
    verses: dict[Ref, tuple[str, str]] = {}
    previous = ""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or (line.startswith("(") and line.rstrip().endswith(")")):
            continue  # the module name diatheke prints last
        m = _RECORD.match(line)
        if m is None:
            raise ValueError(f"{source}, line {lineno}: expected 'Book C:V: text', got {line[:60]!r}")
        prefix = m["prefix"].strip()
        heading = strip_markup(prefix) if prefix != previous else ""
        previous = prefix
        verses[(m["book"], int(m["chapter"]), int(m["verse"]))] = (m["text"], heading)
    return verses


def clean_english(raw: str, heading: str, ref: Ref, report: Report) -> str:
    text = strip_markup(raw)
    if heading and _LETTER.fullmatch(heading + " "):
        report.edit("acrostic letters (English headings)")
    elif heading and ref[0] == "Psalms" and ref[2] == 1:
        report.edit("Psalm superscriptions joined to verse 1")
        text = f"{heading} {text}".strip()
    return text


def clean_spanish(raw: str, ref: Ref, report: Report) -> str:
    text = strip_markup(raw)
    if _LETTER.match(text) and ref[0] in ("Psalms", "Lamentations"):
        text = _LETTER.sub("", text, count=1)
        report.edit("acrostic letters (Spanish verses)")
    return uncap_initial(text) if ref[2] == 1 else text


def uncap_initial(text: str) -> str:
    """RV1909's drop capitals at a chapter's start as words: 'Y ACONTECIÓ en' -> 'Y aconteció en'."""
    words = text.split(" ")
    for i, w in enumerate(words[:3]):
        core = w.strip("¡¿«“(.,;:!?")
        if len(core) >= 2 and core.isupper() and core.isalpha():
            words[i] = w.replace(core, core.capitalize() if i == 0 else core.lower())
            break
    return " ".join(words)


def align(english: dict[Ref, tuple[str, str]], spanish: dict[Ref, tuple[str, str]],
          report: Report) -> dict[Ref, tuple[str, str]]:
    """Clean both sides and keep the references both hold with text on both sides."""
    report.english_records, report.spanish_records = len(english), len(spanish)
    report.count("English only (deuterocanon, numbering)", len(set(english) - set(spanish)))
    report.count("Spanish only (numbering)", len(set(spanish) - set(english)))
    english, spanish = same_numbering(english, spanish, report)
    pairs: dict[Ref, tuple[str, str]] = {}
    for ref in (r for r in english if r in spanish):  # the English order: canonical
        en = clean_english(*english[ref], ref, report)
        es = clean_spanish(spanish[ref][0], ref, report)
        if not en or not es:
            report.count("empty on one side")
            continue
        pairs[ref] = (en, es)
    return pairs


def same_numbering(english: dict[Ref, tuple[str, str]], spanish: dict[Ref, tuple[str, str]], report: Report):
    """Drop the chapters both Bibles hold but number differently (verse sets differ), on both sides."""
    def chapters(d):
        out: dict[tuple[str, int], set[int]] = defaultdict(set)
        for b, c, v in d:
            out[(b, c)].add(v)
        return out

    ce, cs = chapters(english), chapters(spanish)
    bad = {k for k in ce.keys() & cs.keys() if ce[k] != cs[k]}
    report.count("chapters numbered differently", sum(len(ce[k] & cs[k]) for k in bad))
    report.shifted_chapters += [f"{b} {c} (numbering)" for b, c in sorted(bad)]
    return ({r: x for r, x in english.items() if r[:2] not in bad},
            {r: x for r, x in spanish.items() if r[:2] not in bad})


def log_ratio(en: str, es: str) -> float:
    return math.log(len(es) / len(en))


def drop_shifted(pairs: dict[Ref, tuple[str, str]], report: Report,
                 threshold: float = SHIFT_THRESHOLD) -> dict[Ref, tuple[str, str]]:
    """Drop whole chapters whose verse lengths disagree (median |log ratio - m| > threshold)."""
    if not pairs:
        return pairs
    m = statistics.median(log_ratio(*p) for p in pairs.values())
    chapters: dict[tuple[str, int], list[Ref]] = defaultdict(list)
    for ref in pairs:
        chapters[ref[:2]].append(ref)
    keep = dict(pairs)
    for (book, chapter), refs in chapters.items():
        if len(refs) < MIN_CHAPTER_VERSES:
            continue
        spread = statistics.median(abs(log_ratio(*pairs[r]) - m) for r in refs)
        if spread > threshold:
            report.shifted_chapters.append(f"{book} {chapter}")
            report.count("shifted chapters (length-ratio outliers)", len(refs))
            for r in refs:
                del keep[r]
    outliers = [r for r, p in keep.items() if abs(log_ratio(*p) - m) > VERSE_THRESHOLD]
    report.count("verse length outliers (text one side lacks, e.g. the WEB glossary after Rev 22:21)", len(outliers))
    for r in outliers:
        del keep[r]
    return keep


def split_of(book: str) -> str:
    return "test" if book in TEST_BOOKS else "valid" if book in VALID_BOOKS else "train"


def build_pairs(english_osis: str, spanish_osis: str) -> tuple[dict[str, list[tuple[Ref, str, str]]], Report]:
    """Clean, align and split; ({"train"|"valid"|"test": [(ref, en, es)]}, report)."""
    report = Report()
    pairs = align(parse_osis(english_osis, ENGLISH), parse_osis(spanish_osis, SPANISH), report)
    pairs = drop_shifted(pairs, report)
    splits: dict[str, list[tuple[Ref, str, str]]] = {"train": [], "valid": [], "test": []}
    for ref, (en, es) in pairs.items():
        splits[split_of(ref[0])].append((ref, en, es))
    report.kept = len(pairs)
    report.splits = {k: len(v) for k, v in splits.items()}
    return splits, report


WHOLE_BIBLE = "Gen 1:1-Rev 22:21"


def export(module: str, footnotes: bool, key: str = WHOLE_BIBLE) -> str:
    """The verses `key` (default: the whole Bible) of one SWORD module as diatheke's OSIS text."""
    from rnnkit.data.system import require_programs

    exe = require_programs("diatheke", purpose="rnnkit translate make-data bible", extra_packages=PACKAGES[1:])
    cmd = [exe["diatheke"], "-b", module, "-f", "OSIS"] + (["-o", "f"] if footnotes else []) + ["-k", key]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    if out.count("\n") < 2:
        raise FileNotFoundError(f"diatheke returned no text for module {module}: run "
                                f"`apt-get install -y {' '.join(PACKAGES)}` (as root)")
    return out


def write_splits(splits: dict[str, list[tuple[Ref, str, str]]], out_dir: str | Path) -> Path:
    """<out>/<split>.tsv (English \\t Spanish) and <split>.refs (one 'Book C:V' per line)."""
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        (out / f"{name}.tsv").write_text("".join(f"{en}\t{es}\n" for _, en, es in rows), encoding="utf-8")
        (out / f"{name}.refs").write_text("".join(f"{b} {c}:{v}\n" for (b, c, v), _, _ in rows), encoding="utf-8")
    return out


def make_bible(out_dir: str | Path) -> tuple[Path, Report]:
    """Export both Bibles with diatheke, clean, align, split and write the TSVs."""
    splits, report = build_pairs(export(ENGLISH, footnotes=True), export(SPANISH, footnotes=False))
    return write_splits(splits, out_dir), report
