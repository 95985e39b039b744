"""The CLI end to end on a small CSV: train, predict (CSV + PNG), rnnkit.load, one-line errors."""

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.cli.main import main


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("fc")
    t = np.arange(120)
    pd.DataFrame({"month": pd.date_range("2000-01-01", periods=120, freq="MS"),
                  "sales": 100 + t + 10 * np.sin(2 * np.pi * t / 12)}).to_csv(root / "sales.csv", index=False)
    code = main(["forecast", "train", "--csv", str(root / "sales.csv"), "--target", "sales", "--horizon", "6",
                 "--lookback", "12", "--calendar", "--max-steps", "20", "--eval-every", "20", "--hidden-size", "8",
                 "--no-progress", "--run-dir", str(root / "run")])
    assert code == 0
    return root


def test_predict_writes_forecasts_with_intervals_and_a_fan(trained, capsys):
    out, png = trained / "f.csv", trained / "f.png"
    assert main(["forecast", "predict", "--checkpoint", str(trained / "run"), "--csv", str(trained / "sales.csv"),
                 "--out", str(out), "--plot", str(png)]) == 0
    f = pd.read_csv(out)
    assert list(f.columns) == ["series", "time", "forecast", "lo", "hi"] and len(f) == 6
    assert f["time"].iloc[0] == "2010-01-01" and f["time"].iloc[-1] == "2010-06-01"
    assert (f["lo"] <= f["hi"]).all() and png.stat().st_size > 10_000
    loaded = rnnkit.load(trained / "run")
    assert loaded.kind == "forecast" and loaded.extras["task"].horizon == 6


def test_cli_errors_are_one_line_and_name_the_file_and_column(trained, capsys):
    code = main(["forecast", "train", "--csv", str(trained / "sales.csv"), "--target", "units", "--horizon", "6"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert err.startswith("rnnkit forecast: error: ") and "sales.csv: column 'units' not found" in err
    code = main(["forecast", "train", "--csv", str(trained / "sales.csv"), "--horizon", "0"])
    assert code == 2 and "--horizon: expected an int >= 1, got 0" in capsys.readouterr().err


def test_backtest_with_refit_refits_every_k_origins_from_a_start_inside_the_training_part(trained, capsys):
    out = trained / "refit.csv"
    code = main(["forecast", "backtest", "--csv", str(trained / "sales.csv"), "--target", "sales", "--horizon", "6",
                 "--lookback", "12", "--max-steps", "4", "--eval-every", "4", "--hidden-size", "4", "--calibrate", "0",
                 "--start", "0.7", "--stride", "3", "--refit", "4", "--baselines", "naive", "--no-progress",
                 "--run-dir", str(trained / "refit_run"), "--out", str(out), "--plot", str(trained / "refit.png")])
    assert code == 0
    # origins 84, 87, ..., 114 (2007-01 .. 2009-07): 11 forecasts, a refit before the 1st, 5th and 9th
    printed = capsys.readouterr().out
    assert "backtest: 66 scored points" in printed and ", 3 refits, baselines " in printed
    p = pd.read_csv(out, parse_dates=["origin", "time"])
    assert p["origin"].min() == pd.Timestamp("2007-01-01") and p["origin"].nunique() == 11 and len(p) == 66
    assert (p["time"] >= p["origin"]).all()
