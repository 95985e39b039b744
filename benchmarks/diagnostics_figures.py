"""The README's diagnostics pictures other than the vanishing table's (see diagnostics_vanishing.py).

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/diagnostics_figures.py

writes docs/images/clipping.png (= `rnnkit diagnose clipping`) and
docs/images/gradient_through_time.png: ‖∂L/∂h_t‖ on the adding problem, T = 300, at
initialisation, RNN-tanh against the LSTM with forget-gate bias 1 (default) and 3.
"""

from __future__ import annotations

import torch

from rnnkit.data.synthetic import adding_problem
from rnnkit.diagnostics import gradient_through_time, run_clipping
from rnnkit.diagnostics._models import SequenceModel
from rnnkit.diagnostics.plots import plot_clipping, plot_gradient_through_time


def main() -> None:
    torch.set_num_threads(1)
    res = run_clipping()
    print(plot_clipping(res, "docs/images/clipping.png"))
    for label, c in (("no clipping", res.unclipped), ("clipped", res.clipped)):
        print(f"{label}: final loss {c.final_loss:.4f}, diverged at {c.diverged_at}, max grad norm {c.grad_norm.max():.3g}")
    batch = adding_problem(8, 300, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    results = {}
    for label, cell, kw in (("rnn_tanh", "rnn_tanh", {}), ("lstm f-bias 1", "lstm", {}),
                            ("lstm f-bias 3", "lstm", {"forget_bias": 3.0})):
        torch.manual_seed(0)
        model = SequenceModel(cell, 2, 32, 1, **kw).double()
        results[label] = gradient_through_time(model, batch, lambda m, b: ((m(b.x)[-1, :, 0] - b.y) ** 2).mean())
        print(f"{label}: ‖∂L/∂h_0‖/‖∂L/∂h_T-1‖ = {results[label].ratio_first_last():.2e}")
    print(plot_gradient_through_time(results, "docs/images/gradient_through_time.png"))


if __name__ == "__main__":
    main()
