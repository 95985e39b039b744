"""The vanishing-gradient tables of benchmarks/RESULTS.md ("## Diagnostics").

Runs exactly what `rnnkit diagnose vanishing` runs (same function, same defaults), with
several seeds, for both tasks, and the chrono-versus-classic comparison for the gated
cells; writes docs/images/vanishing_<task>.png (and vanishing_adding_xavier.png) and
prints the Markdown tables:

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \\
        python benchmarks/diagnostics_vanishing.py --seeds 0 1 2

equivalent to `rnnkit diagnose vanishing --task adding --delay 50 100 200 --seeds 0 1 2`,
the same with `--task copy`, and `--task adding --cells lstm gru --init xavier`.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import torch

from rnnkit.diagnostics import VanishingConfig, format_table, run_vanishing
from rnnkit.diagnostics.plots import plot_vanishing


def _cpu() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def run_one(cfg: VanishingConfig, png: Path) -> None:
    """Run one configuration, print one line per run, then its table and wall time."""
    t0 = time.perf_counter()
    metric = "MSE" if cfg.task == "adding" else "CE"
    res = run_vanishing(cfg, on_run=lambda r: print(
        f"{cfg.task} {cfg.init} {r.cell} delay {r.delay} seed {r.seed}: {metric} {r.eval_loss:.4f} "
        f"acc {r.accuracy:.3f} ({r.seconds:.1f} s)", flush=True))
    plot_vanishing(res, png)
    print(f"\n### {cfg.task}, init {cfg.init}: {time.perf_counter() - t0:.0f} s in all\n")
    print(format_table(res))
    print(f"\n{png}\n", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--delay", type=int, nargs="+", default=[50, 100, 200], help="delays to test")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds per cell and delay")
    p.add_argument("--steps", type=int, default=VanishingConfig().steps, help="training steps per run")
    p.add_argument("--tasks", nargs="+", default=["adding", "copy"], help="tasks to run")
    p.add_argument("--no-compare-init", action="store_true",
                   help="skip the gated cells' classic start (xavier, LSTM forget bias 1, GRU 0) on the adding problem")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--images", default="docs/images", help="where the PNGs go")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# {_cpu()}, torch {torch.__version__}, {args.threads} thread(s), {time.strftime('%Y-%m-%d %H:%M')}")
    common = dict(delays=tuple(args.delay), seeds=tuple(args.seeds), steps=args.steps)
    images = Path(args.images)
    for task in args.tasks:
        run_one(VanishingConfig(task=task, **common), images / f"vanishing_{task}.png")
    if not args.no_compare_init:
        run_one(VanishingConfig(task="adding", cells=("lstm", "gru"), init="xavier", **common),
                images / "vanishing_adding_xavier.png")


if __name__ == "__main__":
    main()
