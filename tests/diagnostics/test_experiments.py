"""The clipping demo and the vanishing experiment, on small budgets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnkit.diagnostics import ClippingConfig, VanishingConfig, format_table, run_clipping, run_vanishing
from rnnkit.diagnostics.vanishing import CellSettings, build_model


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


def test_vanishing_small_run_has_every_cell_delay_and_seed():
    cfg = VanishingConfig(delays=(3, 6), seeds=(0, 1), steps=3, batch_size=4, hidden_size=8, eval_size=16)
    res = run_vanishing(cfg)
    acc, loss = res.accuracy(), res.metric("eval_loss")
    assert set(acc) == {"rnn_tanh", "lstm", "gru"} and all(a.shape == (2,) for a in acc.values())
    assert all(v.shape == (2, 2) for v in loss.values())  # (delays, seeds)
    r = res.run("lstm", 6, seed=1)
    assert r.grad_init.shape == (6,) and np.all(r.grad_init > 0)
    assert r.train_loss.shape == (3,)
    assert r.accuracy * 16 == round(r.accuracy * 16)  # a share of the 16 evaluation sequences
    assert res.run("gru", 3, seed=0).eval_loss != res.run("gru", 3, seed=1).eval_loss  # seeds differ
    table = format_table(res)
    assert table.count("\n") == 2 + 2 * 3 - 1 and "| 6 | lstm | chrono | 0.01 | 1 |" in table


def test_lstm_learns_the_adding_problem_at_delay_50_where_the_tanh_rnn_cannot():
    # Chrono LSTM against the tanh RNN, each with its own lr, 300 steps of batch 64. Measured LSTM
    # test MSE, seeds 0/1/2: 0.0032/0.0061/0.0055; the RNN stays at the trivial 1/6 ≈ 0.167 from
    # T = 30 on. The thresholds leave a factor of 3 or more on the LSTM's side.
    cfg = VanishingConfig(delays=(50,), cells=("rnn_tanh", "lstm"), steps=300, batch_size=64, eval_size=500)
    res = run_vanishing(cfg)
    lstm, rnn = res.run("lstm", 50), res.run("rnn_tanh", 50)
    assert lstm.eval_loss < 0.02
    assert rnn.eval_loss > 0.12
    assert rnn.eval_loss > 10 * lstm.eval_loss


def test_chrono_biases_follow_the_sequence_length_and_skip_the_rnn():
    cfg = VanishingConfig(task="copy", delays=(40,), symbols=2)
    lstm = build_model(cfg, "lstm", 40, seed=0).rnn
    assert lstm.init == "chrono" and lstm.t_max == 2 + 40 + 2
    assert lstm.bias_ih_l0[64:128].exp().max() <= 43 and lstm.bias_ih_l0[64:128].exp().max() > 40
    assert build_model(cfg, "rnn_tanh", 40, seed=0).rnn.init == "xavier"
    classic = VanishingConfig(init="xavier", forget_bias=2.0)
    assert build_model(classic, "gru", 50, seed=0).rnn.bias_ih_l0[64:128].eq(2.0).all()
    assert build_model(classic, "lstm", 50, seed=0).rnn.bias_ih_l0[64:128].eq(2.0).all()


def test_per_cell_settings_and_override():
    assert VanishingConfig().settings("lstm") == CellSettings(lr=1e-2, clip_norm=1.0)
    assert VanishingConfig().settings("rnn_tanh") == CellSettings(lr=3e-3, clip_norm=1.0)
    assert VanishingConfig(lr=1e-3, clip_norm=5.0).settings("gru") == CellSettings(lr=1e-3, clip_norm=5.0)


@pytest.mark.parametrize("kw,msg", [
    ({"delays": (-5,)}, "delays: expected an int >= 2, got -5"),
    ({"task": "sort"}, "task: expected one of copy, adding, got 'sort'"),
    ({"cells": ("lstm", "tcn")}, "cells: expected one of lstm, gru, rnn_tanh, rnn_relu, got 'tcn'"),
    ({"lr": 0}, r"lr: expected a number in \(0.0, inf\), got 0"),
    ({"seeds": ()}, r"seeds: expected one value or more, got \(\)"),
    ({"seeds": (0, -1)}, "seeds: expected an int >= 0, got -1"),
    ({"init": "glorot"}, "init: expected one of xavier, he, torch, chrono, got 'glorot'"),
])
def test_vanishing_config_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        VanishingConfig(**kw)


def test_vanishing_config_types():
    with pytest.raises(TypeError, match="forget_bias: expected a number, got str '1'"):
        VanishingConfig(forget_bias="1")


def test_clipping_config_errors():
    with pytest.raises(ValueError, match=r"radius: expected a number in \(0.0, inf\), got -1"):
        ClippingConfig(radius=-1)
