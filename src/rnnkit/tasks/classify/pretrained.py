"""Start a classifier from a `rnnkit textgen` language model (the ULMFiT recipe).

Howard & Ruder (2018): train a language model on the task's own texts, then fine-tune
it as a classifier. Here the classifier takes the language model's tokeniser (so its
vocabulary and ids), its embedding matrix and the weights of its recurrent layers; the
encoder must therefore have the language model's cell, sizes and depth
(`lm_model_fields` reads them off). A bidirectional encoder gets the forward direction
from the language model (``weight_ih_l0`` …) and keeps its reverse direction
(``…_reverse``) freshly initialised; in its layers l > 0 the input weights W_ih act on
[o_fwd ; o_bwd], so the language model's W_ih fills the o_fwd columns and the o_bwd
columns start at zero. Pooling and output layer start fresh.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from rnnkit.tasks.classify.model import SequenceClassifier
from rnnkit.tasks.textgen import LoadedModel, load_model


def load_language_model(path: str | os.PathLike[str]) -> LoadedModel:
    """The textgen run at `path`; any other kind of checkpoint is a --init-from error."""
    try:
        return load_model(path)
    except (ValueError, FileNotFoundError) as err:
        raise type(err)(f"--init-from: {str(err).removeprefix('--checkpoint: ')}") from None


def lm_model_fields(lm: LoadedModel) -> dict[str, Any]:
    """The ClassifierConfig fields a language model fixes: cell, sizes, depth, vocabulary."""
    c = lm.model.config
    return {"cell": c.cell, "embedding_size": c.embedding_dim, "hidden_size": c.hidden_size,
            "num_layers": c.num_layers, "vocab_size": c.vocab_size, "input": "tokens"}


@torch.no_grad()
def copy_language_model(clf: SequenceClassifier, lm: LoadedModel) -> list[str]:
    """Copy embedding and forward-direction recurrent weights into `clf`; return the names copied."""
    src = lm.model
    if clf.embedding.weight.shape != src.embedding.weight.shape:
        raise ValueError(f"--init-from: expected an embedding of shape {tuple(clf.embedding.weight.shape)}, "
                         f"got {tuple(src.embedding.weight.shape)}")
    clf.embedding.weight.copy_(src.embedding.weight)
    copied = ["embedding.weight"]
    mine = dict(clf.rnn.named_parameters())
    for name, w in src.rnn.named_parameters():
        target = mine.get(name)
        if target is not None and target.shape == w.shape:
            target.copy_(w)
        elif target is not None and target.shape == (w.shape[0], 2 * w.shape[1]):
            # bidirectional layer l > 0 reads [o_fwd ; o_bwd] (2H): the LM's W_ih acts on o_fwd, the
            # reverse half starts at 0, so the forward stack first computes what the language model did
            target[:, : w.shape[1]].copy_(w)
            target[:, w.shape[1]:].zero_()
        else:
            raise ValueError(f"--init-from: the language model's {name} {tuple(w.shape)} has no counterpart "
                             f"in the classifier's encoder")
        copied.append(f"rnn.{name}")
    return copied
