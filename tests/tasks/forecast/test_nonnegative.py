"""--nonnegative: forecasts and bounds of rnnkit and of the baselines are raised to 0, nothing
else changes, the future forecasts too, and a series with negative values is refused."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.forecast.backtest import backtest
from rnnkit.tasks.forecast.config import BacktestConfig, ForecastConfig
from rnnkit.tasks.forecast.predict import forecast_frame
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.train import train
from rnnkit.training import TrainConfig

COLUMNS = ("rnnkit", "lo", "hi", "naive", "ets")


def falling() -> pd.DataFrame:
    """A count that falls to about zero: a trend model carries it below."""
    t = np.arange(96)
    y = np.maximum(100 - 1.05 * t + 3 * np.sin(t), 0.0)
    return pd.DataFrame({"month": pd.date_range("2000-01-01", periods=96, freq="MS"), "count": y})


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    cfg = ForecastConfig(data="count", target=("count",), time_col="month", split="0.8", lookback=12, horizon=6,
                         calibrate=0)
    tc = TrainConfig(lr=3e-3, max_steps=20, epochs=1000, eval_every=20, progress=False, plot=False,
                     run_dir=str(tmp_path_factory.mktemp("nn")))
    return cfg, train(cfg, {"hidden_size": 6, "difference": 0}, tc, frame=falling())


def test_every_forecast_and_bound_is_raised_to_zero_and_only_those(fitted):
    cfg, out = fitted
    bcfg = BacktestConfig(baselines=("naive", "ets"))
    free = backtest(out.prep, out.model, bcfg).points
    floored = backtest(prepare(cfg.replace(nonnegative=True), falling()), out.model, bcfg).points
    assert (free[list(COLUMNS)].to_numpy() < 0).any(), "the check needs forecasts below zero to mean anything"
    for c in COLUMNS:
        np.testing.assert_allclose(floored[c], np.maximum(free[c], 0.0), atol=1e-9, err_msg=c)
    np.testing.assert_array_equal(floored["actual"], free["actual"])


def test_the_future_forecast_is_raised_to_zero_too(fitted):
    cfg, out = fitted
    free = forecast_frame(out.model, prepare(cfg, falling(), whole_history=True))
    floored = forecast_frame(out.model, prepare(cfg.replace(nonnegative=True), falling(), whole_history=True))
    for c in ("forecast", "lo", "hi"):
        np.testing.assert_allclose(floored[c], np.maximum(free[c], 0.0), atol=1e-9)


def test_negative_values_are_refused_with_the_file_column_and_time(tmp_path, capsys):
    frame = falling()
    frame.loc[7, "count"] = -2.5
    csv = tmp_path / "counts.csv"
    frame.to_csv(csv, index=False)
    assert main(["forecast", "train", "--csv", str(csv), "--target", "count", "--horizon", "3", "--lookback", "6",
                 "--nonnegative", "--max-steps", "1", "--no-progress", "--run-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.endswith(f"{csv}: column 'count': --nonnegative, but it has negative values, "
                                            f"the first -2.5 at 2000-08-01")
