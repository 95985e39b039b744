r"""The vanishing-gradient experiment: RNN-tanh, LSTM and GRU on long-range tasks.

For every delay, cell and seed, one model (rnnkit layer → linear head) is initialised,
its gradient through time ‖∂L/∂h_t‖ is measured on a fixed probe batch
(`gradient_through_time`), it is trained with Adam for the same number of steps on the
same batch size and hidden size as every other cell, evaluated on fresh sequences, and
its gradient through time is measured again. Tasks (`rnnkit.data.synthetic`):

- ``adding``: sum the two marked values of a sequence of length `delay`. Loss and
  headline metric: mean squared error, as the papers report it (Hochreiter & Schmidhuber
  1997; Arjovsky et al. 2016); always answering 1 scores Var(u₁ + u₂) = 1/6 ≈ 0.167.
  Accuracy: within 0.04 of the target (always answering 1: ≈ 0.078).
- ``copy``: remember `symbols` symbols over `delay` steps; loss cross-entropy over the
  recall window, accuracy over the recalled symbols (chance 1/alphabet).

Protocol (the defaults; each can be overridden):

- *Per cell, its own best learning rate and clipping* (`CELL_SETTINGS`, found by the
  sweep in benchmarks/RESULTS.md "Diagnostics"), so the vanilla RNN is not handicapped
  by the gated cells' settings.
- *Gated cells start with chrono biases* (Tallec & Ollivier 2018; `rnnkit.core.init`)
  with t_max = the sequence length T; the vanilla RNN has no gate and starts "xavier"
  (orthogonal W_hh). ``init="xavier"`` with ``forget_bias`` gives the classic start.
- *Several seeds* per cell and delay; the picture draws their spread as error bars and
  every run's training loss.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from rnnkit.core.init import SCHEMES
from rnnkit.data.synthetic import ADDING_TOLERANCE, adding_problem, copy_input_size, copy_task
from rnnkit.diagnostics._models import SequenceModel
from rnnkit.diagnostics.gradients import gradient_through_time
from rnnkit.diagnostics.train import train_steps
from rnnkit.config import Config, check_choice, check_each, check_int, check_number, option
from rnnkit.layers.factory import check_cell

TASKS = ("copy", "adding")
ADDING_TRIVIAL_MSE = 1.0 / 6.0  # always answering 1: E[(u1 + u2 - 1)^2] = Var(u1 + u2) = 2/12
GATED = ("lstm", "gru")
SCHEDULES = ("cosine", "none")


@dataclass(frozen=True)
class CellSettings:
    """One cell's optimiser settings: Adam learning rate and global gradient-norm clip."""

    lr: float
    clip_norm: float


# Each cell's best (lr, clip) from the sweep in benchmarks/RESULTS.md ("Diagnostics"): adding
# problem, 600 steps, seed 0. Gated cells at T = 200, test MSE at lr 3e-3 / 1e-2 / 3e-2: LSTM
# 0.168 / 0.0011 / 0.0015, GRU 0.017 / 0.0005 / not run. The tanh RNN stays at the trivial MSE
# from T = 30 on at every lr from 3e-4 to 1e-2, so it was swept at T = 10, where it learns: lr
# 3e-3, clip 1 is its best of {3e-4, 1e-3, 3e-3, 1e-2} × {1, 10}. The ReLU RNN was not swept and
# takes the tanh's.
CELL_SETTINGS = {
    "lstm": CellSettings(lr=1e-2, clip_norm=1.0),
    "gru": CellSettings(lr=1e-2, clip_norm=1.0),
    "rnn_tanh": CellSettings(lr=3e-3, clip_norm=1.0),
    "rnn_relu": CellSettings(lr=3e-3, clip_norm=1.0),
}


