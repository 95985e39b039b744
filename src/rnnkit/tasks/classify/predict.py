"""Using a trained classifier: label and probability per text, the words attention weighed,
and the evaluation of a split with its confusion-matrix picture."""

from __future__ import annotations

import os
from pathlib import Path
import torch

from rnnkit.tasks.classify.checkpoint import LoadedClassifier
from rnnkit.tasks.classify.data import read_utf8
from rnnkit.tasks.classify.ensemble import Ensemble
from rnnkit.tasks.classify.evaluate import predict_proba
from rnnkit.tasks.classify.plots import plot_attention


def read_lines(path: str | os.PathLike[str] | None, stdin_text: str | None = None) -> list[tuple[str, str]]:
    """(text, where) per line of a file or of stdin's text; an empty line is an error naming it."""
    name = "<stdin>" if path in (None, "-") else str(path)
    text = stdin_text if path in (None, "-") else read_utf8(path)  # type: ignore[arg-type]
    out = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            raise ValueError(f"{name}:{n}: expected a text to classify, got an empty line")
        out.append((line, f"{name}:{n}"))
    if not out:
        raise ValueError(f"{name}: expected at least one line of text, got none")
    return out


def predict_texts(clf: "LoadedClassifier | Ensemble", items: list[tuple[str, str]]) -> list[tuple[str, float]]:
    """(label, probability) of each (text, where), from one classifier or an ensemble's mean."""
    if isinstance(clf, Ensemble):
        probs = clf.proba_of_texts(items)                             # (N, C)
    else:
        probs = predict_proba(clf.model, [clf.encode_text(text, where) for text, where in items])  # (N, C)
    p, idx = probs.max(1)
    return [(clf.labels[int(i)], float(q)) for q, i in zip(p, idx)]


@torch.no_grad()
def explain(clf: LoadedClassifier, text: str, out: str | os.PathLike[str]) -> tuple[Path, list[tuple[str, float]]]:
    """With attention pooling: a PNG of the text's tokens shaded by their weight a_t; the top tokens."""
    if clf.model.config.pooling != "attention":
        raise ValueError(f"--explain: needs a classifier trained with --pooling attention, this one pools "
                         f"with {clf.model.config.pooling!r}")
    ids = clf.encode_text(text)                                  # (T,)
    z, a = clf.model.encode(ids[:, None], torch.tensor([len(ids)]))   # a: (1, T)
    probs = torch.softmax(clf.model.head(z), -1)[0]              # (C,)
    tokens = clf.tokens(text)
    weights = a[0].tolist()
    c = int(probs.argmax())
    path = plot_attention(tokens, weights, out, f"{clf.labels[c]} ({float(probs[c]):.2f}): what attention pooling weighed")
    top = sorted(zip(tokens, weights), key=lambda tw: -tw[1])[:5]
    return path, top

