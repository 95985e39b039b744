"""Tagging metrics: entity-level precision, recall and F1 with seqeval (CoNLL's definition:
an entity counts when its type and both boundaries match), and the most-frequent-tag baseline."""

from __future__ import annotations

from collections import Counter

import torch

from rnnkit.tasks.tag.data import Sentence
from rnnkit.tasks.tag.encode import EncodedSentence, make_batch


def entity_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    from seqeval.metrics import f1_score, precision_score, recall_score  # here: it pulls in sklearn (seconds)

    # no predicted (or no gold) entity: the score is 0, as seqeval gives it, without its warning each time
    zero = {"zero_division": 0}
    return {"precision": float(precision_score(gold, pred, **zero)), "recall": float(recall_score(gold, pred, **zero)),
            "f1": float(f1_score(gold, pred, **zero)), "token_accuracy": _token_accuracy(gold, pred)}


def _token_accuracy(gold: list[list[str]], pred: list[list[str]]) -> float:
    pairs = [(g, p) for gs, ps in zip(gold, pred) for g, p in zip(gs, ps)]
    return sum(g == p for g, p in pairs) / max(len(pairs), 1)


@torch.no_grad()
def predict_tags(model: torch.nn.Module, data: list[EncodedSentence], tags: list[str],
                 batch_size: int = 128) -> list[list[str]]:
    """Tag names per sentence, in batches of similar lengths."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(data)), key=lambda i: len(data[i].words))
    out: list[list[str]] = [[] for _ in data]
    try:
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            b = make_batch([data[i] for i in idx]).to(device)
            e = model(b.words, b.chars, b.char_lengths, b.lengths)  # (T, B, K)
            for i, path in zip(idx, model.decode(e, b.lengths)):
                out[i] = [tags[k] for k in path]
    finally:
        model.train(was_training)
    return out


def most_frequent_tag_baseline(train: list[Sentence], test: list[Sentence]) -> list[list[str]]:
    """Tag each token with its most frequent training tag (O when never seen)."""
    counts: dict[str, Counter] = {}
    for s in train:
        for tok, tag in zip(s.tokens, s.tags):
            counts.setdefault(tok, Counter())[tag] += 1
    best = {tok: c.most_common(1)[0][0] for tok, c in counts.items()}
    return [[best.get(tok, "O") for tok in s.tokens] for s in test]
