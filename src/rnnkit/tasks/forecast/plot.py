"""Pictures: history, forecast and the interval fan (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rnnkit.plotting import save_figure


def _axes(n: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(n, 1, figsize=(10, 3.2 * n), squeeze=False)
    return plt, fig, axes[:, 0]


def plot_forecast(history: dict[str, pd.Series], forecast: pd.DataFrame, path: str | Path, level: float,
                  show_last: int = 200) -> Path:
    """One panel per series: the last `show_last` observations, the forecast and its interval."""
    names = list(history)
    plt, fig, axes = _axes(len(names))
    for ax, name in zip(axes, names):
        h = history[name].iloc[-show_last:]
        f = forecast[forecast["series"] == name]
        ax.plot(h.index, h.to_numpy(), color="black", lw=1, label="history")
        if f["lo"].notna().all():
            ax.fill_between(f["time"], f["lo"], f["hi"], color="tab:blue", alpha=0.25,
                            label=f"{level:.0%} interval")
        ax.plot(f["time"], f["forecast"], color="tab:blue", lw=1.5, label="rnnkit forecast")
        ax.set_title(name)
        ax.legend(loc="upper left", fontsize=8)
    return save_figure(fig, path, dpi=110)


def plot_backtest(history: dict[str, pd.Series], points: pd.DataFrame, path: str | Path, level: float,
                  baselines: tuple[str, ...] = (), show_last: int = 200) -> Path:
    """Actuals, the backtest's rnnkit forecasts with their fan, and the baselines, per series.

    With several steps per origin, the last step of each forecast is drawn (one line)."""
    names = list(history)
    plt, fig, axes = _axes(len(names))
    for ax, name in zip(axes, names):
        p = points[points["series"] == name]
        p = p[p["step"] == p["step"].max()].sort_values("time")
        h = history[name]
        first = int(h.index.searchsorted(p["time"].min())) if len(p) else len(h)
        h = h.iloc[max(0, min(first - len(p), len(h) - show_last)):]        # the scored span and some history
        ax.plot(h.index, h.to_numpy(), color="black", lw=1, label="actual")
        if p["lo"].notna().all():
            ax.fill_between(p["time"], p["lo"], p["hi"], color="tab:blue", alpha=0.25, label=f"{level:.0%} interval")
        ax.plot(p["time"], p["rnnkit"], color="tab:blue", lw=1.5, label="rnnkit")
        for b, colour in zip(baselines, ("tab:orange", "tab:green", "tab:red")):
            ax.plot(p["time"], p[b], color=colour, lw=1, ls="--", label=b)
        ax.set_title(f"{name}: backtest, step {int(p['step'].max())} of each forecast")
        ax.legend(loc="upper left", fontsize=8)
    return save_figure(fig, path, dpi=110)
