"""Forecast ensembles: the average of the members, an ensemble of one is its member, the directory
round trip through the CLI, and one-line errors."""

import numpy as np
import pandas as pd
import pytest
import torch

import rnnkit
from rnnkit.cli.main import main
from rnnkit.tasks.forecast.checkpoint import load_forecaster
from rnnkit.tasks.forecast.config import ForecastConfig, ForecastModelConfig
from rnnkit.tasks.forecast.backtest import BacktestConfig, backtest
from rnnkit.tasks.forecast.ensemble import ForecastEnsemble, train_ensemble
from rnnkit.tasks.forecast.model import Forecaster
from rnnkit.tasks.forecast.prepare import prepare, stack_windows
from rnnkit.training import TrainConfig


def frame() -> pd.DataFrame:
    t = np.arange(96)
    return pd.DataFrame({"month": pd.date_range("2000-01-01", periods=96, freq="MS"),
                         "sales": 100 + t + 10 * np.sin(2 * np.pi * t / 12)})


def forecaster(seed: int, **changes) -> Forecaster:
    torch.manual_seed(seed)
    cfg = ForecastModelConfig(**{"lookback": 12, "horizon": 4, "hidden_size": 6, "difference": 0, **changes})
    m = Forecaster(cfg).eval()
    m.interval_margin.fill_(0.01 * seed)  # each member's own calibration goes into the average
    return m


