import pytest
import torch

from rnnkit.training import Trainer, detach_state, reset_state, run_with_resets
from .training_helpers import classification_task, lm_task, quiet_config, weights


def test_state_is_carried_detached_and_gradients_stop_at_chunk_boundaries(tmp_path):
    spy = []
    task = lm_task(spy=spy)
    Trainer(task, quiet_config(tmp_path, max_steps=3, optimizer="sgd", lr=1e-9)).fit()
    first, second = spy[0], spy[1]
    assert first["state"] is None
    for got, sent in zip(second["state"], first["new_state"]):
        assert torch.equal(got, sent.detach())       # carried over, same values...
        assert not got.requires_grad and got.grad_fn is None  # ...but cut from the graph
    # Gradient of chunk 2's loss with respect to chunk 1's inputs is exactly zero.
    (grad,) = second["grad_prev"]
    assert grad is None or torch.count_nonzero(grad) == 0
    # Control: had the state not been detached, the gradient would flow back into chunk 1.
    e1 = first["emb"].detach().requires_grad_()
    _, s1 = task.model.rnn(e1)
    out, _ = task.model.rnn(second["emb"].detach(), s1)
    assert torch.count_nonzero(torch.autograd.grad(out.sum(), e1)[0]) > 0
    _, s1 = task.model.rnn(e1)
    out, _ = task.model.rnn(second["emb"].detach(), detach_state(s1))
    assert out.requires_grad and not torch.autograd.grad(out.sum(), e1, allow_unused=True)[0]


def test_document_start_zeroes_the_carried_state_for_that_row_only(tmp_path):
    spy = []
    # batch 4, rows of 99 steps, chunks of 5: a document starting at stream index 99 + 10
    # is row 1, step 10 -> the first step of chunk 2.
    task = lm_task(spy=spy, doc_starts=[99 + 10])
    Trainer(task, quiet_config(tmp_path, max_steps=3, optimizer="sgd", lr=1e-9)).fit()
    chunk = spy[2]["chunk"]
    assert chunk.row_starts.tolist() == [False, True, False, False]
    h_in, h_prev = spy[2]["state"][0], spy[1]["new_state"][0]
    assert torch.count_nonzero(h_in[:, 1]) == 0                      # row 1 starts fresh
    assert torch.equal(h_in[:, [0, 2, 3]], h_prev[:, [0, 2, 3]].detach())  # the others are carried


def test_run_with_resets_equals_running_each_document_alone():
    torch.manual_seed(0)
    rnn = torch.nn.GRU(3, 4)
    x = torch.randn(7, 2, 3)                                   # (T, B, I)
    reset = torch.zeros(7, 2, dtype=torch.bool)
    reset[3, 0] = True                                         # row 0: a new document at step 3
    h0 = torch.randn(1, 2, 4)
    out, h = run_with_resets(rnn, x, h0, reset)
    ref_a, _ = rnn(x[:3, :1], h0[:, :1])
    ref_b, ref_h = rnn(x[3:, :1])                              # fresh state from step 3
    ref_row1, ref_h1 = rnn(x[:, 1:], h0[:, 1:])
    torch.testing.assert_close(out[:, :1], torch.cat([ref_a, ref_b]))
    torch.testing.assert_close(out[:, 1:], ref_row1)
    torch.testing.assert_close(h, torch.cat([ref_h, ref_h1], dim=1))


def test_independent_sequences_never_get_a_state(tmp_path):
    states = []
    task = classification_task()
    inner = task.loss
    task.loss = lambda model, batch, state: (states.append(state), inner(model, batch, state))[1]
    Trainer(task, quiet_config(tmp_path, max_steps=5)).fit()
    assert states == [None] * 5


def test_stream_state_resets_at_each_epoch_and_resume_matches(tmp_path):
    spy = []
    task = lm_task(spy=spy, n_tokens=45, bptt=5)    # rows of 11 steps -> 3 chunks per epoch
    Trainer(task, quiet_config(tmp_path, epochs=2, run_dir=str(tmp_path / "a"))).fit()
    assert [s["state"] is None for s in spy] == [True, False, False, True, False, False]
    from .test_loop import interrupt_at
    part = lm_task(n_tokens=45, bptt=5, dropout=0.2)
    cfg = quiet_config(tmp_path, epochs=2, run_dir=str(tmp_path / "b"))
    Trainer(part, cfg, [interrupt_at(2)]).fit()     # interrupted mid-epoch: the carried state is saved
    resumed = lm_task(n_tokens=45, bptt=5, dropout=0.2)
    Trainer(resumed, cfg).fit(resume=True)
    full = lm_task(n_tokens=45, bptt=5, dropout=0.2)
    Trainer(full, quiet_config(tmp_path, epochs=2, run_dir=str(tmp_path / "c"))).fit()
    a, b = weights(full.model), weights(resumed.model)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_state_helpers_check_their_input():
    h = torch.ones(2, 3, 4, requires_grad=True) * 2
    assert not detach_state((h, h))[0].requires_grad
    out = reset_state(h, torch.tensor([True, False, False]))
    assert out[:, 0].abs().sum() == 0 and torch.equal(out[:, 1:], h[:, 1:])
    with pytest.raises(ValueError, match=r"mask must have shape \(B,\)=\(3,\), got \(2,\)"):
        reset_state(h, torch.tensor([True, False]))
    with pytest.raises(TypeError, match="got str"):
        detach_state("h")
