"""Helpers shared by the diagnostics: finding rnnkit layers in a model, a small task model.

Letters: T time, B batch, I input, H hidden, O head outputs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from rnnkit.layers.factory import make_layer
from rnnkit.layers.recurrent import RecurrentLayer


def recurrent_layers(model: nn.Module) -> list[tuple[str, RecurrentLayer]]:
    """The rnnkit recurrent layers inside `model` (itself included), as (name, module)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [(name, m) for name, m in model.named_modules() if isinstance(m, RecurrentLayer)]


def single_recurrent_layer(model: nn.Module) -> RecurrentLayer:
    """The one rnnkit recurrent layer of `model`; a ValueError when there is none or several."""
    found = recurrent_layers(model)
    if len(found) != 1:
        names = [n or "<model>" for n, _ in found]
        raise ValueError(f"model must contain exactly one rnnkit recurrent layer (RNN, LSTM or GRU; stack layers "
                         f"with num_layers), got {len(found)}: {names}")
    return found[0][1]


def direction_names(layer: RecurrentLayer) -> list[tuple[int, int, str]]:
    """(layer index, direction, name) for every layer and direction, named like the weights: l0, l0_reverse."""
    return [(k, d, f"l{k}" + ("_reverse" if d else "")) for k in range(layer.num_layers)
            for d in range(layer.num_directions)]


@contextlib.contextmanager
def explicit_engine(layer: RecurrentLayer) -> Iterator[None]:
    """Run `layer` on rnnkit's own engine inside the block (the recorder needs it), then restore."""
    before = layer.engine
    layer.engine = "explicit"
    try:
        yield
    finally:
        layer.engine = before


class SequenceModel(nn.Module):
    """rnnkit layer -> linear head on the last `read_steps` outputs: (T, B, I) -> (read_steps, B, O).

    ``forget_bias`` (None: the layer's default) is the keep gate's bias of the LSTM (f) and
    the GRU (z) under init "xavier"/"he"; other cells have no gate and ignore it.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int, read_steps: int = 1,
                 init: str = "xavier", engine: str = "auto", forget_bias: float | None = None,
                 **layer_kwargs) -> None:
        super().__init__()
        self.cell, self.read_steps = cell, read_steps
        if forget_bias is not None:
            layer_kwargs["forget_bias"] = forget_bias
        self.rnn = make_layer(cell, input_size, hidden_size, init=init, engine=engine, **layer_kwargs)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)  # (T, B, H)
        return self.head(out[-self.read_steps:])  # (read_steps, B, O)


@torch.no_grad()
def scale_recurrent_weights(layer: RecurrentLayer, radius: float) -> None:
    """Rescale every recurrent gate block so that its spectral radius becomes `radius`."""
    H = layer.hidden_size
    for name, p in layer.named_parameters():
        if name.startswith("weight_hh"):
            for block in p.split(H, dim=0):  # (H, H) per gate
                rho = torch.linalg.eigvals(block.double()).abs().max().item()
                if rho > 0:
                    block.mul_(radius / rho)
