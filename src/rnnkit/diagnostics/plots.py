"""Pictures of the diagnostics: each takes the numbers a diagnostics function returned and writes a PNG.

matplotlib runs on its Agg backend (no display needed). Every function returns the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rnnkit.diagnostics.clipping import ClippingResult  # noqa: E402
from rnnkit.diagnostics.gradients import GradientThroughTime  # noqa: E402
from rnnkit.diagnostics.states import GateSaturation  # noqa: E402
from rnnkit.diagnostics.trace import LayerTrace  # noqa: E402
from rnnkit.diagnostics.vanishing import VanishingResult  # noqa: E402
from rnnkit.plotting import save_figure  # noqa: E402

COLORS = {"rnn_tanh": "tab:red", "rnn_relu": "tab:orange", "lstm": "tab:blue", "gru": "tab:green"}
LABELS = {"rnn_tanh": "RNN-tanh", "rnn_relu": "RNN-ReLU", "lstm": "LSTM", "gru": "GRU"}


def _positive(n: np.ndarray) -> np.ndarray:
    return np.where(n > 0, n, np.nan)  # log scale: exact zeros (underflow) are left out


def plot_gradient_through_time(results: dict[str, GradientThroughTime], path) -> Path:
    """One curve per model (label -> result) and layer: ‖∂L/∂h_t‖ against t, log scale."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label, g in results.items():
        rho = max(r.max() for r in g.spectral_radius.values())
        for name, n in g.norms.items():
            ax.semilogy(_positive(n), label=f"{label} {name} (ρ(W_hh) ≤ {rho:.2f})", color=COLORS.get(label))
    ax.set_xlabel("time step t")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title("Gradient through time")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_vanishing(result: VanishingResult, path) -> Path:
    """Top: the headline metric against delay per cell (mean over seeds, bars from the lowest to
    the highest seed), beside each cell's ‖∂L/∂h_t‖ at the longest delay at initialisation
    (dashed) and after training (solid), first seed. Bottom: the training loss of every
    run, one panel per delay. Adding: MSE (log scale) against the trivial 1/6; copy: accuracy
    against chance."""
    cfg = result.config
    n = len(cfg.delays)
    fig = plt.figure(figsize=(max(10.0, 3.6 * n), 7.4))
    grid = fig.add_gridspec(2, 2 * n)
    _vanishing_metric(fig.add_subplot(grid[0, :n]), result)
    _vanishing_gradients(fig.add_subplot(grid[0, n:]), result)
    for i, d in enumerate(cfg.delays):
        _vanishing_curves(fig.add_subplot(grid[1, 2 * i : 2 * i + 2]), result, d)
    return save_figure(fig, path)


def _vanishing_metric(ax, result: VanishingResult) -> None:
    cfg = result.config
    adding = cfg.task == "adding"
    values = result.metric("eval_loss" if adding else "accuracy")  # cell -> (delays, seeds)
    for k, (cell, v) in enumerate(values.items()):
        mid = v.mean(axis=1)
        err = np.stack([mid - v.min(axis=1), v.max(axis=1) - mid])  # (2, delays): down, up
        x = np.asarray(cfg.delays) * (1 + 0.02 * (k - 1))  # a small offset so the bars do not hide each other
        ax.errorbar(x, mid, yerr=err, fmt="o-", capsize=3, color=COLORS.get(cell), label=LABELS.get(cell, cell))
    if adding:
        ax.set_yscale("log")
        ax.axhline(cfg.trivial_loss, color="gray", ls=":", label="always 1 (MSE 1/6)")
        ax.set_ylabel("test MSE")
    else:
        ax.axhline(cfg.chance, color="gray", ls=":", label="chance")
        ax.set_ylabel("test accuracy")
        ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("delay (adding: sequence length; copy: steps to remember)")
    ax.set_title(f"{cfg.task}: {cfg.steps} steps × batch {cfg.batch_size}, H={cfg.hidden_size}, "
                 f"{len(cfg.seeds)} seed{'s' if len(cfg.seeds) > 1 else ''} (bars: min–max)", fontsize=9)
    ax.legend(fontsize=8)


def _vanishing_gradients(ax, result: VanishingResult) -> None:
    d = max(result.config.delays)
    for cell in result.config.cells:
        r = result.run(cell, d)
        ax.semilogy(_positive(r.grad_init), ls="--", color=COLORS.get(cell), alpha=0.7)
        ax.semilogy(_positive(r.grad_trained), color=COLORS.get(cell), label=LABELS.get(cell, cell))
    ax.set_xlabel(f"time step t (delay {d})")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title("gradient through time: dashed at init, solid trained", fontsize=9)
    ax.legend(fontsize=8)


