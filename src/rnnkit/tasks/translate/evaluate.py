"""Translation metrics through sacrebleu (its default 13a tokenisation): BLEU and chrF."""

from __future__ import annotations

from typing import Sequence


def bleu_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU (Papineni et al., 2002) and chrF (Popović, 2015), 0-100, one reference per line."""
    import sacrebleu

    if len(hypotheses) != len(references):
        raise ValueError(f"hypotheses: expected {len(references)} lines (one per reference), got {len(hypotheses)}")
    hyps, refs = list(hypotheses), [list(references)]
    return {"bleu": sacrebleu.corpus_bleu(hyps, refs).score, "chrf": sacrebleu.corpus_chrf(hyps, refs).score}


def signatures() -> dict[str, str]:
    """sacrebleu's metric signatures (tokeniser, smoothing, version), for RESULTS.md."""
    import sacrebleu

    bleu, chrf = sacrebleu.BLEU(), sacrebleu.CHRF()
    for metric in (bleu, chrf):
        metric.corpus_score(["x"], [["x"]])  # a signature names the reference count, known after one call
    return {"bleu": str(bleu.get_signature()), "chrf": str(chrf.get_signature())}
