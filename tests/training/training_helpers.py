"""Tiny real tasks for the training tests: an LSTM sequence classifier and an LSTM stream LM."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import rnnkit
from rnnkit.data.batching import BucketSampler, StreamBatcher, pad_batch
from rnnkit.training import Task, TrainConfig, run_with_resets


def make_lstm(input_size: int, hidden: int, rnnkit_layer: bool) -> nn.Module:
    """torch.nn.LSTM keeps the loop's tests independent of rnnkit's layers; the bf16 tests take
    rnnkit.LSTM, whose fused kernel is checked against float32 (on CPUs without a bf16 LSTM
    kernel torch.nn.LSTM cannot run under autocast at all)."""
    return rnnkit.LSTM(input_size, hidden) if rnnkit_layer else nn.LSTM(input_size, hidden)


class TinyClassifier(nn.Module):
    def __init__(self, input_size: int = 3, hidden: int = 8, classes: int = 2, dropout: float = 0.0,
                 rnnkit_layer: bool = False) -> None:
        super().__init__()
        self.rnn = make_lstm(input_size, hidden, rnnkit_layer)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:   # x (T, B, I)
        if isinstance(self.rnn, rnnkit.LSTM):
            _, (h, _) = self.rnn(x, lengths=lengths)        # h (1, B, H), each sequence's own last step
        else:
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)  # padding is invisible
            _, (h, _) = self.rnn(packed)                    # h (1, B, H)
        return self.head(self.drop(h[-1]))                  # (B, C)


def classification_task(n: int = 64, batch_size: int = 8, dropout: float = 0.0, seed: int = 0,
                        rank: int = 0, world_size: int = 1, bad_step: int | None = None,
                        loss_scale: float = 1.0, rnnkit_layer: bool = False) -> Task:
    """Sign of the sum of feature 0 over a random sequence of varying length (4..9)."""
    g = torch.Generator().manual_seed(1234)
    lengths = torch.randint(4, 10, (n,), generator=g).tolist()
    xs = [torch.randn(t, 3, generator=g) for t in lengths]
    ys = torch.tensor([int(x[:, 0].sum() > 0) for x in xs])
    torch.manual_seed(seed)
    model = TinyClassifier(dropout=dropout, rnnkit_layer=rnnkit_layer)
    sampler = BucketSampler(lengths, batch_size, pool_batches=2, seed=seed, rank=rank, world_size=world_size)
    calls = {"n": 0}

    def batch_of(idx: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, lens = pad_batch([xs[i] for i in idx])  # (T, B, 3), (B,)
        return x, lens, ys[idx]

    def train_batches(epoch: int):
        sampler.set_epoch(epoch)
        for idx in sampler:
            yield batch_of(idx)

    def loss(model: nn.Module, batch, state):
        calls["n"] += 1
        x, lens, y = batch
        value = F.cross_entropy(model(x, lens), y) * loss_scale
        if bad_step is not None and calls["n"] == bad_step:
            value = value * float("nan")
        return value, None, len(y)

    def evaluate(model: nn.Module) -> dict[str, float]:
        x, lens, y = batch_of(list(range(min(n, 32))))
        logits = model(x, lens)
        return {"loss": F.cross_entropy(logits, y).item(),
                "accuracy": (logits.argmax(1) == y).float().mean().item()}

    return Task(model=model, train_batches=train_batches, loss=loss, evaluate=evaluate,
                metric="loss", model_config={"input_size": 3, "hidden": 8}, steps_per_epoch=len(sampler))


class TinyLM(nn.Module):
    def __init__(self, vocab: int = 11, hidden: int = 8, dropout: float = 0.0, rnnkit_layer: bool = False) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = make_lstm(hidden, hidden, rnnkit_layer)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab)


def lm_task(n_tokens: int = 400, batch_size: int = 4, bptt: int = 5, dropout: float = 0.0, seed: int = 0,
            doc_starts: list[int] | None = None, spy: list | None = None, rnnkit_layer: bool = False) -> Task:
    """Next-token LM over a random stream; `spy` collects (incoming state, chunk, embedded inputs, loss)."""
    g = torch.Generator().manual_seed(99)
    stream = torch.randint(0, 11, (n_tokens,), generator=g)
    batcher = StreamBatcher(stream, batch_size, bptt, doc_starts=doc_starts)
    torch.manual_seed(seed)
    model = TinyLM(dropout=dropout, rnnkit_layer=rnnkit_layer)

    def loss(model: nn.Module, chunk, state):
        e = model.emb(chunk.inputs)                                          # (k, B, H)
        out, new_state = run_with_resets(model.rnn, model.drop(e), state, chunk.reset)
        logits = model.head(out)                                              # (k, B, V)
        value = F.cross_entropy(logits.flatten(0, 1), chunk.targets.flatten())
        if spy is not None:
            # d(this chunk's loss) / d(previous chunk's inputs), while both graphs are alive
            prev = spy[-1]["emb"] if spy else None
            back = torch.autograd.grad(value, prev, allow_unused=True, retain_graph=True) if prev is not None else None
            spy.append({"state": state, "chunk": chunk, "emb": e, "grad_prev": back, "new_state": new_state})
        return value, new_state, chunk.targets.numel()

    return Task(model=model, train_batches=lambda epoch: iter(batcher), loss=loss, stateful=True,
                unit="tok", model_config={"vocab": 11, "hidden": 8}, steps_per_epoch=len(batcher))


def quiet_config(tmp_path, **changes) -> TrainConfig:
    base = dict(run_dir=str(tmp_path / "run"), progress=False, plot=False, log_every=1, seed=0)
    base.update(changes)
    return TrainConfig(**base)


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def ddp_worker(rank: int, world_size: int, port: int, run_dir: str, out_path: str, max_steps: int,
               dropout: float = 0.0, resume: bool = False) -> None:
    """One rank of a 2-process gloo run (for torch.multiprocessing.spawn)."""
    import os

    import torch.distributed as dist

    from rnnkit.training import Trainer, init_distributed

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(world_size), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    assert init_distributed("gloo") == (rank, world_size)
    try:
        task = classification_task(batch_size=8 // world_size, rank=rank, world_size=world_size, dropout=dropout)
        cfg = TrainConfig(run_dir=run_dir, progress=False, plot=False, log_every=1, max_steps=max_steps,
                          eval_every=3, optimizer="sgd", lr=0.5, momentum=0.9)
        result = Trainer(task, cfg).fit(resume=resume)
        if rank == 0:
            torch.save({"weights": weights(task.model), "metrics": result.last_metrics}, out_path)
    finally:
        dist.destroy_process_group()
