"""Both strategies learn a noiseless sine; forecasts and intervals have the shapes and order promised."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.tasks.forecast.backtest import BacktestConfig, backtest
from rnnkit.tasks.forecast.config import ForecastConfig, ForecastModelConfig
from rnnkit.tasks.forecast.model import Forecaster, forecast_loss
from rnnkit.training import TrainConfig
from rnnkit.tasks.forecast.train import train


def sine_frame(n=400, period=16):
    t = np.arange(n)
    return pd.DataFrame({"time": pd.date_range("2000-01-01", periods=n, freq="D"),
                         "wave": np.sin(2 * np.pi * t / period)})


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_strategy_learns_a_noiseless_sine(tmp_path, strategy):
    cfg = ForecastConfig(data="sine", split="0.75", lookback=16, horizon=8, batch_size=64, season=16)
    tc = TrainConfig(lr=1e-2, max_steps=250, epochs=10_000, eval_every=250, progress=False, plot=False,
                     seed=0, run_dir=str(tmp_path))
    out = train(cfg, {"hidden_size": 24, "strategy": strategy, "likelihood": "none", "window_norm": "none"},
                tc, frame=sine_frame())
    result = backtest(out.prep, out.model, BacktestConfig(stride=4, baselines=("naive",)))
    scored = result.points
    assert scored["time"].min() > out.prep.items[0].series.index[out.prep.items[0].n_train - 1]
    # errors in scaled units of a sine spanning [0, 1] after min-max scaling ~ amplitude 0.5
    assert result.metrics.loc["rnnkit", "MAE"] < 0.02 * 2  # original units: amplitude 1, so < 2 % of the range
    assert result.metrics.loc["naive", "MAE"] > 0.5          # the baseline that ignores the wave is far worse


def test_outputs_and_intervals_have_their_shapes_and_order():
    torch.manual_seed(0)
    for lik, strategy in [("quantile", "direct"), ("gaussian", "direct"), ("gaussian", "recursive"),
                          ("quantile", "recursive")]:
        cfg = ForecastModelConfig(hidden_size=8, lookback=10, horizon=4, n_future=3, likelihood=lik, strategy=strategy,
                                  difference=0)  # a bare Forecaster takes the lag itself
        m = Forecaster(cfg)
        y, past, fut = torch.randn(5, 10), torch.zeros(5, 10, 0), torch.randn(5, 14, 3)
        o, t = m.training_pair(y, past, fut, torch.randn(5, 4))
        assert o.shape == ((5, 4, cfg.n_outputs) if strategy == "direct" else (5, 13, cfg.n_outputs))
        assert forecast_loss(cfg, o, t).dim() == 0
        point, lo, hi = m.forecast(y, past, fut)
        assert point.shape == lo.shape == hi.shape == (5, 4)
        assert bool((lo <= point).all() and (point <= hi).all())  # quantiles cannot cross


@pytest.mark.parametrize("quantiles", [(0.1, 0.5, 0.9), (0.05, 0.1, 0.5, 0.9, 0.95), (0.1, 0.25, 0.5, 0.9), (0.5,)])
def test_quantile_outputs_step_away_from_the_median_by_softplus_gaps(quantiles):
    m = Forecaster(ForecastModelConfig(hidden_size=4, lookback=6, horizon=2, likelihood="quantile",
                                       quantiles=quantiles, difference=0))
    raw = torch.randn(3, 2, len(quantiles))
    got = m.ordered(raw)
    j = quantiles.index(0.5)
    sp = torch.nn.functional.softplus
    for i in range(len(quantiles)):  # q_i = median ± the softplus gaps between it and the median
        gaps = raw[..., i:j] if i < j else raw[..., j + 1:i + 1]
        expect = raw[..., j] + (-1 if i < j else 1) * sp(gaps).sum(-1)
        torch.testing.assert_close(got[..., i], expect)
    assert bool((got.diff(dim=-1) > 0).all())  # strictly increasing: no crossing


def test_pinball_loss_has_its_textbook_value():
    cfg = ForecastModelConfig(likelihood="quantile", quantiles=(0.1, 0.5, 0.9))
    o = torch.tensor([[[0.0, 0.0, 0.0]]])              # every quantile at 0, target 1: e = 1
    assert forecast_loss(cfg, o, torch.ones(1, 1)).item() == pytest.approx(0.1 + 0.5 + 0.9)
    o = torch.tensor([[[2.0, 2.0, 2.0]]])              # e = -1: (1 - q) each
    assert forecast_loss(cfg, o, torch.ones(1, 1)).item() == pytest.approx(0.9 + 0.5 + 0.1)


def test_recursive_with_past_covariates_is_refused():
    with pytest.raises(ValueError, match="strategy: 'recursive' feeds its own predictions back"):
        ForecastModelConfig(strategy="recursive", n_past=1)


def test_differencing_reads_lag_d_changes_and_adds_the_forecast_back():
    cfg = ForecastModelConfig(hidden_size=4, lookback=4, horizon=3, difference=2, likelihood="none")
    m = Forecaster(cfg)
    y, target = torch.tensor([[1.0, 2.0, 3.0, 5.0]]), torch.tensor([[6.0, 9.0, 10.0]])
    dy, _, fut, dt = m.differenced(y, torch.zeros(1, 4, 0), torch.zeros(1, 7, 2), target)
    assert dy.tolist() == [[2.0, 3.0]] and dt.tolist() == [[3.0, 4.0, 4.0]] and fut.shape == (1, 5, 2)
    # ŷ_{L+k} = ŷ_{L+k-2} + Δŷ_{L+k}: 3 + 10, 5 + 20, then the first forecast 13 + 30
    assert m.undifferenced(y, torch.tensor([[10.0, 20.0, 30.0]])).tolist() == [[13.0, 25.0, 43.0]]
    with pytest.raises(ValueError, match="difference: expected a lag below lookback=4, got 4"):
        ForecastModelConfig(lookback=4, difference=4)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_seasonal_differencing_forecasts_a_trend_beyond_the_training_range(tmp_path, strategy):
    n, period = 400, 16
    t = np.arange(n)
    frame = pd.DataFrame({"time": pd.date_range("2000-01-01", periods=n, freq="D"),
                          "y": 0.02 * t + np.sin(2 * np.pi * t / period)})   # test values rise above all training ones
    cfg = ForecastConfig(data="trend", split="0.75", lookback=2 * period, horizon=8, batch_size=64, season=period)
    tc = TrainConfig(lr=1e-2, max_steps=150, epochs=10_000, eval_every=150, progress=False, plot=False,
                     seed=0, run_dir=str(tmp_path))
    out = train(cfg, {"hidden_size": 16, "strategy": strategy, "likelihood": "none", "difference": period},
                tc, frame=frame)
    result = backtest(out.prep, out.model, BacktestConfig(stride=4, baselines=("seasonal_naive",)))
    train_max = frame["y"].iloc[:out.prep.items[0].n_train].max()
    assert result.points["actual"].max() > train_max + 1.5
    # seasonal naive misses by the trend of one period (0.32); the differenced model forecasts it
    assert result.metrics.loc["seasonal_naive", "MAE"] > 0.3
    assert result.metrics.loc["rnnkit", "MAE"] < 0.05
