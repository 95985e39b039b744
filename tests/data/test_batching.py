from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnkit.data.batching import BucketSampler, StreamBatcher, pad_batch, padding_fraction


def test_pad_batch_pads_right_and_returns_lengths():
    seqs = [torch.ones(3, 2), 2 * torch.ones(1, 2), 3 * torch.ones(2, 2)]
    padded, lengths = pad_batch(seqs)
    assert padded.shape == (3, 3, 2) and lengths.tolist() == [3, 1, 2]
    assert padded[:, 1, 0].tolist() == [2, 0, 0] and padded[:, 2, 0].tolist() == [3, 3, 0]
    padded, _ = pad_batch(seqs, padding_value=-1, batch_first=True)
    assert padded.shape == (3, 3, 2) and padded[1, :, 0].tolist() == [2, -1, -1]


def test_pad_batch_errors():
    with pytest.raises(ValueError, match="at least one sequence"):
        pad_batch([])
    with pytest.raises(ValueError, match=r"seqs\[1\] must have length >= 1 along dim 0, got shape \(0, 2\)"):
        pad_batch([torch.ones(2, 2), torch.ones(0, 2)])
    with pytest.raises(TypeError, match=r"seqs\[0\] must be a torch.Tensor, got list"):
        pad_batch([[1, 2]])


@settings(max_examples=30, deadline=None)
@given(lengths=st.lists(st.integers(1, 60), min_size=1, max_size=200), batch_size=st.integers(1, 17),
       pool=st.integers(1, 8), epoch=st.integers(0, 3))
def test_bucket_sampler_covers_every_item_exactly_once(lengths, batch_size, pool, epoch):
    sampler = BucketSampler(lengths, batch_size, pool_batches=pool, seed=3)
    sampler.set_epoch(epoch)
    batches = list(sampler)
    assert Counter(i for b in batches for i in b) == Counter(range(len(lengths)))
    assert len(batches) == len(sampler) and all(1 <= len(b) <= batch_size for b in batches)


def test_bucketing_cuts_padding_and_orders_depend_only_on_seed_and_epoch():
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 80, (2000,), generator=g).tolist()
    plain = BucketSampler(lengths, 32, pool_batches=1, seed=0)
    bucket = BucketSampler(lengths, 32, pool_batches=50, seed=0)
    p_plain, p_bucket = padding_fraction(lengths, list(plain)), padding_fraction(lengths, list(bucket))
    assert p_plain > 0.4 and p_bucket < 0.05
    again = BucketSampler(lengths, 32, pool_batches=50, seed=0)
    assert list(again) == list(bucket)
    again.set_epoch(1)
    assert list(again) != list(bucket)


def test_ranks_split_each_global_batch():
    lengths = list(range(1, 24))                      # 23 items, global batch 2 * 4 = 8
    shards = [list(BucketSampler(lengths, 4, seed=5, rank=r, world_size=2)) for r in (0, 1)]
    single = BucketSampler(lengths, 8, seed=5, world_size=1).global_batches(0)
    assert len(shards[0]) == len(shards[1]) == 3
    for b0, b1 in zip(*shards):
        assert len(b0) == len(b1) == 4 and not set(b0) & set(b1)
    assert set(i for s in shards for b in s for i in b) == set(range(23))   # last batch topped up
    full = BucketSampler(lengths, 4, seed=5, world_size=2).global_batches(0)
    # the same global batches as one process with batch 8, except the topped-up last one
    assert [b == s or (len(s) < 8 and set(s) < set(b)) for b, s in zip(full, single)] == [True] * 3


def test_bucket_sampler_errors():
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        BucketSampler([1, 2], 0)
    with pytest.raises(ValueError, match="rank must be in 0..world_size-1=1, got 2"):
        BucketSampler([1, 2], 1, rank=2, world_size=2)


def test_stream_batcher_layout_targets_and_resets():
    stream = torch.arange(23)
    batcher = StreamBatcher(stream, batch_size=2, bptt=4, doc_starts=[0, 5, 13])
    chunks = list(batcher)                            # rows of (23 - 1) // 2 = 11 steps
    assert len(chunks) == len(batcher) == 3 and [c.inputs.shape for c in chunks] == [(4, 2), (4, 2), (3, 2)]
    row1 = torch.cat([c.inputs[:, 1] for c in chunks])
    assert row1.tolist() == list(range(11, 22))
    assert torch.equal(torch.cat([c.targets for c in chunks]), torch.cat([c.inputs for c in chunks]) + 1)
    reset = torch.cat([c.reset for c in chunks])      # (11, 2)
    assert reset[:, 0].nonzero().flatten().tolist() == [0, 5]   # stream index 0 and 5
    assert reset[:, 1].nonzero().flatten().tolist() == [0, 2]   # step 0 (fresh) and 13 = 11 + 2
    assert chunks[0].row_starts.tolist() == [True, True] and chunks[1].row_starts.tolist() == [False, False]
    bf = list(StreamBatcher(stream, 2, 4, batch_first=True))
    assert bf[0].inputs.shape == (2, 4) and bf[0].row_starts.tolist() == [True, True]


def test_stream_batcher_offset_moves_rows_chunks_and_document_starts():
    stream = torch.arange(23)
    chunks = list(StreamBatcher(stream, batch_size=2, bptt=4, doc_starts=[0, 5, 13], offset=3))
    # the stream now begins at 3: rows of (20 - 1) // 2 = 9 steps, 3..11 and 12..20
    assert torch.cat([c.inputs[:, 0] for c in chunks]).tolist() == list(range(3, 12))
    assert torch.cat([c.inputs[:, 1] for c in chunks]).tolist() == list(range(12, 21))
    assert torch.equal(torch.cat([c.targets for c in chunks]), torch.cat([c.inputs for c in chunks]) + 1)
    reset = torch.cat([c.reset for c in chunks])      # (9, 2)
    assert reset[:, 0].nonzero().flatten().tolist() == [0, 2]   # fresh start, and 5 = 3 + 2
    assert reset[:, 1].nonzero().flatten().tolist() == [0, 1]   # fresh start, and 13 = 12 + 1
    with pytest.raises(ValueError, match=r"offset must be an int in 0..22, got 23"):
        StreamBatcher(stream, 2, 4, offset=23)
    with pytest.raises(ValueError, match=r"\(offset 19\) is too short"):
        StreamBatcher(stream, 2, 4, offset=19)


def test_stream_batcher_series_and_errors():
    series = torch.randn(41, 3)
    chunk = next(iter(StreamBatcher(series, 4, 5)))
    assert chunk.inputs.shape == (5, 4, 3) and torch.equal(chunk.targets[0, 0], series[1])
    with pytest.raises(ValueError, match="too short for batch_size=8"):
        StreamBatcher(torch.arange(10), 8, 2)
    with pytest.raises(ValueError, match="bptt must be an int >= 1, got 0"):
        StreamBatcher(torch.arange(100), 2, 0)
    with pytest.raises(ValueError, match=r"doc_starts must be in 0..99"):
        StreamBatcher(torch.arange(100), 2, 3, doc_starts=[100])
