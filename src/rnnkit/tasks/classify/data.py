"""Reading labelled sequences: text tables (CSV, TSV, JSONL) and numeric sequences (.ts).

Every example remembers where it came from (``file:line``), so that a bad value found
later (a label training never saw) is reported at its place. Every reading error is one
line: ``<file>:<line>: expected …, got …``.

Letters: T time (frames), F features per frame.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".jsonl": None, ".json": None}


@dataclass(frozen=True)
class Example:
    x: str | torch.Tensor   # a text, or a (T, F) float tensor
    label: str
    where: str              # "file:line", to name in errors


def read_utf8(path: str | os.PathLike[str]) -> str:
    """The file's text; a byte that is not UTF-8 is a one-line error naming file, line and byte."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: expected a readable file, got no such file")
    raw = p.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise ValueError(f"{p}:{line}: expected UTF-8 text, got byte 0x{raw[err.start]:02x} at column {column}") from None


def read_table(path: str | os.PathLike[str], text_column: str = "text", label_column: str | None = "label") -> list[Example]:
    """Examples from a .csv, .tsv or .jsonl file; label_column=None reads texts only (label '')."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(f"{p}: expected a .csv, .tsv, .jsonl or .ts file, got suffix {suffix!r}")
    text = read_utf8(p)
    rows = _jsonl_rows(p, text) if TABLE_SUFFIXES[suffix] is None else _csv_rows(p, text, TABLE_SUFFIXES[suffix])
    out = []
    for line, row in rows:
        value = _field(p, line, row, text_column, "text")
        if not value.strip():
            raise ValueError(f"{p}:{line}: expected a non-empty text in column {text_column!r}, got an empty one")
        label = "" if label_column is None else _field(p, line, row, label_column, "label").strip()
        if label_column is not None and not label:
            raise ValueError(f"{p}:{line}: expected a label in column {label_column!r}, got an empty one")
        out.append(Example(value, label, f"{p}:{line}"))
    if not out:
        raise ValueError(f"{p}: expected at least one example, got none")
    return out


def _field(p: Path, line: int, row: dict, column: str, what: str) -> str:
    if column not in row or row[column] is None:
        raise ValueError(f"{p}:{line}: expected a {what} column {column!r}, got columns {', '.join(map(repr, row))}")
    value = row[column]
    return value if isinstance(value, str) else str(value)


def _csv_rows(p: Path, text: str, delimiter: str) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames:
        raise ValueError(f"{p}:1: expected a header line naming the columns, got an empty file")
    rows = []
    try:
        for row in reader:
            if None in row:  # more fields than the header names
                raise ValueError(f"{p}:{reader.line_num}: expected {len(reader.fieldnames)} fields as in the header, "
                                 f"got {len(reader.fieldnames) + len(row[None])}")
            if None in row.values():  # fewer: DictReader leaves the rest None
                given = [v for v in row.values() if v is not None]
                quote = " (a quote opened and never closed?)" if any("\n" in v for v in given) else ""
                raise ValueError(f"{p}:{reader.line_num}: expected {len(reader.fieldnames)} fields as in the header, "
                                 f"got {len(given)}{quote}")
            rows.append((reader.line_num, row))
    except csv.Error as err:
        raise ValueError(f"{p}:{reader.line_num}: expected well-formed {'CSV' if delimiter == ',' else 'TSV'}, got {err}") from None
    return rows


def _jsonl_rows(p: Path, text: str) -> list[tuple[int, dict]]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{p}:{n}: expected one JSON object per line, got {err.msg} at column {err.colno}") from None
        if not isinstance(row, dict):
            raise ValueError(f"{p}:{n}: expected a JSON object, got {type(row).__name__}")
        rows.append((n, row))
    return rows


def read_ts(path: str | os.PathLike[str]) -> tuple[list[Example], list[str]]:
    """Multivariate sequences from a sktime/UEA .ts file, and the class labels its header declares.

    After ``@data`` each line is ``d_1:d_2:…:d_F:label`` with ``d_f`` the comma-separated
    values of feature f over time (every feature of a case the same length T).
    """
    p = Path(path)
    lines = read_utf8(p).splitlines()
    declared: list[str] = []
    out: list[Example] = []
    in_data = False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not in_data:
            low = s.lower()
            if low.startswith("@classlabel"):
                declared = s.split()[2:]
            in_data = low == "@data"
            continue
        out.append(Example(_ts_case(p, n, s), s.rsplit(":", 1)[1].strip(), f"{p}:{n}"))
    if not out:
        raise ValueError(f"{p}: expected an @data section with at least one case, got none")
    return out, declared


def _ts_case(p: Path, n: int, s: str) -> torch.Tensor:
    parts = s.split(":")
    if len(parts) < 2:
        raise ValueError(f"{p}:{n}: expected 'values:…:label', got no ':'")
    dims = []
    for f, chunk in enumerate(parts[:-1]):
        try:
            dims.append([float(v) for v in chunk.split(",")])
        except ValueError:
            raise ValueError(f"{p}:{n}: expected comma-separated numbers in dimension {f + 1}, got {chunk[:40]!r}") from None
    if len({len(d) for d in dims}) != 1:
        raise ValueError(f"{p}:{n}: expected every dimension of a case to have the same length, "
                         f"got lengths {sorted({len(d) for d in dims})}")
    return torch.tensor(dims, dtype=torch.float32).T.contiguous()  # (T, F)
