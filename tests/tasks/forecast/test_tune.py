"""`tune`: candidates ranked on validation folds inside the training part; the test part is never read."""

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.forecast.config import BacktestConfig, ForecastConfig
from rnnkit.tasks.forecast.prepare import prepare
from rnnkit.tasks.forecast.tune import candidates, fold_data, tune
from rnnkit.training import TrainConfig

N = 120


def sales(n=N, seed=0):
    t = np.arange(n)
    noise = np.random.default_rng(seed).standard_normal(n)
    return pd.DataFrame({"month": pd.date_range("2000-01-01", periods=n, freq="MS"),
                         "sales": 100 + t + 10 * np.sin(2 * np.pi * t / 12) + noise})


CFG = ForecastConfig(data="x.csv", target=("sales",), split="0.8", lookback=24, horizon=6)
TRAIN = TrainConfig(lr=1e-2, max_steps=30, epochs=10_000, eval_every=30, progress=False, plot=False, run_dir="unused")
BT = BacktestConfig(stride=2, baselines=("naive", "seasonal_naive"))


def test_folds_move_back_one_test_length_each_and_stay_inside_the_training_part():
    prep = prepare(CFG, sales())                          # 96 training points, a test part of 24
    (d1, n1), (d2, n2) = fold_data(prep, 1), fold_data(prep, 2)
    assert len(d1.series[0]) == 96 and n1 == {"sales": 72}
    assert len(d2.series[0]) == 72 and n2 == {"sales": 48}
    np.testing.assert_array_equal(d2.series[0].y, prep.items[0].series.y[:72])
    with pytest.raises(ValueError, match="--folds: fold 4 leaves series 'sales' 0 training points"):
        fold_data(prep, 4)


def test_tune_never_reads_the_test_part():
    grid = {"window_norm": ["shift", "none"]}
    a = tune(CFG, {"hidden_size": 4}, TRAIN, BT, grid, folds=2, seeds=(0,), frame=sales(), log=lambda s: None)
    changed = sales()
    changed.loc[96:, "sales"] = 1e6                        # the test part, wildly different
    b = tune(CFG, {"hidden_size": 4}, TRAIN, BT, grid, folds=2, seeds=(0,), frame=changed, log=lambda s: None)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert list(a.table.index) == ["window_norm=shift", "window_norm=none", "baseline: naive",
                                   "baseline: seasonal_naive"]
    assert a.best == {"window_norm": ["shift", "none"][int(a.table["mean"].iloc[:2].to_numpy().argmin())]}
    np.testing.assert_allclose(a.table["mean"], a.table[["fold 1", "fold 2"]].mean(axis=1))
    assert set(a.runs["fold"]) == {1, 2} and len(a.runs) == 4


def test_grid_errors_name_the_flag_and_the_setting():
    assert candidates({"lookback": [12, 24], "highway": [True, False]}) == [
        {"lookback": 12, "highway": True}, {"lookback": 12, "highway": False},
        {"lookback": 24, "highway": True}, {"lookback": 24, "highway": False}]
    with pytest.raises(ValueError, match="--grid: unknown setting 'look_back'"):
        candidates({"look_back": [12]})
    with pytest.raises(ValueError, match="--grid: 'lookback' lists a value twice"):
        candidates({"lookback": [24, 24]})
    with pytest.raises(ValueError, match="--grid: 'lookback' needs a non-empty list"):
        candidates({"lookback": 12})
    with pytest.raises(ValueError, match="--grid: window_norm=mean: window_norm: expected one of"):
        tune(CFG, {}, TRAIN, BT, {"window_norm": ["shift", "mean"]}, frame=sales())
    with pytest.raises(ValueError, match="--metric: expected one of"):
        tune(CFG, {}, TRAIN, BT, {"lookback": [24]}, metric="R2", frame=sales())


