"""Configuration of speech recognition: features, the network, and the data around them.

`FeatureConfig` turns 16 kHz audio into frames; `SpeechModelConfig` rebuilds the network;
`SpeechConfig` says where the clips come from and how they are batched and augmented.
All three are saved inside the checkpoint as plain dicts (with the character list), so a
checkpoint alone transcribes a WAV file in a fresh process.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit.config import (Config, check_bool, check_choice, check_fraction, check_int, check_number, check_text,
                           option)
from rnnkit.layers.factory import check_cell

SAMPLE_RATE = 16000
FEATURE_KINDS = ("fbank", "mfcc")
NORMALISATIONS = ("utterance", "global")
SUBSAMPLINGS = ("none", "stack", "conv")


@dataclass(frozen=True)
class FeatureConfig(Config):
    """Log-mel filterbank or MFCC frames (python_speech_features), 25 ms windows every 10 ms."""

    features: str = option("fbank", "fbank (log-mel filterbank energies) or mfcc (cepstra of them)")
    num_filters: int = option(40, "mel filters, >= 4")
    num_ceps: int = option(13, "features='mfcc': cepstral coefficients kept, 1..num_filters")
    window_ms: float = option(25.0, "analysis window in milliseconds, (5, 100]")
    hop_ms: float = option(10.0, "step between frames in milliseconds, (1, window_ms]")
    preemphasis: float = option(0.97, "pre-emphasis y[n] = x[n] - a x[n-1], a in [0, 1)")
    normalise: str = option("utterance", (
        "utterance: each feature to zero mean and unit variance over the utterance (offline models); "
        "global: by the training set's mean and variance, stored in the model (needed for --stream)"))

    def __post_init__(self) -> None:
        check_choice("features", self.features, FEATURE_KINDS)
        check_int("num_filters", self.num_filters, 4)
        check_int("num_ceps", self.num_ceps, 1, self.num_filters)
        check_number("window_ms", self.window_ms, lo=5.0, hi=100.0, lo_open=True)
        check_number("hop_ms", self.hop_ms, lo=1.0, hi=self.window_ms, lo_open=True)
        check_fraction("preemphasis", self.preemphasis)
        check_choice("normalise", self.normalise, NORMALISATIONS)

    @property
    def num_features(self) -> int:
        return self.num_ceps if self.features == "mfcc" else self.num_filters


@dataclass(frozen=True)
class SpeechModelConfig(Config):
    """Frames -> optional subsampling -> stacked recurrent encoder -> linear to characters + blank."""

    num_features: int = option(help="numbers per input frame F, >= 1")
    num_labels: int = option(help="output classes: the characters plus the CTC blank (id 0), >= 2")
    subsample: str = option("stack", (
        "none; stack (concatenate subsample_factor frames, a frame rate cut with no parameters); conv (a "
        "strided 1-D convolution of width conv_width over subsample_factor steps, then ReLU)"))
    subsample_factor: int = option(3, "subsample != none: frames per output step, >= 1 (10 ms frames x 3 = 30 ms)")
    conv_channels: int = option(128, "subsample='conv': output channels, >= 1")
    conv_width: int = option(5, "subsample='conv': frames per window, >= subsample_factor")
    cell: str = option("lstm", "recurrent cell: lstm, gru, rnn_tanh or rnn_relu")
    hidden_size: int = option(160, "units per recurrent layer and direction, >= 1")
    num_layers: int = option(2, "stacked recurrent layers, >= 1")
    bidirectional: bool = option(True, "read each utterance both ways (offline only; --stream needs False)")
    dropout: float = option(0.1, "dropout on the encoder input, between layers and before the output, in [0, 1)")

    def __post_init__(self) -> None:
        check_int("num_features", self.num_features, 1)
        check_int("num_labels", self.num_labels, 2)
        check_choice("subsample", self.subsample, SUBSAMPLINGS)
        check_int("subsample_factor", self.subsample_factor, 1)
        check_int("conv_channels", self.conv_channels, 1)
        check_int("conv_width", self.conv_width, self.subsample_factor)
        check_cell(self.cell)
        check_int("hidden_size", self.hidden_size, 1)
        check_int("num_layers", self.num_layers, 1)
        check_bool("bidirectional", self.bidirectional)
        check_fraction("dropout", self.dropout)

    @property
    def window(self) -> tuple[int, int]:
        """(frames per subsampling window k, hop s): output step j reads frames j*s .. j*s + k - 1."""
        if self.subsample == "none":
            return 1, 1
        s = self.subsample_factor
        return (s, s) if self.subsample == "stack" else (self.conv_width, s)


@dataclass(frozen=True)
class SpeechConfig(Config):
    """Where the clips come from, how they are batched and augmented."""

    data: str = option("", (
        "a folder with train.tsv (and optional valid.tsv, test.tsv): one clip per line, WAV path (relative to "
        "the folder) TAB transcript [TAB voice]; `rnnkit speech make-data` writes one"))
    resample: bool = option(True, "resample WAVs at other rates to 16 kHz (scipy resample_poly); off: refuse them")
    valid_fraction: float = option(0.1, "share of train.tsv held out for validation when there is no valid.tsv, (0, 1)")
    split_seed: int = option(0, "seed of that hold-out")
    batch_size: int = option(32, "utterances per batch, >= 1")
    bucket: bool = option(True, "batch utterances of similar lengths together (less padding)")
    time_masks: int = option(2, "SpecAugment: time masks per training utterance, >= 0")
    time_mask_frames: int = option(10, "SpecAugment: widest time mask in frames, >= 0 (at most 1/5 of the utterance)")
    freq_masks: int = option(2, "SpecAugment: frequency masks per training utterance, >= 0")
    freq_mask_bins: int = option(6, "SpecAugment: widest frequency mask in feature bins, >= 0")
    beam_width: int = option(1, "validation decoding: 1 greedy, > 1 CTC prefix beam search")

    def __post_init__(self) -> None:
        check_text("data", self.data)
        check_bool("resample", self.resample)
        check_bool("bucket", self.bucket)
        check_fraction("valid_fraction", self.valid_fraction)
        if self.valid_fraction == 0:
            raise ValueError("valid_fraction: expected a number in (0, 1), got 0")
        check_int("split_seed", self.split_seed)
        check_int("batch_size", self.batch_size, 1)
        for name in ("time_masks", "time_mask_frames", "freq_masks", "freq_mask_bins"):
            check_int(name, getattr(self, name), 0)
        check_int("beam_width", self.beam_width, 1)
