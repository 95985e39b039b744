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
