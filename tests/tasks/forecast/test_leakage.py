"""No leakage: scalers and the fitted model see only the training part."""

import numpy as np
import pandas as pd
import torch

from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.datasets import load_named
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.train import train
from rnnkit.training import TrainConfig

SPLIT = "1959-01-01"


def frames():
    air = load_named("airpassengers")
    changed = air.copy()
    future = changed["time"] > pd.Timestamp(SPLIT)
    changed.loc[future, "passengers"] = changed.loc[future, "passengers"] * 3 + 1000  # a new maximum
    changed.loc[changed.index[-1], "passengers"] = 1.0                                  # and a new minimum
    return air, changed


def test_scaler_statistics_come_from_the_training_part_only():
    air, changed = frames()
    cfg = ForecastConfig(data="air", split=SPLIT, calendar=True)
    a, b = prepare(cfg, air).items[0], prepare(cfg, changed).items[0]
    train_part = air["passengers"].to_numpy()[:121]
    assert a.n_train == 121  # 1949-01 .. 1959-01 inclusive, Darts' split_after
    assert (a.scaler.y.a, a.scaler.y.b) == (train_part.min(), train_part.max() - train_part.min())
    assert (a.scaler.y.a, a.scaler.y.b) == (b.scaler.y.a, b.scaler.y.b)
    np.testing.assert_array_equal(a.fut, b.fut)  # calendar year scale from training years too


def test_changing_the_future_leaves_the_fitted_model_unchanged(tmp_path):
    air, changed = frames()
    cfg = ForecastConfig(data="air", split=SPLIT, calendar=True, lookback=12, horizon=6)
    tc = TrainConfig(lr=3e-3, max_steps=30, epochs=1000, eval_every=15, progress=False, plot=False, seed=3)
    a = train(cfg, {"hidden_size": 8}, tc.replace(run_dir=str(tmp_path / "a")), frame=air)
    b = train(cfg, {"hidden_size": 8}, tc.replace(run_dir=str(tmp_path / "b")), frame=changed)
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert a.fit.last_metrics["loss"] == b.fit.last_metrics["loss"]
    # and the change was real: the same model forecasts differently from the changed history
    assert not np.allclose(a.prep.items[0].z[-6:], b.prep.items[0].z[-6:])
