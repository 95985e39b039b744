"""difference=-1 (auto): seasonal differencing where the STL seasonal strength says the season is there."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecast.config import ForecastConfig, ForecastModelConfig
from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.seasonality import THRESHOLD, auto_difference, seasonal_strength
from rnnkit.tasks.forecast.train import build_model_config


def monthly(values):
    return pd.DataFrame({"time": pd.date_range("2000-01-01", periods=len(values), freq="MS"), "y": values})


def seasonal_series(n=240, noise=0.1, seed=0):
    t = np.arange(n)
    return 0.01 * t + np.sin(2 * np.pi * t / 12) + noise * np.random.default_rng(seed).standard_normal(n)


def test_strength_is_high_for_a_season_and_low_for_noise_and_a_random_walk():
    rng = np.random.default_rng(1)
    assert seasonal_strength(seasonal_series(), 12) > 0.9
    assert seasonal_strength(rng.standard_normal(240), 12) < THRESHOLD
    assert seasonal_strength(rng.standard_normal(240).cumsum(), 12) < THRESHOLD


def test_strength_is_zero_where_it_cannot_be_measured():
    assert seasonal_strength(seasonal_series(), 1) == 0.0            # no season
    assert seasonal_strength(seasonal_series(24), 12) == 0.0         # two seasons are not enough for STL
    assert seasonal_strength(np.full(120, 3.0), 12) == 0.0           # constant


def test_auto_difference_needs_a_season_inside_the_lookback():
    z = [seasonal_series()]
    assert auto_difference(z, 12, lookback=24) == 12
    assert auto_difference(z, 12, lookback=18) == 0                  # no full season of differences to read
    assert auto_difference(z, 12, lookback=12) == 0
    assert auto_difference([np.random.default_rng(2).standard_normal(240)], 12, lookback=24) == 0


def test_build_model_config_resolves_auto_from_the_training_part_only():
    # seasonal after the split only: the training part (a random walk) decides, so no differencing
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.standard_normal(120).cumsum(), 20 * seasonal_series(120)])
    prep = prepare(ForecastConfig(data="x.csv", split="0.5", lookback=24, horizon=6), monthly(values))
    assert build_model_config(prep, {"difference": -1}).difference == 0
    prep = prepare(ForecastConfig(data="x.csv", split="0.5", lookback=24, horizon=6), monthly(seasonal_series()))
    assert build_model_config(prep, {"difference": -1}).difference == 12
    assert build_model_config(prep, {"difference": 3}).difference == 3   # an explicit lag is kept


def test_bundled_series_resolve_as_their_presets_chose():
    from rnnkit.tasks.forecast.presets import PRESETS

    for name, lag in (("airpassengers", 12), ("co2", 12), ("elec_equip", 12), ("sunspots", 0)):
        prep = prepare(PRESETS[name].data_config())
        assert build_model_config(prep, {"difference": -1}).difference == lag, name


def test_a_forecaster_needs_the_lag_itself():
    with pytest.raises(ValueError, match="difference: -1 .auto."):
        Forecaster(ForecastModelConfig(difference=-1))
    with pytest.raises(ValueError, match="difference"):
        ForecastModelConfig(difference=-2)
