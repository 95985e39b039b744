"""Predictions and metrics of a classifier: accuracy, macro-F1, per-class precision/recall, confusion.

Predictions run in batches of similar lengths (sorted), each padded only to its own
longest sequence; padding is invisible to the model (see model.py), so the order does
not change any probability. Metrics come from scikit-learn.
Letters: N examples, C classes, T time.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from rnnkit.data.batching import pad_batch


@torch.no_grad()
def predict_proba(model: torch.nn.Module, xs: Sequence[torch.Tensor], batch_size: int = 256) -> torch.Tensor:
    """Class probabilities (N, C) of sequences xs (each (T_i,) ids or (T_i, F) features)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(xs)), key=lambda i: len(xs[i]))
    out: list[torch.Tensor] = [torch.empty(0)] * len(xs)
    try:
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            x, lengths = pad_batch([xs[i] for i in idx])                          # (T, B[, F]), (B,)
            probs = torch.softmax(model(x.to(device), lengths).float(), dim=-1).cpu()  # (B, C)
            for k, i in enumerate(idx):
                out[i] = probs[k]
    finally:
        model.train(was_training)
    return torch.stack(out)  # (N, C)


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int], labels: list[str]) -> dict[str, Any]:
    """accuracy, macro_f1, per_class {label: precision, recall, f1, support}, confusion (C x C, rows true)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    ids = list(range(len(labels)))  # sklearn is imported here: it costs `rnnkit --help` seconds at import
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=ids, average="macro", zero_division=0)),
        "per_class": {labels[c]: {"precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]),
                                  "support": int(s[c])} for c in ids},
        "confusion": confusion_matrix(y_true, y_pred, labels=ids).tolist(),
    }


def format_metrics(m: dict[str, Any]) -> str:
    """A small table: accuracy and macro-F1, then precision/recall/F1/support per class."""
    lines = [f"accuracy {m['accuracy']:.4f}   macro-F1 {m['macro_f1']:.4f}",
             f"{'class':>14} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>6}"]
    for label, c in m["per_class"].items():
        lines.append(f"{label[:14]:>14} {c['precision']:9.3f} {c['recall']:7.3f} {c['f1']:6.3f} {c['support']:6d}")
    return "\n".join(lines)


def majority_accuracy(train_ys: torch.Tensor, ys: torch.Tensor) -> float:
    """Accuracy of always answering the most frequent training label."""
    return float((ys == torch.bincount(train_ys).argmax()).float().mean())
