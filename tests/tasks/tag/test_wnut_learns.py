"""A short WNUT-16 training (4 epochs, a small tagger, about 20 s on one core) beats tagging
each token with its most frequent training tag, on validation entity F1."""

import torch

from rnnkit.tasks.tag import TagConfig, entity_scores, most_frequent_tag_baseline, prepare, train
from rnnkit.training import TrainConfig


def test_a_short_wnut16_training_beats_the_most_frequent_tag_baseline(tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        p = prepare(TagConfig(data="wnut16", batch_size=32))
        p.test = []  # validation only
        base = entity_scores([s.tags for s in p.data.valid], most_frequent_tag_baseline(p.data.train, p.data.valid))
        out = train(p, {"crf": True, "hidden_size": 64, "word_embedding_size": 64, "char_hidden_size": 16, "dropout": 0.3},
                    TrainConfig(lr=1e-2, epochs=4, seed=0, run_dir=str(tmp_path / "run"), progress=False, plot=False))
    finally:
        torch.set_num_threads(threads)
    assert 0.2 < base["f1"] < 0.3  # 0.263
    assert out.fit.best_metric > base["f1"] + 0.03, (out.fit.best_metric, base["f1"])
