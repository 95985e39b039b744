"""Shared test helpers: build an rnnkit layer and its torch.nn twin with the same weights."""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnkit

CELL_KINDS = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


def make_pair(kind: str, I: int, H: int, **kw):
    """(rnnkit layer, torch.nn layer) with identical weights."""
    if kind.startswith("RNN"):
        nl = kind.split("_")[1].lower()
        ours, theirs = rnnkit.RNN(I, H, nonlinearity=nl, **kw), torch.nn.RNN
        kw_t = {k: v for k, v in kw.items() if k not in ("engine", "learn_initial_state", "init")}
        ref = theirs(I, H, nonlinearity=nl, **kw_t)
    else:
        ours = getattr(rnnkit, kind)(I, H, **kw)
        kw_t = {k: v for k, v in kw.items() if k not in ("engine", "learn_initial_state", "init")}
        ref = getattr(torch.nn, kind)(I, H, **kw_t)
    ref.load_state_dict(ours.state_dict())
    return ours, ref


def run_torch(ref, x, state, lengths, batch_first):
    """torch.nn reference; with lengths it goes through pack_padded_sequence."""
    if lengths is None:
        return ref(x, state)
    T = x.shape[1] if batch_first else x.shape[0]
    packed = pack_padded_sequence(x, torch.as_tensor(lengths), batch_first=batch_first, enforce_sorted=False)
    out, st = ref(packed, state)
    out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
    return out, st


def as_tuple(state):
    return tuple(state) if isinstance(state, tuple) else (state,)


def scalar_loss(out, state):
    """A loss touching every output and every final state with distinct weights."""
    loss = (out * torch.linspace(-1, 1, out.shape[-1], dtype=out.dtype)).pow(2).sum()
    for k, s in enumerate(as_tuple(state)):
        loss = loss + (k + 2) * s.sin().sum()
    return loss
