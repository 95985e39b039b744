"""`rnnkit textgen` and its errors, through the real entry point."""

import contextlib
import io
import re

import pytest
import torch

from rnnkit.cli.main import main
from tests.cli.helpers import flag_help


@pytest.fixture(scope="module")
def trained(tmp_path_factory, module_one_thread):
    """(run directory, what `train` printed) of a 60-step run at a constant lr."""
    d = tmp_path_factory.mktemp("cli")
    text = d / "text.txt"
    text.write_text(("to be or not to be that is the question\n" * 300), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["textgen", "train", "--data", str(text), "--hidden-size", "32", "--max-steps", "60",
                     "--max-seconds", "0", "--schedule", "none", "--eval-every", "30", "--batch-size", "8",
                     "--bptt", "32", "--lr", "0.01", "--warmup-steps", "10", "--run-dir", str(d / "run"),
                     "--no-progress", "--sample-length", "40"])
    assert code == 0
    return d / "run", out.getvalue()


@pytest.fixture(scope="module")
def run_dir(trained):
    return trained[0]


def test_train_writes_checkpoints_curves_and_says_where(trained):
    run_dir, out = trained
    lines = out.splitlines()
    assert re.fullmatch(r"trained 60 steps in \d+ s; validation loss \d\.\d{3} nats/char, .*", lines[1])
    for name in ("checkpoints/best.pt", "metrics.jsonl", "curves.png"):
        said = next(line for line in lines if name in line)
        path = said.split(": ", 1)[1].split(",")[0]  # "  checkpoints: RUN/checkpoints/best.pt, last.pt"
        assert (run_dir.parent / path).exists() or __import__("pathlib").Path(path).exists(), said
    assert f"rnnkit textgen sample --checkpoint {run_dir}" in out
    assert len(out.split("--- sample (temperature 0.8) ---\n")[1].splitlines()[0]) > 0  # the sample itself


