"""Searching for a translation: greedy and batched beam search.

Both work on anything with the search interface of `Translator` (a toy model in the
tests has it too)::

    st = model.begin(src, lengths)           # search state of B sentences
    logp, st, attn = model.step(y, st)       # y (N,) previous tokens -> (N, V) log-probabilities
    st = model.select(st, idx)               # keep / repeat hypotheses idx (N',)

A hypothesis' score is Σ_t log p(y_t | y_<t, x) over its tokens, EOS included. Beam search
keeps the `beam_size` best unfinished prefixes of every sentence; a prefix that ends in
EOS is finished, ranked by score / lp with the GNMT length penalty lp = ((5 + n) / 6) ** α
(Wu et al., 2016; n tokens with EOS). A sentence is done when beam_size hypotheses have
finished, or at its length limit ``int(max_length_ratio * source length) + 10``, where its
unfinished prefixes count as finished. Done sentences leave the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from rnnkit.tasks.translate.vocab import BOS, EOS


@dataclass
class Hypothesis:
    tokens: list[int]              # without BOS and EOS
    score: float                   # Σ log p, EOS included where it ended
    attention: list[Tensor] | None = None  # one (S,) row per output step, EOS included

    def ranked(self, alpha: float) -> float:
        return self.score / (((5 + len(self.tokens) + 1) / 6) ** alpha)


def length_limits(lengths: Tensor, ratio: float) -> list[int]:
    return [int(ratio * int(n)) + 10 for n in lengths]


@torch.no_grad()
def greedy(model, src: Tensor, lengths: Tensor, max_length_ratio: float = 2.0,
           keep_attention: bool = False) -> list[Hypothesis]:
    """The most probable next token at every step, for B sentences at once."""
    B = src.shape[1]
    limits = length_limits(lengths, max_length_ratio)
    st = model.begin(src, lengths)
    y = torch.full((B,), BOS, dtype=torch.long, device=src.device)
    hyps = [Hypothesis([], 0.0, [] if keep_attention else None) for _ in range(B)]
    active = list(range(B))  # sentence of each row
    for t in range(max(limits)):
        logp, st, attn = model.step(y, st)  # (N, V)
        best = logp.argmax(-1)  # (N,)
        gained = logp.gather(1, best[:, None])[:, 0].tolist()
        keep = []
        for row, (b, tok) in enumerate(zip(active, best.tolist())):
            h = hyps[b]
            h.score += gained[row]
            if keep_attention and attn is not None:
                h.attention.append(attn[row, : int(lengths[b])].float().cpu())
            if tok != EOS:
                h.tokens.append(tok)
            if tok != EOS and t + 1 < limits[b]:
                keep.append(row)
        if not keep:
            break
        if len(keep) < len(active):
            idx = torch.tensor(keep, device=src.device)
            st, best = model.select(st, idx), best[idx]
            active = [active[r] for r in keep]
        y = best
    return hyps


@torch.no_grad()
def beam_search(model, src: Tensor, lengths: Tensor, beam_size: int = 5, length_penalty: float = 1.0,
                max_length_ratio: float = 2.0, keep_attention: bool = False) -> list[Hypothesis]:
    """The best finished hypothesis of each of B sentences under a beam of `beam_size`."""
    B, K = src.shape[1], beam_size
    limits = length_limits(lengths, max_length_ratio)
    st = model.begin(src, lengths)
    beams = [[Hypothesis([], 0.0, [] if keep_attention else None)] for _ in range(B)]  # alive, per sentence
    finished: list[list[Hypothesis]] = [[] for _ in range(B)]
    active = list(range(B))  # sentences still searching; rows are their beams in order
    y = torch.full((B,), BOS, dtype=torch.long, device=src.device)
    for t in range(max(limits)):
        logp, st, attn = model.step(y, st)  # (N, V), N = Σ alive beams
        rows, new_y, new_active = [], [], []
        offset = 0
        for b in active:
            alive = beams[b]
            n = len(alive)
            prefix = torch.tensor([h.score for h in alive], dtype=torch.float64, device=logp.device)
            block = logp[offset:offset + n].double() + prefix[:, None]  # (n, V), summed in float64 as greedy
            top_scores, top_idx = block.reshape(-1).topk(min(2 * K, block.numel()))  # (2K,)
            V = block.shape[1]
            nxt = []
            for s, i in zip(top_scores.tolist(), top_idx.tolist()):
                parent, tok = divmod(i, V)
                h = alive[parent]
                a = None if h.attention is None else h.attention + [attn[offset + parent, : int(lengths[b])].float().cpu()]
                if tok == EOS:  # ranked above the K-th continuation: a finished hypothesis
                    finished[b].append(Hypothesis(h.tokens, s, a))
                    if len(finished[b]) >= K:
                        break
                else:
                    nxt.append((offset + parent, Hypothesis(h.tokens + [tok], s, a)))
                    if len(nxt) == K:
                        break
            offset += n
            if len(finished[b]) >= K:
                continue
            if t + 1 >= limits[b]:
                finished[b] += [h for _, h in nxt]
                continue
            beams[b] = [h for _, h in nxt]
            rows += [r for r, _ in nxt]
            new_y += [h.tokens[-1] for _, h in nxt]
            new_active.append(b)
        if not new_active:
            break
        st = model.select(st, torch.tensor(rows, device=src.device))
        y = torch.tensor(new_y, dtype=torch.long, device=src.device)
        active = new_active
    return [max(f, key=lambda h: h.ranked(length_penalty)) for f in finished]


def search(model, src: Tensor, lengths: Tensor, beam_size: int, length_penalty: float, max_length_ratio: float,
           keep_attention: bool = False) -> list[Hypothesis]:
    """Greedy for beam_size 1, beam search otherwise."""
    if beam_size == 1:
        return greedy(model, src, lengths, max_length_ratio, keep_attention)
    return beam_search(model, src, lengths, beam_size, length_penalty, max_length_ratio, keep_attention)


def translate_ids(model, sources: list[Tensor], beam_size: int = 1, length_penalty: float = 1.0,
                  max_length_ratio: float = 2.0, batch_size: int = 32, keep_attention: bool = False) -> list[Hypothesis]:
    """Hypotheses for source id sequences (S_i,), decoded in length-sorted batches, returned in input order."""
    from rnnkit.data.batching import pad_batch
    from rnnkit.tasks.translate.vocab import PAD

    device = next(model.parameters()).device
    order = sorted(range(len(sources)), key=lambda i: -len(sources[i]))
    out: list[Hypothesis | None] = [None] * len(sources)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            src, lengths = pad_batch([sources[i] for i in idx], padding_value=PAD)  # (S, B), (B,)
            hyps = search(model, src.to(device), lengths, beam_size, length_penalty, max_length_ratio, keep_attention)
            for i, h in zip(idx, hyps):
                out[i] = h
    finally:
        model.train(was_training)
    return out  # type: ignore[return-value]
