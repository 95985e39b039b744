"""Batching for recurrent models: padding with lengths, length bucketing, TBPTT streams.

Letters: N items (or tokens in a stream), B batch, T time (k for a TBPTT chunk), F features.

* `pad_batch` right-pads variable-length sequences and returns their lengths, the
  shape `rnnkit.LSTM(..., lengths=...)` and `pack_padded_sequence` expect.
* `BucketSampler` yields batches of indices whose lengths are similar, so a batch
  carries less padding; every index still appears exactly once per epoch (with
  `world_size > 1`, the last global batch is topped up from the start, as
  `DistributedSampler` does, so every rank gets the same number of batches).
  `pool_batches=1` gives plain random batches (the no-bucketing baseline).
* `StreamBatcher` lays one long stream out as B parallel rows and cuts it into chunks
  of k steps for truncated BPTT; the training loop carries the hidden state from one
  chunk to the next and detaches it at each boundary. `StreamChunk.reset` marks where a
  new document starts, so the state can be zeroed there (`rnnkit.training.streams`).

Every order here is a function of `(seed, epoch)` only, so that a resumed run sees
the same batches as an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import torch


def pad_batch(seqs: Sequence[torch.Tensor], padding_value: float = 0,
              batch_first: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad sequences of shape (T_i, *F) into (T, B, *F) (or (B, T, *F)); return it and lengths (B,)."""
    if len(seqs) == 0:
        raise ValueError("pad_batch needs at least one sequence, got an empty list")
    for i, s in enumerate(seqs):
        if not isinstance(s, torch.Tensor):
            raise TypeError(f"seqs[{i}] must be a torch.Tensor, got {type(s).__name__}")
        if s.dim() == 0 or s.shape[0] == 0:
            raise ValueError(f"seqs[{i}] must have length >= 1 along dim 0, got shape {tuple(s.shape)}")
    lengths = torch.tensor([s.shape[0] for s in seqs], dtype=torch.long)  # (B,)
    padded = torch.nn.utils.rnn.pad_sequence(list(seqs), batch_first=batch_first, padding_value=padding_value)
    return padded, lengths