def test_sample_streams_prime_and_length(run_dir, capsys):
    assert main(["textgen", "sample", "--checkpoint", str(run_dir), "--prime", "to be", "--length", "30",
                 "--seed", "1", "--top-k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("to be") and len(out) == len("to be") + 30 + 1


def test_a_prime_outside_the_vocabulary_prints_nothing_but_the_error(run_dir, capsys):
    # the prime used to be written to stdout before it was encoded, leaving half a sample behind
    assert main(["textgen", "sample", "--checkpoint", str(run_dir), "--prime", "Zebra", "--length", "30"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "--prime: token 'Z' at position 0 is not in the vocabulary" in err


def test_eval_reports_nats_bits_and_perplexity(run_dir, capsys):
    assert main(["textgen", "eval", "--checkpoint", str(run_dir)]) == 0
    out = capsys.readouterr().out
    nats = float(out.split("cross-entropy")[1].split()[0])
    bits = float(out.split("bits per character")[1].split()[0])
    ppl = float(out.split("perplexity")[1].split()[0])
    assert nats < 1.5  # a very repetitive text is learned quickly
    assert bits == pytest.approx(nats / 0.693147, abs=2e-3) and ppl == pytest.approx(2.718281828 ** nats, rel=1e-2)


def test_complete_lists_k_words_with_probabilities(run_dir, capsys):
    assert main(["textgen", "complete", "to be or not to", "-k", "3", "--checkpoint", str(run_dir)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].split()[1] == "be"  # the only continuation this text has
    assert float(lines[0].split()[0]) > 0.5


@pytest.mark.parametrize("argv, match", [
    (["textgen", "train", "--data", "{bin}"], "--data: expected a UTF-8 text file, got binary data"),
    (["textgen", "train", "--data", "{empty}"], "--data: expected a UTF-8 text file with some text, got an empty file"),
    (["textgen", "train", "--data", "{latin1}"], "--data: expected a UTF-8 text file, got bytes that are not UTF-8"),
    (["textgen", "train", "--data", "{missing}"], "--data: expected 'shakespeare', 'ptb' or a path"),
    (["textgen", "train", "--hidden-size", "0"], "error: --hidden-size: expected an int >= 1, got 0"),
    (["textgen", "train", "--level", "byte"], "error: --level: expected one of char, word, got 'byte'"),
    (["textgen", "train", "--input-dropout", "1.5"], r"error: --input-dropout: expected a number in \[0.0, 1.0\), got 1.5"),
    (["textgen", "train", "--lr", "-1"], r"error: --lr: expected a number in \(0.0, inf\), got -1.0"),
    (["textgen", "train", "--schedule", "cosine", "--max-seconds", "0"], "error: --schedule: 'cosine' decays over"),
    (["textgen", "sample", "--checkpoint", "{run}", "--temperature", "-1"], "--temperature: expected a number > 0"),
    (["textgen", "sample", "--checkpoint", "{run}", "--top-p", "0"], r"--top-p: expected a number in \(0, 1\]"),
    (["textgen", "sample", "--checkpoint", "{run}", "--prime", "ZZZ"], "--prime: token 'Z' at position 0 is not in"),
    (["textgen", "sample", "--checkpoint", "{missing}"], "--checkpoint: expected a .pt file or a run directory"),
    (["textgen", "sample", "--checkpoint", "{bin}"], "is not an rnnkit checkpoint"),
    (["textgen", "complete", "to be", "-k", "0", "--checkpoint", "{run}"], "-k: expected an integer >= 1, got 0"),
])
def test_bad_inputs_give_one_line_errors(run_dir, tmp_path, capsys, argv, match):
    files = {"bin": tmp_path / "x.bin", "empty": tmp_path / "e.txt", "latin1": tmp_path / "l.txt",
             "missing": tmp_path / "nope.txt", "run": run_dir}
    files["bin"].write_bytes(bytes(range(256)) * 4)
    files["empty"].write_bytes(b"")
    files["latin1"].write_bytes("café crème ".encode("latin-1") * 20)
    argv = [a.format(**files) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("rnnkit textgen: error: ")
    assert re.search(match, err), err


@pytest.mark.parametrize("action", ["train", "sample", "eval", "complete"])
def test_every_flag_has_help(action):
    flags = flag_help(["textgen", action])
    assert "--help" in flags and len(flags) >= 3
    for flag, text in flags.items():
        assert len(text) > 5, (action, flag, text)
    if action == "train":  # derived from the config fields, with the flag's own default
        assert flags["--max-seconds"].endswith("(default: 300.0)") and "evaluations" in flags["--max-seconds"]
        assert flags["--clip-norm"].endswith("(default: 5.0)")


def test_resume_continues_to_the_same_weights_as_an_uninterrupted_run(run_dir, tmp_path):
    from rnnkit.training import load_checkpoint

    argv = ["textgen", "train", "--data", str(run_dir.parent / "text.txt"), "--hidden-size", "32",
            "--max-seconds", "0", "--schedule", "none", "--eval-every", "30", "--batch-size", "8", "--bptt", "32", "--lr", "0.01", "--warmup-steps", "10",
            "--run-dir", str(tmp_path / "run"), "--no-progress", "--sample-length", "0"]
    assert main(argv + ["--max-steps", "30"]) == 0  # "interrupted" after 30 of the fixture's 60 steps
    assert main(argv + ["--max-steps", "60", "--resume"]) == 0
    resumed = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["model"]
    straight = load_checkpoint(run_dir / "checkpoints" / "last.pt")["model"]
    assert resumed.keys() == straight.keys()
    for k in straight:
        assert torch.equal(resumed[k], straight[k]), k


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("some text to learn from\n" * 50, encoding="utf-8")
    argv = ["textgen", "train", "--data", str(text), "--run-dir", str(tmp_path / "none"), "--resume",
            "--no-progress", "--max-steps", "2"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "last.pt" in err and len(err.strip().splitlines()) == 1, err
