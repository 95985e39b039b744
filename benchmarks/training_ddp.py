"""The Trainer under torchrun: PTB sentence LM, data sharded by rank, DDP, rank-0 checkpoints.

    torchrun --standalone --nproc_per_node=2 benchmarks/training_ddp.py --steps 20
    python benchmarks/training_ddp.py --steps 20 --batch-size 32     # same global batch, 1 process

Each rank gets batch_size / world_size sentences of every global batch
(`BucketSampler(rank=..., world_size=...)`); DDP averages gradients (gloo on CPU, nccl
on GPU); losses and evaluation metrics are averaged across ranks; only rank 0 writes
the run directory. Prints the final validation loss, which should agree between the
two commands above to float tolerance.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from rnnkit.data.batching import BucketSampler, pad_batch
from rnnkit.training import Task, TrainConfig, Trainer, get_rank, init_distributed, is_main_process

from training_bucketing import SentenceLM, ptb_sentences


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32, help="global batch size, split across ranks")
    p.add_argument("--run-dir", default="runs/ddp_example")
    args = p.parse_args()
    rank, world = init_distributed()
    torch.set_num_threads(1)
    sents, vocab = ptb_sentences(3200, 1000)
    train, valid = sents[:3000], sents[3000:]
    torch.manual_seed(0)
    model = SentenceLM(vocab, 64)
    sampler = BucketSampler([len(s) - 1 for s in train], args.batch_size // world, seed=0, rank=rank, world_size=world)

    def batch(ss):
        x, lens = pad_batch([s[:-1] for s in ss])
        y, _ = pad_batch([s[1:] for s in ss], padding_value=-100)
        return x, lens, y

    def batches(epoch):
        sampler.set_epoch(epoch)
        return (batch([train[i] for i in idx]) for idx in sampler)

    def loss(model, b, state):
        x, lens, y = b
        return F.cross_entropy(model(x, lens).flatten(0, 1), y.flatten(), ignore_index=-100), None, int(lens.sum())

    def evaluate(model):
        x, lens, y = batch(valid)
        return {"loss": F.cross_entropy(model(x, lens).flatten(0, 1), y.flatten(), ignore_index=-100).item()}

    task = Task(model=model, train_batches=batches, loss=loss, evaluate=evaluate, unit="tok",
                model_config={"vocab": vocab, "hidden": 64})
    cfg = TrainConfig(run_dir=args.run_dir, max_steps=args.steps, eval_every=10, optimizer="adamw", lr=3e-3,
                      progress=is_main_process())
    result = Trainer(task, cfg).fit()
    if rank == 0:
        print(f"world_size {world}: step {result.step}, validation loss {result.last_metrics['loss']:.6f}")


if __name__ == "__main__":
    main()
