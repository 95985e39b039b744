"""Reading speech data: WAV files, transcript files, and the character set of the transcripts.

A corpus is a folder holding ``train.tsv`` (and optionally ``valid.tsv`` and ``test.tsv``);
each line is one clip::

    wav/0001.wav<TAB>three one four<TAB>en-us+f3

the WAV's path (relative to the folder), its transcript and, optionally, who speaks it
(used for per-voice scores only). `rnnkit speech make-data` writes such a folder, and any
folder of WAV files with a transcript file in this layout works the same way.

WAVs must be mono PCM (8/16/32-bit integer or float); other sample rates than 16 kHz are
resampled with `scipy.signal.resample_poly` (or refused, with ``resample=False``).
Transcripts are folded to lower case, hyphens become spaces and other punctuation is
dropped; what is left must be letters a-z, apostrophes and spaces. Every error names the
file (and the transcript line) and what was wrong.
"""

from __future__ import annotations

import math
import os
import random
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnkit.tasks.speech.config import SAMPLE_RATE

CHARS = " 'abcdefghijklmnopqrstuvwxyz"  # id 0 is the CTC blank, so char CHARS[i] has id i + 1
BLANK = 0
_PUNCT = re.compile(r"[.,;:!?\"()\[\]{}<>_*/\\&~`]")


def labels() -> list[str]:
    """The output classes: '<b>' (blank, id 0) then CHARS."""
    return ["<b>"] + list(CHARS)


def normalise_text(text: str, where: str = "transcript") -> str:
    """Lower case, '-' -> ' ', punctuation dropped, spaces collapsed; a ValueError for other characters."""
    t = _PUNCT.sub("", text.lower().replace("-", " ").replace("\u2019", "'"))
    t = " ".join(t.split())
    bad = sorted({c for c in t if c not in CHARS})
    if bad:
        raise ValueError(f"{where}: expected letters a-z, apostrophes and spaces, got {''.join(bad)!r} in {text!r}")
    if not t:
        raise ValueError(f"{where}: expected a transcript with at least one letter, got {text!r}")
    return t


def encode_text(text: str) -> list[int]:
    """Character ids (1 .. len(CHARS)) of a normalised transcript."""
    return [CHARS.index(c) + 1 for c in text]


def decode_ids(ids: list[int]) -> str:
    """Text of label ids (blanks, if any, skipped), spaces collapsed and stripped as in transcripts."""
    return " ".join("".join(CHARS[i - 1] for i in ids if i != BLANK).split())


def read_wav(path: str | os.PathLike[str], resample: bool = True) -> np.ndarray:
    """A mono WAV as float32 samples in [-1, 1] at 16 kHz (N,); one-line errors naming the file."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such WAV file")
    if p.stat().st_size == 0:
        raise ValueError(f"{p}: expected a WAV file, got an empty file (0 bytes)")
    from scipy.io import wavfile

    try:
        rate, data = wavfile.read(p)
    except Exception as err:  # scipy raises ValueError, EOFError, struct.error … for broken files
        raise ValueError(f"{p}: expected a mono PCM WAV file, got one that cannot be read "
                         f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'truncated'})") from None
    if data.ndim == 2 and data.shape[1] != 1:
        raise ValueError(f"{p}: expected a mono WAV file, got {data.shape[1]} channels "
                         f"(make it mono with `sox {p.name} -c 1 mono.wav`)")
    x = _to_float(data.reshape(-1), p)
    if len(x) == 0:
        raise ValueError(f"{p}: expected some audio, got a WAV file with 0 samples")
    if rate != SAMPLE_RATE:
        if not resample:
            raise ValueError(f"{p}: expected a {SAMPLE_RATE} Hz WAV file, got {rate} Hz "
                             f"(resample with `sox {p.name} -r {SAMPLE_RATE} out.wav`, or allow --resample)")
        x = resample_to_16k(x, rate)
    return x


def _to_float(data: np.ndarray, path: Path) -> np.ndarray:
    if data.dtype == np.int16:
        return data.astype(np.float32) / 32768.0
    if data.dtype == np.int32:
        return data.astype(np.float32) / 2147483648.0
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    if data.dtype in (np.float32, np.float64):
        return data.astype(np.float32)
    raise ValueError(f"{path}: expected PCM samples (int16, int32, uint8 or float), got {data.dtype}")


def resample_to_16k(x: np.ndarray, rate: int) -> np.ndarray:
    """Polyphase resampling from `rate` Hz to 16 kHz (up/down by the reduced ratio)."""
    if not isinstance(rate, int) or rate < 1000:
        raise ValueError(f"rate: expected a sample rate >= 1000 Hz, got {rate!r}")
    from scipy.signal import resample_poly

    g = math.gcd(SAMPLE_RATE, rate)
    return resample_poly(x, SAMPLE_RATE // g, rate // g).astype(np.float32)


def write_wav(path: str | os.PathLike[str], x: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """16-bit mono PCM."""
    pcm = (np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


@dataclass
class Clip:
    path: Path
    text: str          # normalised transcript
    voice: str = ""
    where: str = ""    # "file:line" of its transcript line


@dataclass
class SpeechData:
    name: str
    train: list[Clip]
    valid: list[Clip]
    test: list[Clip] = field(default_factory=list)


def read_transcripts(path: str | os.PathLike[str]) -> list[Clip]:
    """Clips of one transcript file (lines 'wav-path TAB text [TAB voice]'); a missing WAV names its line."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such transcript file")
    clips: list[Clip] = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        where = f"{p}:{n}"
        if len(parts) < 2 or not parts[1].strip():
            raise ValueError(f"{where}: expected 'wav-path<TAB>transcript[<TAB>voice]', got {line[:80]!r}")
        wav = (p.parent / parts[0].strip()).resolve()
        if not wav.is_file():
            raise FileNotFoundError(f"{where}: names WAV file {parts[0].strip()!r}, which does not exist ({wav})")
        text = normalise_text(parts[1], where)
        clips.append(Clip(wav, text, parts[2].strip() if len(parts) > 2 else "", where))
    if not clips:
        raise ValueError(f"{p}: expected at least one clip line, got none")
    return clips


def load_speech_data(folder: str | os.PathLike[str], valid_fraction: float = 0.1, split_seed: int = 0) -> SpeechData:
    """train.tsv, valid.tsv (or a held-out share of train) and test.tsv of a corpus folder."""
    d = Path(folder)
    if not d.is_dir():
        raise FileNotFoundError(f"--data: expected a folder with train.tsv, got {str(d)!r} (no such folder)")
    if not (d / "train.tsv").is_file():
        raise FileNotFoundError(f"--data: expected {d / 'train.tsv'} (lines 'wav<TAB>transcript'), it does not exist; "
                                f"`rnnkit speech make-data --out {d}` writes a corpus")
    train = read_transcripts(d / "train.tsv")
    if (d / "valid.tsv").is_file():
        valid = read_transcripts(d / "valid.tsv")
    else:
        order = list(range(len(train)))
        random.Random(split_seed).shuffle(order)
        k = max(1, round(valid_fraction * len(train)))
        if k >= len(train):
            raise ValueError(f"--data: {d / 'train.tsv'} holds {len(train)} clips, too few to hold out a validation share")
        held = set(order[:k])
        valid = [c for i, c in enumerate(train) if i in held]
        train = [c for i, c in enumerate(train) if i not in held]
    test = read_transcripts(d / "test.tsv") if (d / "test.tsv").is_file() else []
    return SpeechData(d.name, train, valid, test)
