"""Pictures of a classifier: the confusion matrix, and the words attention pooling weighed most."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnnkit.plotting import save_figure  # noqa: E402


def plot_confusion(confusion: Sequence[Sequence[int]], labels: list[str], path: str | os.PathLike[str],
                   title: str = "") -> Path:
    """A C x C heat map, rows the true labels, columns the predicted ones, counts written in."""
    C = len(labels)
    fig, ax = plt.subplots(figsize=(1.2 + 0.6 * C, 1.0 + 0.55 * C))
    im = ax.imshow(confusion, cmap="Blues")
    top = max(max(row) for row in confusion) or 1
    for i in range(C):
        for j in range(C):
            v = confusion[i][j]
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color="white" if v > top / 2 else "black")
    ax.set_xticks(range(C), labels, rotation=45, ha="right")
    ax.set_yticks(range(C), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or "confusion matrix")
    fig.colorbar(im, ax=ax, fraction=0.046)
    return save_figure(fig, path, dpi=120)


def plot_attention(tokens: list[str], weights: Sequence[float], path: str | os.PathLike[str], title: str = "") -> Path:
    """The text's tokens as a strip, each shaded by its attention weight a_t (sum 1)."""
    n = len(tokens)
    per_row = 12
    rows = -(-n // per_row)
    fig, ax = plt.subplots(figsize=(12, 0.6 + 0.5 * rows))
    top = max(weights) or 1.0
    for k, (tok, a) in enumerate(zip(tokens, weights)):
        r, c = divmod(k, per_row)
        ax.add_patch(plt.Rectangle((c, -r - 1), 1, 1, color=plt.cm.Reds(0.9 * a / top)))
        ax.text(c + 0.5, -r - 0.5, tok[:12], ha="center", va="center", fontsize=8,
                color="white" if a > 0.6 * top else "black")
        ax.text(c + 0.5, -r - 0.9, f"{a:.2f}", ha="center", va="center", fontsize=6, color="grey")
    ax.set_xlim(0, per_row)
    ax.set_ylim(-rows, 0)
    ax.axis("off")
    ax.set_title(title or "attention weights", fontsize=9)
    return save_figure(fig, path, dpi=120)
