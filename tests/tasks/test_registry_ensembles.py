"""`rnnkit.load` on an ensemble directory: the kind's combiner gets the members in the manifest's
order; members of mixed kinds, a kind without a combiner and a bad manifest give one-line errors."""

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.tasks.registry import Loaded, ensemble_members, register_kind, write_ensemble_manifest
from rnnkit.training.checkpoint import save_checkpoint


class Mean(nn.Module):
    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members]).mean(0)


def _load(kind: str):
    def loader(ckpt: dict, path) -> Loaded:
        model = nn.Linear(3, 1)
        model.load_state_dict(ckpt["model"])
        return Loaded(kind, model.eval(), path, int(ckpt["step"]), ckpt["model_config"], {"seed": ckpt["seed"]})
    return loader


def _combine(members: list[Loaded], path) -> Loaded:
    return Loaded("test-avg", Mean([m.model for m in members]), path, sum(m.step for m in members),
                  members[0].meta, {"seeds": [m.extras["seed"] for m in members]})


@pytest.fixture
def runs(tmp_path):
    register_kind("test-avg", _load("test-avg"), combine=_combine)
    register_kind("test-single", _load("test-single"))
    for name, kind, seed in (("a", "test-avg", 0), ("b", "test-avg", 1), ("c", "test-single", 2)):
        torch.manual_seed(seed)
        save_checkpoint({"model_config": {"kind": kind}, "model": nn.Linear(3, 1).state_dict(), "step": 10 + seed,
                         "seed": seed}, tmp_path / name / "checkpoints" / "best.pt")
    return tmp_path


def test_an_ensemble_directory_loads_as_the_combined_members_in_manifest_order(runs):
    write_ensemble_manifest(runs, ["b", "a"])
    loaded = rnnkit.load(runs)
    assert loaded.kind == "test-avg" and loaded.extras["seeds"] == [1, 0] and loaded.step == 21
    x = torch.randn(4, 3)
    want = (rnnkit.load(runs / "a").model(x) + rnnkit.load(runs / "b").model(x)) / 2
    torch.testing.assert_close(loaded.model(x), want)
    assert ensemble_members(runs) == [runs / "b", runs / "a"]


def test_members_of_other_kinds_are_refused(runs):
    write_ensemble_manifest(runs, ["a", "c"])
    with pytest.raises(ValueError, match=r"^--checkpoint: the members of the ensemble .* are of different kinds "
                                         r"\(test-avg, test-single\)$"):
        rnnkit.load(runs)
    with pytest.raises(ValueError, match=r"expected a test-single checkpoint, got one of kind 'test-avg'"):
        rnnkit.load(runs, kind="test-single")  # the expected kind is asked of every member


def test_a_kind_without_a_combiner_names_a_member_to_load(runs):
    write_ensemble_manifest(runs, ["c"])
    with pytest.raises(ValueError) as err:
        rnnkit.load(runs)
    assert str(err.value) == (f"--checkpoint: {runs} is an ensemble of 1 test-single models, which rnnkit.load "
                              f"cannot make one model of; load a member ({runs / 'c'}) or give the directory to "
                              f"`rnnkit test-single`")


@pytest.mark.parametrize("text", ['{"members": []}', '{"members": "a"}', '{"other": ["a"]}', "not json", "[1]"])
def test_a_bad_manifest_is_one_line(runs, text):
    (runs / "ensemble.json").write_text(text)
    with pytest.raises(ValueError, match=r"^--checkpoint: .*ensemble\.json: expected \{\"members\": \[run dirs\]\} "
                                         r"\(.*\)$"):
        rnnkit.load(runs)
