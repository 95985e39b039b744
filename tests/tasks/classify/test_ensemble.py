"""Ensembles: member k's hold-out, probabilities that are the members' mean, a saved ensemble
that eval and predict load, and the errors of what an ensemble cannot do."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.tasks.classify import ClassifyConfig, load_classifier, load_data, predict_proba
from rnnkit.tasks.classify.encode import encode
from rnnkit.tasks.classify.ensemble import Ensemble, load_ensemble, member_data, train_ensemble
from rnnkit.tasks.classify.predict import predict_texts
from rnnkit.training import TrainConfig

SRC = str(Path(__file__).resolve().parents[3] / "src")
MODEL = {"cell": "gru", "hidden_size": 16, "embedding_size": 16, "pooling": "mean", "bidirectional": True}


def test_members_hold_out_their_own_examples_of_the_same_pool_and_share_the_test():
    data = load_data("drugreview")
    pool = Counter(e.where for e in data.train + data.valid)
    assert member_data(data, 0, 0) is data
    valids = []
    for k in (1, 2):
        m = member_data(data, k, 1000 + k)
        assert Counter(e.where for e in m.train + m.valid) == pool          # the same 600, nothing lost or doubled
        assert len(m.valid) == len(data.valid) == 60 and m.test is data.test
        assert [e.where for e in member_data(data, k, 1000 + k).valid] == [e.where for e in m.valid]  # seeded
        valids.append({e.where for e in m.valid})
    first = {e.where for e in data.valid}
    assert valids[0] != first and valids[1] != first and valids[0] != valids[1]


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory, module_one_thread):
    """Two members trained briefly on the drug reviews."""
    run = tmp_path_factory.mktemp("ens") / "run"
    cfg = ClassifyConfig(data="drugreview", batch_size=32, max_length=60, class_weights=True)
    out = train_ensemble(cfg, MODEL, TrainConfig(lr=3e-3, max_steps=30, epochs=5, eval_every=15, progress=False,
                                                 plot=False, seed=3, run_dir=str(run)), members=2)
    return run, out


def test_ensemble_probabilities_are_the_mean_of_the_members(ensemble_run):
    run, out = ensemble_run
    assert (run / "ensemble.json").is_file() and (run / "member1" / "checkpoints" / "best.pt").is_file()
    assert [o.fit.run_dir.name for o in out.members] == ["member0", "member1"]
    ens = load_ensemble([run])
    assert len(ens) == 2
    test = load_data("drugreview").test
    # each member encodes with its own vocabulary (fitted on its own training part)
    assert ens.members[0].tokenizer.to_dict() != ens.members[1].tokenizer.to_dict()
    probs = []
    for m in ens.members:
        enc = encode(test, m.labels, m.tokenizer, m.task.max_length, None)
        probs.append(predict_proba(m.model, enc.xs))
    mean, ys = ens.proba_of_examples(test)
    torch.testing.assert_close(mean, (probs[0] + probs[1]) / 2)
    assert ens.score(test) == out.test_metrics  # what training reported is what the saved ensemble scores
    # the ad hoc ensemble of the two run directories is the same ensemble
    again = load_ensemble([run / "member0", run / "member1"])
    torch.testing.assert_close(again.proba_of_examples(test)[0], mean)
    texts = [(e.x, e.where) for e in test[:5]]
    torch.testing.assert_close(ens.proba_of_texts(texts), mean[:5])
    assert [label for label, _ in predict_texts(ens, texts)] == [ens.labels[int(i)] for i in mean[:5].argmax(1)]


def test_rnnkit_load_of_a_classifier_ensemble_names_a_member_to_load(ensemble_run):
    run, _ = ensemble_run  # its members keep their own vocabularies, so they are not one model
    with pytest.raises(ValueError) as err:
        rnnkit.load(run)
    msg = str(err.value)
    assert "\n" not in msg and f"{run} is an ensemble of 2 classify models" in msg
    assert f"load a member ({run / 'member0'})" in msg and "`rnnkit classify`" in msg
    assert rnnkit.load(run / "member1").kind == "classify"


def test_an_ensemble_of_one_is_the_classifier(ensemble_run):
    run, _ = ensemble_run
    clf = load_classifier(run / "member0")
    test = load_data("drugreview").test
    enc = encode(test, clf.labels, clf.tokenizer, clf.task.max_length, None)
    torch.testing.assert_close(Ensemble([clf]).proba_of_examples(test)[0], predict_proba(clf.model, enc.xs))


def test_members_with_other_labels_are_refused(ensemble_run):
    run, _ = ensemble_run
    a, b = load_classifier(run / "member0"), load_classifier(run / "member1")
    b.labels = ["bad", "good", "so-so"]
    with pytest.raises(ValueError, match="ensemble members must share their labels"):
        Ensemble([a, b])


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "rnnkit.cli.main", "classify", *args], capture_output=True,
                          text=True, env=env, timeout=180, input="this drug changed my life\nno effect at all\n")


def test_cli_eval_and_predict_load_a_saved_ensemble(ensemble_run):
    run, out = ensemble_run
    res = _cli("eval", "--checkpoint", str(run))
    assert res.returncode == 0, res.stderr
    assert "the mean of 2 classifiers' probabilities" in res.stdout
    assert f"macro-F1 {out.test_metrics['macro_f1']:.4f}" in res.stdout
    res = _cli("predict", "--checkpoint", str(run))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("this drug changed my life")
    for args, message in [(("eval", "--checkpoint", str(run), "--split", "valid"), "--split: an ensemble"),
                          (("predict", "--checkpoint", str(run), "--explain", "great"), "--explain: draws one")]:
        res = _cli(*args)
        err = res.stderr.strip().splitlines()
        assert res.returncode != 0 and len(err) == 1 and message in err[0], res.stderr


def test_cli_trains_an_ensemble(tmp_path):
    res = _cli("train", "--data", "drugreview", "--ensemble", "2", "--cell", "gru", "--hidden-size", "8",
               "--embedding-size", "8", "--max-length", "30", "--max-steps", "4", "--epochs", "1", "--eval-every", "2",
               "--no-progress", "--run-dir", str(tmp_path / "ens"))
    assert res.returncode == 0, res.stderr
    assert "member 0:" in res.stdout and "member 1:" in res.stdout and "members' probabilities averaged" in res.stdout
    assert (tmp_path / "ens" / "ensemble.json").is_file() and (tmp_path / "ens" / "results.json").is_file()
