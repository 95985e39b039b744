"""`textgen train --init-from RUN`: fine-tune a language model on new text (ULMFiT's second
stage). The new run starts from the run's weights (compared tensor by tensor), keeps its
vocabulary and architecture, and learns the new text; flags that contradict the run fail."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnnkit.data.datasets import Corpus, shakespeare_text
from rnnkit.tasks.classify.datasets import load_data
from rnnkit.tasks.classify.encode import one_line
from rnnkit.tasks.textgen.checkpoint import load_model
from rnnkit.tasks.textgen.config import TextGenConfig
from rnnkit.tasks.textgen.evaluate import evaluate_stream
from rnnkit.tasks.textgen.train import prepare_data, train
from rnnkit.training import TrainConfig

SRC = str(Path(__file__).resolve().parents[3] / "src")
WORD = TextGenConfig(data="unused", level="word", lowercase=True, split_punctuation=True, min_freq=2,
                     batch_size=8, bptt=20)
MODEL = {"hidden_size": 48, "embedding_size": 48, "tie_weights": True, "num_layers": 2}


@pytest.fixture(scope="module")
def reviews_file(tmp_path_factory):
    """The drug reviews' training texts (real data, labels unused), one per line."""
    data = load_data("drugreview")
    path = tmp_path_factory.mktemp("reviews") / "reviews.txt"
    path.write_text("\n".join(one_line(e.x) for e in data.train) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, module_one_thread):
    """A small word LM trained for 80 steps on 200k characters of Shakespeare."""
    text = shakespeare_text()[:220_000]
    data = prepare_data(WORD, Corpus("plays", text[:200_000], text[200_000:]))
    run = tmp_path_factory.mktemp("lm") / "run"
    train(WORD, MODEL, TrainConfig(lr=1e-2, max_steps=80, epochs=10, eval_every=80, run_dir=str(run),
                                   progress=False), data)
    return run


def test_fine_tuning_starts_from_the_runs_weights_and_keeps_its_vocabulary(pretrained, reviews_file, tmp_path):
    lm = load_model(pretrained)
    # other sizes and tokeniser options in the call: the run's own win (the CLI refuses them)
    cfg = TextGenConfig(data=str(reviews_file), level="char", bptt=20, batch_size=8)
    out = train(cfg, {"hidden_size": 7, "dropout": 0.1},
                TrainConfig(lr=1e-9, max_steps=1, epochs=1, eval_every=0, run_dir=str(tmp_path / "ft"),
                            progress=False, clip_norm=None), init_from=str(pretrained))
    assert out.data.tokenizer.to_dict() == lm.tokenizer.to_dict()
    assert out.model.config.hidden_size == 48 and out.model.config.num_layers == 2
    assert out.model.config.dropout == 0.1   # regularisation stays the caller's
    mine = dict(out.model.named_parameters())
    for name, w in lm.model.named_parameters():
        # one Adam step at lr 1e-9 moves a weight by about 1e-9
        torch.testing.assert_close(mine[name].detach(), w, rtol=0, atol=1e-6, msg=name)
    # the checkpoint of the new run carries the same vocabulary, so it loads alone
    again = load_model(tmp_path / "ft")
    assert again.tokenizer.to_dict() == lm.tokenizer.to_dict()
    # words of the reviews the plays never had are <unk>, not errors
    unk = lm.tokenizer.vocab.unk_id
    assert 0.05 < float((out.data.train_ids == unk).float().mean()) < 0.6


def test_fine_tuning_on_reviews_lowers_their_loss_below_the_pretrained_models(pretrained, reviews_file, tmp_path):
    cfg = WORD.replace(data=str(reviews_file))
    out = train(cfg, MODEL, TrainConfig(lr=5e-3, max_steps=60, epochs=10, eval_every=60,
                                        run_dir=str(tmp_path / "ft"), progress=False), init_from=str(pretrained))
    before = evaluate_stream(load_model(pretrained).model, out.data.valid_ids)["loss"]
    after = evaluate_stream(out.model, out.data.valid_ids)["loss"]
    assert after < before - 0.3, f"reviews' validation loss {after:.3f} vs the plays' model {before:.3f}"


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "rnnkit.cli.main", "textgen", "train", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_cli_refuses_a_flag_that_contradicts_the_run(pretrained, reviews_file, tmp_path):
    res = _cli("--data", str(reviews_file), "--init-from", str(pretrained), "--hidden-size", "99",
               "--run-dir", str(tmp_path / "x"))
    assert res.returncode != 0
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "--hidden-size" in err[0] and "48" in err[0] and "99" in err[0], res.stderr


def test_cli_fine_tunes_with_the_runs_settings(pretrained, reviews_file, tmp_path):
    # repeating the run's own value is fine; level/case come from the run
    res = _cli("--data", str(reviews_file), "--init-from", str(pretrained), "--hidden-size", "48",
               "--max-steps", "3", "--max-seconds", "0", "--eval-every", "3", "--batch-size", "4", "--bptt", "10",
               "--sample-length", "5", "--no-progress", "--run-dir", str(tmp_path / "ft"))
    assert res.returncode == 0, res.stderr
    assert "--init-from" in res.stdout and "word level" in res.stdout and "<unk>" in res.stdout
    assert load_model(tmp_path / "ft").tokenizer.to_dict() == load_model(pretrained).tokenizer.to_dict()


def test_cli_names_init_from_for_a_missing_run(reviews_file, tmp_path):
    res = _cli("--data", str(reviews_file), "--init-from", str(tmp_path / "nowhere"), "--run-dir", str(tmp_path / "x"))
    assert res.returncode != 0
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].count("--init-from") >= 1, res.stderr
