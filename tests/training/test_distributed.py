import json
import socket

import torch
import torch.multiprocessing as mp

from rnnkit.training import Trainer, all_reduce_mean, get_rank, get_world_size, shard
from .training_helpers import classification_task, ddp_worker, quiet_config, weights


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_match_one_process_with_the_same_global_batch(tmp_path):
    steps = 6
    out = tmp_path / "ddp.pt"
    mp.spawn(ddp_worker, args=(2, free_port(), str(tmp_path / "ddp"), str(out), steps), nprocs=2, join=True)
    ddp = torch.load(out, weights_only=True)

    task = classification_task(batch_size=8)
    cfg = quiet_config(tmp_path, run_dir=str(tmp_path / "one"), max_steps=steps, eval_every=3,
                       optimizer="sgd", lr=0.5, momentum=0.9)
    result = Trainer(task, cfg).fit()
    one = weights(task.model)
    assert one.keys() == ddp["weights"].keys()
    for k in one:
        torch.testing.assert_close(ddp["weights"][k], one[k], rtol=1e-5, atol=1e-6)
        assert not torch.equal(one[k], weights(classification_task().model)[k])   # it did train
    for k, v in result.last_metrics.items():   # metrics averaged over ranks = single-process metrics
        assert abs(ddp["metrics"][k] - v) < 1e-5
    train = [json.loads(x) for x in open(tmp_path / "ddp" / "metrics.jsonl") if '"train"' in x]
    assert [r["items"] for r in train] == [8] * steps    # items summed over both ranks
    assert (tmp_path / "ddp" / "checkpoints" / "last.pt").exists()


def test_two_process_run_with_dropout_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path):
    """Each rank draws its own dropout masks: every rank's RNG state must be saved and restored."""
    straight, resumed = tmp_path / "straight.pt", tmp_path / "resumed.pt"
    mp.spawn(ddp_worker, args=(2, free_port(), str(tmp_path / "a"), str(straight), 8, 0.5), nprocs=2, join=True)
    mp.spawn(ddp_worker, args=(2, free_port(), str(tmp_path / "b"), str(tmp_path / "half.pt"), 4, 0.5), nprocs=2,
             join=True)
    mp.spawn(ddp_worker, args=(2, free_port(), str(tmp_path / "b"), str(resumed), 8, 0.5, True), nprocs=2, join=True)
    a, b = torch.load(straight, weights_only=True), torch.load(resumed, weights_only=True)
    half = torch.load(tmp_path / "half.pt", weights_only=True)
    for k in a["weights"]:
        assert torch.equal(a["weights"][k], b["weights"][k]), k
    assert any(not torch.equal(a["weights"][k], half["weights"][k]) for k in a["weights"])  # it trained on


def test_single_process_helpers_are_identities():
    assert get_rank() == 0 and get_world_size() == 1
    assert shard(list(range(5))) == [0, 1, 2, 3, 4]
    assert shard(list(range(5)), rank=1, world_size=2) == [1, 3]
    assert all_reduce_mean({"a": 1.5}) == {"a": 1.5}
