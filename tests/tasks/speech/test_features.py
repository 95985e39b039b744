"""Features: chunk by chunk equals whole-file; shapes; per-utterance normalisation; SpecAugment."""

import numpy as np
import torch

from rnnkit.tasks.speech.config import FeatureConfig
from rnnkit.tasks.speech.features import FeatureStream, features, normalise_utterance, spec_augment


def noise_audio(n: int = 16000, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


def test_fbank_frame_count_and_no_padding():
    x = noise_audio(16000)
    f = features(x, FeatureConfig(normalise="global"))
    assert f.shape == (1 + (16000 - 400) // 160, 40)      # 98 frames: the partial last window is dropped


def test_mfcc_shape():
    assert features(noise_audio(8000), FeatureConfig(features="mfcc", num_ceps=13)).shape == (48, 13)


def test_features_in_chunks_equal_the_whole_file():
    x = noise_audio(12345, seed=1)
    for cfg in (FeatureConfig(normalise="global"), FeatureConfig(features="mfcc", normalise="global")):
        whole = FeatureStream(cfg).push(x)
        stream, parts = FeatureStream(cfg), []
        rng = np.random.default_rng(2)
        start = 0
        while start < len(x):
            n = int(rng.integers(1, 2000))  # ragged chunks, some shorter than one window
            parts.append(stream.push(x[start:start + n]))
            start += n
        chunked = np.concatenate(parts)
        assert chunked.shape == whole.shape
        np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-5)


def test_utterance_normalisation():
    f = normalise_utterance(torch.randn(50, 8) * 3 + 7)
    torch.testing.assert_close(f.mean(0), torch.zeros(8), atol=1e-5, rtol=0)
    torch.testing.assert_close(f.std(0, unbiased=False), torch.ones(8), atol=1e-4, rtol=0)


def test_spec_augment_masks_bands_and_stretches():
    f = torch.ones(100, 40)
    g = torch.Generator().manual_seed(0)
    out = spec_augment(f, g, time_masks=2, time_width=10, freq_masks=2, freq_width=6, fill=0.0)
    masked_bins = (out == 0).all(0).sum().item()
    masked_frames = (out == 0).all(1).sum().item()
    assert 0 < masked_bins <= 12 and 0 < masked_frames <= 20
    assert torch.equal(f, torch.ones(100, 40))  # the input is left alone
