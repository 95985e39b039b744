"""Online interval adaptation in backtests (`BacktestConfig.adapt_window`, and quantile tracking,
`adapt_rate`): honest, and it moves coverage
to the level from intervals that are too narrow or too wide."""

import numpy as np
import pytest
import torch

from rnnkit.tasks.forecast.backtest import BacktestConfig, adapted_intervals, backtest, tracked_intervals
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.evaluate import coverage
from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.train import build_model_config


def constant_forecasts(n_origins: int, horizon: int, half: float) -> np.ndarray:
    """(N, H, 3): point 0, interval ±half, for a series of pure noise around 0."""
    fc = np.zeros((n_origins, horizon, 3))
    fc[..., 1], fc[..., 2] = -half, half
    return fc


@pytest.mark.parametrize("half", [0.3, 4.0])  # 24 % and 100 % nominal coverage of N(0, 1) noise
def test_coverage_moves_to_the_level_from_too_narrow_and_too_wide(half):
    rng = np.random.default_rng(0)
    y = rng.standard_normal(3000)
    origins = list(range(100, 3000 - 3, 3))
    fc = constant_forecasts(len(origins), 3, half)
    t = np.asarray(origins)[:, None] + np.arange(3)
    before = coverage(y[t].ravel(), fc[..., 1].ravel(), fc[..., 2].ravel())
    out = adapted_intervals(fc, origins, y, level=0.8, window=200)
    after = coverage(y[t].ravel(), out[..., 1].ravel(), out[..., 2].ravel())
    assert abs(before - 80) > 19
    assert after == pytest.approx(80, abs=3)
    # the width it settles on is N(0, 1)'s central 80 % (±1.2816), and the centre is kept
    assert np.median(out[-100:, :, 2]) == pytest.approx(1.2816, abs=0.15)
    np.testing.assert_allclose(out[..., 0], fc[..., 0])
    np.testing.assert_allclose(out[..., 1] + out[..., 2], 0.0, atol=1e-12)


def test_an_interval_depends_only_on_values_before_its_origin():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(400)
    origins = list(range(50, 395, 2))
    fc = constant_forecasts(len(origins), 4, 0.5)
    out = adapted_intervals(fc, origins, y, 0.8, window=30)
    i = 100                                   # origin 250
    changed = y.copy()
    changed[origins[i]:] += 100.0             # the future of origin i, from its first step on
    again = adapted_intervals(fc, origins, changed, 0.8, window=30)
    np.testing.assert_array_equal(again[:i + 1], out[:i + 1])
    assert not np.array_equal(again[i + 1:], out[i + 1:])


def test_too_few_observed_steps_leave_the_models_interval():
    y = np.zeros(40)
    origins = [20, 21, 22]                    # before origin 21: one observed step; 22: two (+1 of origin 21)
    fc = constant_forecasts(3, 1, 1.0)
    out = adapted_intervals(fc, origins, y, level=0.8, window=10)   # the 0.8 quantile needs >= 4 scores
    np.testing.assert_array_equal(out, fc)
    with pytest.raises(ValueError, match="adapt_window: expected an int >= 0, got -1"):
        BacktestConfig(adapt_window=-1)


def test_backtest_with_adaptation_keeps_points_and_reports_its_coverage():
    prep = prepare(ForecastConfig(data="co2", split="1994-12-01", lookback=24, horizon=12))
    torch.manual_seed(0)
    model = Forecaster(build_model_config(prep, {"hidden_size": 4}))   # untrained: intervals far off
    plain = backtest(prep, model, BacktestConfig(stride=3, baselines=(), adapt_rate=0.0))
    adapted = backtest(prep, model, BacktestConfig(stride=3, baselines=(), adapt_window=50))
    np.testing.assert_allclose(adapted.points["rnnkit"], plain.points["rnnkit"])
    c0, c1 = plain.metrics.loc["rnnkit", "coverage"], adapted.metrics.loc["rnnkit", "coverage"]
    assert abs(c1 - 80) < abs(c0 - 80)


def test_each_step_gets_its_own_width_when_it_has_enough_scores():
    rng = np.random.default_rng(2)
    y = rng.standard_normal(2000)
    origins = list(range(50, 1998, 2))
    fc = constant_forecasts(len(origins), 2, 1.0)
    fc[:, 1, :] += 1.0                        # step 2 biased by +1 sigma: it needs a wider interval
    out = adapted_intervals(fc, origins, y, 0.8, window=100)
    width = (out[-200:, :, 2] - out[-200:, :, 1]).mean(axis=0)
    assert width[0] == pytest.approx(2 * 1.2816, abs=0.2)   # N(0, 1)'s central 80 %
    assert width[1] == pytest.approx(2 * 1.85, abs=0.25)    # P(|z - 1| <= 1.85) = 0.8
    t = np.asarray(origins)[:, None] + np.arange(2)
    for k in range(2):
        assert coverage(y[t[:, k]], out[:, k, 1], out[:, k, 2]) == pytest.approx(80, abs=4)


