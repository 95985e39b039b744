"""Streaming transcription: a unidirectional recogniser fed audio in chunks, its state carried.

Each chunk of samples (100 ms by default) goes through `FeatureStream` (which keeps the
samples of the window not yet complete), `SpeechRecognizer.stream_step` (which keeps
the frames not yet subsampled and the recurrent state) and a greedy CTC decoder that
keeps the previous step's label, so a repeat across a chunk boundary is still
collapsed. The text only grows; after the last chunk it equals offline greedy decoding
of the whole file with the same model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from rnnkit.tasks.speech.checkpoint import LoadedRecognizer
from rnnkit.tasks.speech.config import SAMPLE_RATE
from rnnkit.tasks.speech.data import BLANK, decode_ids
from rnnkit.tasks.speech.features import FeatureStream


@dataclass
class Partial:
    seconds: float   # audio consumed so far
    text: str        # transcript so far
    changed: bool    # whether this chunk added characters


class StreamingTranscriber:
    """push(samples) -> the transcript so far; one object per utterance."""

    def __init__(self, rec: LoadedRecognizer) -> None:
        if rec.features.normalise != "global":
            raise ValueError("--stream: needs a model trained with --normalise global (per-utterance normalisation "
                             "reads the whole utterance first)")
        self.model = rec.model.eval()
        self.features = FeatureStream(rec.features)
        self.state = self.model.start_stream()
        self.prev = BLANK
        self.ids: list[int] = []
        self.samples = 0

    @torch.no_grad()
    def push(self, samples: np.ndarray) -> Partial:
        before = len(self.ids)
        self.samples += len(samples)
        frames = torch.from_numpy(self.features.push(samples))               # (t, F)
        if len(frames):
            logp, self.state = self.model.stream_step(frames, self.state)    # (t', V)
            for a in logp.argmax(-1).tolist():
                if a != self.prev and a != BLANK:
                    self.ids.append(a)
                self.prev = a
        return Partial(self.samples / SAMPLE_RATE, decode_ids(self.ids), len(self.ids) > before)


def stream_file(rec: LoadedRecognizer, x: np.ndarray, chunk_ms: float = 100.0) -> Iterator[Partial]:
    """Partial transcripts of audio x (N,) fed `chunk_ms` at a time."""
    if not chunk_ms > 0:
        raise ValueError(f"--chunk-ms: expected a positive number, got {chunk_ms}")
    n = max(1, int(round(chunk_ms * SAMPLE_RATE / 1000)))
    st = StreamingTranscriber(rec)
    for start in range(0, len(x), n):
        yield st.push(x[start:start + n])


def real_time_factor(rec: LoadedRecognizer, x: np.ndarray, chunk_ms: float = 100.0) -> tuple[str, float]:
    """(final text, audio seconds per compute second) of streaming x."""
    t0 = time.perf_counter()
    text = ""
    for p in stream_file(rec, x, chunk_ms):
        text = p.text
    return text, len(x) / SAMPLE_RATE / max(time.perf_counter() - t0, 1e-9)
