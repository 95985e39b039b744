"""The vanishing-gradient table of benchmarks/RESULTS.md ("## Diagnostics").

Runs exactly what `rnnkit diagnose vanishing` runs (same function, same flags), for
both tasks, and writes docs/images/vanishing_<task>.png and the Markdown tables:

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/diagnostics_vanishing.py --delay 50 100 200 --steps 1000

equivalent to `rnnkit diagnose vanishing --task copy --delay 50 100 200 --steps 1000`
(and `--task adding`).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from rnnkit.diagnostics import VanishingConfig, format_table, run_vanishing
from rnnkit.diagnostics.plots import plot_vanishing


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--delay", type=int, nargs="+", default=[50, 100, 200], help="delays to test")
    p.add_argument("--steps", type=int, default=1000, help="training steps per cell and delay")
    p.add_argument("--tasks", nargs="+", default=["copy", "adding"], help="tasks to run")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--images", default="docs/images", help="where the PNGs go")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} thread(s), "
          f"{time.strftime('%Y-%m-%d')}")
    for task in args.tasks:
        t0 = time.perf_counter()
        cfg = VanishingConfig(task=task, delays=tuple(args.delay), steps=args.steps)
        res = run_vanishing(cfg, on_run=lambda r: print(f"{task} {r.cell} {r.delay} acc {r.accuracy:.3f} "
                                                        f"loss {r.final_loss:.4f} {r.seconds:.1f}s", flush=True))
        png = plot_vanishing(res, Path(args.images) / f"vanishing_{task}.png")
        print(f"\n### {task} (chance {cfg.chance:.3f}), {time.perf_counter() - t0:.0f} s\n")
        print(format_table(res))
        print(f"\n{png}\n", flush=True)


if __name__ == "__main__":
    main()
