"""Configuration of time-series forecasting: the data and windows, and the model.

Both are frozen dataclasses on `rnnkit.config.Config` (help text per field, checked in
`__post_init__`, saved in the checkpoint as plain dicts), so a checkpoint alone rebuilds
the model and its scalers. Letters used across the package: B batch (windows), L
lookback, H horizon, P past covariates, F future (known) covariates, O outputs per step
(1 point, Q quantiles, or 2 for a Gaussian's mean and scale).
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit.config import Config, check_bool, check_choice, check_int, check_number, option
from rnnkit.layers.factory import check_cell

STRATEGIES = ("direct", "recursive")
LIKELIHOODS = ("none", "quantile", "gaussian")
SCALERS = ("minmax", "standard", "none")
MISSING = ("error", "interpolate")
WINDOW_NORMS = ("none", "shift", "last", "scale")
TRANSFORMS = ("none", "log")
SCALES = ("original", "scaled")
BASELINES = ("naive", "seasonal_naive", "ets")
# TrainConfig fields of `rnnkit forecast train` and of `train.train(train_cfg=None)`, measured on
# AirPassengers' training part (benchmarks/forecast_vs_darts.py): a few hundred full steps at lr 3e-3,
# the loop evaluating (the training-window loss) once at the end. `epochs` only lets max_steps count:
# a short series is a few batches, so TrainConfig's own default of one epoch is a few steps.
TRAIN_DEFAULTS = {"lr": 3e-3, "max_steps": 600, "epochs": 100_000, "eval_every": 600, "run_dir": "runs/forecast"}


@dataclass(frozen=True)
class ForecastConfig(Config):
    """Where the series come from, how they are split, scaled and cut into windows."""

    data: str = option("airpassengers", (
        "a CSV file, or a bundled series by name: airpassengers, co2, sunspots, elec_equip, taylor, msft"))
    target: tuple[str, ...] = option((), (
        "target column(s); each is its own series in one global model (default: the bundled series' "
        "column, or every numeric column of the CSV but the time, group and covariate columns)"))
    time_col: str = option("", (
        "time column, parsed as dates (whole numbers as years); 'year+quarter' or 'year+month' joins two "
        "number columns; none: no time column (default: a column named time, date, datetime, month, "
        "timestamp, ds or year, or year and quarter/month columns, when there is one)"))
    time_format: str = option("", (
        "strftime format of the time column, e.g. '%d/%m/%Y'; '': pandas' parser, month first unless only "
        "day first reads every row or gives a regular series"))
    group_col: str = option("", "long format: a column naming the series each row belongs to; '' none")
    past_covariates: tuple[str, ...] = option((), (
        "columns known only up to the forecast origin (used by the direct strategy)"))
    future_covariates: tuple[str, ...] = option((), (
        "columns known in advance for every step (a promotion, a holiday, a planned price); to forecast past the "
        "data, rows after the target's last value hold them for the H steps ahead"))
    calendar: bool = option(False, (
        "add known-future calendar covariates: month one-hot and scaled year (monthly and slower), "
        "time-of-day and day-of-week (faster than daily)"))
    missing: str = option("error", (
        "missing values, empty cells and times absent from a regular grid alike: 'error' (the default) or "
        "'interpolate' (linear in time)"))
    split: str = option("0.8", (
        "end of the training part: a fraction of each series (0.8) or the last training time "
        "('1959-01-01', Darts' split_after); scalers are fitted on this part only"))
    lookback: int = option(24, "past steps the encoder reads, >= 1")
    horizon: int = option(6, "steps forecast at once, >= 1")
    scaler: str = option("minmax", "per-series scaling fitted on the training part: minmax, standard or none")
    transform: str = option("none", "none, or log: model log y (scaled as --scaler says), forecasts exp'd back; "
                                    "for positive series with multiplicative season and trend")
    season: int = option(0, "seasonal period for seasonal naive, ETS and MASE; 0: from the frequency")
    nonnegative: bool = option(False, (
        "the series cannot go below zero (counts, sales, sunspots): forecasts and interval bounds of rnnkit "
        "and of the baselines are raised to 0; a series with negative values is an error"))
    batch_size: int = option(32, "windows per training batch, >= 1")
    calibrate: int = option(-1, (
        "calibrate the prediction intervals (split conformal): fit once more without the last C training "
        "points, measure how far its intervals miss them, widen (or narrow) the final model's intervals by "
        "that much; C >= 1, or -1 (the default): C = max(3 horizons, 2 seasons) when the model gives "
        "intervals and the training part leaves room for it; 0: off (uncalibrated intervals are too narrow "
        "out of sample)"))

    def __post_init__(self) -> None:
        for name in ("data", "split"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name}: expected a non-empty string, got {getattr(self, name)!r}")
        for name in ("target", "past_covariates", "future_covariates"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
                raise TypeError(f"{name}: expected a tuple of column names, got {value!r}")
        check_bool("calendar", self.calendar)
        check_bool("nonnegative", self.nonnegative)
        check_choice("missing", self.missing, MISSING)
        check_choice("scaler", self.scaler, SCALERS)
        check_choice("transform", self.transform, TRANSFORMS)
        check_int("lookback", self.lookback, 1)
        check_int("horizon", self.horizon, 1)
        check_int("season", self.season, 0)
        check_int("batch_size", self.batch_size, 1)
        check_int("calibrate", self.calibrate, -1)


@dataclass(frozen=True)
class ForecastModelConfig(Config):
    """Recurrent encoder over the lookback window -> H steps, direct or recursive."""

    cell: str = option("lstm", "recurrent cell: lstm, gru, rnn_tanh or rnn_relu")
    hidden_size: int = option(32, "units per recurrent layer, >= 1")
    num_layers: int = option(1, "stacked recurrent layers, >= 1")
    dropout: float = option(0.0, "dropout between recurrent layers, in [0, 1)")
    strategy: str = option("direct", (
        "direct: all H steps from the encoder's last state at once; recursive: one step ahead, "
        "predictions fed back H times (Darts' RNNModel)"))
    likelihood: str = option("quantile", (
        "none (mean squared error, point forecasts), quantile (pinball loss at `quantiles`) or gaussian "
        "(negative log-likelihood of a normal): the last two give prediction intervals"))
    quantiles: tuple[float, ...] = option((0.1, 0.5, 0.9), "quantiles of likelihood=quantile; must hold 0.5")
    # Defaults (shift, auto differencing) chosen on validation folds 1-2 of the five bundled series, inside
    # their training parts: half the error of none / 0 (geometric mean ratio 0.54; benchmarks/RESULTS.md)
    window_norm: str = option("shift", (
        "per-window normalisation from the lookback (undone on the output): shift (the default: subtract its "
        "mean, so a level never seen in training is forecast as a shift of familiar shapes); none; last "
        "(subtract its last value, NLinear); scale (subtract the mean and divide by the standard deviation, RevIN)"))
    difference: int = option(-1, (
        "model lag-d differences of the scaled series, dy_t = y_t - y_{t-d} (1: the step-to-step change, the "
        "season: the change from a season ago), and add them back to the last known values; a trend or "
        "level never seen in training then needs no extrapolation; 0: off; -1 (the default): auto, the season "
        "when the training part is seasonal (STL seasonal strength >= 0.64) and the lookback holds two seasons, "
        "else 0; < lookback"))
    highway: bool = option(True, (
        "direct strategy: add a linear map of the (normalised) lookback window to every output, "
        "an autoregressive 'highway' beside the recurrent encoder (LSTNet, Lai et al. 2018)"))
    lookback: int = option(24, "past steps the encoder reads, >= 1")
    horizon: int = option(6, "steps forecast, >= 1")
    n_past: int = option(0, "past covariates per step, >= 0")
    n_future: int = option(0, "known-future covariates per step, >= 0")

    def __post_init__(self) -> None:
        check_cell(self.cell)
        check_int("hidden_size", self.hidden_size, 1)
        check_int("num_layers", self.num_layers, 1)
        check_number("dropout", self.dropout, lo=0.0, hi=1.0, hi_open=True)
        check_choice("strategy", self.strategy, STRATEGIES)
        check_choice("likelihood", self.likelihood, LIKELIHOODS)
        check_choice("window_norm", self.window_norm, WINDOW_NORMS)
        check_bool("highway", self.highway)
        for name, lo in (("lookback", 1), ("horizon", 1), ("n_past", 0), ("n_future", 0)):
            check_int(name, getattr(self, name), lo)
        check_int("difference", self.difference, -1)
        if self.difference >= self.lookback:
            raise ValueError(f"difference: expected a lag below lookback={self.lookback}, got {self.difference}")
        qs = self.quantiles
        if not isinstance(qs, tuple) or not qs or any(not isinstance(q, float | int) or not 0 < q < 1 for q in qs) \
                or list(qs) != sorted(set(qs)) or 0.5 not in qs:
            raise ValueError(f"quantiles: expected increasing numbers in (0, 1) including 0.5, got {qs!r}")
        if self.strategy == "recursive" and self.n_past:
            raise ValueError(f"strategy: 'recursive' feeds its own predictions back and cannot know "
                             f"{self.n_past} past covariate(s) beyond the origin; use 'direct'")

    @property
    def n_outputs(self) -> int:
        """O: values per forecast step."""
        return {"none": 1, "quantile": len(self.quantiles), "gaussian": 2}[self.likelihood]

    def interval_level(self, level: float) -> float:
        """The level the intervals actually have: q_hi - q_lo with quantiles, else `level` (Gaussian)."""
        return self.quantiles[-1] - self.quantiles[0] if self.likelihood == "quantile" else level


@dataclass(frozen=True)
class BacktestConfig(Config):
    """Rolling-origin backtest: where forecasts start, how often, what is scored and on which scale."""

    start: str = option("", "time of the first forecast's first step ('1959-01-01') or a fraction of the series; "
                            "'' : right after the training part")
    stride: int = option(1, "steps between forecast origins, >= 1")
    refit: int = option(0, "0: train once on the training part; k >= 1: refit on all data before the origin "
                           "every k origins")
    last_points_only: bool = option(False, "score only the last step of each forecast (Darts' last_points_only)")
    level: float = option(0.8, "central prediction interval, in (0, 1)")
    metric_scale: str = option("original", "score on the original values or on the scaled series (Darts' "
                                           "sunspots notebook scores the min-max-scaled series)")
    baselines: tuple[str, ...] = option(BASELINES, "baselines scored on the same points: naive, seasonal_naive, ets")
    adapt_window: int = option(0, (
        "online interval adaptation by a window instead of adapt_rate: each origin's interval is rescaled by "
        "how the most recent N already observed forecast steps of this backtest fell against their intervals "
        "(online conformal; data before the origin only); 0: off (then adapt_rate applies)"))
    adapt_rate: float = option(0.05, (
        "online interval adaptation by quantile tracking: after each observed point the interval scale moves "
        "up by RATE * 0.8 on a miss and down by RATE * 0.2 on a hit (for level 0.8; data before the origin "
        "only); the default 0.05 was chosen on validation folds of the five bundled series; 0 (with "
        "adapt_window 0): the intervals as the model gives them"))

    adapt_per_step: bool = option(False, (
        "quantile tracking with one scale per horizon step, each moved only by that step's points; off: one "
        "scale for all steps"))

    def __post_init__(self) -> None:
        check_bool("adapt_per_step", self.adapt_per_step)
        check_int("stride", self.stride, 1)
        check_number("adapt_rate", self.adapt_rate, lo=0.0)
        check_int("refit", self.refit, 0)
        check_int("adapt_window", self.adapt_window, 0)
        check_bool("last_points_only", self.last_points_only)
        check_number("level", self.level, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
        check_choice("metric_scale", self.metric_scale, SCALES)
        for b in self.baselines:
            check_choice("baselines", b, BASELINES)
