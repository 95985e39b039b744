"""The attention weights of one translation as a heatmap (target pieces × source pieces)."""

from __future__ import annotations

from pathlib import Path

import torch

from rnnkit.plotting import save_figure
from rnnkit.tasks.translate.config import DecodeConfig


def attention_matrix(translator, sentence: str, decode: DecodeConfig) -> tuple[str, list[str], list[str], torch.Tensor]:
    """(translation, source pieces, target pieces with </s>, weights (T, S), each row summing to 1)."""
    if translator.model.attention is None:
        raise ValueError("--checkpoint: this model was trained with --attention none; it has no attention to draw")
    hyp = translator.hypotheses([sentence], decode, where="SENTENCE", keep_attention=True)[0]
    src = translator.source.id_pieces(translator.source.encode(sentence))
    tgt = translator.target.id_pieces(hyp.tokens) + ["</s>"]
    weights = torch.stack(hyp.attention[: len(tgt)])  # (T, S)
    return translator.target.decode(hyp.tokens), src, tgt[: len(weights)], weights


def draw_attention(translator, sentence: str, decode: DecodeConfig, out: str | Path) -> tuple[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    text, src, tgt, w = attention_matrix(translator, sentence, decode)
    fig, ax = plt.subplots(figsize=(max(4, 0.35 * len(src) + 2), max(3, 0.3 * len(tgt) + 1.5)))
    ax.imshow(w.numpy(), cmap="Greys", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(src)), src, rotation=90, fontsize=8)
    ax.set_yticks(range(len(tgt)), tgt, fontsize=8)
    ax.set_xlabel("source (English)")
    ax.set_ylabel("translation (Spanish)")
    ax.set_title("attention weights", fontsize=9)
    return text, save_figure(fig, out)
