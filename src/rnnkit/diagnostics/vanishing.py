r"""The vanishing-gradient experiment: RNN-tanh, LSTM and GRU on long-range tasks, same budget.

For every cell and delay, one model (rnnkit layer → linear head) is initialised with the
same scheme and seed, its gradient through time is measured (`gradient_through_time`),
it is trained with the same steps, batch size, learning rate, hidden size and clipping,
its accuracy is measured on fresh sequences, and its gradient through time is measured
again. Tasks (`rnnkit.data.synthetic`):

- ``copy``: remember `symbols` symbols over `delay` steps (accuracy over the recalled
  symbols; chance 1/alphabet). Loss: cross-entropy over the recall window.
- ``adding``: sum the two marked values of a sequence of length `delay` (accuracy: within
  0.04; always answering 1 scores about 8%). Loss: squared error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from rnnkit.data.synthetic import ADDING_TOLERANCE, adding_problem, copy_input_size, copy_task
from rnnkit.layers.factory import CELL_NAMES
from rnnkit.diagnostics._models import SequenceModel
from rnnkit.diagnostics.gradients import gradient_through_time
from rnnkit.diagnostics.train import train_steps

TASKS = ("copy", "adding")


def _h(text: str) -> dict:
    return {"help": text}


@dataclass(frozen=True)
class VanishingConfig:
    task: str = field(default="copy", metadata=_h("long-range task: copy (memory) or adding"))
    delays: tuple[int, ...] = field(default=(10, 25, 50), metadata=_h(
        "delays to test; copy: steps between the symbols and their recall; adding: sequence length"))
    cells: tuple[str, ...] = field(default=("rnn_tanh", "lstm", "gru"), metadata=_h("cells to compare"))
    steps: int = field(default=300, metadata=_h("training steps per cell and delay (the same for all)"))
    batch_size: int = field(default=32, metadata=_h("sequences per training batch"))
    hidden_size: int = field(default=64, metadata=_h("hidden units of every cell"))
    lr: float = field(default=3e-3, metadata=_h("Adam learning rate"))
    clip_norm: float = field(default=1.0, metadata=_h("gradient clipping by global norm during training"))
    init: str = field(default="xavier", metadata=_h("weight initialisation of every cell: xavier, he or torch"))
    symbols: int = field(default=1, metadata=_h("copy task: symbols to remember"))
    alphabet: int = field(default=8, metadata=_h("copy task: symbols to choose from"))
    eval_size: int = field(default=512, metadata=_h("fresh sequences for the accuracy"))
    seed: int = field(default=0, metadata=_h("seed of weights and data"))

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if not self.delays:
            raise ValueError("delays must name at least one delay, got none")
        lo = 2 if self.task == "adding" else 1
        for d in self.delays:
            if not isinstance(d, int) or isinstance(d, bool) or d < lo:
                raise ValueError(f"delay must be a positive integer{' >= 2 for the adding problem' if lo == 2 else ''}"
                                 f", got {d!r}")
        for c in self.cells:
            if c not in CELL_NAMES:
                raise ValueError(f"cells must be among {', '.join(CELL_NAMES)}, got {c!r}")
        for name in ("steps", "batch_size", "hidden_size", "symbols", "eval_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if not isinstance(self.alphabet, int) or self.alphabet < 2:
            raise ValueError(f"alphabet must be an integer >= 2, got {self.alphabet!r}")
        for name in ("lr", "clip_norm"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or isinstance(v, bool) or not v > 0:
                raise ValueError(f"{name} must be a number > 0, got {v!r}")

    @property
    def chance(self) -> float:
        """Accuracy of guessing: 1/alphabet for copy; about 0.08 (always answering 1) for adding."""
        return 1.0 / self.alphabet if self.task == "copy" else 2 * ADDING_TOLERANCE - ADDING_TOLERANCE ** 2


@dataclass
class CellDelayRun:
    cell: str
    delay: int
    accuracy: float
    final_loss: float
    grad_init: np.ndarray  # (T,) ‖∂L/∂h_t‖ at initialisation
    grad_trained: np.ndarray  # (T,) after training
    seconds: float


@dataclass
class VanishingResult:
    config: VanishingConfig
    runs: list[CellDelayRun]

    def accuracy(self) -> dict[str, np.ndarray]:
        """cell -> (len(delays),) accuracy, in the order of config.delays."""
        return {c: np.array([self.run(c, d).accuracy for d in self.config.delays]) for c in self.config.cells}

    def run(self, cell: str, delay: int) -> CellDelayRun:
        for r in self.runs:
            if r.cell == cell and r.delay == delay:
                return r
        raise KeyError(f"no run for cell={cell!r}, delay={delay}")


class _Problem:
    """Batches, loss and accuracy of one task at one delay."""

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
        out = model(b.x)  # (read_steps, B, O)
        if self.cfg.task == "copy":
            return F.cross_entropy(out.reshape(-1, self.output_size), b.y.reshape(-1))
        return ((out[-1, :, 0] - b.y) ** 2).mean()

    @torch.no_grad()
    def accuracy(self, model, b) -> float:
        model.eval()
        out = model(b.x)
        model.train()
        if self.cfg.task == "copy":
            return float((out.argmax(-1) == b.y).double().mean())
        return float(((out[-1, :, 0] - b.y).abs() < ADDING_TOLERANCE).double().mean())


def run_cell(cfg: VanishingConfig, cell: str, delay: int, progress: bool = False) -> CellDelayRun:
    """Initialise, measure, train, evaluate and measure again one cell at one delay."""
    import time

    t0 = time.perf_counter()
    prob = _Problem(cfg, delay)
    torch.manual_seed(cfg.seed)
    model = SequenceModel(cell, prob.input_size, cfg.hidden_size, prob.output_size, prob.read_steps, init=cfg.init)
    probe = prob.batch(cfg.batch_size, torch.Generator().manual_seed(cfg.seed + 10_000))
    grad_init = gradient_through_time(model, probe, prob.loss).norms["l0"]
    model.zero_grad(set_to_none=True)
    gen = torch.Generator().manual_seed(cfg.seed + delay)
    curve = train_steps(model, lambda i: prob.batch(cfg.batch_size, gen), prob.loss, cfg.steps, cfg.lr,
                        optimizer="adam", clip_norm=cfg.clip_norm, seed=cfg.seed, progress=progress)
    acc = prob.accuracy(model, prob.batch(cfg.eval_size, torch.Generator().manual_seed(cfg.seed + 20_000)))
    grad_trained = gradient_through_time(model, probe, prob.loss).norms["l0"]
    return CellDelayRun(cell, delay, acc, curve.final_loss, grad_init, grad_trained, time.perf_counter() - t0)


def run_vanishing(cfg: VanishingConfig = VanishingConfig(), progress: bool = False,
                  on_run=None) -> VanishingResult:
    """Every cell at every delay with the same budget; `on_run(run)` is called after each."""
    runs = []
    for delay in cfg.delays:
        for cell in cfg.cells:
            r = run_cell(cfg, cell, delay, progress)
            runs.append(r)
            if on_run is not None:
                on_run(r)
    return VanishingResult(config=cfg, runs=runs)


def format_table(result: VanishingResult) -> str:
    """Markdown table: delay × cell -> accuracy (and ‖∂L/∂h_0‖/‖∂L/∂h_T‖ at init and after training)."""
    cells = result.config.cells
    head = "| delay | " + " | ".join(f"{c} acc" for c in cells) + " | " + \
        " | ".join(f"{c} grad ratio init → trained" for c in cells) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(cells))]
    for d in result.config.delays:
        runs = [result.run(c, d) for c in cells]
        acc = " | ".join(f"{r.accuracy:.3f}" for r in runs)
        ratio = " | ".join(f"{_ratio(r.grad_init):.1e} → {_ratio(r.grad_trained):.1e}" for r in runs)
        lines.append(f"| {d} | {acc} | {ratio} |")
    return "\n".join(lines)


def _ratio(n: np.ndarray) -> float:
    return float(n[0] / n[-1]) if n[-1] > 0 else float("nan")
