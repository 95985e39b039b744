"""Text in, text out: streaming samples and next-word completions from a trained model.

- `sample_text` primes the model with a string and yields the generated text piece by
  piece (a character, or a word with its leading space), so a caller can print it as
  it comes.
- `complete` ranks the next word after a text with its probability. At word level it
  is the softmax over the vocabulary; at character level it is a beam search over
  characters up to the end of the next word (a space, punctuation or line break), so
  P(word) = P(c_1 ... c_n, delimiter | text).
"""

from __future__ import annotations

import math
from typing import Iterator

import torch

from rnnkit.data.text import CharTokenizer, Tokenizer
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.tasks.textgen.sampling import generate_ids, make_stepper


def default_prime(tokenizer: Tokenizer) -> str:
    """A neutral start: a line break (char level, when known) or the end-of-sentence token."""
    if tokenizer.level == "word":
        return "\n"
    return "\n" if "\n" in tokenizer.vocab else tokenizer.vocab.itos[0]


def encode_prime(tokenizer: Tokenizer, prime: str) -> list[int]:
    if not isinstance(prime, str):
        raise TypeError(f"--prime: expected a string, got {type(prime).__name__}")
    ids = tokenizer.encode(prime, what="--prime")
    if not ids:
        raise ValueError(f"--prime: expected text with at least one token, got {prime!r}")
    return ids


def with_text_start(tokenizer: Tokenizer, ids: list[int]) -> list[int]:
    """The prime's ids as the model would meet them at the start of a text: a word model reads
    <eos> first (a sentence starts after one), a character model a blank line.

    Training streams arrive mid-text, so apart from the first step of an epoch the model has
    never seen a zero state followed by, say, a capital letter. A character model that reads
    "ROMEO:" cold can fall into an attractor it never met in training (one 64 s demo model
    wrote strings of digits). The corpora separate speeches and paragraphs by blank lines,
    so "\n\n" puts the state where a text really starts. None of it is printed."""
    if tokenizer.level == "word":
        return ids if ids[:1] == [tokenizer.eos_id] else [tokenizer.eos_id] + ids
    if "\n" not in tokenizer.vocab:
        return ids
    nl = tokenizer.vocab.stoi["\n"]
    leading = next((i for i, t in enumerate(ids) if t != nl), len(ids))
    return [nl] * max(0, 2 - leading) + ids


def sample_text(model: LanguageModel, tokenizer: Tokenizer, prime: str, length: int = 500, *,
                temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
                seed: int | None = None, fast: bool = True) -> Iterator[str]:
    """Yield `length` generated tokens as text pieces, after the model has read `prime`
    (from the start of a text, `with_text_start`)."""
    ids = with_text_start(tokenizer, encode_prime(tokenizer, prime))
    stepper = make_stepper(model, fast=fast)
    tokens = (tokenizer.vocab.itos[i] for i in generate_ids(
        stepper, ids, length, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, fast_sampler=fast))
    at_line_start = prime.endswith("\n") or not prime.strip()
    yield from tokenizer.spaced(tokens, at_line_start=at_line_start)


@torch.no_grad()
def _log_probs(model: LanguageModel, ids: torch.Tensor, state: object = None) -> tuple[torch.Tensor, object]:
    logits, state = model(ids, state)                           # (T, B, V)
    return torch.log_softmax(logits[-1].double(), dim=-1), state  # (B, V)


def complete(model: LanguageModel, tokenizer: Tokenizer, text: str, k: int = 5,
             max_chars: int = 20) -> list[tuple[str, float]]:
    """The k most likely next words after `text`, each with its probability."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"-k: expected an integer >= 1, got {k!r}")
    model.eval()
    if tokenizer.level == "word":
        ids = with_text_start(tokenizer, encode_prime(tokenizer, text))
        logp, _ = _log_probs(model, torch.tensor(ids).view(-1, 1))
        top = torch.topk(logp[0], min(k, logp.shape[1]))
        return [(tokenizer.vocab.itos[i], math.exp(v)) for v, i in zip(top.values.tolist(), top.indices.tolist())]
    return _complete_chars(model, tokenizer, text, k, max_chars)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "'-"


def _complete_chars(model: LanguageModel, tok: CharTokenizer, text: str, k: int,
                    max_chars: int) -> list[tuple[str, float]]:
    """Beam search over characters to the end of the next word."""
    ids = with_text_start(tok, encode_prime(tok, text))
    logp, state = _log_probs(model, torch.tensor(ids).view(-1, 1))
    itos = tok.vocab.itos
    word_ids = [i for i, ch in enumerate(itos) if _is_word_char(ch)]
    end_ids = [i for i, ch in enumerate(itos) if not _is_word_char(ch)]
    # When the text ends inside a word, the next word comes after a space: read one, and
    # rank P(word | text + " ").
    skip_space = text[-1:].isalnum() and " " in tok.vocab
    if skip_space:
        sp = tok.vocab.stoi[" "]
        logp, state = _log_probs(model, torch.tensor([[sp]]), state)
    beams: list[tuple[str, float, object, torch.Tensor]] = [("", 0.0, state, logp[0])]
    done: list[tuple[str, float]] = []
    width = max(k, 8)
    for _ in range(max_chars):
        cand = []
        for word, score, st, lp in beams:
            if word:
                done.append((word, score + float(torch.logsumexp(lp[end_ids], 0))))
            vals, idx = torch.topk(lp[word_ids], min(width, len(word_ids)))
            cand += [(word + itos[word_ids[j]], score + v, st, word_ids[j]) for v, j in zip(vals.tolist(), idx.tolist())]
        cand.sort(key=lambda c: -c[1])
        cand = cand[:width]
        if not cand or (len(done) >= k and cand[0][1] < sorted(s for _, s in done)[-k]):
            break
        beams = []
        for word, score, st, last in cand:
            lp, st2 = _log_probs(model, torch.tensor([[last]]), st)
            beams.append((word, score, st2, lp[0]))
    done.sort(key=lambda d: -d[1])
    return [(w, math.exp(s)) for w, s in done[:k]]
