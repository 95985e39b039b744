import json
import os
import signal

import pytest
import torch

from rnnkit.training import (CheckpointError, NonFiniteLossError, Task, TrainConfig, Trainer,
                             load_checkpoint)
from .training_helpers import classification_task, lm_task, quiet_config, weights


def grad_norm(model):
    return torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()])).item()


def test_clipping_bounds_the_global_norm_and_logs_the_norm_before(tmp_path):
    seen = []
    cb = lambda tr, rec: seen.append((rec["grad_norm"], grad_norm(tr.model)))
    task = classification_task(loss_scale=1e4)
    Trainer(task, quiet_config(tmp_path, max_steps=5, clip_norm=1.0), [cb]).fit()
    assert len(seen) == 5
    for before, after in seen:
        assert before > 10.0                       # the loss scale makes every raw norm large
        assert after == pytest.approx(1.0, rel=1e-4)  # rescaled to the threshold


def test_clip_value_bounds_each_element_and_no_clip_leaves_norm(tmp_path):
    maxima, norms = [], []
    cb = lambda tr, rec: maxima.append(max(p.grad.abs().max().item() for p in tr.model.parameters()))
    Trainer(classification_task(loss_scale=1e4), quiet_config(tmp_path, max_steps=3, clip_value=0.01, clip_norm=None),
            [cb]).fit()
    assert max(maxima) <= 0.01 + 1e-9
    cb2 = lambda tr, rec: norms.append((rec["grad_norm"], grad_norm(tr.model)))
    Trainer(classification_task(loss_scale=1e4), quiet_config(tmp_path / "b", max_steps=3, clip_norm=None), [cb2]).fit()
    for before, after in norms:
        assert after == pytest.approx(before, rel=1e-5) and after > 10


def run(tmp_path, name, **changes):
    task = classification_task(dropout=changes.pop("dropout", 0.3))
    cfg = quiet_config(tmp_path, run_dir=str(tmp_path / name), **changes)
    result = Trainer(task, cfg).fit()
    losses = [json.loads(line)["loss"] for line in open(tmp_path / name / "metrics.jsonl")
              if json.loads(line)["kind"] == "train"]
    return task, result, losses


def test_same_seed_gives_identical_losses_and_different_seed_does_not(tmp_path):
    _, _, a = run(tmp_path, "a", max_steps=12, epochs=2)
    _, _, b = run(tmp_path, "b", max_steps=12, epochs=2)
    _, _, c = run(tmp_path, "c", max_steps=12, epochs=2, seed=1)
    assert len(a) == 12 and a == b and a != c


def test_run_directory_layout_and_metrics(tmp_path):
    task, result, losses = run(tmp_path, "r", epochs=2, eval_every=4, plot=True)
    d = tmp_path / "r"
    assert sorted(p.name for p in d.iterdir()) == ["checkpoints", "config.json", "curves.png", "metrics.jsonl"]
    assert sorted(p.name for p in (d / "checkpoints").iterdir()) == ["best.pt", "last.pt"]
    assert json.loads((d / "config.json").read_text())["train_config"]["eval_every"] == 4
    assert (d / "curves.png").read_bytes()[:4] == b"\x89PNG"
    records = [json.loads(line) for line in open(d / "metrics.jsonl")]
    train = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train] == list(range(1, 17))       # 64 items / 8 = 8 steps per epoch
    assert all(r["grad_norm"] > 0 and r["items"] == 8 for r in train)
    assert [r["step"] for r in records if r["kind"] == "eval"] == [4, 8, 12, 16]
    assert result.stopped == "epochs" and result.step == 16 and result.epoch == 2
    best = load_checkpoint(d / "checkpoints" / "best.pt")
    assert best["step"] == result.best_step and best["model_config"] == {"input_size": 3, "hidden": 8}


def test_early_stopping_with_patience(tmp_path):
    task = classification_task()
    task.evaluate = lambda model: {"loss": 1.0}   # never improves after the first evaluation
    result = Trainer(task, quiet_config(tmp_path, epochs=50, eval_every=2, patience=3)).fit()
    assert result.stopped == "early_stopping"
    assert result.step == 8 and result.best_step == 2   # evals at 2 (best), 4, 6, 8 -> 3 bad
    task = classification_task()
    task.evaluate, task.metric, task.lower_is_better = (lambda m: {"acc": 0.5}), "acc", False
    assert Trainer(task, quiet_config(tmp_path / "b", epochs=50, eval_every=1, patience=2)).fit().step == 3


