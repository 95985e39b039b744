"""`Trainer`: the one training loop every rnnkit task uses.

Each step: forward through the task's loss (under bfloat16 autocast with
`precision="bf16"`; backward and optimiser stay float32), stop on a non-finite loss, backward,
optional clip-by-value, clip by global norm (on by default, see `TrainConfig`),
optimiser step, per-step schedule. The norm before clipping is logged every step.
Evaluation every `eval_every` steps (or each epoch) drives best-checkpoint keeping,
early stopping and the plateau schedule.

Run directory (`TrainConfig.run_dir`), written by rank 0 only::

    <run_dir>/
        config.json            train config + model config, as plain JSON
        metrics.jsonl          one line per step ("train") and per evaluation ("eval")
        curves.png             train/validation curves and gradient norm
        checkpoints/last.pt    latest state: resume from here (--resume)
        checkpoints/best.pt    state at the best validation metric so far

Ctrl-C finishes the current step, writes checkpoints/last.pt and returns with
`stopped == "interrupted"`; a second Ctrl-C aborts at once. A NaN/inf loss or
gradient norm raises `NonFiniteLossError` naming the step and the last good
checkpoint, which is left untouched.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import torch

from rnnkit.core.lowp_check import check_fused_lowp
from rnnkit.layers.recurrent import RecurrentLayer

from . import distributed as ddp
from .checkpoint import load_checkpoint, save_checkpoint
from .budget import Budget
from .config import TrainConfig
from .optim import (build_optimizer, build_scheduler, get_rng_state, resolve_precision, seed_everything,
                    set_rng_state)
from .runlog import MetricsLog, Progress, plot_curves
from .streams import detach_state, reset_state
from .task import Task

CHECKPOINT_FORMAT = 1


class NonFiniteLossError(FloatingPointError):
    """The loss or gradient norm became NaN/inf; the message names the step and the last good checkpoint."""


@dataclass
class FitResult:
    step: int
    epoch: int
    stopped: str    # "max_steps", "time budget", "epochs", "early_stopping", "interrupted", "no_batches",
    #                 "already finished" (a resume with nothing left to do) or a request_stop reason
    best_metric: float | None
    best_step: int | None
    last_metrics: dict[str, float]
    run_dir: Path
    train_seconds: float = 0.0  # training time of the whole run (evaluations and checkpoints not counted)


def _to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_to_device(v, device) for v in batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, device) for v in batch)
    if hasattr(batch, "to") and callable(batch.to):
        return batch.to(device)
    return batch


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but torch.cuda.is_available() is False")
    if name == "cuda" and ddp.is_distributed():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device(name)


class Trainer:
    """Train `task.model` as `config` says. `callbacks` are called as f(trainer, record) after every step."""

    def __init__(self, task: Task, config: TrainConfig,
                 callbacks: Iterable[Callable[["Trainer", dict[str, Any]], None]] = ()) -> None:
        if not isinstance(task, Task):
            raise TypeError(f"task must be an rnnkit.training.Task, got {type(task).__name__}")
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
        self.task, self.config, self.callbacks = task, config, list(callbacks)
        self.device = resolve_device(config.device)
        self.model = task.model.to(self.device)
        self.train_model = ddp.wrap_model(self.model, self.device)
        self.precision = resolve_precision(config.precision, self.device)  # "fp32" or "bf16"
        self._params = list(self.model.parameters())
        self.optimizer = build_optimizer(config, self._params)
        self.budget = Budget(config.max_steps, config.max_seconds)
        self.scheduler = build_scheduler(config, self.optimizer, task.lower_is_better,
                                         lambda step: self.budget.progress(step))  # self.budget changes on resume
        self.run_dir = Path(config.run_dir)
        self.last_path = self.run_dir / "checkpoints" / "last.pt"
        self.best_path = self.run_dir / "checkpoints" / "best.pt"
        self.is_main = ddp.is_main_process()
        self.step = self.epoch = self.batch_in_epoch = 0
        self.stream_state: Any = None
        self.best_metric: float | None = None
        self.best_step: int | None = None
        self.bad_evals = 0
        self.last_metrics: dict[str, float] = {}
        self.last_good: Path | None = None
        self._stop_reason: str | None = None

    # ----------------------------------------------------------------- public
    def fit(self, resume: bool = False) -> FitResult:
        """Train until max_steps, epochs or early stopping; with resume=True continue from checkpoints/last.pt."""
        if resume:
            self._restore(load_checkpoint(self.last_path, map_location=self.device))
            if (done := self._finished()) is not None:  # nothing left to do: leave the run as it is
                if self.is_main:
                    print(f"{self.run_dir} already reached its limit ({done}) at step {self.step}; nothing to resume "
                          f"(raise max_steps, max_seconds or epochs to train on)")
                return self._result("already finished")
        else:
            if self.is_main and self.last_path.exists():
                warnings.warn(f"{self.last_path} exists; this fresh run will overwrite it (another run "
                              f"directory keeps it; fit(resume=True), or --resume where a command has it, "
                              f"continues it)", stacklevel=2)
            seed_everything(self.config.seed + ddp.get_rank())
        self.lowp_kernels = self._check_lowp_kernels()
        self._write_config()
        self.log = MetricsLog(self.run_dir / "metrics.jsonl", self.is_main, self.step if resume else None)
        cfg = self.config
        if cfg.max_steps or cfg.max_seconds:  # under a time budget alone the end is unknown: the bar counts steps
            total = cfg.max_steps or None
        else:
            total = (self.task.steps_per_epoch or 0) * cfg.epochs or None
        self.progress = Progress(self.config.progress and self.is_main, total, self.step, self.task.unit)
        previous = self._install_sigint()
        self.budget.start()
        try:
            stopped = self._train()
            self.budget.stop()  # the final evaluation and checkpoint are not training
            if stopped != "interrupted" and self._last_eval_step != self.step:
                self._evaluate()
            self._save(self.last_path)
        finally:
            self.budget.stop()
            self._restore_sigint(previous)
            self.progress.close(self.step)
            self.log.close()
        if stopped == "interrupted" and self.is_main:
            print(f"interrupted at step {self.step}; checkpoint saved to {self.last_path}; "
                  f"continue with resume=True (--resume)")
        self._plot(final=True)
        return self._result(stopped)

    def _result(self, stopped: str) -> FitResult:
        return FitResult(self.step, self.epoch, stopped, self.best_metric, self.best_step,
                         self.last_metrics, self.run_dir, self.budget.seconds)

    def request_stop(self, reason: str = "stopped") -> None:
        """Ask the loop to stop after the current step, write checkpoints/last.pt and return `reason`.

        For callbacks (a target metric); the time budget calls it with "time budget", Ctrl-C with "interrupted".
        """
        self._stop_reason = reason

    # ------------------------------------------------------------ the loop
    def _train(self) -> str:
        cfg = self.config
        while self.epoch < cfg.epochs:
            batches = iter(self.task.train_batches(self.epoch))
            seen = sum(1 for _ in zip(range(self.batch_in_epoch), batches))  # resume: skip consumed batches
            for batch in batches:
                seen += 1
                stopped = self._after_step(self._train_step(batch))
                if stopped:
                    return stopped
            if seen == 0:
                return "no_batches"  # train_batches(epoch) gave nothing: stop rather than spin through epochs
            self.epoch, self.batch_in_epoch, self.stream_state = self.epoch + 1, 0, None
            if cfg.eval_every == 0 and self._evaluate_and_save():
                return "early_stopping"
        return "epochs"

    def _train_step(self, batch: Any) -> dict[str, Any]:
        t0 = time.perf_counter()
        batch = _to_device(batch, self.device)
        state = self._incoming_state(batch)
        if not self.model.training:  # evaluation and callbacks (sampling) switch the model to eval mode
            self.train_model.train()
        with self._autocast():
            loss, new_state, n_items = self.task.loss(self.train_model, batch, state)
        loss_value, n_items = self._reduce_loss(loss, n_items)
        if not math.isfinite(loss_value):
            self._fail("loss", loss_value)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = self._clip()
        if not math.isfinite(grad_norm):
            self._fail("gradient norm", grad_norm)
        lr = self.optimizer.param_groups[0]["lr"]  # the rate this step is taken with
        self.optimizer.step()
        if self.scheduler is not None and self.config.schedule != "plateau":  # per-step: warm-up, cosine, step
            self.scheduler.step()
        if self.task.stateful:
            self.stream_state = detach_state(new_state)  # truncated BPTT: gradients stop here
        self.step += 1
        self.batch_in_epoch += 1
        return {"kind": "train", "step": self.step, "epoch": self.epoch, "loss": loss_value,
                "grad_norm": grad_norm, "lr": lr, "items": n_items,
                "time": time.perf_counter() - t0}

    def _autocast(self) -> contextlib.AbstractContextManager:
        """bf16 autocast, or nothing: a disabled torch.autocast still costs a few µs a step."""
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _incoming_state(self, batch: Any) -> Any:
        if not self.task.stateful:
            return None
        state = self.stream_state
        starts = getattr(batch, "row_starts", None)
        if state is not None and starts is not None:
            state = reset_state(state, starts)
        return state

    def _reduce_loss(self, loss: torch.Tensor, n_items: int) -> tuple[float, int]:
        """Mean loss over all ranks (weighted by items) and total items; carries the Ctrl-C flag too."""
        if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
            raise ValueError(f"task.loss must return a scalar tensor as its loss, got {getattr(loss, 'shape', loss)!r}")
        value = loss.item()
        if not ddp.is_distributed():
            return value, int(n_items)
        t = torch.tensor([value * n_items, n_items, float(self._stop_reason is not None)], dtype=torch.float64,
                         device=self.device)
        ddp.all_reduce_sum(t)
        if t[2].item() > 0 and self._stop_reason is None:
            self._stop_reason = "stopped on another rank"
        return t[0].item() / max(t[1].item(), 1), int(t[1].item())

    def _clip(self) -> float:
        params = self._params  # clip_grad_*_ skip parameters without a gradient (frozen ones)
        if self.config.clip_value is not None:
            torch.nn.utils.clip_grad_value_(params, self.config.clip_value)
        max_norm = self.config.clip_norm if self.config.clip_norm is not None else math.inf
        return float(torch.nn.utils.clip_grad_norm_(params, max_norm))  # norm before clipping

    def _fail(self, what: str, value: float) -> None:
        where = f"the last good checkpoint is {self.last_good}" if self.last_good else "no checkpoint was written yet"
        raise NonFiniteLossError(
            f"{what} is {value} at step {self.step + 1} (epoch {self.epoch}); training stopped, {where}. "
            f"Try a lower lr, a smaller clip_norm, or check the data of this batch.")

    def _after_step(self, record: dict[str, Any]) -> str | None:
        cfg = self.config
        self.log.log(record)
        if self.step % cfg.log_every == 0:
            self._update_progress()
        for callback in self.callbacks:
            callback(self, record)
        early = cfg.eval_every > 0 and self.step % cfg.eval_every == 0 and self._evaluate_and_save()
        if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
            self._save(self.last_path)
        if early:
            return "early_stopping"
        self.budget.step_done()
        spent = self.budget.exhausted(self.step)
        if cfg.max_seconds and ddp.is_distributed():  # each rank has its own clock: all stop at the same step
            votes = ddp.all_reduce_sum(torch.tensor([float(spent is not None)], device=self.device))
            spent = spent or ("time budget" if votes.item() > 0 else None)
        if self._stop_reason is None and spent:
            self.request_stop(spent)
        return self._stop_reason

    def _finished(self) -> str | None:
        """Why a restored run has nothing left to do under this config, or None."""
        cfg = self.config
        if spent := self.budget.exhausted(self.step):  # the restored budget, under this config's limits
            return spent
        if self.epoch >= cfg.epochs:
            return "epochs"
        if cfg.patience and self.bad_evals >= cfg.patience:
            return "early_stopping"
        return None

    def _update_progress(self) -> None:
        recent = [r for r in self.log.records[-self.config.log_every:] if r["kind"] == "train"]
        postfix = {"loss": sum(r["loss"] for r in recent) / max(len(recent), 1)}
        if self.task.metric in self.last_metrics:
            postfix[f"val_{self.task.metric}"] = self.last_metrics[self.task.metric]
        self.progress.update(self.config.log_every, sum(r["items"] for r in recent), postfix)

    # ----------------------------------------------------- evaluation, early stopping
    _last_eval_step = -1
    _last_plot = -math.inf
    _plotted_records = -1

    def _evaluate_and_save(self) -> bool:
        """Evaluate, keep best.pt, write last.pt when due; True when early stopping says stop."""
        stop = self._evaluate()
        if self.config.checkpoint_every == 0:
            self._save(self.last_path)
        return stop

    def _evaluate(self) -> bool:
        with self.budget.paused():  # not training time
            return self._evaluate_now()

    def _evaluate_now(self) -> bool:
        self._last_eval_step = self.step
        if self.task.evaluate is None:
            return False
        self.model.eval()
        with torch.no_grad():
            metrics = self.task.evaluate(self.model)
        metrics = ddp.all_reduce_mean({k: float(v) for k, v in metrics.items()}, self.device)
        if self.task.metric not in metrics:
            raise ValueError(f"task.evaluate must return the task metric {self.task.metric!r}, got keys {sorted(metrics)}")
        value = metrics[self.task.metric]
        improved = self._is_improvement(value)
        if improved:
            self.best_metric, self.best_step, self.bad_evals = value, self.step, 0
            self._save(self.best_path)
        else:
            self.bad_evals += 1
        if self.config.schedule == "plateau":
            self.scheduler.step(value)
        self.last_metrics = metrics
        self.log.log({"kind": "eval", "step": self.step, "epoch": self.epoch, **metrics, "best": improved})
        self.log.flush()
        self._plot()
        return self.config.patience > 0 and self.bad_evals >= self.config.patience

    def _is_improvement(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best_metric is None:
            return True
        delta = self.config.min_delta
        if self.task.lower_is_better:
            return value < self.best_metric - delta
        return value > self.best_metric + delta

    PLOT_EVERY_SECONDS = 30.0  # during training, redraw curves.png at most this often (drawing takes ~0.5 s)

    def _plot(self, final: bool = False) -> None:
        now = time.perf_counter()
        if not (self.is_main and self.config.plot) or (not final and now - self._last_plot < self.PLOT_EVERY_SECONDS):
            return
        if len(self.log.records) == self._plotted_records:  # e.g. the final draw right after the last eval's
            return
        plot_curves(self.log.records, self.run_dir / "curves.png", self.task.metric,
                    self.config.log_every, self.config.clip_norm)
        self._last_plot, self._plotted_records = now, len(self.log.records)

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything a checkpoint holds (see `rnnkit.training.checkpoint`)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "train_config": self.config.to_dict(),
            "model_config": self.task.model_config,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "rng": ddp.all_gather_object(get_rng_state()),  # one per rank: dropout masks differ by rank
            "step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
            "stream_state": detach_state(self.stream_state),
            "early_stopping": {"best_metric": self.best_metric, "best_step": self.best_step,
                               "bad_evals": self.bad_evals, "last_eval_step": self._last_eval_step},
            "world_size": ddp.get_world_size(),
            "budget": {"train_seconds": self.budget.seconds, "last_step_seconds": self.budget.last_step},
        }

    def _save(self, path: Path) -> None:
        with self.budget.paused():  # not training time
            state = self.state_dict()  # every rank takes part (it gathers their RNG states)
            if self.is_main:
                save_checkpoint(state, path)
                if path == self.last_path:
                    self.last_good = path
                self.log.flush()
            ddp.barrier()

    def _restore(self, ckpt: dict[str, Any]) -> None:
        if ckpt.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"checkpoint format must be {CHECKPOINT_FORMAT}, got {ckpt.get('format')!r}")
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        if self.scheduler is not None and ckpt["scheduler"] is not None:
            self.scheduler.load_state_dict(ckpt["scheduler"])
        rank, states = ddp.get_rank(), ckpt["rng"]
        states = states if isinstance(states, list) else [states]  # checkpoints before 0.1 kept rank 0's only
        if len(states) == ddp.get_world_size():
            set_rng_state(states[rank])
        else:  # another number of processes: the saved streams don't map onto ranks; reseed from (seed, rank, step)
            warnings.warn(f"resuming a {ckpt['world_size']}-process run with {ddp.get_world_size()} processes: "
                          f"data order and dropout are reseeded, so the run is not bit-identical", stacklevel=3)
            seed_everything(self.config.seed + 1000 * rank + ckpt["step"])
        budget = ckpt.get("budget", {"train_seconds": 0.0, "last_step_seconds": 0.0})
        self.budget = Budget(self.config.max_steps, self.config.max_seconds, budget["train_seconds"],
                             budget["last_step_seconds"])
        self.step, self.epoch, self.batch_in_epoch = ckpt["step"], ckpt["epoch"], ckpt["batch_in_epoch"]
        self.stream_state = ckpt["stream_state"]
        es = ckpt["early_stopping"]
        self.best_metric, self.best_step, self.bad_evals = es["best_metric"], es["best_step"], es["bad_evals"]
        self._last_eval_step = es["last_eval_step"]
        self.last_good = self.last_path

    def _check_lowp_kernels(self) -> dict[str, dict[str, Any]]:
        """Under bf16, probe every rnnkit layer's fused kernel before the first step (a kernel whose
        gradients disagree with float32 is replaced by the float32 one; rnnkit.core.lowp_check),
        so that config.json records which kernel each layer runs. {} under fp32."""
        if self.precision != "bf16":
            return {}
        return {name or "<model>": check_fused_lowp(m, torch.bfloat16).to_dict()
                for name, m in self.model.named_modules() if isinstance(m, RecurrentLayer) and m.uses_fused()}

    def _write_config(self) -> None:
        if self.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"train_config": self.config.to_dict(), "precision": self.precision,
                               "lowp_kernels": self.lowp_kernels, "model_config": self.task.model_config},
                              indent=2, default=str)
            (self.run_dir / "config.json").write_text(text + "\n")

    # ------------------------------------------------------------ Ctrl-C
    def _install_sigint(self) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum: int, frame: Any) -> None:
            if self._stop_reason == "interrupted":  # second Ctrl-C: abort now
                raise KeyboardInterrupt
            self.request_stop("interrupted")

        return signal.signal(signal.SIGINT, handler)

    def _restore_sigint(self, previous: Any) -> None:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
