"""Reading series: bundled real data, and one-line errors naming the file and the column."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import read_series
from rnnkit.tasks.forecast.datasets import load_named
from rnnkit.tasks.forecast.features import calendar_features
from rnnkit.tasks.forecast.prepare import prepare


def write(tmp_path, text, name="s.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def monthly_csv(tmp_path, values, extra=""):
    times = pd.date_range("2000-01-01", periods=len(values), freq="MS")
    lines = ["date,sales" + (",temp" if extra else "")]
    for t, v in zip(times, values):
        lines.append(f"{t.date()},{v}" + (f",{extra}" if extra else ""))
    return write(tmp_path, "\n".join(lines) + "\n")


def test_bundled_series_hold_their_known_values():
    air = load_named("airpassengers")
    assert len(air) == 144 and air["passengers"].iloc[0] == 112 and air["passengers"].iloc[-1] == 432
    assert air["time"].iloc[-1] == pd.Timestamp("1960-12-01")
    sun = load_named("sunspots")
    assert len(sun) == 2820 and sun["sunspots"].iloc[0] == 58.0 and sun["time"].iloc[-1] == pd.Timestamp("1983-12-01")
    taylor = load_named("taylor")
    assert len(taylor) == 4032 and taylor["demand"].iloc[0] == 22262.0
    assert (taylor["time"].iloc[1] - taylor["time"].iloc[0]) == pd.Timedelta(minutes=30)
    assert len(load_named("co2")) == 526 and len(load_named("elec_equip")) == 257
    assert load_named("elec_equip")["elec_equip"].iloc[0] == pytest.approx(66.19)


def test_non_numeric_value_names_file_column_and_row(tmp_path):
    path = monthly_csv(tmp_path, [1, 2, "abc", 4])
    with pytest.raises(ValueError, match=r"s\.csv: column 'sales': expected numbers, got 'abc' at row 3$"):
        read_series(ForecastConfig(data=path))


def test_unknown_column_is_named_with_the_columns_there_are(tmp_path):
    path = monthly_csv(tmp_path, [1, 2, 3])
    with pytest.raises(ValueError, match=r"s\.csv: column 'units' not found; the columns are \['date', 'sales'\]"):
        read_series(ForecastConfig(data=path, target=("units",)))


def test_missing_values_are_an_error_by_default_and_interpolated_on_request(tmp_path):
    path = monthly_csv(tmp_path, [1.0, 2.0, "", 4.0, 5.0])
    with pytest.raises(ValueError, match=r"s\.csv: column 'sales': 1 missing value\(s\), the first at row 3 "
                                         r"\(2000-03-01\); fill them or pass --missing interpolate"):
        read_series(ForecastConfig(data=path))
    s = read_series(ForecastConfig(data=path, missing="interpolate")).series[0]
    np.testing.assert_allclose(s.y, [1, 2, 3, 4, 5])


def test_series_too_short_for_lookback_plus_horizon(tmp_path):
    path = monthly_csv(tmp_path, list(range(20)))
    with pytest.raises(ValueError, match=r"s\.csv: column 'sales': the training part has 16 points, too short for "
                                         r"lookback 12 \+ horizon 6 = 18"):
        prepare(ForecastConfig(data=path, lookback=12, horizon=6, split="0.8"))


def test_several_target_columns_are_several_series_and_a_group_column_splits_rows(tmp_path):
    df = pd.DataFrame({"time": list(pd.date_range("2000-01-01", periods=4, freq="D")) * 2,
                       "shop": ["a"] * 4 + ["b"] * 4, "x": np.arange(8.0), "z": np.arange(8.0) * 10})
    data = read_series(ForecastConfig(data="frame", target=("x", "z"), group_col="shop"), frame=df)
    assert [s.name for s in data.series] == ["a/x", "a/z", "b/x", "b/z"]
    np.testing.assert_array_equal(data.series[2].y, [4, 5, 6, 7])
    assert data.freq == "D"


def test_calendar_features_are_month_one_hot_and_scaled_year():
    idx = pd.date_range("1949-01-01", periods=24, freq="MS")
    f = calendar_features(idx, "MS", (1949.0, 1950.0))
    assert f.shape == (24, 13)
    assert f[0, 0] == 1 and f[13, 1] == 1 and f[:, :12].sum() == 24
    assert f[12, 12] == pytest.approx(1.0)  # January 1950: the end of the (1949, 1950) year scale


def test_log_transform_round_trips_and_refuses_non_positive_values(tmp_path):
    item = prepare(ForecastConfig(data="airpassengers", split="1959-01-01", transform="log")).items[0]
    logs = np.log(item.series.y[:121])
    assert item.z[:121].min() == pytest.approx(0.0) and item.z[:121].max() == pytest.approx(1.0)
    assert item.scaler.y.a == pytest.approx(logs.min())
    np.testing.assert_allclose(item.scaler.y.inverse(item.z), item.series.y)
    path = monthly_csv(tmp_path, [3.0, 0.0] + [1.0] * 30)
    with pytest.raises(ValueError, match=r"s\.csv: column 'sales': --transform log needs values > 0, got 0"):
        prepare(ForecastConfig(data=path, transform="log", lookback=6, horizon=2))
