"""The Python API as the README shows it: the package's exports are the functions (also once their
modules are imported), `train` runs with the CLI's defaults, and the README's example runs."""

import importlib
import pkgutil
import re
import types
from pathlib import Path

import numpy as np

import rnnkit
import rnnkit.tasks.forecast as pkg

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_export_is_the_object_not_a_module_after_all_submodules_are_imported():
    for m in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"rnnkit.tasks.forecast.{m.name}")
    from rnnkit.tasks.forecast import backtest, prepare, train  # each also names a module of the package

    for name, obj in (("backtest", backtest), ("prepare", prepare), ("train", train)):
        assert obj is getattr(importlib.import_module(f"rnnkit.tasks.forecast.{name}"), name)
    assert [n for n in pkg.__all__ if isinstance(getattr(pkg, n), types.ModuleType)] == []


def readme_forecast_example() -> str:
    section = README.read_text(encoding="utf-8").split("## Forecasting", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README's Forecasting section has no Python example"
    return blocks[0]


def test_the_readme_python_example_runs_and_its_forecast_is_inside_its_interval(tmp_path, monkeypatch, capsys):
    from rnnkit.tasks.forecast.config import TRAIN_DEFAULTS

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(TRAIN_DEFAULTS, "max_steps", 40)  # the example as written, only shorter
    monkeypatch.setitem(TRAIN_DEFAULTS, "eval_every", 40)
    scope: dict = {}
    exec(compile(readme_forecast_example(), "README.md", "exec"), scope)
    printed = capsys.readouterr().out
    assert "seasonal_naive" in printed and "coverage" in printed
    future = scope["forecast_frame"](scope["out"].model, scope["out"].prep)
    assert len(future) == 12 and str(future["time"].iloc[0])[:7] == "2002-01"
    assert np.all(future["lo"] <= future["forecast"]) and np.all(future["forecast"] <= future["hi"])
    assert scope["out"].fit.step == 40                     # train_cfg None took TRAIN_DEFAULTS
    assert rnnkit.load(tmp_path / "runs" / "forecast").kind == "forecast"  # as the README says
