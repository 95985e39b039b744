"""The adding problem and the copy task: layout, targets, errors."""

from __future__ import annotations

import pytest
import torch

from rnnkit.data.synthetic import adding_problem, copy_input_size, copy_task


def test_adding_problem_targets_and_markers():
    b = adding_problem(64, 20, generator=torch.Generator().manual_seed(0))
    assert b.x.shape == (20, 64, 2) and b.y.shape == (64,)
    marks = b.x[..., 1]
    assert torch.all(marks.sum(0) == 2)
    assert torch.all(marks[:10].sum(0) == 1) and torch.all(marks[10:].sum(0) == 1)  # one per half
    torch.testing.assert_close(b.y, (b.x[..., 0] * marks).sum(0))
    assert b.x[..., 0].min() >= 0 and b.x[..., 0].max() <= 1


def test_adding_problem_is_reproducible():
    a = adding_problem(4, 10, generator=torch.Generator().manual_seed(3))
    b = adding_problem(4, 10, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)


def test_copy_task_layout():
    b = copy_task(16, delay=7, symbols=3, alphabet=5, generator=torch.Generator().manual_seed(0))
    T = 3 + 7 + 3
    assert b.tokens.shape == (T, 16) and b.x.shape == (T, 16, copy_input_size(5)) and b.y.shape == (3, 16)
    assert torch.all((b.tokens[:3] >= 1) & (b.tokens[:3] <= 5))
    assert torch.equal(b.y, b.tokens[:3] - 1)
    assert torch.all(b.tokens[3 + 7 - 1] == 6)  # go marker at the last delay step
    rest = torch.cat([b.tokens[3:9], b.tokens[10:]])
    assert torch.all(rest == 0)
    assert torch.equal(b.x.argmax(-1), b.tokens)


@pytest.mark.parametrize("call,msg", [
    (lambda: copy_task(4, delay=-5), "delay must be a positive integer, got -5"),
    (lambda: copy_task(0, delay=5), "batch_size must be a positive integer, got 0"),
    (lambda: copy_task(4, delay=5, alphabet=1), "alphabet must be an integer >= 2, got 1"),
    (lambda: adding_problem(4, 1), "length must be an integer >= 2, got 1"),
])
def test_errors_name_the_argument(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()
