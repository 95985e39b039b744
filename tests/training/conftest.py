import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """The tiny models here run far faster on one thread, above all on a busy shared machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
