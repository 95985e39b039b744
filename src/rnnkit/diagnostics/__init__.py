"""See inside a recurrent network: gradients through time, hidden states, gates.

Every picture has a function that returns its numbers (dataclasses of numpy arrays and
floats) and a plotting function in `rnnkit.diagnostics.plots` that takes those numbers::

    from rnnkit import diagnostics as dg
    g = dg.gradient_through_time(model, batch, loss_fn)      # ‖∂L/∂h_t‖ per step and layer
    tr = dg.trace_model(model, tokens)                       # h, c and gates per step
    dg.gate_saturation(tr); dg.correlated_units(tr, dg.quote_signal(text))
    res = dg.run_vanishing(dg.VanishingConfig(delays=(25, 50)))
    clip = dg.run_clipping()
"""

from rnnkit.diagnostics.clipping import ClippingConfig, ClippingResult, run_clipping
from rnnkit.diagnostics.gradients import GradientThroughTime, gradient_through_time, spectral_radius
from rnnkit.diagnostics.states import (GateSaturation, UnitCorrelation, correlated_units, gate_saturation,
                                       position_signal, quote_signal)
from rnnkit.diagnostics.trace import DirectionTrace, LayerTrace, trace_layer, trace_model
from rnnkit.diagnostics.train import TrainCurve, train_steps
from rnnkit.diagnostics.vanishing import CellDelayRun, VanishingConfig, VanishingResult, format_table, run_vanishing

__all__ = [
    "CellDelayRun", "ClippingConfig", "ClippingResult", "DirectionTrace", "GateSaturation", "GradientThroughTime",
    "LayerTrace", "TrainCurve", "UnitCorrelation", "VanishingConfig", "VanishingResult", "correlated_units",
    "format_table", "gate_saturation", "gradient_through_time", "position_signal", "quote_signal", "run_clipping",
    "run_vanishing", "spectral_radius", "trace_layer", "trace_model", "train_steps",
]
