"""Known-future covariates from the user's columns: read, scaled on the training part, learned,
and supplied for the steps past the data by the rows after the target's last value."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.tasks.forecast import BacktestConfig, ForecastConfig, backtest, forecast_frame, train
from rnnkit.tasks.forecast.data import read_series
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.training import TrainConfig

N, H = 300, 7


def promo_frame(seed=0, ahead=H):
    """Daily sales: a weekly season, +20 on promotion days (drawn at random, so only the promotion
    column can tell them) and noise of sd 1; `ahead` rows past the data hold only the promotion."""
    rng = np.random.default_rng(seed)
    promo = (rng.random(N + ahead) < 0.2).astype(float)
    y = 50 + 5 * np.sin(2 * np.pi * np.arange(N + ahead) / 7) + 20 * promo + rng.normal(0, 1, N + ahead)
    df = pd.DataFrame({"date": pd.date_range("2018-01-01", periods=N + ahead, freq="D"), "sales": y, "promo": promo})
    df.loc[N:, "sales"] = np.nan
    return df


def cfg(**kw):
    return ForecastConfig(data="promo", target=("sales",), split="0.8", horizon=H, lookback=14, **kw)


TC = TrainConfig(lr=3e-3, max_steps=400, epochs=10_000, eval_every=400, progress=False, plot=False, seed=0)


def test_rows_after_the_target_hold_the_future_covariates():
    s = read_series(cfg(future_covariates=("promo",)), promo_frame()).series[0]
    assert len(s) == N and s.future.shape == (N + H, 1) and not np.isnan(s.y).any()
    with pytest.raises(ValueError, match=r"column 'sales': 7 missing value\(s\), the first at row 301 .*; rows after "
                                         r"the last value hold the steps ahead only with --future-covariates$"):
        read_series(cfg(), promo_frame())                         # without them, empty targets are missing values


def test_future_covariates_are_scaled_on_the_training_part_only():
    df, changed = promo_frame(), promo_frame()
    changed.loc[250:, "promo"] *= 7                               # the test part and the rows ahead
    a, b = (prepare(cfg(future_covariates=("promo",)), f).items[0] for f in (df, changed))
    assert (a.scaler.future[0].a, a.scaler.future[0].b) == (0.0, 1.0) == (b.scaler.future[0].a, b.scaler.future[0].b)
    np.testing.assert_array_equal(a.fut[:240], b.fut[:240])


def test_the_model_learns_a_known_future_covariate_and_forecasts_with_the_rows_ahead(tmp_path):
    df = promo_frame()
    with_promo = train(cfg(future_covariates=("promo",)), {"hidden_size": 16}, TC.replace(run_dir=str(tmp_path / "a")),
                       frame=df)
    without = train(cfg(), {"hidden_size": 16}, TC.replace(run_dir=str(tmp_path / "b")), frame=df.iloc[:N])
    bc = BacktestConfig(stride=H, baselines=("seasonal_naive",))
    mae = {name: backtest(out.prep, out.model, bc).metrics.loc["rnnkit", "MAE"]
           for name, out in (("with", with_promo), ("without", without))}
    assert mae["with"] < 2.0 < 4.0 < mae["without"], mae      # noise alone: MAE 0.8; promotions unseen: ~4.5
    whole = prepare(cfg(future_covariates=("promo",)), df, scalers={"sales": with_promo.prep.items[0].scaler},
                    whole_history=True)
    f = forecast_frame(with_promo.model, whole)
    lift = f["forecast"].to_numpy() - 50 - 5 * np.sin(2 * np.pi * np.arange(N, N + H) / 7)
    promo = df["promo"].to_numpy()[N:] == 1
    assert promo.any() and (~promo).any()
    assert lift[promo].min() > 12 and np.abs(lift[~promo]).max() < 6, (lift, promo)


def test_changing_future_covariates_after_the_split_leaves_the_fitted_model_unchanged(tmp_path):
    df, changed = promo_frame(), promo_frame()
    changed.loc[240:, "promo"] = 1 - changed.loc[240:, "promo"]  # every step after the training part's 240
    tc = TC.replace(max_steps=20, eval_every=20)
    a, b = (train(cfg(future_covariates=("promo",)), {"hidden_size": 8},
                  tc.replace(run_dir=str(tmp_path / k)), frame=f) for k, f in (("a", df), ("b", changed)))
    for (name, p), q in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(p, q), name


def test_predict_needs_the_rows_ahead_and_names_the_column(tmp_path, capsys):
    path, short = tmp_path / "promo.csv", tmp_path / "short.csv"
    promo_frame().to_csv(path, index=False)
    promo_frame().iloc[:N + 3].to_csv(short, index=False)
    assert main(["forecast", "train", "--csv", str(path), "--target", "sales", "--future-covariates", "promo",
                 "--horizon", str(H), "--lookback", "14", "--max-steps", "5", "--hidden-size", "4", "--no-progress",
                 "--strategy", "recursive", "--run-dir", str(tmp_path / "run")]) == 0
    out = ["--out", str(tmp_path / "f.csv"), "--plot", str(tmp_path / "f.png")]
    assert main(["forecast", "predict", "--checkpoint", str(tmp_path / "run"), "--csv", str(path), *out]) == 0
    assert len(pd.read_csv(tmp_path / "f.csv")) == H
    capsys.readouterr()
    assert main(["forecast", "predict", "--checkpoint", str(tmp_path / "run"), "--csv", str(short), *out]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.endswith("short.csv: column 'promo': forecasting 7 steps past the data needs the "
                                            "known-future covariates there; 3 row(s) after the last 'sales' value "
                                            "hold them, add 4 more")


def test_a_column_in_two_roles_is_refused():
    with pytest.raises(ValueError, match=r"column 'promo' is named twice among --target, --past-covariates and "
                                         r"--future-covariates"):
        read_series(cfg(past_covariates=("promo",), future_covariates=("promo",)), promo_frame())
