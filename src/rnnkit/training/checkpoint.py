"""Crash-safe checkpoints: atomic writes, an integrity header and safe loading.

File format (one file, so that a rename makes it appear whole or not at all)::

    RNNKIT-CHECKPOINT v1 sha256=<64 hex digits> bytes=<payload length>\\n
    <payload: the bytes of torch.save(dict)>

Writing goes to a temporary file in the same directory, which is flushed, fsync'ed
and then renamed over the target with `os.replace`, so a crash at any moment leaves
either the old checkpoint or the new one, never half of one. Reading checks the
header, the length and the SHA-256 before handing the payload to
`torch.load(weights_only=True)`, which only rebuilds tensors and plain containers
(no pickled code runs). A truncated, tampered or foreign file raises `CheckpointError`
(a `ValueError`) that says which check failed.

What a training checkpoint holds (see `Trainer`): ``format``, ``train_config`` and
``model_config`` (plain dicts: a checkpoint alone can rebuild its model), ``model``,
``optimizer``, ``scheduler`` (state dicts), ``rng`` (torch, cuda, numpy, python),
``step``, ``epoch``, ``batch_in_epoch`` (the data position), ``stream_state`` (the
hidden state carried between truncated-BPTT chunks), ``early_stopping``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import torch

MAGIC = b"RNNKIT-CHECKPOINT v1"
_HEADER = re.compile(rb"^RNNKIT-CHECKPOINT v1 sha256=([0-9a-f]{64}) bytes=(\d+)$")
_MAX_HEADER = 200


class CheckpointError(ValueError):
    """A checkpoint file is missing, truncated, tampered with or not an rnnkit checkpoint."""


def save_checkpoint(payload: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `payload` (tensors, numbers, strings and containers of them) atomically to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    body = buffer.getvalue()
    header = MAGIC + b" sha256=" + hashlib.sha256(body).hexdigest().encode() + b" bytes=%d\n" % len(body)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform (Windows), so best effort.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_checkpoint(path: str | os.PathLike[str], map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read and verify a checkpoint written by `save_checkpoint`; raise `CheckpointError` if it is not intact."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    data = path.read_bytes()
    newline = data.find(b"\n", 0, _MAX_HEADER)
    match = _HEADER.match(data[:newline]) if newline >= 0 else None
    if match is None:
        raise CheckpointError(
            f"checkpoint {path} is not an rnnkit checkpoint: expected a first line starting with "
            f"{MAGIC.decode()!r}, got {data[:40]!r}")
    body = data[newline + 1:]
    expected_len = int(match.group(2))
    if len(body) != expected_len:
        raise CheckpointError(
            f"checkpoint {path} is truncated or padded: header says {expected_len} payload bytes, "
            f"file has {len(body)}")
    digest = hashlib.sha256(body).hexdigest()
    if digest != match.group(1).decode():
        raise CheckpointError(
            f"checkpoint {path} is corrupted or was modified: SHA-256 of the payload is {digest}, "
            f"header says {match.group(1).decode()}")
    try:
        payload = torch.load(io.BytesIO(body), map_location=map_location, weights_only=True)
    except Exception as err:  # an intact hash over a payload torch cannot read safely
        raise CheckpointError(f"checkpoint {path} could not be loaded safely (weights_only=True): {err}") from err
    if not isinstance(payload, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(payload).__name__}, expected a dict")
    return payload
