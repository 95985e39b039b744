"""Offline transcription of WAV files with a trained recogniser (greedy, beam, beam + character LM)."""

from __future__ import annotations

import os

from rnnkit.tasks.speech.checkpoint import LoadedRecognizer
from rnnkit.tasks.speech.data import read_wav
from rnnkit.tasks.speech.decode import PrefixScorer
from rnnkit.tasks.speech.evaluate import transcribe_features
from rnnkit.tasks.speech.features import features


def transcribe_file(rec: LoadedRecognizer, path: str | os.PathLike[str], beam_width: int = 1, resample: bool = True,
                    lm: PrefixScorer | None = None, alpha: float = 0.5, beta: float = 1.0) -> str:
    x = read_wav(path, resample)
    return transcribe_features(rec.model, [features(x, rec.features, str(path))], beam_width, lm, alpha, beta)[0]
