"""The forecaster: a recurrent encoder over the lookback window, then H steps ahead.

Letters: B batch, L lookback, H horizon, P past and F future covariates, D hidden size,
O outputs per step (1, Q quantiles, or Gaussian mean and scale). Inputs are scaled
(`features`): y (B, L), past (B, L, P), fut (B, L + H, F).

Differencing (``difference`` = d > 0), first, on the scaled values: the model reads and
forecasts Δy_t = y_t - y_{t-d}, so its lookback holds L - d differences (and the past and
future covariates lose their first d steps to match), and the forecast is added back,

    ŷ_{L+k} = y_{L+k-d} + Δŷ_{L+k}          (k < d: a known value; k >= d: the forecast ŷ_{L+k-d})

each of point, lo and hi on its own (for k >= d the bounds add up, a wider interval than
the sum's exact quantile).

Window normalisation (``window_norm``), per window, from the lookback (of differences) only:

    μ = mean(y_{1..L}),  σ = sqrt(var(y_{1..L}) + ε),  ỹ_t = (y_t - μ) / σ,  ŷ_t = μ + σ·(model output)
    ("scale"; "shift" keeps σ = 1, "last" also μ = y_L, the window's last value, as NLinear
    (Zeng et al. 2023) does; "none" μ = 0, σ = 1)

Direct (all H steps at once, from the last encoder state):

    x_t = [ỹ_t, p_t, f_t]                         # (B, L, 1 + P + F)
    h_t = RNN(x_t, h_{t-1});  h = h_L             # (B, D), any rnnkit cell
    o   = W [h, f_{L+1}, …, f_{L+H}] + b          # (B, H·O) -> (B, H, O)
    o  += A ỹ_{1..L}                              # with highway: a linear autoregression, (B, H·O)

Recursive (one step ahead, fed back, as Darts' RNNModel):

    x_t = [ỹ_t, f_{t+1}]                          # (B, ·, 1 + F)
    h_t = RNN(x_t, h_{t-1});  o_{t+1} = W h_t + b # (B, ·, O)
    training: teacher forcing over the L + H - 1 steps of a window; forecasting: the
    point (or, for a Gaussian, a sample per path) goes back in as ỹ_{t+1}.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.layers.factory import make_layer
from rnnkit.tasks.forecast.config import ForecastModelConfig

EPS = 1e-4


class Forecaster(nn.Module):
    def __init__(self, cfg: ForecastModelConfig) -> None:
        super().__init__()
        if cfg.difference < 0:
            raise ValueError(f"difference: {cfg.difference} (auto) is resolved from the data by "
                             f"train.build_model_config; a Forecaster needs the lag itself (0: none)")
        self.config = cfg
        recursive = cfg.strategy == "recursive"
        n_in = 1 + cfg.n_future if recursive else 1 + cfg.n_past + cfg.n_future
        self.rnn = make_layer(cfg.cell, n_in, cfg.hidden_size, num_layers=cfg.num_layers, batch_first=True,
                              dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        if recursive:
            self.head = nn.Linear(cfg.hidden_size, cfg.n_outputs)
            self.highway = None
        else:
            self.head = nn.Linear(cfg.hidden_size + cfg.horizon * cfg.n_future, cfg.horizon * cfg.n_outputs)
            self.highway = nn.Linear(cfg.lookback - cfg.difference, cfg.horizon * cfg.n_outputs,
                                     bias=False) if cfg.highway else None
        # split-conformal widening of the interval per horizon step, in scaled units (calibrate.py); 0: none
        self.register_buffer("interval_margin", torch.zeros(cfg.horizon))

    # ---------------------------------------------------------------- shared
    def differenced(self, y: Tensor, past: Tensor, fut: Tensor, target: Tensor | None = None) -> tuple[Tensor, ...]:
        """The window in lag-d differences: y (B, L - d), past (B, L - d, P), fut (B, L + H - d, F) and the
        target (B, H) as Δy too (it may reach back into y); unchanged when d = 0."""
        d = self.config.difference
        if not d:
            return y, past, fut, target
        L = y.shape[1]
        full = y if target is None else torch.cat([y, target], dim=1)        # (B, L [+ H])
        dfull = full[:, d:] - full[:, :-d]                                    # (B, L [+ H] - d)
        return dfull[:, :L - d], past[:, d:], fut[:, d:], None if target is None else dfull[:, L - d:]

    def undifferenced(self, y: Tensor, dz: Tensor) -> Tensor:
        """ŷ (B, H) from forecast differences dz (B, H) and the lookback y (B, L): ŷ_{L+k} = ŷ_{L+k-d} + Δŷ_{L+k}."""
        d = self.config.difference
        if not d:
            return dz
        values = list(y[:, -d:].unbind(1))                                    # the last d known values, (B,) each
        for k in range(dz.shape[1]):
            values.append(values[-d] + dz[:, k])
        return torch.stack(values[d:], dim=1)                                 # (B, H)

    def window_stats(self, y: Tensor) -> tuple[Tensor, Tensor]:
        """μ, σ of each lookback window: (B, 1) each (0 and 1 without window_norm)."""
        mode = self.config.window_norm
        if mode == "none":
            return torch.zeros_like(y[:, :1]), torch.ones_like(y[:, :1])
        if mode == "last":
            return y[:, -1:], torch.ones_like(y[:, -1:])
        mu = y.mean(dim=1, keepdim=True)
        if mode == "shift":
            return mu, torch.ones_like(mu)
        return mu, (y.var(dim=1, unbiased=False, keepdim=True) + EPS).sqrt()

    def direct(self, yn: Tensor, past: Tensor, fut: Tensor) -> Tensor:
        """Normalised outputs (B, H, O) from the normalised lookback yn (B, L)."""
        return self.direct_outputs(*self.direct_inputs(yn, past, fut))

    def direct_inputs(self, yn: Tensor, past: Tensor, fut: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """What the direct model reads (no parameters involved): the RNN's input sequence x
        (B, L, 1 + P + F), the horizon's future covariates (B, H·F) and yn (B, L) for the highway."""
        L = yn.shape[1]
        x = torch.cat([yn[..., None], past, fut[:, :L]], dim=-1)             # (B, L, 1 + P + F)
        return x, fut[:, L:].flatten(1), yn                                   # (B, H·F)

    def direct_outputs(self, x: Tensor, fut_h: Tensor, yn: Tensor | None) -> Tensor:
        """Normalised outputs (B, H, O) from `direct_inputs`; yn may be None without a highway."""
        cfg = self.config
        out, _ = self.rnn(x)                                                  # (B, L, D)
        z = torch.cat([out[:, -1], fut_h], dim=-1) if fut_h.shape[1] else out[:, -1]  # (B, D + H·F)
        o = self.head(z)                                                      # (B, H·O)
        if self.highway is not None:
            o = o + self.highway(yn)                                          # (B, H·O)
        return self.ordered(o.view(-1, cfg.horizon, cfg.n_outputs))           # (B, H, O)

    def ordered(self, o: Tensor) -> Tensor:
        """Quantile outputs that cannot cross: the median as it comes, then the others stepped away
        from it by softplus gaps, q_{j+1} = q_j + softplus(o_{j+1}) above, q_{j-1} = q_j - softplus(o_{j-1})
        below. Other likelihoods pass unchanged."""
        if self.config.likelihood != "quantile" or o.shape[-1] == 1:
            return o
        m = self.config.quantiles.index(0.5)
        med = o[..., m:m + 1]
        up = med + _cumulative_gaps(o[..., m + 1:])
        below = o[..., :m]
        # one quantile below (the usual 0.1/0.5/0.9) needs no flips: fewer small ops in every training step
        down = med - (_cumulative_gaps(below) if m == 1 else _cumulative_gaps(below.flip(-1)).flip(-1))
        return torch.cat([down, med, up], dim=-1)

    def training_pair(self, y: Tensor, past: Tensor, fut: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """(normalised outputs, normalised targets) that the loss compares: (B, K, O) and (B, K)."""
        inputs = self.training_inputs(y, past, fut, target)
        return self.training_outputs(inputs), inputs["target"]

    def training_inputs(self, y: Tensor, past: Tensor, fut: Tensor, target: Tensor) -> dict[str, Tensor]:
        """The part of `training_pair` that learns nothing: differencing, window normalisation and
        the input sequence, for windows y (B, L), past (B, L, P), fut (B, L + H, F), target (B, H).
        The training loop computes it once for all windows and then only indexes batches of it."""
        y, past, fut, target = self.differenced(y, past, fut, target)
        mu, sd = self.window_stats(y)
        yn, tn = (y - mu) / sd, (target - mu) / sd                            # (B, L), (B, H)
        if self.config.strategy == "direct":
            x, fut_h, yn = self.direct_inputs(yn, past, fut)
            return {"x": x, "fut_h": fut_h, "yn": yn, "target": tn}
        full = torch.cat([yn, tn], dim=1)                                     # (B, L + H)
        x = torch.cat([full[:, :-1, None], fut[:, 1:]], dim=-1)               # (B, L + H - 1, 1 + F)
        return {"x": x, "target": full[:, 1:]}                                # teacher forcing: (B, L + H - 1)

    def training_outputs(self, inputs: dict[str, Tensor]) -> Tensor:
        """Normalised outputs (B, K, O) for `training_inputs(...)` (or a batch of its rows)."""
        if self.config.strategy == "direct":
            return self.direct_outputs(inputs["x"], inputs["fut_h"], inputs.get("yn"))
        out, _ = self.rnn(inputs["x"])                                        # (B, L + H - 1, D)
        return self.ordered(self.head(out))                                   # (B, L + H - 1, O)

    # ------------------------------------------------------------ forecasting
    @torch.no_grad()
    def forecast(self, y: Tensor, past: Tensor, fut: Tensor, level: float = 0.8,
                 samples: int = 200, seed: int = 0) -> tuple[Tensor, Tensor, Tensor]:
        """Point forecast and the central `level` interval, in scaled units: three (B, H).

        The interval is NaN with likelihood='none'; with quantiles it is the outermost
        pair (whose coverage is q_hi - q_lo, `level` unused).
        """
        dy, past, fut, _ = self.differenced(y, past, fut)
        mu, sd = self.window_stats(dy)
        yn = (dy - mu) / sd
        if self.config.strategy == "direct":
            point, lo, hi = self.read_outputs(self.direct(yn, past, fut), level)
        else:
            point, lo, hi = self.recursive(yn, fut, level, samples, seed)
        point, lo, hi = (self.undifferenced(y, mu + sd * v) for v in (point, lo, hi))
        margin = self.interval_margin                                          # (H,)
        # a negative (narrowing) margin wider than the interval's half would leave the point forecast
        # outside, or lo above hi; the interval stops at the point instead (only wider: coverage holds)
        return point, torch.minimum(lo - margin, point), torch.maximum(hi + margin, point)

    def read_outputs(self, o: Tensor, level: float) -> tuple[Tensor, Tensor, Tensor]:
        """(point, lo, hi) from normalised outputs o (B, H, O)."""
        lik = self.config.likelihood
        if lik == "none":
            nan = torch.full_like(o[..., 0], math.nan)
            return o[..., 0], nan, nan
        if lik == "quantile":
            median = self.config.quantiles.index(0.5)
            return o[..., median], o[..., 0], o[..., -1]
        mean, scale = o[..., 0], gaussian_scale(o[..., 1])
        z = torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor(0.5 + level / 2))
        return mean, mean - z * scale, mean + z * scale

    def recursive(self, yn: Tensor, fut: Tensor, level: float, samples: int, seed: int) -> tuple[Tensor, Tensor, Tensor]:
        """Feed predictions back H times; a Gaussian runs `samples` sampled paths per window."""
        cfg = self.config
        B, L = yn.shape
        paths = samples if cfg.likelihood == "gaussian" else 1
        g = torch.Generator().manual_seed(seed)
        yn = yn.repeat_interleave(paths, 0)                                   # (B·S, L)
        fut = fut.repeat_interleave(paths, 0)                                 # (B·S, L + H, F)
        x = torch.cat([yn[..., None], fut[:, 1:L + 1]], dim=-1)               # (B·S, L, 1 + F)
        out, state = self.rnn(x)
        o = self.ordered(self.head(out[:, -1]))                               # (B·S, O)
        steps = []
        for k in range(cfg.horizon):
            steps.append(o)
            nxt = self.next_input(o, g)                                       # (B·S,)
            if k + 1 == cfg.horizon:
                break
            x = torch.cat([nxt[:, None], fut[:, L + k + 1]], dim=-1)[:, None]  # (B·S, 1, 1 + F)
            out, state = self.rnn(x, state)
            o = self.ordered(self.head(out[:, -1]))
        o = torch.stack(steps, dim=1)                                         # (B·S, H, O)
        if cfg.likelihood != "gaussian":
            return self.read_outputs(o, level)
        draws = o[..., 0].view(B, paths, cfg.horizon)                         # (B, S, H) sampled paths
        q = torch.tensor([0.5 - level / 2, 0.5 + level / 2], dtype=draws.dtype)
        lo, hi = torch.quantile(draws, q, dim=1)                              # (B, H) each
        return draws.mean(dim=1), lo, hi

    def next_input(self, o: Tensor, g: torch.Generator) -> Tensor:
        """What goes back in: the point, or for a Gaussian a draw (and the draw becomes the path)."""
        lik = self.config.likelihood
        if lik == "none":
            return o[:, 0]
        if lik == "quantile":
            return o[:, self.config.quantiles.index(0.5)]
        draw = o[:, 0] + gaussian_scale(o[:, 1]) * torch.randn(o.shape[0], generator=g)
        o[:, 0] = draw  # the path's value at this step
        return draw


