"""rnnkit: recurrent neural networks from their equations.

    import rnnkit
    lstm = rnnkit.LSTM(input_size=8, hidden_size=32, num_layers=2, bidirectional=True)
    out, (h, c) = lstm(x, lengths=lengths)

    loaded = rnnkit.load("runs/textgen")   # any task's checkpoint: model + vocabulary, scalers, labels
"""

from rnnkit.core.bptt import detach_state, record_state_grads
from rnnkit.layers.recurrent import GRU, LSTM, RNN, RecurrentLayer
from rnnkit.tasks.registry import Loaded, load
from rnnkit.training import CheckpointError, NonFiniteLossError, Task, TrainConfig, Trainer

__version__ = "0.1.0"

__all__ = [
    "GRU", "LSTM", "RNN", "CheckpointError", "Loaded", "NonFiniteLossError", "RecurrentLayer", "Task", "TrainConfig",
    "Trainer", "__version__", "detach_state", "load", "record_state_grads",
]
