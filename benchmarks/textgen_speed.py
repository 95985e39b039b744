"""Generation speed of a 2-layer H=256 character LSTM, one stream, one token at a time.

Three ways to sample the same model:

- torch.nn loop: the plain Python loop over `torch.nn.LSTM` that a first version would
  write (embedding -> nn.LSTM -> linear -> softmax -> torch.multinomial per character);
- reference: rnnkit's `ReferenceStepper` (the rnnkit layer, one call per character),
  the oracle the fast path is tested against;
- fast: `FastLSTMStepper` + Gumbel sampling (numpy, precomputed tables), the default.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456 \
        python benchmarks/textgen_speed.py

Prints characters per second for each (median of --reps runs) as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

from rnnkit.tasks.textgen.config import LanguageModelConfig
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.tasks.textgen.sampling import FastLSTMStepper, ReferenceStepper, generate_ids


def torch_nn_loop(model: LanguageModel, n: int, seed: int) -> None:
    """The straightforward loop over torch.nn.LSTM with the same weights."""
    cfg = model.config
    lstm = torch.nn.LSTM(cfg.embedding_dim, cfg.hidden_size, cfg.num_layers)
    lstm.load_state_dict(model.rnn.state_dict())
    g = torch.Generator().manual_seed(seed)
    x, state = torch.tensor([[0]]), None
    with torch.inference_mode():
        for _ in range(n):
            out, state = lstm(model.embedding(x), state)              # (1, 1, H)
            probs = torch.softmax(model.decoder(out[0, 0]) / 0.8, -1)  # (V,)
            x = torch.multinomial(probs, 1, generator=g).view(1, 1)


def rate(fn, n: int, reps: int) -> float:
    times = []
    for r in range(reps):
        t0 = time.perf_counter()
        fn(n, r)
        times.append(time.perf_counter() - t0)
    return n / statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden-size", type=int, default=256, help="LSTM units per layer")
    ap.add_argument("--num-layers", type=int, default=2, help="LSTM layers")
    ap.add_argument("--vocab", type=int, default=65, help="vocabulary size (Tiny Shakespeare: 65)")
    ap.add_argument("--chars", type=int, default=20_000, help="characters per timed run of the fast path")
    ap.add_argument("--slow-chars", type=int, default=2_000, help="characters per timed run of the slow paths")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per path (median reported)")
    args = ap.parse_args()
    torch.manual_seed(0)
    model = LanguageModel(LanguageModelConfig(vocab_size=args.vocab, hidden_size=args.hidden_size,
                                              num_layers=args.num_layers)).eval()
    fast, ref = FastLSTMStepper(model), ReferenceStepper(model)

    def run(stepper):
        return lambda n, seed: sum(1 for _ in generate_ids(stepper, [0], n, temperature=0.8, seed=seed))

    run(fast)(2000, 0)  # warm-up
    results = {
        "fast": rate(run(fast), args.chars, args.reps),
        "reference": rate(run(ref), args.slow_chars, args.reps),
        "torch_nn_loop": rate(lambda n, s: torch_nn_loop(model, n, s), args.slow_chars, args.reps),
    }
    for name, r in results.items():
        print(json.dumps({"path": name, "chars_per_s": round(r), "hidden_size": args.hidden_size,
                          "num_layers": args.num_layers, "torch_threads": torch.get_num_threads(),
                          "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
                          "load_avg_1min": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
