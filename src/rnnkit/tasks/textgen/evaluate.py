"""Held-out evaluation of a language model: cross-entropy, bits per token, perplexity.

The token stream is laid out as B parallel rows (as in training) and read in chunks of
`bptt` steps with the state carried along, so every token but the first of each row is
predicted from all the text before it in its row. Letters: T time, B batch, V vocabulary.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F

from rnnkit.data.batching import StreamBatcher
from rnnkit.tasks.textgen.model import LanguageModel


def stream_tensor(ids: Sequence[int] | torch.Tensor) -> torch.Tensor:
    return ids if isinstance(ids, torch.Tensor) else torch.tensor(ids, dtype=torch.long)


@torch.no_grad()
def evaluate_stream(model: LanguageModel, ids: Sequence[int] | torch.Tensor, batch_size: int = 16,
                    bptt: int = 256, max_tokens: int = 0) -> dict[str, float]:
    """Mean next-token cross-entropy (nats) over `ids`, with bits per token and perplexity.

    max_tokens > 0 evaluates only the first max_tokens + 1 ids (a quick estimate).
    """
    stream = stream_tensor(ids)
    if max_tokens:
        stream = stream[: max_tokens + 1]
    batch_size = max(1, min(batch_size, (len(stream) - 1) // 2))
    if len(stream) < 2 * batch_size + 1:
        raise ValueError(f"text: expected at least 3 tokens to evaluate, got {len(stream)}")
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    device = next(model.parameters()).device
    try:
        for chunk in StreamBatcher(stream, batch_size, bptt):
            logits, state = model(chunk.inputs.to(device), state)  # (k, B, V)
            total += F.cross_entropy(logits.flatten(0, 1), chunk.targets.to(device).flatten(),
                                     reduction="sum").item()
            count += chunk.targets.numel()
    finally:
        model.train(was_training)
    loss = total / count
    return {"loss": loss, "bits_per_token": loss / math.log(2), "perplexity": math.exp(min(loss, 700.0)),
            "tokens": float(count)}


def unigram_entropy(train_ids: Sequence[int] | torch.Tensor, eval_ids: Sequence[int] | torch.Tensor,
                    vocab_size: int) -> float:
    """Cross-entropy (nats) of `eval_ids` under add-one-smoothed training token frequencies.

    The baseline a language model must beat: it knows how often each token occurs but
    nothing about context.
    """
    counts = torch.bincount(stream_tensor(train_ids), minlength=vocab_size).double() + 1.0
    logp = torch.log(counts / counts.sum())
    return float(-logp[stream_tensor(eval_ids)].mean())
