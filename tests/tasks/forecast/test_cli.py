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


def test_predict_from_another_csv_forecasts_the_trained_column_only(tmp_path, capsys):
    # trained on a bundled series (no --target): another table's other numbers are not forecast with it
    from rnnkit.tasks.forecast.datasets import load_named

    run = tmp_path / "air"
    assert main(["forecast", "train", "--max-steps", "5", "--hidden-size", "4", "--calibrate", "0",
                 "--no-progress", "--run-dir", str(run)]) == 0
    air = load_named("airpassengers").assign(temperature=np.linspace(0, 30, 144))
    air.to_csv(tmp_path / "air.csv", index=False)
    out = tmp_path / "made" / "for" / "it.csv"                 # an output's folder is made
    assert main(["forecast", "predict", "--checkpoint", str(run), "--csv", str(tmp_path / "air.csv"),
                 "--out", str(out), "--plot", str(tmp_path / "png" / "it.png")]) == 0
    f = pd.read_csv(out)
    assert set(f["series"]) == {"passengers"} and len(f) == 6 and f["time"].iloc[0] == "1961-01-01"
    air.drop(columns="passengers").to_csv(tmp_path / "other.csv", index=False)
    capsys.readouterr()
    assert main(["forecast", "predict", "--checkpoint", str(run), "--csv", str(tmp_path / "other.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"rnnkit forecast: error: {tmp_path / 'other.csv'}: column 'passengers' not found; "
                   f"the columns are ['time', 'temperature']")
    (tmp_path / "short.csv").write_text("time,passengers\n2000-01-01,3\n2000-02-01,4\n")
    assert main(["forecast", "predict", "--checkpoint", str(run), "--csv", str(tmp_path / "short.csv")]) == 2
    assert "column 'time': 2 time(s), too few to tell the series' frequency" in capsys.readouterr().err
    (tmp_path / "a_file").write_text("")
    assert main(["forecast", "predict", "--checkpoint", str(run), "--out", str(tmp_path / "a_file" / "x.csv")]) == 2
    assert capsys.readouterr().err.startswith("rnnkit forecast: error: [Errno 17] File exists")


def test_a_checkpoint_keeps_its_target_columns_even_with_a_slash_in_long_format(tmp_path):
    # series are named 'group/column'; the checkpoint now records the columns instead of parsing the names
    from rnnkit.tasks.forecast.checkpoint import load_forecaster

    t = np.arange(60)
    rows = [pd.DataFrame({"time": pd.date_range("2000-01-01", periods=60, freq="MS"), "shop": shop,
                          "units/day": 10 + k + np.sin(t / 2), "price": 1.0 + 0.01 * t}) for k, shop in enumerate("AB")]
    table = pd.concat(rows)
    table.to_csv(tmp_path / "long.csv", index=False)
    run = tmp_path / "run"
    assert main(["forecast", "train", "--csv", str(tmp_path / "long.csv"), "--group-col", "shop", "--target",
                 "units/day", "--lookback", "6", "--horizon", "3", "--max-steps", "3", "--hidden-size", "4",
                 "--calibrate", "0", "--no-progress", "--run-dir", str(run)]) == 0
    loaded = load_forecaster(run)
    assert loaded.targets == ("units/day",)
    loaded.task = loaded.task.replace(target=())          # as a checkpoint trained on the default columns
    from rnnkit.tasks.forecast.predict import forecast_frame, prepare_for_checkpoint
    prep = prepare_for_checkpoint(loaded, data=str(tmp_path / "long.csv"))
    f = forecast_frame(loaded.model, prep)
    assert set(f["series"]) == {"A/units/day", "B/units/day"} and len(f) == 6     # not 'price'


def test_predict_target_forecasts_a_column_the_checkpoint_never_saw(trained, capsys):
    # scaled on its own history: a series of another level still gets forecasts of its own size
    sales = pd.read_csv(trained / "sales.csv")
    sales.assign(returns=sales["sales"] * 0.5 + 300).to_csv(trained / "both.csv", index=False)
    out = trained / "returns.csv"
    assert main(["forecast", "predict", "--checkpoint", str(trained / "run"), "--csv", str(trained / "both.csv"),
                 "--target", "returns", "--out", str(out), "--plot", str(trained / "returns.png")]) == 0
    f = pd.read_csv(out)
    assert set(f["series"]) == {"returns"} and len(f) == 6
    history = sales["sales"] * 0.5 + 300
    assert f["forecast"].between(history.min(), history.max() * 1.2).all(), f
    capsys.readouterr()
    assert main(["forecast", "predict", "--checkpoint", str(trained / "run"), "--csv", str(trained / "both.csv"),
                 "--target", "refunds"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "both.csv: column 'refunds' not found" in err
