"""The training budget: optimiser steps and seconds of training, and how much of it is used.

Training seconds are wall-clock seconds with evaluation and checkpoint writing paused
out (`paused()`), so a budget buys the same training however often a run evaluates.
A time budget ends *within* itself: training stops when the next step, judged by the
last one, would end past `max_seconds`.

`progress(step)` is the share of the budget used, in [0, 1]: the larger of
step / max_steps and seconds / max_seconds (whichever limit runs out first). The
learning-rate schedules that decay over the budget (cosine, anneal) follow it, so they
work the same under a step limit, a time limit or both.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


class Budget:
    def __init__(self, max_steps: int = 0, max_seconds: float = 0.0, seconds: float = 0.0,
                 last_step: float = 0.0) -> None:
        self.max_steps, self.max_seconds = max_steps, max_seconds
        self.last_step = last_step     # training seconds of the last step (batch loading included)
        self._spent = seconds          # training seconds before the current stretch (e.g. before a resume)
        self._since: float | None = None  # perf_counter at the start of the current stretch; None: paused
        self._step_start: float | None = None  # training seconds when the current step began

    @property
    def seconds(self) -> float:
        """Training seconds so far."""
        running = 0.0 if self._since is None else time.perf_counter() - self._since
        return self._spent + running

    def start(self) -> None:
        if self._since is None:
            self._since = time.perf_counter()
        if self._step_start is None:
            self._step_start = self.seconds

    def step_done(self) -> None:
        """Mark the end of an optimiser step (its time, batch loading included, becomes `last_step`)."""
        now = self.seconds
        if self._step_start is not None:
            self.last_step = now - self._step_start
        self._step_start = now

    def stop(self) -> None:
        self._spent, self._since = self.seconds, None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Evaluation, checkpoint writing: not training time."""
        running = self._since is not None
        self.stop()
        try:
            yield
        finally:
            if running:
                self.start()

    def progress(self, step: int) -> float:
        shares = [0.0]
        if self.max_steps:
            shares.append(step / self.max_steps)
        if self.max_seconds:
            shares.append(self.seconds / self.max_seconds)
        return min(1.0, max(shares))

    def exhausted(self, step: int) -> str | None:
        """"max_steps" or "time budget" when the budget is used up (for time: when one more step,
        as long as the last one, would end past it), else None. Asking changes nothing."""
        if self.max_steps and step >= self.max_steps:
            return "max_steps"
        if self.max_seconds and self.seconds + self.last_step > self.max_seconds:
            return "time budget"
        return None
