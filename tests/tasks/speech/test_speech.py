"""End to end on a tiny synthetic corpus: training lowers CER, streaming equals offline, the CLI."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnkit.tasks.speech.checkpoint import load_recognizer
from rnnkit.tasks.speech.config import FeatureConfig, SpeechConfig, SpeechModelConfig
from rnnkit.tasks.speech.data import labels, read_wav
from rnnkit.tasks.speech.evaluate import log_probs_of, transcribe_features
from rnnkit.tasks.speech.model import SpeechRecognizer
from rnnkit.tasks.speech.stream import stream_file
from rnnkit.tasks.speech.synth import make_corpus
from rnnkit.tasks.speech.train import build_model, prepare, score, train
from rnnkit.training import TrainConfig

MODEL = {"bidirectional": False, "hidden_size": 64, "num_layers": 1, "dropout": 0.0}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, module_one_thread):
    return make_corpus(tmp_path_factory.mktemp("digits"), "digits", train=60, valid=8, test=8, noise=0.2, seed=0)


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    prepared = prepare(SpeechConfig(data=str(corpus), batch_size=8, time_masks=0, freq_masks=0),
                       FeatureConfig(normalise="global"))
    torch.manual_seed(0)
    before = score(build_model(prepared, MODEL).eval(), prepared.valid)
    run = tmp_path_factory.mktemp("run")
    out = train(prepared, MODEL, TrainConfig(lr=5e-3, max_steps=300, epochs=100, eval_every=150, run_dir=str(run),
                                             progress=False, plot=False))
    return prepared, out, before


def test_corpus_holds_out_test_voices(corpus):
    voices = {s: {line.split("\t")[2] for line in (corpus / f"{s}.tsv").read_text().splitlines()}
              for s in ("train", "valid", "test")}
    assert voices["test"] and not voices["test"] & (voices["train"] | voices["valid"])
    assert read_wav(corpus / "wav" / "train_00000.wav").dtype == np.float32


def test_short_training_lowers_cer(trained):
    _, out, before = trained
    assert before["cer"] > 0.9                       # an untrained model says nothing useful
    assert out.valid_metrics["cer"] < 0.75           # a few hundred steps already spell digits
    assert out.valid_metrics["cer"] < before["cer"] - 0.2


def test_streaming_equals_offline(trained):
    prepared, out, _ = trained
    rec = load_recognizer(out.fit.run_dir)
    for clip, feats in list(zip(prepared.data.valid, prepared.valid.feats))[:4]:
        x = read_wav(clip.path)
        offline = transcribe_features(rec.model, [feats])[0]
        for chunk_ms in (100.0, 37.0):
            partials = list(stream_file(rec, x, chunk_ms))
            assert partials[-1].text == offline
            assert all(b.text.startswith(a.text) for a, b in zip(partials, partials[1:]))  # text only grows


def test_streaming_log_probs_equal_offline():
    torch.manual_seed(1)
    for sub in ("stack", "conv", "none"):
        model = SpeechRecognizer(SpeechModelConfig(num_features=40, num_labels=len(labels()), subsample=sub,
                                                   bidirectional=False, hidden_size=16, num_layers=2)).eval()
        frames = torch.randn(53, 40)
        offline = log_probs_of(model, [frames])[0]                  # (T', V)
        st, parts = model.start_stream(), []
        for start in range(0, 53, 7):
            with torch.no_grad():
                lp, st = model.stream_step(frames[start:start + 7], st)
            parts.append(lp)
        torch.testing.assert_close(torch.cat(parts), offline, atol=1e-5, rtol=1e-5)


def test_streaming_refuses_a_bidirectional_model():
    model = SpeechRecognizer(SpeechModelConfig(num_features=40, num_labels=len(labels()), bidirectional=True))
    with pytest.raises(ValueError, match="--stream: needs a unidirectional model"):
        model.start_stream()


def test_padding_does_not_change_outputs():
    torch.manual_seed(2)
    model = SpeechRecognizer(SpeechModelConfig(num_features=40, num_labels=len(labels()), bidirectional=True,
                                               hidden_size=16)).eval()
    a, b = torch.randn(30, 40), torch.randn(61, 40)
    together = log_probs_of(model, [a, b])
    alone = [log_probs_of(model, [a])[0], log_probs_of(model, [b])[0]]
    for x, y in zip(together, alone):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=1e-5)


def test_cli_transcribe_offline_and_streaming(trained):
    prepared, out, _ = trained
    wav = str(prepared.data.valid[0].path)
    cmd = [sys.executable, "-m", "rnnkit", "speech", "transcribe", wav, "--checkpoint", str(out.fit.run_dir)]
    offline = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    streamed = subprocess.run(cmd + ["--stream"], capture_output=True, text=True, timeout=600)
    assert offline.returncode == 0 and streamed.returncode == 0, offline.stderr + streamed.stderr
    text = offline.stdout.strip()
    assert text == transcribe_features(out.model, [prepared.valid.feats[0]])[0]
    assert streamed.stdout.strip().splitlines()[-1].startswith(f"{wav}: {text}  (")
