"""Training: one loop for every task, with clipping, truncated BPTT, early stopping,
crash-safe checkpoints, progress, plots and multi-process runs.

    from rnnkit.training import Task, TrainConfig, Trainer
    result = Trainer(task, TrainConfig(max_steps=1000, eval_every=100, run_dir="runs/x")).fit()

See `loop` for the run-directory layout and `checkpoint` for the file format.
"""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import TrainConfig
from .distributed import all_reduce_mean, get_rank, get_world_size, init_distributed, is_main_process, shard
from .loop import FitResult, NonFiniteLossError, Trainer
from .optim import build_optimizer, build_scheduler, seed_everything
from .streams import detach_state, reset_state, run_with_resets
from .task import Task

__all__ = [
    "CheckpointError", "FitResult", "NonFiniteLossError", "Task", "TrainConfig", "Trainer",
    "all_reduce_mean", "build_optimizer", "build_scheduler", "detach_state", "get_rank", "get_world_size",
    "init_distributed", "is_main_process", "load_checkpoint", "reset_state", "run_with_resets",
    "save_checkpoint", "seed_everything", "shard",
]