@pytest.mark.parametrize("schedule, expected_last_lr", [("cosine", 0.0), ("step", 0.1 * 0.5 ** 2)])
def test_per_step_schedules(tmp_path, schedule, expected_last_lr):
    lrs = []
    cfg = quiet_config(tmp_path, max_steps=8, lr=0.1, schedule=schedule, lr_step_size=4, optimizer="sgd")
    Trainer(classification_task(), cfg, [lambda tr, rec: lrs.append(tr.optimizer.param_groups[0]["lr"])]).fit()
    assert lrs[-1] == pytest.approx(expected_last_lr, abs=1e-12)
    assert lrs[0] < 0.1 if schedule == "cosine" else lrs[0] == 0.1


@pytest.mark.parametrize("schedule, expected", [
    ("none", [0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1, 0.1]),
    ("step", [0.025, 0.05, 0.075, 0.1, 0.05, 0.05, 0.05, 0.05]),
])
def test_warmup_rises_linearly_then_hands_over_to_the_schedule(tmp_path, schedule, expected):
    lrs = []
    cfg = quiet_config(tmp_path, max_steps=8, lr=0.1, schedule=schedule, warmup_steps=4, lr_step_size=4, optimizer="sgd")
    trainer = Trainer(classification_task(), cfg, [lambda tr, rec: lrs.append(rec["lr"])])
    trainer.fit()
    assert lrs == pytest.approx(expected, abs=1e-12)  # the lr each step was taken with


def test_plateau_schedule_decays_after_patience(tmp_path):
    task = classification_task()
    task.evaluate = lambda model: {"loss": 1.0}
    cfg = quiet_config(tmp_path, max_steps=6, eval_every=1, lr=0.1, schedule="plateau", lr_patience=1,
                       lr_gamma=0.5, optimizer="adamw")
    trainer = Trainer(task, cfg)
    trainer.fit()
    assert trainer.optimizer.param_groups[0]["lr"] < 0.1


def test_nan_loss_stops_with_step_and_keeps_last_checkpoint(tmp_path):
    task = classification_task(bad_step=7)
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    saved = {}
    keep = lambda tr, rec: saved.setdefault("bytes", last.read_bytes()) if rec["step"] == 6 else None
    trainer = Trainer(task, quiet_config(tmp_path, epochs=5, eval_every=4), [keep])
    with pytest.raises(NonFiniteLossError) as err:
        trainer.fit()
    assert last.read_bytes() == saved["bytes"]          # untouched by the failed run
    message = str(err.value)
    assert "loss is nan at step 7" in message and str(last) in message
    ckpt = load_checkpoint(last)
    assert ckpt["step"] == 4
    assert all(torch.isfinite(v).all() for v in ckpt["model"].values())
    fresh = classification_task()
    fresh.model.load_state_dict(ckpt["model"])    # loadable into a new model


def test_task_and_config_types_are_checked(tmp_path):
    with pytest.raises(TypeError, match="task must be an rnnkit.training.Task, got dict"):
        Trainer({}, TrainConfig())
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got int"):
        Task(model=3, train_batches=lambda e: [], loss=lambda m, b, s: None)
    task = classification_task()
    task.evaluate = lambda model: {"acc": 1.0}
    with pytest.raises(ValueError, match="must return the task metric 'loss', got keys \\['acc'\\]"):
        Trainer(task, quiet_config(tmp_path, max_steps=1)).fit()


def interrupt_at(step):
    def callback(trainer, record):
        if record["step"] == step:
            os.kill(os.getpid(), signal.SIGINT)   # a real Ctrl-C, delivered to the handler
    return callback


def test_ctrl_c_saves_checkpoint_and_returns(tmp_path):
    before = signal.getsignal(signal.SIGINT)  # default_int_handler; SIG_IGN in a background job
    trainer = Trainer(classification_task(), quiet_config(tmp_path, epochs=5), [interrupt_at(5)])
    result = trainer.fit()
    assert result.stopped == "interrupted" and result.step == 5
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["step"] == 5
    assert signal.getsignal(signal.SIGINT) is before  # handler restored


@pytest.mark.parametrize("config", [
    dict(epochs=3, eval_every=5, schedule="cosine", max_steps=21),
    dict(epochs=3, schedule="step", lr_step_size=3, optimizer="sgd", momentum=0.9),
])
def test_resume_gives_the_same_final_weights_as_an_uninterrupted_run(tmp_path, config):
    full = classification_task(dropout=0.3)
    steps = Trainer(full, quiet_config(tmp_path, run_dir=str(tmp_path / "full"), **config)).fit().step
    assert steps == 21 if "max_steps" in config else steps == 24
    part = classification_task(dropout=0.3)
    cut = quiet_config(tmp_path, run_dir=str(tmp_path / "cut"), **config)
    assert Trainer(part, cut, [interrupt_at(11)]).fit().stopped == "interrupted"
    resumed = classification_task(dropout=0.3)       # a fresh process would rebuild the task like this
    torch.manual_seed(12345)                         # and its global RNG would differ
    result = Trainer(resumed, cut).fit(resume=True)
    assert result.step == steps
    a, b = weights(full.model), weights(resumed.model)
    assert all(torch.equal(a[k], b[k]) for k in a)
    lines = [json.loads(x) for x in open(tmp_path / "cut" / "metrics.jsonl")]
    assert [r["step"] for r in lines if r["kind"] == "train"] == list(range(1, steps + 1))


