"""The clipping demo and the vanishing experiment, on small budgets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnkit.diagnostics import ClippingConfig, VanishingConfig, format_table, run_clipping, run_vanishing


def test_clipping_rescues_the_exploding_run():
    res = run_clipping(ClippingConfig(steps=100))
    clipped, unclipped = res.clipped, res.unclipped
    assert math.isfinite(clipped.final_loss)
    assert clipped.final_loss < unclipped.final_loss
    assert clipped.final_loss < 0.5  # near or below the adding problem's baseline of 1/6
    # Same start: the first step's pre-clip gradient norm is the same, and far above the threshold.
    assert clipped.grad_norm[0] == pytest.approx(unclipped.grad_norm[0], rel=1e-5)
    assert clipped.grad_norm[0] > 10 * res.config.clip_norm
    assert unclipped.loss.max() > 100 * unclipped.loss[0] or unclipped.diverged_at is not None


def test_vanishing_small_run_has_every_cell_and_delay():
    cfg = VanishingConfig(delays=(3, 6), steps=3, batch_size=4, hidden_size=8, eval_size=16)
    res = run_vanishing(cfg)
    acc = res.accuracy()
    assert set(acc) == {"rnn_tanh", "lstm", "gru"} and all(a.shape == (2,) for a in acc.values())
    r = res.run("lstm", 6)
    assert r.grad_init.shape == (1 + 6 + 1,) and np.all(r.grad_init > 0)
    assert 0.0 <= r.accuracy <= 1.0
    assert format_table(res).count("\n") == 3


@pytest.mark.parametrize("kw,msg", [
    ({"delays": (-5,)}, "delay must be a positive integer, got -5"),
    ({"task": "sort"}, "task must be one of copy, adding, got 'sort'"),
    ({"cells": ("lstm", "tcn")}, "cells must be among"),
    ({"lr": 0}, "lr must be a number > 0, got 0"),
])
def test_vanishing_config_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        VanishingConfig(**kw)


def test_clipping_config_errors():
    with pytest.raises(ValueError, match="radius must be a number > 0, got -1"):
        ClippingConfig(radius=-1)
