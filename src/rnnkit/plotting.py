"""Helpers every task's pictures share."""

from __future__ import annotations

import os
from pathlib import Path


def save_figure(fig, path: str | os.PathLike[str], dpi: int = 90) -> Path:
    """Lay out `fig`, write it to `path` (parent folders made), close it and return the path."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out