def test_resume_refuses_a_tampered_checkpoint(tmp_path):
    cfg = quiet_config(tmp_path, max_steps=3)
    Trainer(classification_task(), cfg).fit()
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    last.write_bytes(last.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match="truncated"):
        Trainer(classification_task(), cfg).fit(resume=True)


def test_request_stop_from_a_callback_and_empty_epochs_stop(tmp_path):
    stop = lambda tr, rec: tr.request_stop("time budget") if rec["step"] == 3 else None
    result = Trainer(classification_task(), quiet_config(tmp_path, epochs=5), [stop]).fit()
    assert (result.stopped, result.step) == ("time budget", 3)
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["step"] == 3
    task = classification_task()
    inner = task.train_batches
    task.train_batches = lambda epoch: inner(epoch) if epoch == 0 else iter(())
    result = Trainer(task, quiet_config(tmp_path / "b", epochs=1000)).fit()
    assert (result.stopped, result.step, result.epoch) == ("no_batches", 8, 1)


def test_fresh_run_over_an_existing_checkpoint_warns(tmp_path):
    cfg = quiet_config(tmp_path, max_steps=2)
    Trainer(classification_task(), cfg).fit()
    with pytest.warns(UserWarning, match="last.pt exists; this fresh run will overwrite it"):
        Trainer(classification_task(), cfg).fit()


def test_bf16_precision_runs_the_forward_under_autocast_and_keeps_float32_weights(tmp_path):
    task = lm_task(n_tokens=400, rnnkit_layer=True)  # stateful: the carried state goes round in bfloat16
    inner, seen = task.loss, []

    def loss(model, batch, state):
        seen.append((torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu")))
        return inner(model, batch, state)

    task.loss = loss
    Trainer(task, quiet_config(tmp_path, epochs=2, precision="bf16")).fit()
    assert len(seen) == 2 * 20 and all(on and dtype == torch.bfloat16 for on, dtype in seen)
    assert not torch.is_autocast_enabled("cpu")  # only inside the step
    assert all(p.dtype == torch.float32 for p in task.model.parameters())


def test_bf16_precision_learns_as_float32_does(tmp_path):
    metrics = {}
    for precision in ("fp32", "bf16"):
        task = classification_task(n=128, rnnkit_layer=True)
        cfg = quiet_config(tmp_path, run_dir=str(tmp_path / precision), epochs=15, lr=2e-2, precision=precision)
        metrics[precision] = Trainer(task, cfg).fit().last_metrics
    assert metrics["bf16"]["accuracy"] >= 0.95  # chance is 0.5
    assert metrics["bf16"]["loss"] == pytest.approx(metrics["fp32"]["loss"], abs=0.05)


def test_auto_precision_takes_bf16_only_where_the_cpu_has_native_bf16(tmp_path, monkeypatch):
    from rnnkit.training.optim import resolve_precision

    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert resolve_precision("auto", cpu) == "fp32"
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert resolve_precision("auto", cpu) == "bf16"
    trainer = Trainer(classification_task(rnnkit_layer=True), quiet_config(tmp_path, max_steps=2, precision="auto"))
    trainer.fit()
    assert trainer.precision == "bf16"
    assert json.loads((tmp_path / "run" / "config.json").read_text())["precision"] == "bf16"


def test_every_step_trains_in_train_mode_after_evaluations_and_callbacks(tmp_path):
    """The loop switches back to train mode only when needed: after an evaluation (eval_every) and after a
    callback that left the model in eval mode (sampling), every step still runs with dropout on."""
    task = classification_task(dropout=0.5)
    modes, loss = [], task.loss

    def recording_loss(model, batch, state):
        modes.append(task.model.training)
        return loss(model, batch, state)

    task.loss = recording_loss
    leave_in_eval = lambda trainer, record: trainer.model.eval() if record["step"] % 3 == 0 else None  # noqa: E731
    Trainer(task, quiet_config(tmp_path, max_steps=12, epochs=10, eval_every=4), callbacks=[leave_in_eval]).fit()
    assert len(modes) == 12 and all(modes)
