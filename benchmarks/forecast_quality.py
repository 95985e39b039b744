"""rnnkit's forecaster beside naive, seasonal naive and ETS on the same backtest windows.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \\
        python benchmarks/forecast_quality.py sunspots --seeds 0 1 2
    python benchmarks/forecast_quality.py sunspots --validate 1   # choose settings: training part only

Each protocol (rnnkit.tasks.forecast.presets) fixes the split, the backtest (start, horizon, stride, scored points, scale)
and rnnkit's settings. ``--validate k`` runs the same protocol inside the training part: the
data end k - 1 test lengths before the split and the split moves back one more test length,
so settings are chosen without looking at the test windows. One torch thread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time

import pandas as pd
import torch

from rnnkit.tasks.forecast.backtest import BacktestConfig, backtest, start_index
from rnnkit.tasks.forecast.datasets import load_named
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.presets import PRESETS, Preset

def frame_and_times(p: Preset, fold: int) -> tuple[pd.DataFrame, str, str]:
    """The data, split and start of the protocol; fold k >= 1 moves it k test lengths back, inside
    the training part (the data end where fold k - 1's training part ends)."""
    frame = load_named(p.data)
    if not fold:
        return frame, p.split, p.start
    item = prepare(p.data_config()).items[0]
    T = len(item.series)
    test = T - item.n_train
    n_train = item.n_train - (fold - 1) * test
    start_offset = start_index(item, p.start) - item.n_train
    n_val = n_train - test
    times = item.series.index
    return frame.iloc[:n_train].reset_index(drop=True), str(times[n_val - 1]), \
        (str(times[n_val + start_offset]) if p.start else "")


def run(p: Preset, seed: int, fold: int, baselines: bool = True) -> tuple[pd.DataFrame, float, int]:
    frame, split, start = frame_and_times(p, fold)
    with tempfile.TemporaryDirectory() as run_dir:
        t0 = time.perf_counter()
        model, prep = p.fit(seed, run_dir, split, frame)
        seconds = time.perf_counter() - t0
    bcfg = p.backtest_config(start)
    result = backtest(prep, model, bcfg if baselines else bcfg.replace(baselines=()))
    return result.metrics, seconds, len(result.points)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=sorted(PRESETS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--validate", type=int, default=0, metavar="FOLD",
                    help="k >= 1: the protocol inside the training part, k test lengths back (model choice)")
    ap.add_argument("--set", default="{}", help='JSON changes to the preset, e.g. \'{"lookback": 36}\'')
    args = ap.parse_args()
    torch.set_num_threads(1)
    preset = PRESETS[args.dataset].with_settings(**json.loads(args.set))
    tables = []
    for i, seed in enumerate(args.seeds):
        # the baselines do not depend on the seed: scored once, with the first seed, on the same points
        metrics, seconds, n = run(preset, seed, args.validate, baselines=i == 0)
        tables.append(metrics if i == 0 else pd.concat([metrics, tables[0].drop(index="rnnkit")]))
        m = metrics.loc["rnnkit"]
        print(f"seed {seed}: fit {seconds:.1f} s, {n} scored points, rnnkit MAPE {m['MAPE']:.2f} MASE {m['MASE']:.3f} "
              f"coverage {m['coverage']:.0f} %", flush=True)
    median = pd.concat(tables).groupby(level=0).median().loc[tables[0].index]
    print(f"{args.dataset}{' (validation inside the training part)' if args.validate else ''}, "
          f"median over seeds {args.seeds}, {preset}:")
    print(median.to_markdown(floatfmt=".4g") if _has_tabulate() else median.to_string(float_format="%.4g"))
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    sys.exit(main())
