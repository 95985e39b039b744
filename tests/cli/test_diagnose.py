"""`rnnkit diagnose`: each action writes its picture and numbers; bad input gets a clear error."""

from __future__ import annotations

import argparse
import re

import pytest
import torch

from rnnkit.cli import diagnose
from rnnkit.cli.main import main
from tests.cli.helpers import flag_help


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # shared machine: small runs are faster on one thread
    yield
    torch.set_num_threads(before)


def _parse(argv):
    parser = argparse.ArgumentParser(prog="rnnkit")
    diagnose.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.mark.parametrize("action", ["vanishing", "clipping", "states"])
def test_every_flag_has_help(action):
    flags = flag_help(["diagnose", action])
    assert "--out" in flags
    for flag, text in flags.items():
        assert len(text) > 5, (action, flag, text)


def test_clipping_shows_the_explosion_and_the_cure(tmp_path, capsys):
    args = _parse(["diagnose", "clipping", "--steps", "10", "--out", str(tmp_path)])
    assert args.func(args) == 0
    png = tmp_path / "clipping.png"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    out = capsys.readouterr().out
    found = dict(re.findall(r"^\s*(no clipping|clip 1): .*largest gradient norm ([\d.e+]+)", out, re.M))
    assert float(found["no clipping"]) > 10  # radius 2 explodes (the norm before clipping is logged)
    losses = dict(re.findall(r"^\s*(no clipping|clip 1): final loss ([\d.]+)", out, re.M))
    assert float(losses["clip 1"]) < float(losses["no clipping"])
    assert f"wrote {png}" in out


def test_vanishing_writes_png_and_table(tmp_path, capsys):
    args = _parse(["diagnose", "vanishing", "--delay", "3", "5", "--steps", "2", "--hidden-size", "8",
                   "--seeds", "0", "1", "--out", str(tmp_path)])
    assert args.func(args) == 0
    assert (tmp_path / "vanishing.png").stat().st_size > 10_000
    table = (tmp_path / "vanishing.md").read_text()
    assert table.startswith("| delay | cell | init | lr | clip | MSE (seeds 0, 1) |")
    assert "| 5 | gru | chrono | 0.01 | 1 |" in table and "| 3 | rnn_tanh | xavier | 0.003 | 1 |" in table
    out = capsys.readouterr().out
    assert out.count("seed 1  MSE") == 6  # one progress line per cell, delay and seed


def test_vanishing_flags_reach_the_config(tmp_path, capsys):
    args = _parse(["diagnose", "vanishing", "--task", "copy", "--delay", "4", "--cells", "lstm", "gru", "--steps",
                   "1", "--hidden-size", "4", "--lr", "0.02", "--clip-norm", "3", "--init", "xavier",
                   "--forget-bias", "2", "--out", str(tmp_path), "--no-progress"])
    assert args.func(args) == 0
    table = (tmp_path / "vanishing.md").read_text()
    assert "| 4 | lstm | xavier | 0.02 | 3 | " in table and "cross-entropy (seeds 0)" in table
    assert capsys.readouterr().out.count("seed 0") == 0  # --no-progress


@pytest.mark.parametrize("argv,msg", [
    (["--delay", "-5"], "--delays: expected an int >= 2, got -5"),
    (["--lr", "0"], r"--lr: expected a number in \(0.0, inf\), got 0.0"),
    (["--clip-norm", "x"], "--clip-norm: expected a number or 'none', got 'x'"),
    (["--seeds", "-1"], "--seeds: expected an int >= 0, got -1"),
    (["--cells", "lstm", "tcn"], "--cells: expected one of lstm, gru, rnn_tanh, rnn_relu, got 'tcn'"),
])
def test_bad_vanishing_flags_are_one_clear_line(argv, msg, capsys):
    try:
        code = main(["diagnose", "vanishing", *argv])
    except SystemExit as stop:  # a flag argparse itself cannot parse: usage line, then the error
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert re.search(msg, err[-1]), err


def test_states_from_a_textgen_checkpoint(tmp_path, capsys):
    from rnnkit.data.text import CharTokenizer
    from rnnkit.tasks.textgen.checkpoint import textgen_model_config
    from rnnkit.tasks.textgen.config import LanguageModelConfig, TextGenConfig
    from rnnkit.tasks.textgen.model import LanguageModel
    from rnnkit.training import save_checkpoint

    text = 'he said "no" and "yes".'
    tok = CharTokenizer.fit(text)
    cfg = LanguageModelConfig(vocab_size=len(tok), hidden_size=8)
    torch.manual_seed(0)
    model = LanguageModel(cfg)
    path = tmp_path / "ckpt.pt"
    save_checkpoint({"format": 1, "model_config": textgen_model_config(cfg, tok, TextGenConfig()),
                     "model": model.state_dict(), "step": 0}, path)
    args = _parse(["diagnose", "states", "--checkpoint", str(path), "--text", text, "--out", str(tmp_path / "o")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"^l0 gate f: \d+\.\d% < 0\.1, \d+\.\d% > 0\.9, mean 0\.\d{3}$", out, re.M)
    rs = [float(r) for r in re.findall(r"unit \d+: r = ([+-]\d\.\d{3}) with quotes", out)]
    assert len(rs) == 5 and all(-1 <= r <= 1 for r in rs) and rs == sorted(rs, key=abs, reverse=True)
    assert (tmp_path / "o" / "states.png").stat().st_size > 10_000
    assert (tmp_path / "o" / "states.png").is_file() and (tmp_path / "o" / "states.json").is_file()


def test_states_missing_checkpoint():
    args = _parse(["diagnose", "states", "--checkpoint", "/no/such.pt", "--text", "a"])
    with pytest.raises(FileNotFoundError, match="--checkpoint"):
        args.func(args)


def test_no_action_is_a_value_error():
    args = _parse(["diagnose"])
    with pytest.raises(ValueError, match="diagnose needs an action"):
        args.func(args)
