"""The training budget (steps and seconds) and the schedules that follow it, on a fake clock."""

import json
import math

import pytest
import torch

from rnnkit.training import Trainer
from rnnkit.training import budget as budget_module
from rnnkit.training.budget import Budget
from .training_helpers import classification_task, quiet_config, weights


class FakeClock:
    """time.perf_counter for the budget: seconds pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(budget_module, "time", fake)
    return fake


def test_budget_ends_within_itself_and_pauses_do_not_count(clock):
    b = Budget(max_seconds=3.5)
    b.start()
    steps = 0
    while not b.exhausted(steps):  # asked after each step, as the Trainer does
        clock.now += 1.0           # one step takes 1 s
        steps += 1
        b.step_done()
        if steps == 1:
            with b.paused():       # an evaluation of 5 s
                clock.now += 5.0
    # after 3 steps (3 s) a 4th would end at 4 s > 3.5 s: stop there
    assert steps == 3 and b.seconds == 3.0 and b.exhausted(3) == "time budget"
    b.stop()
    clock.now += 60.0              # saving, the final evaluation ...
    assert b.seconds == 3.0


def test_progress_is_the_larger_share_of_steps_and_seconds(clock):
    b = Budget(max_steps=100, max_seconds=10.0)
    b.start()
    clock.now += 2.0
    assert b.progress(50) == 0.5 and b.progress(10) == 0.2
    assert Budget(max_steps=100).progress(100) == 1.0 and Budget().progress(10**6) == 0.0
    assert Budget(max_steps=4).exhausted(4) == "max_steps" and Budget(max_steps=4).exhausted(3) is None


def timed_task(clock, seconds_per_step=1.0, seconds_per_eval=5.0, **kwargs):
    task = classification_task(**kwargs)
    loss, evaluate = task.loss, task.evaluate

    def slow_loss(model, batch, state):
        clock.now += seconds_per_step
        return loss(model, batch, state)

    def slow_evaluate(model):
        clock.now += seconds_per_eval
        return evaluate(model)

    task.loss, task.evaluate = slow_loss, slow_evaluate
    return task


def records(run_dir, kind):
    return [r for r in map(json.loads, open(run_dir / "metrics.jsonl")) if r["kind"] == kind]


def test_trainer_stops_on_the_time_budget_without_counting_evaluations(clock, tmp_path):
    cfg = quiet_config(tmp_path, max_seconds=10.5, epochs=100, eval_every=4)
    result = Trainer(timed_task(clock), cfg).fit()
    assert result.stopped == "time budget" and result.step == 10 and result.train_seconds == 10.0
    assert [r["step"] for r in records(tmp_path / "run", "eval")] == [4, 8, 10]  # no empty extra epoch


def test_cosine_follows_a_time_budget(clock, tmp_path):
    cfg = quiet_config(tmp_path, max_seconds=60.0, epochs=100, schedule="cosine", lr=0.1)
    result = Trainer(timed_task(clock, seconds_per_eval=0.0), cfg).fit()
    lrs = [r["lr"] for r in records(tmp_path / "run", "train")]
    assert result.step == 60 == len(lrs)
    # step n is taken at progress (n - 1) / 60 of the budget
    expected = [0.1 * 0.5 * (1 + math.cos(math.pi * (n - 1) / 60)) for n in range(1, 61)]
    assert lrs == pytest.approx(expected, rel=1e-9)


def test_anneal_with_warmup_over_a_step_budget(tmp_path):
    cfg = quiet_config(tmp_path, max_steps=20, epochs=100, schedule="anneal", anneal_share=0.5, warmup_steps=4,
                       lr=0.2)
    Trainer(classification_task(), cfg).fit()
    lrs = [r["lr"] for r in records(tmp_path / "run", "train")]
    warm = [min(1.0, n / 4) for n in range(1, 21)]
    tail = [min(1.0, (1 - (n - 1) / 20) / 0.5) for n in range(1, 21)]
    assert lrs == pytest.approx([0.2 * w * t for w, t in zip(warm, tail)], rel=1e-9)
    assert lrs[:4] == pytest.approx([0.05, 0.1, 0.15, 0.2]) and lrs[-1] == pytest.approx(0.02)


@pytest.mark.parametrize("limit", [{"max_steps": 6}, {"max_seconds": 6.5}])
def test_resuming_a_finished_run_changes_nothing(clock, tmp_path, limit, capsys):
    cfg = quiet_config(tmp_path, epochs=100, eval_every=3, **limit)
    task = timed_task(clock, seconds_per_eval=0.0)
    first = Trainer(task, cfg).fit()
    assert first.step == 6
    before = weights(task.model)
    log_before = (tmp_path / "run" / "metrics.jsonl").read_text()
    again = timed_task(clock, seconds_per_eval=0.0)
    result = Trainer(again, cfg).fit(resume=True)
    assert result.stopped == "already finished" and result.step == 6
    assert "already reached its limit" in capsys.readouterr().out
    for k, v in weights(again.model).items():
        assert torch.equal(v, before[k]), k
    assert (tmp_path / "run" / "metrics.jsonl").read_text() == log_before


def test_resume_with_a_larger_time_budget_continues_with_what_is_left(clock, tmp_path):
    cfg = quiet_config(tmp_path, epochs=100, max_seconds=4.5)
    Trainer(timed_task(clock, seconds_per_eval=0.0), cfg).fit()
    result = Trainer(timed_task(clock, seconds_per_eval=0.0), cfg.replace(max_seconds=8.5)).fit(resume=True)
    assert result.step == 8 and result.train_seconds == 8.0


@pytest.mark.parametrize("limits, total", [({"max_seconds": 10.5, "epochs": 100}, None),   # time alone: a count
                                           ({"max_seconds": 10.5, "max_steps": 7}, 7),
                                           ({"epochs": 2}, 2 * 3)])                       # epochs x steps per epoch
def test_progress_bar_total_is_a_limit_the_run_can_reach(clock, tmp_path, limits, total):
    """Under a time budget alone, epochs x steps per epoch is no limit the run will reach (the demo showed
    "1991/2121000"): the bar counts steps instead."""
    task = timed_task(clock)
    task.steps_per_epoch = 3
    trainer = Trainer(task, quiet_config(tmp_path, progress=True, **limits))
    trainer.fit()
    assert trainer.progress.bar.total == total
