"""`rnnkit diagnose states` on any task's checkpoint: here a classifier, not a language model."""

import json

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.cli.main import main
from rnnkit.layers.masking import masked_mean
from rnnkit.tasks.registry import Loaded, register_kind
from rnnkit.training.checkpoint import save_checkpoint

ALPHABET = "abcdefghijklmnopqrstuvwxyz \"."


class CharClassifier(nn.Module):
    """chars -> embedding -> rnnkit.GRU -> mean over valid steps -> 2 classes."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(len(ALPHABET), 8)
        self.rnn = rnnkit.GRU(8, 6)
        self.head = nn.Linear(6, 2)

    def forward(self, ids: torch.Tensor, lengths=None) -> torch.Tensor:  # ids (T, B)
        out, _ = self.rnn(self.embedding(ids), lengths=lengths)           # (T, B, H)
        lengths = [ids.shape[0]] * ids.shape[1] if lengths is None else lengths
        return self.head(masked_mean(out, lengths))                       # (B, 2)


def load_classifier(ckpt: dict, path) -> Loaded:
    model = CharClassifier()
    model.load_state_dict(ckpt["model"])

    def encode_text(text: str):
        return (torch.tensor([ALPHABET.index(ch) for ch in text])[:, None],), list(text)

    return Loaded("test-classifier", model.eval(), path, 0, ckpt["model_config"], {}, encode_text)


@pytest.fixture
def classifier_checkpoint(tmp_path):
    register_kind("test-classifier", load_classifier)
    torch.manual_seed(0)
    model = CharClassifier()
    path = tmp_path / "clf.pt"
    save_checkpoint({"model_config": {"kind": "test-classifier"}, "model": model.state_dict()}, path)
    return path, model


def test_rnnkit_load_dispatches_on_the_kind(classifier_checkpoint):
    path, model = classifier_checkpoint
    loaded = rnnkit.load(path)
    assert loaded.kind == "test-classifier" and not loaded.model.training
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[k], v), k



def test_rnnkit_load_with_a_kind_refuses_another_kind_before_building_it(classifier_checkpoint):
    path, _ = classifier_checkpoint
    assert rnnkit.load(path, kind="test-classifier").kind == "test-classifier"
    with pytest.raises(ValueError, match=r"^--checkpoint: expected a translate checkpoint, got one of kind "
                                         r"'test-classifier' \("):
        rnnkit.load(path, kind="translate")


def test_states_draws_the_picture_of_a_classifier(classifier_checkpoint, tmp_path, capsys):
    path, _ = classifier_checkpoint
    out = tmp_path / "out"
    assert main(["diagnose", "states", "--checkpoint", str(path), "--text", 'he said "no" twice.',
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    png, numbers = out / "states.png", json.loads((out / "states.json").read_text())
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [s["gate"] for s in numbers["saturation"]] == ["r", "z"]  # the GRU's gates
    assert all(0.0 <= s["low"] <= 1.0 and 0.0 < s["mean"] < 1.0 for s in numbers["saturation"])
    assert len(numbers["correlated_units"]) == 5 and all(abs(u["r"]) <= 1 for u in numbers["correlated_units"])
    assert f"wrote {png}" in printed


def test_unknown_kind_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "odd.pt"
    save_checkpoint({"model_config": {"kind": "poetry"}, "model": {}}, path)
    assert main(["diagnose", "states", "--checkpoint", str(path), "--text", "x"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "got kind 'poetry'" in err and "textgen" in err