@dataclass(frozen=True)
class VanishingConfig(Config):
    task: str = option("adding", "long-range task: adding or copy (memory)")
    delays: tuple[int, ...] = option((50, 100, 200), (
        "delays to test; adding: sequence length (>= 2); copy: steps between the symbols and their recall"))
    cells: tuple[str, ...] = option(("rnn_tanh", "lstm", "gru"), "cells to compare")
    seeds: tuple[int, ...] = option((0,), "seeds of weights and data, one run each; the plot draws their spread")
    steps: int = option(600, "training steps per cell, delay and seed (the same for every cell)")
    batch_size: int = option(32, "sequences per training batch")
    hidden_size: int = option(64, "hidden units of every cell")
    lr: float | None = option(None, "Adam learning rate of every cell; None: each cell's own (CELL_SETTINGS)")
    clip_norm: float | None = option(None, (
        "gradient clipping by global norm for every cell; None: each cell's own (CELL_SETTINGS)"))
    schedule: str = option("none", "learning-rate schedule: none (constant) or cosine (to 0 over the steps)")
    init: str = option("chrono", (
        "initialisation: chrono (gate biases log U(1, T-1), Tallec & Ollivier 2018; the gateless RNN takes "
        "xavier), xavier, he or torch"))
    forget_bias: float | None = option(None, (
        "keep-gate bias (LSTM f, GRU z) under init xavier/he; None: the layer's default (LSTM 1, GRU 0)"))
    symbols: int = option(1, "copy task: symbols to remember")
    alphabet: int = option(8, "copy task: symbols to choose from, >= 2")
    eval_size: int = option(1000, "fresh sequences for the evaluation")

    def __post_init__(self) -> None:
        check_choice("task", self.task, TASKS)
        shortest = 2 if self.task == "adding" else 1
        check_each("delays", self.delays, lambda n, d: check_int(n, d, shortest))
        check_each("cells", self.cells, lambda n, c: check_cell(c, n))
        check_each("seeds", self.seeds, lambda n, v: check_int(n, v, 0))
        for name in ("steps", "batch_size", "hidden_size", "symbols", "eval_size"):
            check_int(name, getattr(self, name), 1)
        check_int("alphabet", self.alphabet, 2)
        for name in ("lr", "clip_norm"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), lo=0.0, lo_open=True)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("init", self.init, SCHEMES)
        if self.forget_bias is not None:
            check_number("forget_bias", self.forget_bias)

    def settings(self, cell: str) -> CellSettings:
        """The learning rate and clip `cell` trains with: the config's, else the cell's own."""
        own = CELL_SETTINGS[cell]
        return CellSettings(lr=own.lr if self.lr is None else self.lr,
                            clip_norm=own.clip_norm if self.clip_norm is None else self.clip_norm)

    def init_of(self, cell: str) -> str:
        """The scheme `cell` starts from: chrono applies to gated cells only, the RNNs take xavier."""
        return "xavier" if self.init == "chrono" and cell not in GATED else self.init

    def length(self, delay: int) -> int:
        """Sequence length T at `delay`: the delay itself (adding) or symbols + delay + symbols (copy)."""
        return delay if self.task == "adding" else 2 * self.symbols + delay

    @property
    def chance(self) -> float:
        """Accuracy of guessing: 1/alphabet for copy; about 0.078 (always answering 1) for adding."""
        return 1.0 / self.alphabet if self.task == "copy" else 2 * ADDING_TOLERANCE - ADDING_TOLERANCE ** 2

    @property
    def trivial_loss(self) -> float:
        """Loss of the best input-blind answer: 1/6 (MSE, always 1) for adding; ln(alphabet) for copy."""
        return ADDING_TRIVIAL_MSE if self.task == "adding" else float(np.log(self.alphabet))


