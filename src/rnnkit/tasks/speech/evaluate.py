"""Transcribing many clips and scoring them: CER and WER through jiwer.

    CER = (substituted + deleted + inserted characters) / reference characters
    WER = the same over words

both summed over the whole set (jiwer's corpus-level rates), not averaged per clip.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

import torch

from rnnkit.data.batching import pad_batch
from rnnkit.tasks.speech.data import decode_ids
from rnnkit.tasks.speech.decode import PrefixScorer, beam_decode, greedy_decode


def error_rates(refs: Sequence[str], hyps: Sequence[str]) -> dict[str, float]:
    """Corpus CER and WER (jiwer); an empty hypothesis counts as all deletions."""
    import jiwer

    if len(refs) != len(hyps) or not refs:
        raise ValueError(f"refs, hyps: expected two lists of the same non-zero length, got {len(refs)} and {len(hyps)}")
    hyps = [h if h.strip() else "" for h in hyps]
    return {"cer": float(jiwer.cer(list(refs), list(hyps))), "wer": float(jiwer.wer(list(refs), list(hyps)))}


@torch.no_grad()
def log_probs_of(model: torch.nn.Module, feats: Sequence[torch.Tensor], batch_size: int = 32) -> list[torch.Tensor]:
    """Per-utterance log probabilities (T'_i, V) from a model in eval mode, batched by length."""
    model.eval()
    order = sorted(range(len(feats)), key=lambda i: len(feats[i]))
    out: list[torch.Tensor | None] = [None] * len(feats)
    device = next(model.parameters()).device
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        x, lengths = pad_batch([feats[i] for i in idx])                   # (T, B, F), (B,)
        logp, out_lens = model(x.to(device), lengths)                     # (T', B, V)
        for j, i in enumerate(idx):
            out[i] = logp[: int(out_lens[j]), j].cpu()
    return out  # type: ignore[return-value]


def transcribe_features(model: torch.nn.Module, feats: Sequence[torch.Tensor], beam_width: int = 1,
                        lm: PrefixScorer | None = None, alpha: float = 0.5, beta: float = 1.0) -> list[str]:
    """Texts of many utterances: greedy (beam_width 1, no LM) or prefix beam search."""
    texts = []
    for lp in log_probs_of(model, feats):
        ids = greedy_decode(lp) if beam_width == 1 and lm is None else beam_decode(lp, beam_width, lm, alpha, beta)
        texts.append(decode_ids(ids))
    return texts


def per_voice(refs: Sequence[str], hyps: Sequence[str], voices: Sequence[str]) -> dict[str, dict[str, Any]]:
    """CER/WER and clip count per voice."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(voices):
        groups[v or "?"].append(i)
    return {v: {**error_rates([refs[i] for i in ix], [hyps[i] for i in ix]), "clips": len(ix)}
            for v, ix in sorted(groups.items())}
