import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """The machine is shared: one torch thread keeps these small runs fast (two threads fight for cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
