"""A short training on real verse pairs (Genesis from diatheke) lowers the validation loss; the
checkpoint reloads through rnnkit.load and translates, and attend draws a picture."""

import pytest
import torch

# Needs Debian's diatheke, sword-text-web and sword-text-sparv (install.sh installs them as root).
# Without them the test fails with the apt-get line, rather than skipping: a skip would hide a
# CI machine whose install broke.


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, module_one_thread):
    from rnnkit.tasks.translate.corpus import ENGLISH, SPANISH, build_pairs, export, write_splits

    key = "Gen 1:1-Gen 30:43;Ruth 1:1-Ruth 4:22;Jude 1:1-Jude 1:25"
    splits, _ = build_pairs(export(ENGLISH, True, key), export(SPANISH, False, key))
    return write_splits(splits, tmp_path_factory.mktemp("bible"))


def test_short_training_lowers_validation_loss_and_reloads(corpus, tmp_path):
    import rnnkit
    from rnnkit.tasks.translate.attend import attention_matrix, draw_attention
    from rnnkit.tasks.translate.checkpoint import load_translator
    from rnnkit.tasks.translate.config import DecodeConfig, TranslateConfig
    from rnnkit.tasks.translate.task import validation_loss
    from rnnkit.tasks.translate.train import build_model, prepare, train
    from rnnkit.training import TrainConfig

    cfg = TranslateConfig(data="bible", data_dir=str(corpus), vocab_size=600, max_length=40, batch_size=32)
    prepared = prepare(cfg)
    assert len(prepared.train) > 300 and 20 <= len(prepared.valid) <= 25  # Genesis 1-30 (up to 40 pieces), Jude
    kwargs = {"embedding_size": 48, "hidden_size": 48, "dropout": 0.0}
    torch.manual_seed(0)
    before = validation_loss(build_model(prepared, kwargs).eval(), prepared.valid)
    out = train(prepared, kwargs, TrainConfig(max_steps=60, epochs=50, lr=5e-3, eval_every=30, progress=False,
                                              plot=False, run_dir=str(tmp_path / "run")), valid_bleu=False)
    after = validation_loss(out.model, prepared.valid)
    assert after < before - 1.0, (before, after)

    assert rnnkit.load(tmp_path / "run").kind == "translate"
    tr = load_translator(tmp_path / "run")
    text = tr.translate(["In the beginning, God created the heavens and the earth."], DecodeConfig(beam_size=3))[0]
    assert isinstance(text, str) and text
    _, src, tgt, w = attention_matrix(tr, "God said.", DecodeConfig(beam_size=2))
    assert w.shape == (len(tgt), len(src)) and torch.allclose(w.sum(1), torch.ones(len(tgt)))
    assert draw_attention(tr, "God said.", DecodeConfig(beam_size=1), tmp_path / "a.png")[1].stat().st_size > 1000
