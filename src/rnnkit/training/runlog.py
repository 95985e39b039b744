"""What a person sees: a progress bar, a metrics log and a picture of the curves.

* `metrics.jsonl`: one JSON object per line. ``{"kind": "train", "step", "epoch",
  "loss", "grad_norm", "lr", "items", "time"}`` after every optimiser step
  (``grad_norm`` is the global L2 norm *before* clipping; ``items`` counts the
  task's unit, tokens or sequences, over all ranks) and ``{"kind": "eval", "step",
  "epoch", <metric>: value, ..., "best": bool}`` after every evaluation.
* `curves.png`: train loss (averaged over log_every steps) and every evaluation
  value against the step, and the gradient norm with the clipping threshold.
* A tqdm bar with loss, the task metric, speed in the task's unit per second and ETA.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any


class MetricsLog:
    """Append-only JSONL metrics file kept in memory too for plotting; writes only when enabled."""

    def __init__(self, path: Path, enabled: bool, resume_step: int | None = None) -> None:
        self.path, self.enabled = path, enabled
        self.records: list[dict[str, Any]] = []
        if resume_step is not None and path.exists():
            # Drop what was logged after the checkpoint: those steps will run again.
            for line in path.read_text().splitlines():
                if line.strip():
                    record = json.loads(line)
                    if record.get("step", 0) <= resume_step:
                        self.records.append(record)
        self._file = None
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("w")
            for record in self.records:
                self._file.write(json.dumps(record) + "\n")
            self._file.flush()

    def log(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        if self._file is not None:
            self._file.write(json.dumps(record) + "\n")

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def plot_curves(records: list[dict[str, Any]], path: Path, metric: str,
                log_every: int = 10, clip_norm: float | None = None) -> None:
    """Write a PNG of train/validation curves and the gradient norm (matplotlib, Agg backend)."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    train = [r for r in records if r.get("kind") == "train"]
    evals = [r for r in records if r.get("kind") == "eval"]
    fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(11, 4))
    if train:
        steps = [r["step"] for r in train]
        losses = [r["loss"] for r in train]
        w = max(1, min(log_every, len(losses)))
        smooth = [sum(losses[max(0, i - w + 1):i + 1]) / len(losses[max(0, i - w + 1):i + 1]) for i in range(len(losses))]
        ax_loss.plot(steps, smooth, label=f"train loss (mean of {w})")
        ax_norm.semilogy(steps, [max(r["grad_norm"], 1e-12) for r in train], lw=0.8, label="grad norm before clipping")
        if clip_norm is not None:
            ax_norm.axhline(clip_norm, color="red", ls="--", label=f"clip_norm={clip_norm:g}")
    keys = sorted({k for r in evals for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
                  - {"step", "epoch", "time"})
    for key in keys:
        pts = [(r["step"], r[key]) for r in evals if key in r and math.isfinite(r[key])]
        if pts:
            style = "o-" if key == metric else "s--"
            ax_loss.plot(*zip(*pts), style, ms=3, label=f"validation {key}")
    ax_loss.set_xlabel("step")
    ax_loss.set_title("training curves")
    ax_loss.legend(fontsize=8)
    ax_norm.set_xlabel("step")
    ax_norm.set_title("gradient norm")
    ax_norm.legend(fontsize=8)
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(path)


class Progress:
    """tqdm bar: loss, metric, items/s and ETA; a no-op when disabled (other ranks, tests)."""

    def __init__(self, enabled: bool, total: int | None, initial: int, unit: str) -> None:
        self.unit = unit
        self.bar = None
        self._items, self._t0 = 0, time.perf_counter()
        if enabled:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True)

    def update(self, steps: int, items: int, postfix: dict[str, float]) -> None:
        self._items += items
        if self.bar is None:
            return
        now = time.perf_counter()
        speed = self._items / max(now - self._t0, 1e-9)
        self._items, self._t0 = 0, now
        shown = {k: f"{v:.4g}" for k, v in postfix.items()}
        shown[f"{self.unit}/s"] = f"{speed:.4g}"
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(steps)

    def close(self, final_step: int | None = None) -> None:
        if self.bar is not None:
            if final_step is not None and final_step > self.bar.n:
                self.bar.update(final_step - self.bar.n)  # steps since the last log_every update
            self.bar.close()
