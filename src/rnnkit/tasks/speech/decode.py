"""CTC decoding: greedy (best path) and prefix beam search, optionally with a character LM.

Letters: T steps, V labels, blank id 0. A CTC alignment a_1..a_T maps to its text by
collapsing repeats and then dropping blanks (B(a a _ a b) = "aab").

Greedy: a_t = argmax_v log p(v | t), then collapse.

Prefix beam search (Hannun et al., 2014, "First-pass large vocabulary continuous speech
recognition using bi-directional recurrent DNNs"): for each prefix l keep p_b(l) and
p_nb(l), the probability of all alignments of the first t steps that give l and end in
a blank / in l's last character. Step t + 1, for each kept l and label c:

    c = blank:     p_b(l)      += (p_b(l) + p_nb(l)) p(blank)
    c = last(l):   p_nb(l)     += p_nb(l) p(c)           (repeat, collapsed)
                   p_nb(l + c) += p_b(l) p(c)            (a blank separated them)
    otherwise:     p_nb(l + c) += (p_b(l) + p_nb(l)) p(c)

and keep the `width` prefixes of largest p_b + p_nb. With a character language model
(shallow fusion), every extension l -> l + c is also scaled by P_LM(c | l)^alpha
e^beta (beta > 0 offsets the LM's preference for short outputs).

Width 1 keeps one prefix and sums over its alignments, so it equals greedy whenever each
step's most likely label has probability > 1/2 (the peaked posteriors that CTC training
produces); on flat posteriors the two may differ, and then the beam's answer is the
more probable text.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
import torch

from rnnkit.tasks.speech.data import BLANK

NEG_INF = -math.inf


def greedy_decode(log_probs: torch.Tensor | np.ndarray) -> list[int]:
    """Best path of (T, V) log probabilities: argmax per step, repeats collapsed, blanks dropped."""
    best = torch.as_tensor(log_probs).argmax(-1).tolist()  # (T,)
    out, prev = [], BLANK
    for a in best:
        if a != prev and a != BLANK:
            out.append(a)
        prev = a
    return out


class PrefixScorer(Protocol):
    """A character LM for shallow fusion: log P(c | prefix) for every label c (V,) (blank's unused)."""

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray: ...


def _lse(a: float, b: float) -> float:
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def beam_decode(log_probs: torch.Tensor | np.ndarray, width: int = 8, lm: PrefixScorer | None = None,
                alpha: float = 0.5, beta: float = 1.0, prune: float = -12.0) -> list[int]:
    """CTC prefix beam search over (T, V) log probabilities; labels with log p < prune at a step are skipped
    (the most likely label and each prefix's last label never are)."""
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width: expected an int >= 1, got {width!r}")
    lp = torch.as_tensor(log_probs).detach().float().cpu().numpy()  # (T, V)
    beams: dict[tuple[int, ...], list[float]] = {(): [0.0, NEG_INF]}  # prefix -> [log p_b, log p_nb]
    for t in range(lp.shape[0]):
        row = lp[t]
        cands = set(np.flatnonzero(row >= prune).tolist()) | {int(row.argmax())}
        nxt: dict[tuple[int, ...], list[float]] = {}

        def add(prefix: tuple[int, ...], i: int, value: float) -> None:
            cell = nxt.setdefault(prefix, [NEG_INF, NEG_INF])
            cell[i] = _lse(cell[i], value)

        for prefix, (pb, pnb) in beams.items():
            total = _lse(pb, pnb)
            last = prefix[-1] if prefix else None
            fusion = lm.log_probs(prefix) if lm is not None else None
            for c in cands | ({last} if last is not None else set()):
                p = float(row[c])
                if c == BLANK:
                    add(prefix, 0, total + p)
                    continue
                bonus = 0.0 if fusion is None else alpha * float(fusion[c]) + beta
                if c == last:
                    add(prefix, 1, pnb + p)                        # repeat collapses into the same prefix
                    add(prefix + (c,), 1, pb + p + bonus)          # a blank separated the two
                else:
                    add(prefix + (c,), 1, total + p + bonus)
        beams = dict(sorted(nxt.items(), key=lambda kv: _lse(*kv[1]), reverse=True)[:width])
    return list(max(beams.items(), key=lambda kv: _lse(*kv[1]))[0])


class CharLM:
    """A character language model from `rnnkit textgen` as a `PrefixScorer`.

    The LM's characters are folded as transcripts are (lower case; line break -> space),
    so P(c | prefix) sums the LM's probabilities of every character that folds to c. The
    LM reads each prefix after a line break (a transcript starts like a line). States
    are cached per prefix, so each new prefix costs one LM step.
    """

    def __init__(self, model: torch.nn.Module, tokenizer: Any, chars: str) -> None:
        if getattr(tokenizer, "level", None) != "char":
            raise ValueError(f"--lm: expected a character-level textgen model, got level {getattr(tokenizer, 'level', None)!r}")
        self.model = model.eval()
        self.chars = chars
        tokens = tokenizer.vocab.tokens_of(range(len(tokenizer)))
        folded = [" " if t in ("\n", " ") else t.lower() for t in tokens]
        self.groups = [[i for i, f in enumerate(folded) if f == ch] for ch in chars]   # label c = index + 1
        missing = [ch for ch, g in zip(chars, self.groups) if not g]
        if " " in missing or len(missing) > len(chars) // 2:
            raise ValueError(f"--lm: the language model's characters do not cover the transcripts' (missing {missing})")
        self.feed_id = [self._token(tokenizer, ch) for ch in chars]
        start = "\n" if "\n" in tokenizer.vocab else " "
        self.cache: dict[tuple[int, ...], tuple[Any, np.ndarray]] = {}
        self.cache[()] = self._step(tokenizer.vocab.ids([start])[0], None)

    @staticmethod
    def _token(tokenizer: Any, ch: str) -> int | None:
        for t in (ch, ch.upper(), "\n" if ch == " " else None):
            if t is not None and t in tokenizer.vocab:
                return tokenizer.vocab.ids([t])[0]
        return None

    @torch.no_grad()
    def _step(self, token: int | None, state: Any) -> tuple[Any, np.ndarray]:
        if token is None:  # a character the LM never saw: no information, uniform over labels
            return state, np.full(len(self.chars) + 1, -math.log(len(self.chars)))
        logits, state = self.model(torch.tensor([[token]]), state)            # (1, 1, V_lm)
        logp = torch.log_softmax(logits[0, 0].float(), -1)
        out = np.full(len(self.chars) + 1, -30.0)
        for c, group in enumerate(self.groups, start=1):
            if group:
                out[c] = float(torch.logsumexp(logp[group], 0))
        return state, out

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        if prefix not in self.cache:
            if len(self.cache) > 200_000:  # bound the memory over a long evaluation
                self.cache = {(): self.cache[()]}
            self.log_probs(prefix[:-1])                                        # the parent, cached
            self.cache[prefix] = self._step(self.feed_id[prefix[-1] - 1], self.cache[prefix[:-1]][0])
        return self.cache[prefix][1]


def load_char_lm(path: str, chars: str) -> CharLM:
    """A CharLM from a textgen checkpoint or run directory (opened through rnnkit.load)."""
    from rnnkit.tasks.textgen.checkpoint import load_model

    lm = load_model(path)
    return CharLM(lm.model, lm.tokenizer, chars)
