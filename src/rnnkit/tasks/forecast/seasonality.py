"""Is a series seasonal enough to difference at its season? The STL seasonal strength decides.

With the STL decomposition y = T + S + R of a series' training part (statsmodels, period m),

    F_s = max(0, 1 - Var(R) / Var(S + R))        (Wang, Smith & Hyndman 2006)

is near 1 when the season explains most of what the trend leaves, near 0 when it explains
nothing. Seasonal differencing is taken when F_s >= 0.64, the threshold of Hyndman &
Athanasopoulos' `unitroot_nsdiffs` (Forecasting: Principles and Practice, 3rd ed., 9.1).
That is what `difference=-1` (auto, the default) resolves to, from the training part only.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 0.64
MAX_SEASONS = 50  # the last 50 seasons at most: the recent season is what differencing uses, and STL stays fast


def seasonal_strength(z: np.ndarray, m: int) -> float:
    """F_s of the values z (n,) at period m; 0 when m < 2 or z holds fewer than two full seasons."""
    from statsmodels.tsa.seasonal import STL

    z = np.asarray(z, dtype=np.float64)[-MAX_SEASONS * m:]
    if m < 2 or len(z) < 2 * m + 1 or np.ptp(z) == 0:
        return 0.0
    fit = STL(z, period=m).fit()
    spread = np.var(fit.seasonal + fit.resid)
    return float(max(0.0, 1.0 - np.var(fit.resid) / spread)) if spread > 0 else 0.0


def auto_difference(training_parts: list[np.ndarray], m: int, lookback: int) -> int:
    """The lag `difference=-1` becomes: m when the series' mean F_s is at least THRESHOLD and the
    lookback holds two seasons (2m <= lookback: the model then reads a season of differences, as in
    every setting validated), else 0 (no differencing)."""
    if m < 2 or 2 * m > lookback:
        return 0
    strength = float(np.mean([seasonal_strength(z, m) for z in training_parts]))
    return m if strength >= THRESHOLD else 0
