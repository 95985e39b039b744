"""The time column: order, duplicates, day-first dates, years, and times absent from a regular grid."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rnnkit.cli.main import main
from rnnkit.tasks.forecast.config import ForecastConfig
from rnnkit.tasks.forecast.data import read_series


def csv(tmp_path, times, values, name="s.csv", **extra):
    path = tmp_path / name
    pd.DataFrame({"date": times, "sales": values, **extra}).to_csv(path, index=False)
    return str(path)


def series(path, **kw):
    out = read_series(ForecastConfig(data=path, target=("sales",), **kw))
    return out.series[0], out.freq


def test_rows_out_of_order_are_sorted_by_time_with_their_values(tmp_path):
    times = pd.date_range("2000-01-01", periods=30, freq="MS")
    perm = np.random.default_rng(0).permutation(30)
    s, freq = series(csv(tmp_path, times[perm].strftime("%Y-%m-%d"), np.arange(30.0)[perm] * 2))
    assert freq == "MS" and (s.index == times).all()
    np.testing.assert_array_equal(s.y, np.arange(30.0) * 2)


def test_a_repeated_time_names_the_time_and_its_rows(tmp_path):
    times = list(pd.date_range("2000-01-01", periods=6, freq="D").strftime("%Y-%m-%d"))
    times[4] = times[3]
    with pytest.raises(ValueError, match=r"s\.csv: column 'date': time 2000-01-04 appears more than once "
                                         r"\(rows 4, 5\); each time must appear once per series$"):
        series(csv(tmp_path, times, np.arange(6.0)))


def test_day_first_dates_are_read_day_first(tmp_path):
    days = pd.date_range("2020-01-01", periods=40, freq="D")
    s, freq = series(csv(tmp_path, days.strftime("%d/%m/%Y"), np.arange(40.0)))   # 13/01/2020 at row 13
    assert freq == "D" and (s.index == days).all()


def test_dates_that_read_both_ways_take_the_one_reading_every_row_or_regular(tmp_path):
    months = pd.date_range("2015-01-01", periods=36, freq="MS")                      # 01/02/2015 ... day first
    s, freq = series(csv(tmp_path, months.strftime("%d/%m/%Y"), np.arange(36.0)))
    assert freq == "MS" and (s.index == months).all()
    days = pd.date_range("2015-01-01", periods=20, freq="D")              # 01/13/2015 reads only month first
    s, freq = series(csv(tmp_path, days.strftime("%m/%d/%Y"), np.arange(20.0)))
    assert freq == "D" and (s.index == days).all()


def test_dates_ambiguous_either_way_ask_for_a_format_and_the_format_is_checked(tmp_path):
    path = csv(tmp_path, ["01/02/2020", "01/03/2020", "01/04/2020", "01/05/2020"], np.arange(4.0))
    with pytest.raises(ValueError, match=r"s\.csv: column 'date': '01/02/2020' \(row 1\) reads as 2020-01-02 month "
                                         r"first or 2020-02-01 day first; pass --time-format"):
        series(path)
    s, freq = series(path, time_format="%d/%m/%Y")
    assert freq == "MS" and s.index[0] == pd.Timestamp("2020-02-01")
    bad = csv(tmp_path, ["01/02/2020", "01/03/2020", "2020-04-01"], np.arange(3.0), name="b.csv")
    with pytest.raises(ValueError, match=r"b\.csv: column 'date': expected dates in --time-format '%d/%m/%Y', "
                                         r"got '2020-04-01' at row 3$"):
        series(bad, time_format="%d/%m/%Y")


def test_integer_years_are_years_and_other_numbers_are_refused(tmp_path):
    s, freq = series(csv(tmp_path, np.arange(1950, 1990), np.arange(40.0)))
    assert freq.startswith("YS") and s.index[0] == pd.Timestamp("1950-01-01") and len(s) == 40
    with pytest.raises(ValueError, match=r"column 'date': expected dates or years, got numbers \(0 at row 1\); "
                                         r"pass --time-col none"):
        series(csv(tmp_path, np.arange(40), np.arange(40.0), name="n.csv"))


def test_times_absent_from_the_grid_are_an_error_by_default_and_filled_on_request(tmp_path):
    months = pd.date_range("2000-01-01", periods=24, freq="MS")
    keep = np.ones(24, bool)
    keep[[5, 6, 17]] = False
    path = csv(tmp_path, months[keep].strftime("%Y-%m-%d"), np.arange(24.0)[keep], temp=np.arange(24.0)[keep] * 10)
    with pytest.raises(ValueError, match=r"s\.csv: column 'date': 3 of 24 monthly times missing, the first "
                                         r"2000-06-01; pass --missing interpolate to fill them, or --time-col none"):
        series(path)
    s, freq = series(path, missing="interpolate", past_covariates=("temp",))
    assert freq == "MS" and (s.index == months).all()
    np.testing.assert_allclose(s.y, np.arange(24.0))                                 # linear in time
    np.testing.assert_allclose(s.past[:, 0], np.arange(24.0) * 10)
    rows, _ = series(path, time_col="none")                                          # rows as steps
    assert len(rows) == 21


def test_trading_days_with_holidays_fill_onto_business_days(tmp_path):
    days = pd.bdate_range("2021-01-01", "2021-12-31")
    keep = np.ones(len(days), bool)
    keep[[10, 50, 120]] = False
    path = csv(tmp_path, days[keep].strftime("%Y-%m-%d"), np.arange(len(days), dtype=float)[keep])
    with pytest.raises(ValueError, match=r"3 of 261 business-day times missing, the first 2021-01-15"):
        series(path)
    s, freq = series(path, missing="interpolate")
    assert freq == "B" and len(s) == 261 and s.y[10] == 10.0


def test_times_without_a_regular_grid_are_refused(tmp_path):
    t = pd.to_datetime(np.cumsum(np.random.default_rng(1).integers(1, 1000, 40)), unit="h")
    with pytest.raises(ValueError, match=r"s\.csv: column 'date': the times have no regular frequency \(steps from "
                                         r".* to .*\); pass --time-col none"):
        series(csv(tmp_path, t.strftime("%Y-%m-%d %H:%M"), np.arange(40.0)))


@settings(max_examples=60, deadline=None)
@example(n=8, freq="D", drop={1, 4}, seed=0)            # no run of 3 or 4 regular times: the shortest step finds it
@example(n=30, freq="B", drop={3, 9}, seed=0)           # trading days: the business-day grid, not the daily one
@given(n=st.integers(8, 60), freq=st.sampled_from(["D", "B", "MS", "M@15", "h", "30min", "W-SUN", "QS-JAN"]),
       drop=st.sets(st.integers(1, 58), max_size=5), seed=st.integers(0, 10**6))
def test_shuffled_rows_with_gaps_come_back_as_the_whole_grid(tmp_path_factory, n, freq, drop, seed):
    """Any regular series, interior times dropped and rows shuffled: with interpolate the grid and
    every kept value come back in place (a linear series is recovered exactly). One ambiguity is
    read the other way on purpose: days of which only weekdays are left are trading days."""
    grid = pd.date_range("2001-01-01", periods=n, freq=freq.replace("M@15", "MS"))  # a Monday
    grid = grid + pd.Timedelta(days=14) if freq == "M@15" else grid      # mid-month, which pandas does not name
    keep = np.ones(n, bool)
    keep[[d for d in drop if d < n - 1]] = False
    perm = np.random.default_rng(seed).permutation(int(keep.sum()))
    y = 3.0 * np.arange(n) + 1
    path = csv(tmp_path_factory.mktemp("g"), grid[keep][perm].strftime("%Y-%m-%d %H:%M"), y[keep][perm])
    s, got = series(path, missing="interpolate")
    if freq == "D" and got == "B":
        assert (grid[keep].day_of_week < 5).all() and (s.index == grid[grid.day_of_week < 5]).all()
        return
    assert len(s) == n and (s.index == grid).all() and got is not None
    offset = pd.tseries.frequencies.to_offset
    assert got == freq if freq == "M@15" else offset(got) == offset(freq)
    np.testing.assert_allclose(s.y, y)


def test_predict_takes_missing_interpolate_for_a_history_with_a_gap(tmp_path, capsys):
    t = np.arange(120)
    months = pd.date_range("2000-01-01", periods=120, freq="MS")
    y = 100 + t + 10 * np.sin(2 * np.pi * t / 12)
    whole, gap = csv(tmp_path, months.strftime("%Y-%m-%d"), y), csv(tmp_path, months.delete(100), np.delete(y, 100),
                                                                     name="gap.csv")
    assert main(["forecast", "train", "--csv", whole, "--target", "sales", "--horizon", "3", "--lookback", "12",
                 "--max-steps", "5", "--hidden-size", "4", "--calibrate", "0", "--no-progress",
                 "--run-dir", str(tmp_path / "run")]) == 0
    args = ["forecast", "predict", "--checkpoint", str(tmp_path / "run"), "--csv", gap,
            "--out", str(tmp_path / "f.csv"), "--plot", str(tmp_path / "f.png")]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "gap.csv: column 'date': 1 of 120 monthly times missing, the first 2008-05-01" in err
    assert main(args + ["--missing", "interpolate"]) == 0
    f = pd.read_csv(tmp_path / "f.csv")
    assert f["time"].tolist() == ["2010-01-01", "2010-02-01", "2010-03-01"]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_semicolon_tab_and_bar_separated_files_are_read(tmp_path, sep):
    path = tmp_path / "s.csv"
    months = pd.date_range("2000-01-01", periods=12, freq="MS")
    pd.DataFrame({"date": months, "sales": np.arange(12.0) + 0.5}).to_csv(path, sep=sep, index=False)
    s, freq = series(str(path))
    assert freq == "MS" and s.y[-1] == 11.5


def test_a_header_without_rows_and_a_directory_are_named(tmp_path):
    (tmp_path / "h.csv").write_text("date,sales\n")
    with pytest.raises(ValueError, match=r"h\.csv: no rows under the header \['date', 'sales'\]$"):
        series(str(tmp_path / "h.csv"))
    with pytest.raises(FileNotFoundError, match=r"--data: expected a CSV file .*, got '.*' \(a directory\)$"):
        series(str(tmp_path))


def gappy(values, missing):
    months = pd.date_range("2000-01-01", periods=len(values), freq="MS")
    y = np.asarray(values, dtype=float).copy()
    y[list(missing)] = np.nan
    return pd.DataFrame({"time": months, "sales": y})


def test_a_gap_that_reaches_the_test_part_is_carried_forward_and_one_inside_training_is_interpolated():
    from rnnkit.tasks.forecast.prepare import prepare

    y = np.arange(40.0) * 2
    prep = prepare(ForecastConfig(data="x", target=("sales",), split="2002-06-01", lookback=6, horizon=3,
                                  missing="interpolate"), gappy(y, [5, 6, 28, 29, 30, 35]))   # n_train 30
    s = prep.items[0].series
    assert prep.items[0].n_train == 30
    np.testing.assert_allclose(s.y[5:7], [10, 12])               # both neighbours in training: linear
    np.testing.assert_allclose(s.y[28:31], [54, 54, 54])         # next observation (31) in the test part
    assert s.y[35] == s.y[34] == 68                              # in the test part: carried forward
    assert not s.observed[[5, 28, 35]].any() and s.observed[[4, 31, 34]].all()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_filled_values_never_read_a_later_observation(data):
    """For any gaps, training part n and origin o >= n: the prepared series before o (what a
    forecast from o reads) and the training part do not change when observations at or after o,
    or at or after n, change."""
    from rnnkit.tasks.forecast.prepare import prepare

    T = data.draw(st.integers(30, 60))
    n = data.draw(st.integers(12, T - 4))
    o = data.draw(st.integers(n, T - 1))
    missing = data.draw(st.sets(st.integers(1, T - 1), max_size=T // 3))
    y = np.asarray(data.draw(st.lists(st.floats(1, 100), min_size=T, max_size=T)))
    cfg = ForecastConfig(data="x", target=("sales",), split=str(pd.Timestamp("2000-01-01") + pd.DateOffset(months=n - 1)),
                         lookback=4, horizon=2, missing="interpolate", calibrate=0)

    def prepared(values):
        return prepare(cfg, gappy(values, missing)).items[0]

    a = prepared(y)
    assert a.n_train == n
    for cut in (o, n):
        changed = y.copy()
        changed[cut:] = changed[cut:] * 3 + 7
        b = prepared(changed)
        np.testing.assert_array_equal(a.series.y[:cut], b.series.y[:cut])
    np.testing.assert_array_equal(a.z[:n], prepared(np.r_[y[:n], y[n:] * 5 + 1]).z[:n])


def test_filled_values_are_not_scored_in_a_backtest(tmp_path):
    from rnnkit.tasks.forecast import BacktestConfig, backtest, train
    from rnnkit.training import TrainConfig

    t = np.arange(96)
    y = 100 + t + 10 * np.sin(2 * np.pi * t / 12)
    cfg = ForecastConfig(data="x", target=("sales",), split="2005-12-01", lookback=12, horizon=3,
                         missing="interpolate", calibrate=0)
    out = train(cfg, {"hidden_size": 4}, TrainConfig(max_steps=5, epochs=100, eval_every=5, progress=False,
                                                     plot=False, run_dir=str(tmp_path)), frame=gappy(y, [80, 81, 90]))
    points = backtest(out.prep, out.model, BacktestConfig(baselines=("naive",))).points
    times = set(pd.to_datetime(points["time"]))
    months = pd.date_range("2000-01-01", periods=96, freq="MS")
    assert not times & {months[80], months[81], months[90]} and months[82] in times
    assert len(points) == 3 * (96 - 72 - 3 + 1) - 3 * 3          # every origin's 3 steps, less the filled ones


def test_real_trading_days_msft_fill_their_holidays_onto_business_days():
    from rnnkit.tasks.forecast.datasets import load_named

    raw = load_named("msft")
    assert len(raw) == 7983 and raw["close"].iloc[-1] == 83.87 and list(raw.columns) == ["time", "close", "volume"]
    with pytest.raises(ValueError, match=r"msft: column 'time': 279 of 8262 business-day times missing, the first "
                                         r"1986-03-28; pass --missing interpolate"):
        read_series(ForecastConfig(data="msft"))
    out = read_series(ForecastConfig(data="msft", missing="interpolate", past_covariates=("volume",)))
    s = out.series[0]
    assert out.freq == "B" and len(s) == 8262 and (~s.observed).sum() == 279 and s.past.shape == (8262, 1)
    assert len(read_series(ForecastConfig(data="msft", time_col="none")).series[0]) == 7983


def test_a_time_that_does_not_parse_names_its_row_and_the_way_out(tmp_path):
    with pytest.raises(ValueError, match=r"s\.csv: column 'date': expected dates, got 'abc' at row 2 \(another "
                                         r"layout: pass --time-format"):
        series(csv(tmp_path, ["2020-01-01", "abc", "2020-01-03"], np.arange(3.0)))
    with pytest.raises(ValueError, match=r"column 'date': expected dates, got '31/31/2020' at row 3"):
        series(csv(tmp_path, ["01/01/2020", "02/01/2020", "31/31/2020"], np.arange(3.0)))


def test_months_stamped_mid_month_are_monthly_and_forecast_on_the_same_day(tmp_path):
    from rnnkit.tasks.forecast.features import extend_index
    from rnnkit.tasks.forecast.prepare import prepare

    mid = pd.date_range("2015-01-01", periods=36, freq="MS") + pd.Timedelta(days=14)      # the 15th
    s, freq = series(csv(tmp_path, mid.strftime("%Y-%m-%d"), np.arange(36.0)))
    assert freq == "M@15" and (s.index == mid).all()
    assert list(extend_index(s.index, freq, 2)[-2:]) == [pd.Timestamp("2018-01-15"), pd.Timestamp("2018-02-15")]
    prep = prepare(ForecastConfig(data=csv(tmp_path, mid.strftime("%Y-%m-%d"), np.arange(36.0), name="m.csv"),
                                  target=("sales",), lookback=12, horizon=3, calendar=True))
    assert prep.season == 12 and prep.n_future == 13                                      # month one-hot + year
    with pytest.raises(ValueError, match=r"2 of 36 monthly \(day 15\) times missing, the first 2015-06-15"):
        series(csv(tmp_path, mid.delete([5, 6]).strftime("%Y-%m-%d"), np.arange(34.0), name="g.csv"))
    quarters = pd.date_range("2000-01-01", periods=20, freq="QS") + pd.Timedelta(days=9)
    q = read_series(ForecastConfig(data=csv(tmp_path, quarters.strftime("%Y-%m-%d"), np.arange(20.0), name="q.csv"),
                                   target=("sales",)))
    assert q.freq == "3M@10" and prepare(ForecastConfig(data=q.source, target=("sales",), lookback=4,
                                                        horizon=2)).season == 4


def test_a_year_column_is_the_time_and_not_a_series_to_forecast(tmp_path):
    # statsmodels' Nile layout: year, volume. The year column used to become a second target.
    import statsmodels.api as sm
    path = tmp_path / "nile.csv"
    sm.datasets.nile.load_pandas().data.to_csv(path, index=False)
    out = read_series(ForecastConfig(data=str(path)))
    assert [s.name for s in out.series] == ["volume"] and out.freq.startswith("YS")
    assert out.series[0].index[0] == pd.Timestamp("1871-01-01") and len(out.series[0]) == 100


def test_year_and_quarter_columns_join_into_quarterly_times(tmp_path):
    # statsmodels' macrodata layout: year, quarter (floats 1959.0, 1.0), then the series
    import statsmodels.api as sm
    data = sm.datasets.macrodata.load_pandas().data[["year", "quarter", "realgdp", "unemp"]]
    path = tmp_path / "macro.csv"
    data.iloc[::-1].to_csv(path, index=False)                    # rows newest first: sorted back
    out = read_series(ForecastConfig(data=str(path)))
    assert [s.name for s in out.series] == ["realgdp", "unemp"] and out.freq.startswith("QS")
    gdp = out.series[0]
    assert gdp.index[0] == pd.Timestamp("1959-01-01") and gdp.index[-1] == pd.Timestamp("2009-07-01")
    np.testing.assert_array_equal(gdp.y, data["realgdp"].to_numpy())


def test_year_and_month_columns_join_when_named_and_bad_periods_are_named(tmp_path):
    months = pd.date_range("2001-01-01", periods=30, freq="MS")
    path = tmp_path / "ym.csv"
    pd.DataFrame({"Year": months.year, "Month": months.month, "sales": np.arange(30.0)}).to_csv(path, index=False)
    for time_col in ("", "Year+Month"):
        out = read_series(ForecastConfig(data=str(path), time_col=time_col))
        assert [s.name for s in out.series] == ["sales"] and out.freq == "MS"
        assert (out.series[0].index == months).all()
    table = pd.read_csv(path)
    table.loc[7, "Month"] = 13
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"ym\.csv: columns 'Year' and 'Month': expected a whole year and a month "
                                         r"1-12, got 2001 and 13 at row 8$"):
        read_series(ForecastConfig(data=str(path)))
    with pytest.raises(ValueError, match=r"--time-col 'Year\+sales': expected a year column and a quarter or month "
                                         r"column joined by '\+'"):
        read_series(ForecastConfig(data=str(path), time_col="Year+sales"))


def test_a_date_column_is_preferred_to_year_and_month_feature_columns(tmp_path):
    days = pd.date_range("2001-01-01", periods=40, freq="D")
    path = tmp_path / "d.csv"
    pd.DataFrame({"year": days.year, "month": days.month, "date": days.strftime("%Y-%m-%d"),
                  "sales": np.arange(40.0)}).to_csv(path, index=False)
    out = read_series(ForecastConfig(data=str(path), target=("sales",)))
    assert out.freq == "D" and (out.series[0].index == days).all()


def test_a_dataframe_or_series_with_its_times_in_the_index_keeps_them():
    # pandas keeps times in the index (statsmodels' datasets do); they were dropped for equally spaced steps
    import statsmodels.api as sm
    from rnnkit.tasks.forecast.datasets import load_named

    air = load_named("airpassengers").set_index("time")
    for frame in (air, air["passengers"], air.to_period("M")):
        out = read_series(ForecastConfig(), frame=frame)
        assert out.freq == "MS" and [s.name for s in out.series] == ["passengers"]
        assert out.series[0].index[0] == pd.Timestamp("1949-01-01") and len(out.series[0]) == 144
    co2 = sm.datasets.co2.load_pandas().data                  # weekly, 59 NaNs
    with pytest.raises(ValueError, match=r"^DataFrame: column 'co2': 59 missing value\(s\), the first at row 7 "
                                         r"\(1958-05-10\); fill them or pass --missing interpolate$"):
        read_series(ForecastConfig(), frame=co2)
    assert read_series(ForecastConfig(missing="interpolate"), frame=co2).freq == "W-SAT"
    with pytest.raises(TypeError, match=r"^frame: expected a pandas DataFrame or Series, got list$"):
        read_series(ForecastConfig(), frame=[1.0, 2.0])
    clash = air.assign(time=0.0)
    with pytest.raises(ValueError, match=r"its index holds the times, but it already has a column 'time'"):
        read_series(ForecastConfig(), frame=clash)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 40), period=st.sampled_from(["quarter", "month"]), first_year=st.integers(1800, 2100),
       first=st.integers(1, 4), as_float=st.booleans(), seed=st.integers(0, 10**6))
def test_year_and_period_columns_in_any_order_give_the_regular_grid(tmp_path_factory, n, period, first_year, first,
                                                                     as_float, seed):
    """Year + quarter (or month) numbers, whole or as floats (1959.0, as statsmodels writes them), rows
    shuffled: the series comes back on the quarterly (monthly) grid with every value in place."""
    months = 3 if period == "quarter" else 1
    grid = pd.date_range(f"{first_year}-{(first - 1) * months + 1:02d}-01", periods=n, freq=f"{months}MS")
    number = (grid.month - 1) // months + 1                                   # quarter 1-4 or month 1-12
    perm = np.random.default_rng(seed).permutation(n)
    kind = float if as_float else int
    table = pd.DataFrame({"year": grid.year.astype(kind)[perm], period: number.astype(kind)[perm],
                          "sales": (2.0 * np.arange(n) + 5)[perm]})
    path = tmp_path_factory.mktemp("yp") / "yp.csv"
    table.to_csv(path, index=False)
    out = read_series(ForecastConfig(data=str(path)))
    assert [s.name for s in out.series] == ["sales"]
    assert (out.series[0].index == grid).all()
    np.testing.assert_array_equal(out.series[0].y, 2.0 * np.arange(n) + 5)
