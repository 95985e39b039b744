"""`rnnkit textgen` and its errors, through the real entry point."""

import pytest
import torch

from rnnkit.cli.main import build_parser, main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, module_one_thread):
    d = tmp_path_factory.mktemp("cli")
    text = d / "text.txt"
    text.write_text(("to be or not to be that is the question\n" * 300), encoding="utf-8")
    code = main(["textgen", "train", "--data", str(text), "--hidden-size", "32", "--max-steps", "60",
                 "--max-seconds", "0", "--eval-every", "30", "--batch-size", "8", "--bptt", "32", "--lr", "0.01",
                 "--warmup-steps", "10", "--run-dir", str(d / "run"), "--no-progress", "--sample-length", "40"])
    assert code == 0
    return d / "run"


def test_train_writes_checkpoints_curves_and_says_where(run_dir, capsys):
    assert (run_dir / "checkpoints" / "best.pt").exists() and (run_dir / "curves.png").exists()


def test_sample_streams_prime_and_length(run_dir, capsys):
    assert main(["textgen", "sample", "--checkpoint", str(run_dir), "--prime", "to be", "--length", "30",
                 "--seed", "1", "--top-k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("to be") and len(out) == len("to be") + 30 + 1


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
    (["textgen", "train", "--hidden-size", "0"], "hidden_size: expected an int >= 1, got 0"),
    (["textgen", "train", "--level", "byte"], "level: expected 'char' or 'word', got 'byte'"),
    (["textgen", "train", "--input-dropout", "1.5"], r"input_dropout: expected a number in \[0, 1\), got 1.5"),
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
    import re
    assert re.search(match, err), err


def test_every_flag_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["textgen"]
    actions = next(a for a in sub._actions if a.dest == "action").choices
    assert set(actions) == {"train", "sample", "eval", "complete"}
    for name, p in actions.items():
        for a in p._actions:
            if a.dest != "help":
                assert a.help and len(a.help) > 5, (name, a.dest)


def test_resume_continues_to_the_same_weights_as_an_uninterrupted_run(run_dir, tmp_path):
    from rnnkit.training import load_checkpoint

    argv = ["textgen", "train", "--data", str(run_dir.parent / "text.txt"), "--hidden-size", "32",
            "--max-seconds", "0", "--eval-every", "30", "--batch-size", "8", "--bptt", "32", "--lr", "0.01", "--warmup-steps", "10",
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
