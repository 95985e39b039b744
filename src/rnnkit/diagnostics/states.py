r"""Hidden states and gates as numbers: saturation statistics and the units that track a signal.

Letters: T time, B batch, H hidden.

- `gate_saturation`: for each layer/direction and sigmoid gate (LSTM i, f, o; GRU r, z),
  the fraction of activations below `low` (gate closed: "left-saturated") and above
  `high` (gate open: "right-saturated"), as in Karpathy, Johnson & Fei-Fei (2015),
  "Visualizing and understanding recurrent networks", who use 0.1 and 0.9.
- `correlated_units`: Pearson correlation of every hidden unit with a signal over time
  (for text, e.g. `quote_signal`: 1 inside quotes), the strongest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnkit.diagnostics.trace import SIGMOID_GATES, LayerTrace


@dataclass
class GateSaturation:
    name: str  # layer/direction, e.g. l0
    gate: str  # i, f, o (LSTM) or r, z (GRU)
    low: float  # fraction of activations < low threshold
    high: float  # fraction of activations > high threshold
    mean: float  # mean activation


def gate_saturation(trace: LayerTrace, low: float = 0.1, high: float = 0.9) -> list[GateSaturation]:
    """Fraction of sigmoid-gate activations near 0 (< low) and near 1 (> high), per layer and gate."""
    if not 0.0 < low < high < 1.0:
        raise ValueError(f"thresholds must satisfy 0 < low < high < 1, got low={low}, high={high}")
    rows = []
    for tr in trace.directions:
        for g in SIGMOID_GATES[trace.mode]:
            a = tr.gates[g].double()
            rows.append(GateSaturation(tr.name, g, float((a < low).double().mean()),
                                       float((a > high).double().mean()), float(a.mean())))
    return rows


@dataclass
class UnitCorrelation:
    name: str  # layer/direction
    unit: int
    r: float  # Pearson correlation with the signal


def correlated_units(trace: LayerTrace, signal, top: int = 5, batch_index: int = 0) -> list[UnitCorrelation]:
    """The `top` hidden units (over all layers/directions) most correlated with `signal` ((T,) numbers)."""
    s = np.asarray(signal, dtype=np.float64)
    T = trace.output.shape[0]
    if s.shape != (T,):
        raise ValueError(f"signal must have one number per time step, shape ({T},), got shape {s.shape}")
    if s.std() == 0:
        raise ValueError("signal must vary over time (it is constant, so no correlation is defined)")
    if not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    sc = (s - s.mean()) / s.std()
    found = []
    for tr in trace.directions:
        h = tr.h[:, batch_index].double().cpu().numpy()  # (T, H)
        sd = h.std(axis=0)
        r = np.where(sd > 0, ((h - h.mean(axis=0)) * sc[:, None]).mean(axis=0) / np.where(sd > 0, sd, 1), 0.0)
        found += [UnitCorrelation(tr.name, int(u), float(r[u])) for u in range(h.shape[1])]
    found.sort(key=lambda c: -abs(c.r))
    return found[:top]


def quote_signal(text, quotes: str = "\"") -> np.ndarray:
    """1 for each character (or token, given a list of tokens) inside a quotation, quote marks included, else 0.

    A token that holds a quote mark counts as inside; an even number of marks in one
    token ("word") opens and closes the quotation within it.
    """
    if isinstance(text, str):
        pieces = list(text)
    elif isinstance(text, list | tuple) and all(isinstance(p, str) for p in text):
        pieces = list(text)
    else:
        raise TypeError(f"text must be a string or a list of token strings, got {type(text).__name__}")
    if not pieces:
        raise ValueError("text must not be empty, got no characters or tokens")
    inside, out = False, np.zeros(len(pieces))
    for t, piece in enumerate(pieces):
        marks = sum(piece.count(q) for q in quotes)
        out[t] = 1.0 if inside or marks else 0.0
        if marks % 2:
            inside = not inside
    return out


def position_signal(length: int) -> np.ndarray:
    """(length,) float: the step index 0..T-1 (units that count time correlate with it)."""
    return np.arange(length, dtype=np.float64)