def _cumulative_gaps(raw: Tensor) -> Tensor:
    """Σ_{i<=j} softplus(raw_i) along the last dim (a single gap is its own sum)."""
    gaps = F.softplus(raw)
    return gaps if gaps.shape[-1] == 1 else torch.cumsum(gaps, dim=-1)


def gaussian_scale(raw: Tensor) -> Tensor:
    """σ = softplus(raw) + 1e-3 > 0."""
    return F.softplus(raw) + 1e-3


def forecast_loss(cfg: ForecastModelConfig, o: Tensor, target: Tensor) -> Tensor:
    """Mean loss of outputs o (B, K, O) against targets (B, K), in normalised units.

    none:     (o - y)²
    quantile: Σ_q max(q·e_q, (q - 1)·e_q),  e_q = y - o_q           (pinball)
    gaussian: log σ + (y - m)² / (2σ²),     m = o_0, σ = softplus(o_1) + 1e-3
    """
    if cfg.likelihood == "none":
        return F.mse_loss(o[..., 0], target)
    if cfg.likelihood == "quantile":
        q = torch.tensor(cfg.quantiles, dtype=o.dtype, device=o.device)   # (Q,)
        e = target[..., None] - o                                          # (B, K, Q)
        return torch.maximum(q * e, (q - 1) * e).sum(-1).mean()
    m, s = o[..., 0], gaussian_scale(o[..., 1])
    return (torch.log(s) + (target - m) ** 2 / (2 * s * s)).mean()
