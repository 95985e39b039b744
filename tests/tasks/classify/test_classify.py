"""Classification: padding invariance, --init-from loads the LM's tensors, real data beats the majority."""

import pytest
import torch

from rnnkit.data.batching import pad_batch
from rnnkit.data.text import fit_tokenizer
from rnnkit.tasks.classify import ClassifierConfig, ClassifyConfig, SequenceClassifier, prepare, train
from rnnkit.tasks.classify.checkpoint import load_classifier
from rnnkit.tasks.classify.datasets import clean_tweet, dedupe
from rnnkit.tasks.classify.evaluate import majority_accuracy
from rnnkit.tasks.classify.pretrained import copy_language_model
from rnnkit.tasks.textgen import LanguageModelConfig
from rnnkit.tasks.textgen.checkpoint import LoadedModel
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.training import TrainConfig


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_sequence_alone_and_in_a_padded_batch_gets_the_same_probabilities(pooling, cell):
    torch.manual_seed(0)
    cfg = ClassifierConfig(num_classes=3, vocab_size=20, embedding_size=8, hidden_size=6, num_layers=2,
                           cell=cell, pooling=pooling, dropout=0.0)
    model = SequenceClassifier(cfg).eval()
    seqs = [torch.randint(0, 20, (n,)) for n in (7, 3, 11, 1)]
    x, lengths = pad_batch(seqs)                                    # (11, 4)
    x[x == 0] = 0
    batched = torch.softmax(model(x, lengths), -1)                  # (4, 3)
    # padding filled with other ids must change nothing
    x2 = x.clone()
    x2[torch.arange(11)[:, None] >= lengths[None, :]] = 19
    assert torch.allclose(torch.softmax(model(x2, lengths), -1), batched, atol=1e-6)
    for b, s in enumerate(seqs):
        alone = torch.softmax(model(s[:, None], torch.tensor([len(s)])), -1)[0]
        assert torch.allclose(alone, batched[b], atol=1e-6), (b, alone, batched[b])


def test_features_are_padding_invariant_too():
    torch.manual_seed(1)
    model = SequenceClassifier(ClassifierConfig(num_classes=2, input="features", num_features=3,
                                                embedding_size=4, hidden_size=5, pooling="mean", dropout=0.0)).eval()
    seqs = [torch.randn(n, 3) for n in (4, 9)]
    x, lengths = pad_batch(seqs, padding_value=123.0)
    out = model(x, lengths)
    for b, s in enumerate(seqs):
        assert torch.allclose(model(s[:, None], torch.tensor([len(s)]))[0], out[b], atol=1e-5)


def _language_model(texts: str) -> LoadedModel:
    tok = fit_tokenizer(texts, "word", lowercase=True, split_punctuation=True)
    torch.manual_seed(3)
    lm = LanguageModel(LanguageModelConfig(vocab_size=len(tok), hidden_size=12, embedding_size=8, num_layers=2))
    return LoadedModel(lm.eval(), tok, None, None, 0)  # type: ignore[arg-type]


def test_init_from_copies_the_language_models_embedding_and_forward_weights():
    lm = _language_model("the drug worked well\nthe drug did not work at all\n")
    cfg = ClassifierConfig(num_classes=3, vocab_size=len(lm.tokenizer), embedding_size=8, hidden_size=12,
                           num_layers=2, bidirectional=True)
    torch.manual_seed(4)
    clf = SequenceClassifier(cfg)
    reverse_before = clf.rnn.weight_hh_l1_reverse.detach().clone()
    copied = copy_language_model(clf, lm)
    assert torch.equal(clf.embedding.weight, lm.model.embedding.weight)
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l1", "weight_hh_l1"):
        assert torch.equal(getattr(clf.rnn, name), getattr(lm.model.rnn, name)), name
        assert f"rnn.{name}" in copied
    # layer 1 reads [o_fwd ; o_bwd]: the LM's W_ih on the forward half, zeros on the reverse half
    assert torch.equal(clf.rnn.weight_ih_l1[:, :12], lm.model.rnn.weight_ih_l1)
    assert torch.equal(clf.rnn.weight_ih_l1[:, 12:], torch.zeros(48, 12))
    assert len(copied) == 1 + 8  # embedding + 4 tensors per layer, 2 layers
    assert torch.equal(clf.rnn.weight_hh_l1_reverse, reverse_before)  # the reverse direction stays fresh


def test_init_from_through_a_saved_textgen_run(tmp_path):
    from rnnkit.tasks.textgen import TextGenConfig
    from rnnkit.tasks.textgen.train import train as train_lm

    texts = tmp_path / "texts.txt"
    texts.write_text("the drug worked well\nno effect at all\nterrible side effects\n" * 20)
    lm = train_lm(TextGenConfig(data=str(texts), level="word", lowercase=True, split_punctuation=True, bptt=8,
                                batch_size=2, eval_tokens=0),
                  {"hidden_size": 10, "embedding_size": 6},
                  TrainConfig(max_steps=3, run_dir=str(tmp_path / "lm"), progress=False, plot=False))
    table = tmp_path / "reviews.csv"
    table.write_text("text,label\n" + "the drug worked well,good\nterrible side effects,bad\n" * 10)
    prepared = prepare(ClassifyConfig(data=str(table), init_from=str(tmp_path / "lm")))
    assert prepared.tokenizer.vocab == lm.data.tokenizer.vocab
    out = train(prepared, {"bidirectional": False},
                TrainConfig(max_steps=0, epochs=1, run_dir=str(tmp_path / "clf"), progress=False, plot=False))
    # the classifier's first step moved the weights: compare the tensors at build time instead
    from rnnkit.tasks.classify.train import build_model

    model, copied = build_model(prepared, {"bidirectional": False})
    assert torch.equal(model.embedding.weight, lm.model.embedding.weight.cpu())
    assert torch.equal(model.rnn.weight_hh_l0, lm.model.rnn.weight_hh_l0.cpu())
    assert model.config.hidden_size == 10 and out.copied == copied


def test_tweet_cleaning_repairs_apostrophes_and_drops_emoji_bytes():
    raw = b"I look at Google\xd5\xa2_\x8a\xce_\x86\xa2s cars \xe4\xf3_ &amp; \xd5\xa2_\x8a\xce\x81\xd0wow"
    assert clean_tweet(raw) == "I look at Google's cars & \"wow"
    rows = [("Good car", "positive", "a"), ("good car", "positive", "b"), ("bad", "negative", "c"),
            ("Bad", "neutral", "d")]
    kept, repeats, conflicts = dedupe(rows)
    assert kept == [("Good car", "positive", "a")] and repeats == 1 and conflicts == 2


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_short_training_on_japanese_vowels_beats_the_majority_class(tmp_path):
    prepared = prepare(ClassifyConfig(data="japanesevowels", batch_size=16))
    assert (len(prepared.train) + len(prepared.valid), len(prepared.test)) == (270, 370)
    out = train(prepared, {"hidden_size": 32, "embedding_size": 32, "pooling": "mean", "dropout": 0.0},
                TrainConfig(lr=1e-2, epochs=4, run_dir=str(tmp_path), progress=False, plot=False))
    majority = majority_accuracy(prepared.train.ys, prepared.test.ys)
    assert majority < 0.25
    assert out.test_metrics["accuracy"] > 0.6 > majority + 0.3
    clf = load_classifier(tmp_path)
    assert clf.labels == [str(k) for k in range(1, 10)]
    for k, v in out.model.state_dict().items():
        assert torch.equal(clf.model.state_dict()[k], v), k