@pytest.mark.parametrize("half", [0.3, 4.0])
def test_quantile_tracking_moves_coverage_to_the_level_and_starts_at_the_models_interval(half):
    rng = np.random.default_rng(0)
    y = rng.standard_normal(3000)
    origins = list(range(100, 3000 - 3, 3))
    fc = constant_forecasts(len(origins), 3, half)
    t = np.asarray(origins)[:, None] + np.arange(3)
    out = tracked_intervals(fc, origins, y, level=0.8, rate=0.05)
    np.testing.assert_array_equal(out[0], fc[0])            # nothing observed yet: q = 0
    after = coverage(y[t].ravel(), out[..., 1].ravel(), out[..., 2].ravel())
    late = coverage(y[t[500:]].ravel(), out[500:, :, 1].ravel(), out[500:, :, 2].ravel())
    assert after == pytest.approx(80, abs=4)   # the climb from 24 % (or the fall from 100 %) included
    assert late == pytest.approx(80, abs=2.5)  # once it has settled
    np.testing.assert_allclose(out[..., 1] + out[..., 2], 0.0, atol=1e-12)  # the centre is kept


def test_quantile_tracking_reads_only_values_before_each_origin():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(400)
    origins = list(range(50, 395, 2))
    fc = constant_forecasts(len(origins), 4, 0.5)
    out = tracked_intervals(fc, origins, y, 0.8, rate=0.1)
    i = 100
    changed = y.copy()
    changed[origins[i]:] += 100.0
    again = tracked_intervals(fc, origins, changed, 0.8, rate=0.1)
    np.testing.assert_array_equal(again[:i + 1], out[:i + 1])
    assert not np.array_equal(again[i + 1:], out[i + 1:])


def test_quantile_tracking_steps_by_the_rule():
    # one step ahead, origins 0..3; y far outside at t = 0, inside at t = 1 and 2
    fc = constant_forecasts(4, 1, 1.0)
    y = np.array([5.0, 0.0, 0.0, 0.0])
    out = tracked_intervals(fc, [0, 1, 2, 3], y, level=0.8, rate=0.5)
    half = out[:, 0, 2]
    # q: 0, then +0.5 * 0.8 = 0.4 after the miss, then -0.5 * 0.2 twice: 0.3, 0.2
    np.testing.assert_allclose(half, [1.0, 1.4, 1.3, 1.2])


def test_adapt_rate_is_checked():
    with pytest.raises(ValueError, match="adapt_rate"):
        BacktestConfig(adapt_rate=-0.1)


def test_a_window_asked_for_wins_over_the_default_tracking():
    prep = prepare(ForecastConfig(data="co2", split="1994-12-01", lookback=24, horizon=12))
    torch.manual_seed(0)
    model = Forecaster(build_model_config(prep, {"hidden_size": 4}))
    window = backtest(prep, model, BacktestConfig(stride=3, baselines=(), adapt_window=50))
    only_window = backtest(prep, model, BacktestConfig(stride=3, baselines=(), adapt_window=50, adapt_rate=0.0))
    tracked = backtest(prep, model, BacktestConfig(stride=3, baselines=()))     # the default: adapt_rate 0.05
    np.testing.assert_array_equal(window.points["hi"], only_window.points["hi"])
    assert not np.allclose(tracked.points["hi"], window.points["hi"])


def test_per_step_tracking_moves_each_step_by_its_own_points():
    # two steps ahead, origins 0..3; step 1 (t = o) misses at t = 0 only, step 2 (t = o + 1) never misses
    fc = constant_forecasts(4, 2, 1.0)
    y = np.array([5.0, 0.0, 0.0, 0.0, 0.0])
    out = tracked_intervals(fc, [0, 1, 2, 3], y, level=0.8, rate=0.5, per_step=True)
    # seen before origin 1: (o0, step 1, t 0) a miss; before 2: (o0, step 2, t 1), (o1, step 1, t 1) hits; ...
    np.testing.assert_allclose(out[:, 0, 2], [1.0, 1.4, 1.3, 1.2])   # step 1: +0.4, then -0.1 per hit
    np.testing.assert_allclose(out[:, 1, 2], [1.0, 1.0, 0.9, 0.8])   # step 2: hits only
    pooled = tracked_intervals(fc, [0, 1, 2, 3], y, level=0.8, rate=0.5)
    np.testing.assert_allclose(pooled[:, 0, 2], pooled[:, 1, 2])      # one scale for both steps
    np.testing.assert_allclose(pooled[:, 0, 2], [1.0, 1.4, 1.2, 1.0])


@pytest.mark.parametrize("per_step", [False, True])
def test_tracking_reads_only_values_before_each_origin_pooled_or_per_step(per_step):
    rng = np.random.default_rng(2)
    y = rng.standard_normal(300)
    origins = list(range(40, 295, 3))
    fc = constant_forecasts(len(origins), 4, 0.5)
    out = tracked_intervals(fc, origins, y, 0.8, rate=0.2, per_step=per_step)
    i = 40
    changed = y.copy()
    changed[origins[i]:] -= 50.0
    again = tracked_intervals(fc, origins, changed, 0.8, rate=0.2, per_step=per_step)
    np.testing.assert_array_equal(again[:i + 1], out[:i + 1])