def _vanishing_curves(ax, result: VanishingResult, delay: int) -> None:
    cfg = result.config
    for cell in cfg.cells:
        for i, r in enumerate(result.runs_of(cell, delay)):
            ax.semilogy(_smooth(r.train_loss), color=COLORS.get(cell), lw=0.9, alpha=0.8,
                        label=LABELS.get(cell, cell) if i == 0 else None)
    ax.axhline(cfg.trivial_loss, color="gray", ls=":")
    ax.set_xlabel("step")
    ax.set_ylabel("training " + ("MSE" if cfg.task == "adding" else "cross-entropy"))
    ax.set_title(f"delay {delay}: every run's training loss", fontsize=9)
    ax.legend(fontsize=7)


def _smooth(loss: np.ndarray, width: int = 10) -> np.ndarray:
    """Running mean over `width` steps (the first steps average what they have)."""
    c = np.cumsum(np.insert(np.asarray(loss, dtype=float), 0, 0.0))
    idx = np.arange(1, len(loss) + 1)
    lo = np.maximum(idx - width, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_clipping(result: ClippingResult, path) -> Path:
    """Loss curves of both runs, and the gradient norm before clipping with the threshold."""
    fig, (ax_l, ax_g) = plt.subplots(1, 2, figsize=(10, 3.6))
    runs = (("no clipping", result.unclipped, "tab:red"), (f"clip at {result.config.clip_norm:g}",
                                                             result.clipped, "tab:blue"))
    for label, curve, color in runs:
        note = f", diverged at step {curve.diverged_at}" if curve.diverged_at else ""
        ax_l.semilogy(curve.loss, color=color, label=f"{label}{note}", lw=1)
        ax_g.semilogy(curve.grad_norm, color=color, label=label, lw=1)
    ax_g.axhline(result.config.clip_norm, color="gray", ls=":", label="threshold")
    ax_l.set_xlabel("step")
    ax_l.set_ylabel("training loss (MSE)")
    ax_l.set_title(f"{LABELS.get(result.config.cell, result.config.cell)}, ρ(W_hh) = {result.config.radius:g}, "
                   f"SGD lr {result.config.lr:g}")
    ax_l.legend(fontsize=8)
    ax_g.set_xlabel("step")
    ax_g.set_ylabel("gradient norm before clipping")
    ax_g.legend(fontsize=8)
    return save_figure(fig, path)


def plot_states(trace: LayerTrace, path, labels: Sequence[str] | None = None, units: int = 32,
                saturation: list[GateSaturation] | None = None, signal=None, batch_index: int = 0) -> Path:
    """Heatmap of the first `units` hidden units of each layer/direction over time (labels: one per step)."""
    n = len(trace.directions)
    extra = 1 if signal is not None else 0
    rows = n + extra + (1 if saturation else 0)
    T = trace.output.shape[0]
    fig, axes = plt.subplots(rows, 1, figsize=(min(16, 2 + 0.14 * T), 1.2 + 2.2 * rows), squeeze=False)
    for ax, tr in zip(axes[:n, 0], trace.directions):
        h = tr.h[:, batch_index, :units].double().cpu().numpy().T  # (units, T)
        ax.imshow(h, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_ylabel(f"{tr.name} unit")
        _label_steps(ax, labels, T)
    if signal is not None:
        ax = axes[n, 0]
        ax.plot(np.asarray(signal), color="k")
        ax.set_xlim(-0.5, T - 0.5)
        ax.set_ylabel("signal")
        _label_steps(ax, labels, T)
    if saturation:
        ax = axes[-1, 0]
        names = [f"{s.name} {s.gate}" for s in saturation]
        x = np.arange(len(names))
        ax.bar(x - 0.2, [s.low for s in saturation], 0.4, label="< 0.1 (closed)")
        ax.bar(x + 0.2, [s.high for s in saturation], 0.4, label="> 0.9 (open)")
        ax.set_xticks(x, names)
        ax.set_ylabel("fraction")
        ax.set_title("gate saturation")
        ax.legend(fontsize=8)
    axes[0, 0].set_title(f"{trace.mode} hidden states h_t (blue −1 … red +1)")
    return save_figure(fig, path)


def _label_steps(ax, labels, T) -> None:
    if labels is not None and T <= 160:
        ax.set_xticks(range(T), [repr(c)[1:-1] if c != " " else "␣" for c in labels], fontsize=7,
                      family="monospace")
    else:
        ax.set_xlabel("time step")
