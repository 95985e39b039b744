import os

import pytest
import torch

from rnnkit.training import CheckpointError, load_checkpoint, save_checkpoint


def payload():
    return {"model": {"w": torch.arange(6.0).reshape(2, 3)}, "step": 7, "config": {"lr": 0.1, "name": "x"},
            "rng": torch.get_rng_state(), "state": (torch.ones(1, 2, 3), torch.zeros(1, 2, 3)), "none": None}


def test_round_trip_keeps_every_value(tmp_path):
    path = save_checkpoint(payload(), tmp_path / "c" / "last.pt")
    back = load_checkpoint(path)
    assert back["step"] == 7 and back["config"] == {"lr": 0.1, "name": "x"} and back["none"] is None
    assert torch.equal(back["model"]["w"], torch.arange(6.0).reshape(2, 3))
    assert torch.equal(back["state"][0], torch.ones(1, 2, 3))
    assert [p.name for p in path.parent.iterdir()] == ["last.pt"]  # no temp file left behind


def test_truncated_file_gives_clear_error(tmp_path):
    path = save_checkpoint(payload(), tmp_path / "last.pt")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(CheckpointError, match="truncated or padded: header says .* payload bytes, file has"):
        load_checkpoint(path)


def test_tampered_byte_gives_clear_error(tmp_path):
    path = save_checkpoint(payload(), tmp_path / "last.pt")
    data = bytearray(path.read_bytes())
    data[-50] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupted or was modified: SHA-256"):
        load_checkpoint(path)


def test_foreign_and_missing_files(tmp_path):
    plain = tmp_path / "plain.pt"
    torch.save({"w": torch.ones(2)}, plain)
    with pytest.raises(CheckpointError, match="not an rnnkit checkpoint"):
        load_checkpoint(plain)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    assert issubclass(CheckpointError, ValueError)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_payload_with_code_is_refused_even_with_a_valid_hash(tmp_path):
    path = save_checkpoint({"evil": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="could not be loaded safely"):
        load_checkpoint(path)


def test_failed_write_leaves_old_checkpoint_intact(tmp_path, monkeypatch):
    path = save_checkpoint({"step": 1}, tmp_path / "last.pt")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint({"step": 2}, path)
    monkeypatch.undo()
    assert load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]