def test_the_ensemble_forecast_is_the_mean_of_its_members():
    members = [forecaster(s) for s in range(3)]
    y, past, fut = torch.randn(5, 12), torch.zeros(5, 12, 0), torch.zeros(5, 16, 0)
    got = ForecastEnsemble(members).forecast(y, past, fut)
    for i, v in enumerate(got):
        want = torch.stack([m.forecast(y, past, fut)[i] for m in members]).mean(0)
        torch.testing.assert_close(v, want, rtol=0, atol=1e-7)
    assert got[0].shape == (5, 4) and (got[1] <= got[0]).all() and (got[0] <= got[2]).all()
    one = ForecastEnsemble(members[:1]).forecast(y, past, fut)
    for a, b in zip(one, members[0].forecast(y, past, fut)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_members_that_read_other_windows_are_refused():
    with pytest.raises(ValueError, match=r"ensemble: member 1 has horizon=6, member 0 4"):
        ForecastEnsemble([forecaster(0), forecaster(1, horizon=6)])
    with pytest.raises(ValueError, match="at least one"):
        ForecastEnsemble([])


def test_train_ensemble_fits_each_member_with_its_own_seed_and_backtests_as_one_model(tmp_path):
    cfg = ForecastConfig(data="sales", target=("sales",), time_col="month", split="2006-01-01", lookback=12,
                         horizon=4, calibrate=0)
    kwargs = {"hidden_size": 6, "difference": 0}
    tc = TrainConfig(lr=3e-3, max_steps=10, epochs=1000, eval_every=10, progress=False, plot=False, seed=3,
                     run_dir=str(tmp_path / "ens"))
    out = train_ensemble(cfg, kwargs, tc, 2, frame=frame())
    assert len(out.model) == 2 and out.steps == 20
    from rnnkit.tasks.forecast.train import train
    alone = train(cfg, kwargs, tc.replace(seed=4, run_dir=str(tmp_path / "alone")), frame=frame()).model
    for p, q in zip(out.model.members[1].parameters(), alone.parameters()):  # member 1 = seed 3 + 1
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    result = backtest(out.prep, out.model, BacktestConfig(baselines=("naive",)))
    w = stack_windows([(out.prep.items[0], out.prep.items[0].n_train)], 12, 4)
    first = out.model.forecast(w["y"], w["past"], w["fut"])[0][0].double().numpy()
    got = result.points[result.points["origin"] == result.points["origin"].min()]["rnnkit"].to_numpy()
    np.testing.assert_allclose(got, out.prep.items[0].scaler.y.inverse(first), rtol=1e-6)


def test_cli_ensemble_round_trip_train_predict_backtest(tmp_path, capsys):
    csv = tmp_path / "sales.csv"
    frame().to_csv(csv, index=False)
    common = ["--csv", str(csv), "--target", "sales", "--horizon", "4", "--lookback", "12", "--hidden-size", "6",
              "--max-steps", "10", "--eval-every", "10", "--calibrate", "0", "--no-progress"]
    assert main(["forecast", "train", *common, "--ensemble", "3", "--run-dir", str(tmp_path / "e")]) == 0
    printed = capsys.readouterr().out
    assert "member 2 (seed 2): 10 steps" in printed and "trained 3 members, 30 steps" in printed
    loaded = load_forecaster(tmp_path / "e")
    assert isinstance(loaded.model, ForecastEnsemble) and len(loaded.model) == 3
    generic = rnnkit.load(tmp_path / "e")  # the one loader of every task reads the directory as one model too
    assert generic.kind == "forecast" and isinstance(generic.model, ForecastEnsemble) and generic.step == 30
    assert [m.path.parent.parent.name for m in generic.extras["members"]] == ["member0", "member1", "member2"]
    assert main(["forecast", "predict", "--checkpoint", str(tmp_path / "e"), "--csv", str(csv),
                 "--out", str(tmp_path / "f.csv"), "--plot", str(tmp_path / "f.png")]) == 0
    f = pd.read_csv(tmp_path / "f.csv")
    # the members loaded one by one, averaged by hand, give the ensemble's forecast
    members = [load_forecaster(tmp_path / "e" / f"member{k}") for k in range(3)]
    prep = prepare(members[0].task.replace(data=str(csv)), scalers=members[0].scalers, years=members[0].years,
                   whole_history=True)
    w = stack_windows([(prep.items[0], len(prep.items[0].series))], 12, 4)
    mean = torch.stack([m.model.forecast(w["y"], w["past"], w["fut"])[0][0] for m in members]).mean(0)
    np.testing.assert_allclose(f["forecast"], prep.items[0].scaler.y.inverse(mean.double().numpy()), rtol=1e-5)
    capsys.readouterr()
    assert main(["forecast", "backtest", *common, "--ensemble", "2", "--baselines", "naive",
                 "--run-dir", str(tmp_path / "b"), "--out", str(tmp_path / "b.csv"),
                 "--plot", str(tmp_path / "b.png")]) == 0
    assert "2 members" in capsys.readouterr().out and (tmp_path / "b" / "ensemble.json").is_file()


def test_cli_ensemble_errors_are_one_line(tmp_path, capsys):
    csv = tmp_path / "sales.csv"
    frame().to_csv(csv, index=False)
    assert main(["forecast", "train", "--csv", str(csv), "--target", "sales", "--ensemble", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--ensemble: expected an integer >= 1, got 0" in err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "ensemble.json").write_text('{"members": "member0"}')
    assert main(["forecast", "predict", "--checkpoint", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "ensemble.json: expected {\"members\": [run dirs]}" in err


def test_a_calibration_that_leaves_too_few_training_points_names_the_flag(tmp_path, capsys):
    csv = tmp_path / "sales.csv"
    frame().to_csv(csv, index=False)
    assert main(["forecast", "train", "--csv", str(csv), "--target", "sales", "--horizon", "4", "--lookback", "12",
                 "--split", "2003-12-01", "--calibrate", "40", "--max-steps", "2", "--no-progress",
                 "--run-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.endswith("--calibrate: holding out 40 points leaves the shortest training part 8 "
                                            "of its 48, fewer than lookback 12 + horizon 4 = 16; lower --calibrate "
                                            "(0: off) or split later")


def test_members_fitted_on_other_training_parts_are_refused(tmp_path, capsys):
    csv = tmp_path / "sales.csv"
    frame().to_csv(csv, index=False)
    for name, split in (("a", "2005-12-01"), ("b", "2006-12-01")):
        assert main(["forecast", "train", "--csv", str(csv), "--target", "sales", "--horizon", "4", "--lookback", "12",
                     "--hidden-size", "4", "--split", split, "--calibrate", "0", "--max-steps", "2", "--no-progress",
                     "--run-dir", str(tmp_path / "ens" / name)]) == 0
    (tmp_path / "ens" / "ensemble.json").write_text('{"members": ["a", "b"]}')
    capsys.readouterr()
    assert main(["forecast", "predict", "--checkpoint", str(tmp_path / "ens")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "was fitted with other scalers than" in err and "must share their training part" in err