def padding_fraction(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Share of padded positions when every batch is padded to its longest sequence."""
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    real = sum(lengths[i] for b in batches for i in b)
    return 1.0 - real / padded if padded else 0.0


class BucketSampler:
    """Batches of indices with similar lengths: shuffle, sort within pools, cut, shuffle the batches.

    lengths: length of each item. batch_size: items per batch on each rank.
    pool_batches: a pool of `pool_batches` global batches is sorted by length before
    cutting; larger pools mean less padding and less randomness; 1 means no bucketing.
    rank, world_size: this process's share of each global batch (batch_size * world_size).
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, *, pool_batches: int = 50,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False,
                 rank: int = 0, world_size: int = 1) -> None:
        if len(lengths) == 0:
            raise ValueError("lengths must hold at least one item, got an empty sequence")
        for name, value in (("batch_size", batch_size), ("pool_batches", pool_batches), ("world_size", world_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in 0..world_size-1={world_size - 1}, got {rank}")
        self.lengths = torch.as_tensor(list(lengths), dtype=torch.long)
        self.batch_size, self.pool_batches = batch_size, pool_batches
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.rank, self.world_size = rank, world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose order `__iter__` gives (orders depend on seed and epoch only)."""
        self.epoch = epoch

    def global_batches(self, epoch: int) -> list[list[int]]:
        """All global batches of an epoch (size batch_size * world_size), before splitting across ranks."""
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        n, size = len(self.lengths), self.batch_size * self.world_size
        order = torch.randperm(n, generator=g) if self.shuffle else torch.arange(n)
        pool = size * self.pool_batches
        batches: list[list[int]] = []
        for start in range(0, n, pool):
            chunk = order[start:start + pool]
            chunk = chunk[torch.argsort(self.lengths[chunk], stable=True)]  # similar lengths side by side
            batches += [chunk[i:i + size].tolist() for i in range(0, len(chunk), size)]
        if batches and len(batches[-1]) < size:
            if self.drop_last:
                batches.pop()
            elif self.world_size > 1:  # top up so that every rank gets a share
                batches[-1] += order[: size - len(batches[-1])].tolist()
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=g).tolist()]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.global_batches(self.epoch):
            yield batch[self.rank::self.world_size]

    def __len__(self) -> int:
        n, size = len(self.lengths), self.batch_size * self.world_size
        return n // size if self.drop_last else -(-n // size)


@dataclass
class StreamChunk:
    """One TBPTT chunk. inputs/targets: (k, B, *F) or (B, k, *F); reset: (k, B) or (B, k) bool,
    True where a new document starts (the state must be zero before that step)."""

    inputs: torch.Tensor
    targets: torch.Tensor
    reset: torch.Tensor
    index: int
    batch_first: bool = False

    @property
    def row_starts(self) -> torch.Tensor:
        """(B,) bool: rows whose first step starts a new document (the loop zeroes their carried state)."""
        return self.reset[:, 0] if self.batch_first else self.reset[0]

    def to(self, device: torch.device | str) -> "StreamChunk":
        return StreamChunk(self.inputs.to(device), self.targets.to(device), self.reset.to(device),
                           self.index, self.batch_first)


def max_stream_offset(length: int, batch_size: int) -> int:
    """The largest `StreamBatcher` offset that still leaves every row 2 steps (and a target)."""
    return length - 1 - 2 * batch_size


class StreamBatcher:
    """Lay a stream (N,) or (N, F) out as B rows of N // B steps; iterate chunks of k steps.

    Row b is the contiguous slice stream[b*R : (b+1)*R] with R = N // B (the tail that
    does not fill a row is dropped). Chunk j holds inputs rows[:, j*k : j*k + k] and
    targets one step ahead (next-token / next-value prediction); the last chunk may be
    shorter. doc_starts: indices into the stream where documents start; the reset mask
    is True there, and at step 0 of the first chunk (a fresh state). offset: skip the
    stream's first `offset` steps, which moves every row start and chunk boundary (a
    different offset per epoch keeps multi-epoch training from cutting BPTT at the same
    places every time).
    """

    def __init__(self, stream: torch.Tensor, batch_size: int, bptt: int, *,
                 doc_starts: Sequence[int] | torch.Tensor | None = None, batch_first: bool = False,
                 offset: int = 0) -> None:
        if not isinstance(stream, torch.Tensor) or stream.dim() not in (1, 2):
            raise ValueError(f"stream must be a tensor of shape (N,) or (N, F), got {getattr(stream, 'shape', stream)!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        if not isinstance(bptt, int) or bptt < 1:
            raise ValueError(f"bptt must be an int >= 1, got {bptt!r}")
        if not isinstance(offset, int) or not 0 <= offset < len(stream):
            raise ValueError(f"offset must be an int in 0..{len(stream) - 1}, got {offset!r}")
        rows = (len(stream) - offset - 1) // batch_size  # one extra step for the last target
        if offset > max_stream_offset(len(stream), batch_size):  # fewer than 2 rows
            raise ValueError(f"stream of length {len(stream)} (offset {offset}) is too short for "
                             f"batch_size={batch_size}: needs at least {2 * batch_size + 1 + offset} steps")
        starts = torch.zeros(len(stream), dtype=torch.bool)
        if doc_starts is not None:
            idx = torch.as_tensor(doc_starts, dtype=torch.long)
            if len(idx) and (idx.min() < 0 or idx.max() >= len(stream)):
                raise ValueError(f"doc_starts must be in 0..{len(stream) - 1}, got {idx.min()}..{idx.max()}")
            starts[idx] = True
        stream, starts = stream[offset:], starts[offset:]
        self.batch_size, self.bptt, self.batch_first, self.rows = batch_size, bptt, batch_first, rows
        n = rows * batch_size
        self._x = stream[:n].reshape(batch_size, rows, *stream.shape[1:])           # (B, R, *F)
        self._y = stream[1:n + 1].reshape(batch_size, rows, *stream.shape[1:])      # (B, R, *F)
        self._reset = starts[:n].reshape(batch_size, rows).clone()                  # (B, R)
        self._reset[:, 0] = True

    def __len__(self) -> int:
        return -(-self.rows // self.bptt)

    def __iter__(self) -> Iterator[StreamChunk]:
        for j, t in enumerate(range(0, self.rows, self.bptt)):
            x, y, r = (a[:, t:t + self.bptt] for a in (self._x, self._y, self._reset))  # (B, k, ...)
            if not self.batch_first:
                x, y, r = x.transpose(0, 1), y.transpose(0, 1), r.transpose(0, 1)       # (k, B, ...)
            yield StreamChunk(x.contiguous(), y.contiguous(), r.contiguous(), j, self.batch_first)