@dataclass
class CellDelayRun:
    cell: str
    delay: int
    seed: int
    eval_loss: float  # on eval_size fresh sequences: MSE (adding) or cross-entropy (copy)
    accuracy: float  # adding: within 0.04; copy: symbols recalled
    train_loss: np.ndarray  # (steps run,) training loss per step
    grad_init: np.ndarray  # (T,) ‖∂L/∂h_t‖ at initialisation
    grad_trained: np.ndarray  # (T,) after training
    seconds: float
    diverged_at: int | None = None  # the step whose loss or gradient became NaN/inf

    @property
    def final_loss(self) -> float:
        """Mean training loss of the last 10% of steps (inf when the run diverged)."""
        if self.diverged_at is not None or len(self.train_loss) == 0:
            return float("inf")
        return float(np.mean(self.train_loss[-max(1, len(self.train_loss) // 10):]))


@dataclass
class VanishingResult:
    config: VanishingConfig
    runs: list[CellDelayRun]

    def runs_of(self, cell: str, delay: int) -> list[CellDelayRun]:
        """Every seed's run of `cell` at `delay`, in the order of config.seeds."""
        found = [r for r in self.runs if r.cell == cell and r.delay == delay]
        if not found:
            raise KeyError(f"no run for cell={cell!r}, delay={delay}")
        return found

    def run(self, cell: str, delay: int, seed: int | None = None) -> CellDelayRun:
        """One run: `seed`'s, or the first seed's."""
        found = self.runs_of(cell, delay)
        if seed is None:
            return found[0]
        for r in found:
            if r.seed == seed:
                return r
        raise KeyError(f"no run for cell={cell!r}, delay={delay}, seed={seed}")

    def metric(self, name: str) -> dict[str, np.ndarray]:
        """cell -> (len(delays), len(seeds)) values of ``name`` ("accuracy" or "eval_loss")."""
        return {c: np.array([[getattr(r, name) for r in self.runs_of(c, d)] for d in self.config.delays])
                for c in self.config.cells}

    def accuracy(self) -> dict[str, np.ndarray]:
        """cell -> (len(delays),) accuracy averaged over seeds, in the order of config.delays."""
        return {c: a.mean(axis=1) for c, a in self.metric("accuracy").items()}


class _Problem:
    """Batches, loss and metrics of one task at one delay."""

    def __init__(self, cfg: VanishingConfig, delay: int) -> None:
        self.cfg, self.delay = cfg, delay
        if cfg.task == "copy":
            self.input_size, self.output_size, self.read_steps = copy_input_size(cfg.alphabet), cfg.alphabet, cfg.symbols
        else:
            self.input_size, self.output_size, self.read_steps = 2, 1, 1

    def batch(self, n: int, gen: torch.Generator):
        if self.cfg.task == "copy":
            return copy_task(n, self.delay, self.cfg.symbols, self.cfg.alphabet, generator=gen)
        return adding_problem(n, self.delay, generator=gen)

    def loss(self, model, b) -> torch.Tensor:
        return self._loss(model(b.x), b)  # model: (T, B, I) -> (read_steps, B, O)

    def _loss(self, out: torch.Tensor, b) -> torch.Tensor:
        if self.cfg.task == "copy":
            return F.cross_entropy(out.reshape(-1, self.output_size), b.y.reshape(-1))
        return ((out[-1, :, 0] - b.y) ** 2).mean()  # MSE of the sum

    @torch.no_grad()
    def evaluate(self, model, b) -> tuple[float, float]:
        """(loss, accuracy) on batch `b`, in eval mode."""
        model.eval()
        out = model(b.x)  # (read_steps, B, O)
        model.train()
        loss = float(self._loss(out, b))
        if self.cfg.task == "copy":
            return loss, float((out.argmax(-1) == b.y).double().mean())
        return loss, float(((out[-1, :, 0] - b.y).abs() < ADDING_TOLERANCE).double().mean())


def build_model(cfg: VanishingConfig, cell: str, delay: int, seed: int) -> SequenceModel:
    """The model of one run, initialised from `seed` by the cell's scheme (chrono: t_max = T)."""
    prob = _Problem(cfg, delay)
    torch.manual_seed(seed)
    return SequenceModel(cell, prob.input_size, cfg.hidden_size, prob.output_size, prob.read_steps,
                         init=cfg.init_of(cell), t_max=cfg.length(delay), forget_bias=cfg.forget_bias)


def run_cell(cfg: VanishingConfig, cell: str, delay: int, seed: int = 0, progress: bool = False) -> CellDelayRun:
    """Initialise, measure, train, evaluate and measure again one cell at one delay from one seed."""
    t0 = time.perf_counter()
    prob = _Problem(cfg, delay)
    model = build_model(cfg, cell, delay, seed)
    probe = prob.batch(cfg.batch_size, torch.Generator().manual_seed(10_000 + seed))
    grad_init = gradient_through_time(model, probe, prob.loss).norms["l0"]
    model.zero_grad(set_to_none=True)
    gen = torch.Generator().manual_seed(100_003 * seed + delay)
    s = cfg.settings(cell)
    curve = train_steps(model, lambda i: prob.batch(cfg.batch_size, gen), prob.loss, cfg.steps, s.lr,
                        optimizer="adam", clip_norm=s.clip_norm, seed=seed, progress=progress,
                        schedule=cfg.schedule)
    eval_loss, acc = prob.evaluate(model, prob.batch(cfg.eval_size, torch.Generator().manual_seed(20_000 + seed)))
    grad_trained = gradient_through_time(model, probe, prob.loss).norms["l0"]
    return CellDelayRun(cell, delay, seed, eval_loss, acc, curve.loss, grad_init, grad_trained,
                        time.perf_counter() - t0, curve.diverged_at)


def run_vanishing(cfg: VanishingConfig = VanishingConfig(), progress: bool = False,
                  on_run=None) -> VanishingResult:
    """Every cell at every delay from every seed; `on_run(run)` is called after each."""
    runs = []
    for delay in cfg.delays:
        for cell in cfg.cells:
            for seed in cfg.seeds:
                r = run_cell(cfg, cell, delay, seed, progress)
                runs.append(r)
                if on_run is not None:
                    on_run(r)
    return VanishingResult(config=cfg, runs=runs)


def format_table(result: VanishingResult) -> str:
    """Markdown table, one row per delay and cell: settings, eval loss and accuracy per seed,
    ‖∂L/∂h_0‖/‖∂L/∂h_{T-1}‖ at init → trained (first seed), seconds per run."""
    cfg = result.config
    loss_name = "MSE" if cfg.task == "adding" else "cross-entropy"
    seeds = ", ".join(str(s) for s in cfg.seeds)
    lines = [f"| delay | cell | init | lr | clip | {loss_name} (seeds {seeds}) | accuracy (seeds {seeds}) "
             "| grad ratio init → trained | s per run |", "|" + "---|" * 9]
    for d in cfg.delays:
        for c in cfg.cells:
            runs = result.runs_of(c, d)
            s = cfg.settings(c)
            loss = ", ".join(f"{r.eval_loss:.4f}" for r in runs)
            acc = ", ".join(f"{r.accuracy:.3f}" for r in runs)
            ratio = f"{_ratio(runs[0].grad_init):.1e} → {_ratio(runs[0].grad_trained):.1e}"
            secs = np.mean([r.seconds for r in runs])
            lines.append(f"| {d} | {c} | {cfg.init_of(c)} | {s.lr:g} | {s.clip_norm:g} | {loss} | {acc} | {ratio} "
                         f"| {secs:.0f} |")
    return "\n".join(lines)


def _ratio(n: np.ndarray) -> float:
    return float(n[0] / n[-1]) if n[-1] > 0 else float("nan")
