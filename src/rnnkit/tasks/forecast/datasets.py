"""Real series by name, read from the packages that ship them (../shared/DATA.md).

- ``airpassengers``: Box & Jenkins' monthly airline passengers, 1949-1960 (144), pmdarima.
- ``sunspots``: R's monthly mean sunspot numbers, 1749-1983 (2,820), pmdarima.
- ``taylor``: half-hourly electricity demand, England and Wales, 5 June - 27 August 2000
  (4,032), pmdarima.
- ``co2``: Mauna Loa CO2 (ppm), statsmodels' weekly series averaged to months, 1958-2001
  (526); the 5 months (of 526) without a single weekly reading are interpolated linearly.
- ``elec_equip``: euro-area electrical equipment orders index, monthly 1995-2016 (257),
  statsmodels.
- ``msft``: Microsoft's daily closing price (split-adjusted USD) and volume on trading days,
  1986-03-13 - 2017-11-10 (7,983), pmdarima. The 279 weekday holidays are absent, so it is
  read with ``missing="interpolate"`` (business days) or ``time_col="none"`` (trading days).

pmdarima is installed with ``--no-deps`` (install.sh): its data lives in its source
files and a gzip file, which are read here without importing pmdarima (whose compiled
parts need scikit-learn).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

# name -> (target column, seasonal period)
DATASETS = {"airpassengers": ("passengers", 12), "co2": ("co2", 12), "sunspots": ("sunspots", 12),
            "elec_equip": ("elec_equip", 12), "taylor": ("demand", 48), "msft": ("close", 1)}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"data: the bundled series need the package {name!r}; run ./install.sh "
                                f"(or pip install --no-deps {name})")
    return Path(spec.origin).parent


def _pmdarima_array(module: str, function: str) -> np.ndarray:
    """The `np.array([...])` literal inside pmdarima.datasets.<module>.<function>, parsed, not run."""
    tree = ast.parse((_package_dir("pmdarima") / "datasets" / f"{module}.py").read_text())
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "array" and node.args \
                and isinstance(node.args[0], ast.List):
            return np.asarray(ast.literal_eval(node.args[0]), dtype=np.float64)
    raise ValueError(f"data: no array literal in pmdarima/datasets/{module}.py:{function}")


def _frame(index: pd.DatetimeIndex, name: str, values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"time": index, name: values})


def load_named(name: str) -> pd.DataFrame:
    """A bundled series as a DataFrame with columns ``time`` and its target column (msft: and ``volume``)."""
    column = DATASETS[name][0]
    if name == "airpassengers":
        y = _pmdarima_array("airpassengers", "load_airpassengers")
        return _frame(pd.date_range("1949-01-01", periods=len(y), freq="MS"), column, y)
    if name == "sunspots":
        y = np.loadtxt(_package_dir("pmdarima") / "datasets" / "data" / "sunspots.txt.gz").ravel()
        return _frame(pd.date_range("1749-01-01", periods=len(y), freq="MS"), column, y)
    if name == "taylor":
        y = _pmdarima_array("taylor", "load_taylor")
        return _frame(pd.date_range("2000-06-05", periods=len(y), freq="30min"), column, y)
    if name == "co2":
        from statsmodels.datasets import co2

        weekly = co2.load_pandas().data["co2"]
        monthly = weekly.resample("MS").mean().interpolate("linear")
        return _frame(pd.DatetimeIndex(monthly.index), column, monthly.to_numpy())
    if name == "elec_equip":
        path = _package_dir("statsmodels") / "datasets" / "elec_equip" / "elec_equip.csv"
        raw = pd.read_csv(path)
        times = pd.to_datetime(raw.iloc[:, 0], format="%b-%d-%Y")
        return _frame(pd.DatetimeIndex(times), column, raw.iloc[:, 1].to_numpy(dtype=np.float64))
    if name == "msft":
        import tarfile

        with tarfile.open(_package_dir("pmdarima") / "datasets" / "data" / "msft.tar.gz") as tar:
            raw = pd.read_csv(tar.extractfile("msft.csv"))
        return pd.DataFrame({"time": pd.to_datetime(raw["Date"], format="%Y-%m-%d"),
                             column: raw["Close"].to_numpy(dtype=np.float64),
                             "volume": raw["Volume"].to_numpy(dtype=np.float64)})
    raise KeyError(name)
