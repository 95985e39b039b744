"""Backtests: windows after the training part, baselines on the same points, metrics by hand."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.tasks.forecast.backtest import BacktestConfig, backtest
from rnnkit.tasks.forecast.baselines import ets, ets_forecast, naive_interval, seasonal_naive, seasonal_naive_interval
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.evaluate import coverage, msis, point_metrics, seasonal_scale
from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.train import build_model_config


@pytest.fixture(scope="module")
def air():
    prep = prepare(ForecastConfig(data="airpassengers", split="1959-01-01", calendar=True, lookback=12, horizon=6))
    torch.manual_seed(0)
    return prep, Forecaster(build_model_config(prep, {"hidden_size": 4}))


def test_without_refit_no_scored_point_lies_in_the_training_part(air):
    prep, model = air
    result = backtest(prep, model, BacktestConfig(start="1959-01-01", last_points_only=True,
                                                  baselines=("naive", "seasonal_naive")))
    p = result.points
    assert len(p) == 19 and (p["step"] == 6).all()
    assert p["time"].min() == pd.Timestamp("1959-06-01") and p["time"].max() == pd.Timestamp("1960-12-01")
    assert (p["time"] > pd.Timestamp("1959-01-01")).all()
    # every step of every forecast from the split on: also after it
    full = backtest(prep, model, BacktestConfig(stride=3, baselines=("naive",))).points
    assert (full["time"] > pd.Timestamp("1959-01-01")).all() and full["origin"].min() == pd.Timestamp("1959-02-01")
    with pytest.raises(ValueError, match=r"--start: without refitting, the first scored point \(1958-01-01\) lies in "):
        backtest(prep, model, BacktestConfig(start="1958-01-01", baselines=()))


def test_baselines_are_scored_on_exactly_the_models_points(air):
    prep, model = air
    result = backtest(prep, model, BacktestConfig(start="1959-01-01", last_points_only=True, stride=9,
                                                  baselines=("naive", "seasonal_naive", "ets")), progress=True)
    assert result.baseline_seconds > 0      # ETS refits at every origin: the CLI reports this time apart
    p = result.points
    assert list(p["origin"]) == list(pd.to_datetime(["1959-01-01", "1959-10-01", "1960-07-01"]))
    y = prep.items[0].series.y
    first = p.iloc[0]                       # origin 1959-01 (index 120), step 6 -> 1959-06 (index 125)
    assert first["origin"] == pd.Timestamp("1959-01-01") and first["actual"] == y[125]
    assert first["naive"] == y[119]         # December 1958
    assert first["seasonal_naive"] == y[113]  # June 1958
    assert p[["rnnkit", "naive", "seasonal_naive", "ets"]].notna().all().all()


def test_metrics_match_their_definitions():
    y, f = np.array([100.0, 200.0, 400.0]), np.array([110.0, 180.0, 400.0])
    m = point_metrics(y, f, scale=10.0)
    assert m["MAE"] == pytest.approx(10.0) and m["RMSE"] == pytest.approx(np.sqrt(500 / 3))
    assert m["MAPE"] == pytest.approx(100 * (0.1 + 0.1 + 0) / 3)
    assert m["sMAPE"] == pytest.approx(100 * (20 / 210 + 40 / 380) / 3)
    assert m["MASE"] == pytest.approx(1.0)
    assert seasonal_scale(np.array([1.0, 2.0, 4.0, 7.0]), 2) == pytest.approx(4.0)
    assert coverage(y, y - 1, y + 1) == 100.0 and coverage(y, y + 1, y + 2) == 0.0
    np.testing.assert_array_equal(seasonal_naive(np.arange(10.0), 5, 4), [6, 7, 8, 9, 6])
    # MSIS at alpha 0.2: width 20 each; the second point misses below by 5 (2/0.2 * 5 = 50), the third above by 10
    lo, hi = np.array([90.0, 205.0, 380.0]), np.array([110.0, 225.0, 390.0])
    assert msis(y, lo, hi, 0.2, 10.0) == pytest.approx((20 + (20 + 50) + (10 + 100)) / 3 / 10)
    assert np.isnan(msis(y, np.full(3, np.nan), np.full(3, np.nan), 0.2, 1.0))


def test_naive_intervals_follow_the_textbook_formulas():
    z = 1.2815515655446004                                       # the normal 0.9 quantile: an 80 % interval
    history = np.array([10.0, 12.0, 11.0, 14.0, 13.0, 16.0])      # one-step residuals 2, -1, 3, -1, 3
    lo, hi = naive_interval(history, 3, 1, 0.8)
    sigma = np.sqrt((4 + 1 + 9 + 1 + 9) / 5)
    np.testing.assert_allclose(hi - 16, z * sigma * np.sqrt([1, 2, 3]))
    np.testing.assert_allclose(16 - lo, z * sigma * np.sqrt([1, 2, 3]))
    lo, hi = seasonal_naive_interval(history, 5, 2, 0.8)          # one-season residuals 1, 2, 2, 2
    sigma = np.sqrt((1 + 4 + 4 + 4) / 4)
    np.testing.assert_allclose((hi - lo) / 2, z * sigma * np.sqrt([1, 1, 2, 2, 3]))
    np.testing.assert_allclose((hi + lo) / 2, [13, 16, 13, 16, 13])


def test_ets_intervals_come_from_simulated_paths_around_the_same_point_forecast(air):
    history = air[0].items[0].series.y[:121]
    point, lo, hi = ets_forecast(history, 6, 12, 0.8)
    np.testing.assert_array_equal(point, ets(history, 6, 12))                # the interval leaves the point alone
    assert (lo < point).all() and (point < hi).all() and ((hi - lo)[-1] > (hi - lo)[0])
    np.testing.assert_array_equal(lo, ets_forecast(history, 6, 12, 0.8)[1])   # seeded: the same every time
    wide = ets_forecast(history, 6, 12, 0.95)
    assert (wide[1] < lo).all() and (wide[2] > hi).all()


def test_the_backtest_table_gives_rnnkit_msis_at_its_interval_level(air):
    prep, model = air
    result = backtest(prep, model, BacktestConfig(start="1959-01-01", last_points_only=True, baselines=("naive",),
                                                  adapt_rate=0))
    p, scale = result.points, seasonal_scale(prep.items[0].series.y[:121], 12)
    q = model.config.quantiles
    expected = msis(p["actual"].to_numpy(), p["lo"].to_numpy(), p["hi"].to_numpy(), 1 - (q[-1] - q[0]), scale)
    assert result.metrics.loc["rnnkit", "MSIS"] == pytest.approx(expected) and expected > 0
    naive = msis(p["actual"].to_numpy(), p["naive_lo"].to_numpy(), p["naive_hi"].to_numpy(), 0.2, scale)
    assert result.metrics.loc["naive", "MSIS"] == pytest.approx(naive) and naive > 0
    assert result.metrics.loc["naive", "coverage"] == coverage(p["actual"].to_numpy(), p["naive_lo"].to_numpy(),
                                                                p["naive_hi"].to_numpy())


def test_conformal_margin_is_the_kth_smallest_score():
    from rnnkit.tasks.forecast.calibrate import conformal_margin

    scores = np.column_stack([np.arange(1.0, 11.0), -np.arange(1.0, 11.0)])  # n = 10 origins, H = 2
    # k = ceil((10 + 1) * 0.8) = 9: the 9th smallest score of each step
    np.testing.assert_array_equal(conformal_margin(scores, 0.8), [9.0, -2.0])


def test_calibration_widens_intervals_by_the_stored_margin(air):
    prep, model = air
    from rnnkit.tasks.forecast.backtest import model_forecasts

    item = prep.items[0]
    before = model_forecasts(model, item, [125, 130], 0.8)
    model.interval_margin.fill_(0.05)
    after = model_forecasts(model, item, [125, 130], 0.8)
    model.interval_margin.zero_()
    np.testing.assert_allclose(after[..., 0], before[..., 0])
    np.testing.assert_allclose(after[..., 1], before[..., 1] - 0.05, atol=1e-6)
    np.testing.assert_allclose(after[..., 2], before[..., 2] + 0.05, atol=1e-6)


def test_a_narrowing_margin_stops_at_the_point_forecast(air):
    prep, model = air
    from rnnkit.tasks.forecast.backtest import model_forecasts

    item = prep.items[0]
    before = model_forecasts(model, item, [125, 130], 0.8)                   # (2, H, 3): point, lo, hi
    half = (before[..., 2] - before[..., 1]).min() / 2
    below, above = before[..., 0] - before[..., 1], before[..., 2] - before[..., 0]
    for m in (0.5 * min(below.min(), above.min()), 10 * half):  # inside both halves; far past them
        model.interval_margin.fill_(-float(m))
        after = model_forecasts(model, item, [125, 130], 0.8)
        model.interval_margin.zero_()
        np.testing.assert_allclose(after[..., 0], before[..., 0])
        np.testing.assert_allclose(after[..., 1], np.minimum(before[..., 1] + m, before[..., 0]), atol=1e-6)
        np.testing.assert_allclose(after[..., 2], np.maximum(before[..., 2] - m, before[..., 0]), atol=1e-6)
        assert (after[..., 1] <= after[..., 0]).all() and (after[..., 0] <= after[..., 2]).all()
    assert (after[..., 1] == after[..., 0]).all()   # the widest narrowing leaves the point alone, not lo > hi


def test_with_refit_every_window_scores_only_points_after_its_models_training_part(air):
    prep, model = air
    trained_on = []                                 # (n_train, scaler) of every refit, in order

    def refit_fn(again):
        item = again.items[0]
        trained_on.append(item.n_train)
        part = item.series.y[:item.n_train]         # the refit's scaler: its own training part only
        assert (item.scaler.y.a, item.scaler.y.b) == (part.min(), part.max() - part.min())
        return model

    # from 1958-01 (index 108), inside the first training part: allowed only because of the refits
    p = backtest(prep, model, BacktestConfig(start="1958-01-01", refit=4, baselines=("naive",)), refit_fn).points
    index = prep.items[0].series.index
    origins = index.get_indexer(p["origin"])
    assert origins.min() == 108 and origins.max() == 144 - 6 and len(p) == 31 * 6
    assert trained_on == list(range(108, 139, 4))   # a refit every 4 origins, on everything before it
    chunk = (origins - 108) // 4
    fitted = np.array(trained_on)[chunk]            # the training part of the model that made each row
    assert (fitted <= origins).all() and (index.get_indexer(p["time"]) >= fitted).all()
    assert (origins - fitted < 4).all()


def test_refit_forecasts_do_not_change_when_later_data_does(tmp_path):
    from rnnkit.tasks.forecast.datasets import load_named
    from rnnkit.tasks.forecast.train import train
    from rnnkit.training import TrainConfig

    air = load_named("airpassengers")
    changed = air.copy()
    later = changed["time"] >= pd.Timestamp("1960-01-01")
    changed.loc[later, "passengers"] = changed.loc[later, "passengers"] * 2 + 500
    cfg = ForecastConfig(data="air", split="1958-12-01", lookback=12, horizon=3)
    tc = TrainConfig(lr=3e-3, max_steps=8, epochs=1000, eval_every=8, progress=False, plot=False, seed=1)
    bcfg = BacktestConfig(start="1959-01-01", refit=3, stride=2, baselines=())

    def points(frame, name):
        out = train(cfg, {"hidden_size": 4}, tc.replace(run_dir=str(tmp_path / name)), frame=frame)
        fits = iter(range(100))
        refit = lambda again: train(cfg, {"hidden_size": 4}, tc.replace(  # noqa: E731
            run_dir=str(tmp_path / f"{name}{next(fits)}")), prep=again).model
        return backtest(out.prep, out.model, bcfg, refit).points.set_index(["origin", "step"])

    a, b = points(air, "a"), points(changed, "b")
    # refits at origins 1959-01, -07, 1960-01, -07: a model refitted before 1960 never saw the change
    before = a.index.get_level_values("origin") < pd.Timestamp("1960-01-01")
    assert before.sum() == 6 * 3 and (~before).sum() > 0
    pd.testing.assert_frame_equal(a[before][["rnnkit", "lo", "hi"]], b[before][["rnnkit", "lo", "hi"]])
    assert not np.allclose(a[~before]["rnnkit"], b[~before]["rnnkit"])


def test_intervals_are_calibrated_by_default_on_max_of_three_horizons_and_two_seasons():
    from rnnkit.tasks.forecast.train import calibration_points

    def points(model_kwargs, **cfg):
        prep = prepare(ForecastConfig(data="airpassengers", split="1959-01-01", **cfg))
        return calibration_points(prep, build_model_config(prep, model_kwargs))

    assert ForecastConfig().calibrate == -1
    assert points({}, lookback=12, horizon=6) == 24             # 2 seasons of 12 > 3 x 6
    assert points({}, lookback=12, horizon=12) == 36            # 3 horizons
    assert points({"likelihood": "none"}, lookback=12, horizon=6) == 0   # no intervals to calibrate
    assert points({}, lookback=36, horizon=12) == 0             # 121 - 36 < 2 (36 + 12): no room, not calibrated
    assert points({}, lookback=36, horizon=12, calibrate=30) == 30       # given: taken as it is
