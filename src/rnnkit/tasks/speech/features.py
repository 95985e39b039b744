"""Audio to frames: log-mel filterbanks or MFCC (python_speech_features), normalisation, SpecAugment.

Letters: N samples, T frames, F features per frame. With window W and hop S samples
(400 and 160 at 16 kHz: 25 ms every 10 ms), frame t covers samples t*S .. t*S + W - 1
of the pre-emphasised signal

    y[n] = x[n] - a x[n-1]                                 (a = preemphasis, x[-1] = 0)

and an utterance of N samples has T = 1 + (N - W) // S frames: a last, partial window
is dropped rather than zero-padded. `FeatureStream` carries the last raw sample (for
the pre-emphasis) and the samples not yet framed from one chunk of audio to the next, so
features computed chunk by chunk equal those of the whole file (`features` is a stream
fed everything at once), which is what lets streaming transcription equal offline.

Normalisation: 'utterance' standardises each feature over the utterance (here); 'global'
uses the training set's mean and deviation, stored in the model (`SpeechRecognizer`),
and is the one that streaming allows. SpecAugment (Park et al., 2019) masks a few
random bands of frequencies and stretches of time during training only.
"""

from __future__ import annotations

import numpy as np
import torch

from rnnkit.tasks.speech.config import SAMPLE_RATE, FeatureConfig


def frame_sizes(cfg: FeatureConfig) -> tuple[int, int]:
    """(window W, hop S) in samples."""
    return int(round(cfg.window_ms * SAMPLE_RATE / 1000)), int(round(cfg.hop_ms * SAMPLE_RATE / 1000))


def _nfft(window: int) -> int:
    return 1 << (window - 1).bit_length()  # the power of two >= W (512 for 400)


class FeatureStream:
    """Feed audio in chunks, get the frames each chunk completes: push(x (n,)) -> (t, F) float32."""

    def __init__(self, cfg: FeatureConfig) -> None:
        self.cfg = cfg
        self.window, self.hop = frame_sizes(cfg)
        self.last = 0.0                               # x[-1] of the next chunk
        self.pending = np.zeros(0, dtype=np.float64)  # pre-emphasised samples not yet framed out

    def push(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        if len(x):
            prev = np.concatenate([[self.last], x[:-1]])
            y = x - self.cfg.preemphasis * prev                           # (n,)
            self.last = float(x[-1])
            self.pending = np.concatenate([self.pending, y])
        T = 0 if len(self.pending) < self.window else 1 + (len(self.pending) - self.window) // self.hop
        if T == 0:
            return np.zeros((0, self.cfg.num_features), dtype=np.float32)
        used = self.window + (T - 1) * self.hop                           # exactly T windows, no padding
        frames = _frames(self.pending[:used], self.cfg, self.window, self.hop)  # (T, F)
        self.pending = self.pending[T * self.hop:]
        return frames


def _frames(y: np.ndarray, cfg: FeatureConfig, window: int, hop: int) -> np.ndarray:
    import python_speech_features as psf

    common = dict(samplerate=SAMPLE_RATE, winlen=window / SAMPLE_RATE, winstep=hop / SAMPLE_RATE,
                  nfilt=cfg.num_filters, nfft=_nfft(window), preemph=0.0, winfunc=np.hamming)
    if cfg.features == "fbank":
        out = np.log(psf.fbank(y, **common)[0])                           # (T, num_filters), psf.logfbank + a window
    else:
        out = psf.mfcc(y, numcep=cfg.num_ceps, **common)                  # (T, num_ceps)
    return out.astype(np.float32)


def features(x: np.ndarray, cfg: FeatureConfig, where: str = "audio") -> torch.Tensor:
    """Frames (T, F) of a whole utterance, normalised per utterance when cfg.normalise == 'utterance'."""
    frames = FeatureStream(cfg).push(x)
    if len(frames) == 0:
        window, _ = frame_sizes(cfg)
        raise ValueError(f"{where}: expected at least {window} samples ({cfg.window_ms:g} ms), got {len(x)}")
    f = torch.from_numpy(frames)
    return normalise_utterance(f) if cfg.normalise == "utterance" else f


def normalise_utterance(f: torch.Tensor) -> torch.Tensor:
    """(f - mean_t f) / std_t f per feature, over the T frames of one utterance."""
    mu = f.mean(0, keepdim=True)                                           # (1, F)
    sd = f.std(0, unbiased=False, keepdim=True).clamp_min(1e-5)
    return (f - mu) / sd


def spec_augment(f: torch.Tensor, g: torch.Generator, *, time_masks: int, time_width: int, freq_masks: int,
                 freq_width: int, fill: torch.Tensor | float = 0.0) -> torch.Tensor:
    """A copy of f (T, F) with `freq_masks` bands of <= freq_width bins and `time_masks` stretches of
    <= time_width frames (each at most a fifth of T) set to `fill` (the normalised mean)."""
    f = f.clone()
    T, F = f.shape
    fill_row = torch.as_tensor(fill, dtype=f.dtype).expand(F)
    for _ in range(freq_masks):
        w = int(torch.randint(0, freq_width + 1, (1,), generator=g))
        if 0 < w < F:
            f0 = int(torch.randint(0, F - w + 1, (1,), generator=g))
            f[:, f0:f0 + w] = fill_row[f0:f0 + w]
    for _ in range(time_masks):
        w = min(int(torch.randint(0, time_width + 1, (1,), generator=g)), T // 5)
        if w > 0:
            t0 = int(torch.randint(0, T - w + 1, (1,), generator=g))
            f[t0:t0 + w] = fill_row
    return f