def test_cli_tune_writes_the_table_and_the_best_settings(tmp_path, capsys):
    sales().to_csv(tmp_path / "sales.csv", index=False)
    code = main(["forecast", "tune", "--csv", str(tmp_path / "sales.csv"), "--target", "sales", "--horizon", "6",
                 "--grid", '{"lookback": [18, 24]}', "--folds", "2", "--seeds", "0", "--max-steps", "20",
                 "--hidden-size", "4", "--quantiles", "0.05", "0.5", "0.95", "--baselines", "naive",
                 "--run-dir", str(tmp_path / "tune")])
    out = capsys.readouterr().out
    assert code == 0
    # the printed next command repeats every flag given off its default, so it backtests what was tuned
    nxt = next(line for line in out.splitlines() if line.startswith("next: rnnkit forecast backtest"))
    for flag in ("--target sales", "--hidden-size 4", "--quantiles 0.05 0.5 0.95", "--max-steps 20", "--baselines naive"):
        assert flag in nxt, (flag, nxt)
    best = json.loads((tmp_path / "tune" / "best.json").read_text())
    assert best["lookback"] in (18, 24) and f"--lookback {best['lookback']}" in out
    table = pd.read_csv(tmp_path / "tune" / "tune.csv", index_col=0)
    assert list(table.index) == ["lookback=18", "lookback=24", "baseline: naive"]
    assert table.loc["baseline: naive", "mean"] > table["mean"].iloc[:2].min() and "note:" not in out
    code = main(["forecast", "tune", "--csv", str(tmp_path / "sales.csv"), "--target", "sales", "--grid", "{oops"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "--grid: expected JSON" in err


def test_an_ensemble_candidate_draws_members_that_no_other_seed_shares(tmp_path):
    from rnnkit.tasks.forecast.backtest import backtest
    from rnnkit.tasks.forecast.ensemble import ForecastEnsemble
    from rnnkit.tasks.forecast.train import train

    a = tune(CFG, {"hidden_size": 4}, TRAIN, BT, {"ensemble": [1, 2]}, folds=1, seeds=(1,), frame=sales(),
             log=lambda s: None)
    prep = prepare(CFG.replace(calibrate=0), sales())
    data, n_train = fold_data(prep, 1)
    fprep = prepare(CFG.replace(calibrate=0), data=data, n_train=n_train["sales"])
    fits = {s: train(fprep.cfg, {"hidden_size": 4},
                     TRAIN.replace(seed=s, run_dir=str(tmp_path / str(s))), prep=fprep).model for s in (1, 2, 3)}
    fold = BT.replace(start="", refit=0, baselines=())
    alone = backtest(fprep, fits[1], fold).metrics.loc["rnnkit", "MASE"]
    pair = backtest(fprep, ForecastEnsemble([fits[2], fits[3]]), fold).metrics.loc["rnnkit", "MASE"]
    assert a.table.loc["ensemble=1", "fold 1"] == pytest.approx(alone, rel=1e-9)
    assert a.table.loc["ensemble=2", "fold 1"] == pytest.approx(pair, rel=1e-9)   # seed 1 x 2 members: seeds 2, 3
    with pytest.raises(ValueError, match="--grid: ensemble=0: --ensemble: expected an integer >= 1, got 0"):
        tune(CFG, {}, TRAIN, BT, {"ensemble": [0]}, frame=sales())


def test_cli_tune_says_when_a_baseline_scores_as_well_as_every_candidate(tmp_path, capsys):
    walk = np.random.default_rng(0).standard_normal(N).cumsum() + 50                # naive is the best forecast
    pd.DataFrame({"month": sales()["month"], "price": walk}).to_csv(tmp_path / "walk.csv", index=False)
    assert main(["forecast", "tune", "--csv", str(tmp_path / "walk.csv"), "--horizon", "6", "--grid",
                 '{"lookback": [12]}', "--folds", "1", "--seeds", "0", "--max-steps", "2", "--hidden-size", "2",
                 "--baselines", "naive", "--no-progress", "--run-dir", str(tmp_path / "tune")]) == 0
    out = capsys.readouterr().out
    assert "note: the naive baseline (" in out and "on this series it is the forecast to beat, or to use" in out


def test_an_auto_value_that_resolves_to_another_candidate_is_not_fitted_twice():
    # the sine's season is strong, so difference=-1 (auto) becomes 12 on both folds: the same model as 12
    logged = []
    a = tune(CFG, {"hidden_size": 4}, TRAIN, BT, {"difference": [-1, 0, 12]}, folds=2, seeds=(0,), frame=sales(),
             log=logged.append)
    assert list(a.table.index[:3]) == ["difference=-1", "difference=0", "difference=12 (= difference=-1)"]
    pd.testing.assert_series_equal(a.table.iloc[0], a.table.iloc[2], check_names=False)
    assert not a.table.iloc[0].equals(a.table.iloc[1])
    assert "the same settings as candidate 1 on every fold" in logged[2] and "copied, not refitted" in logged[2]
    runs = a.runs.set_index(["candidate", "fold"])
    assert list(runs.loc[0, "difference"]) == [12, 12] and list(runs.loc[1, "difference"]) == [0, 0]
    pd.testing.assert_frame_equal(runs.loc[0], runs.loc[2])       # copied rows, labelled with their own candidate
    assert len(a.runs) == 6 and a.best in ({"difference": -1}, {"difference": 0})   # a tie keeps the first
