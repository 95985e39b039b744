"""ULMFiT fine-tuning: layer groups, discriminative learning rates, gradual unfreezing."""

import pytest
import torch

from rnnkit.data.text import fit_tokenizer
from rnnkit.tasks.classify import ClassifierConfig, ClassifyConfig, SequenceClassifier, prepare, train
from rnnkit.tasks.classify.encode import Encoded
from rnnkit.tasks.classify.finetune import Unfreezer, layer_groups, make_trainer
from rnnkit.tasks.classify.pretrained import copy_language_model
from rnnkit.tasks.classify.task import make_task
from rnnkit.tasks.textgen import LanguageModelConfig
from rnnkit.tasks.textgen.checkpoint import LoadedModel
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.training import TrainConfig

TEXTS = "the drug worked well\nthe drug did not work at all\nterrible side effects\n"


def _started_classifier(bidirectional: bool = True) -> tuple[SequenceClassifier, list[str]]:
    tok = fit_tokenizer(TEXTS, "word", lowercase=True, split_punctuation=True)
    torch.manual_seed(3)
    lm = LanguageModel(LanguageModelConfig(vocab_size=len(tok), hidden_size=6, embedding_size=4, num_layers=2))
    clf = SequenceClassifier(ClassifierConfig(num_classes=2, vocab_size=len(tok), embedding_size=4, hidden_size=6,
                                              num_layers=2, bidirectional=bidirectional, pooling="max", dropout=0.0))
    return clf, copy_language_model(clf, LoadedModel(lm.eval(), tok, None, None, 0))  # type: ignore[arg-type]


def _names(model: torch.nn.Module, group: list[torch.nn.Parameter]) -> set[str]:
    ids = {id(p) for p in group}
    return {n for n, p in model.named_parameters() if id(p) in ids}


def test_layer_groups_put_fresh_tensors_first_then_the_copied_layers_top_down():
    clf, copied = _started_classifier()
    groups = layer_groups(clf, copied)
    assert len(groups) == 4
    fresh, top, bottom, embedding = (_names(clf, g) for g in groups)
    assert fresh == {"head.weight", "head.bias"} | {f"rnn.{w}_l{k}_reverse" for w in
                                                      ("weight_ih", "weight_hh", "bias_ih", "bias_hh") for k in (0, 1)}
    assert top == {f"rnn.{w}_l1" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    assert bottom == {f"rnn.{w}_l0" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    assert embedding == {"embedding.weight"}
    assert sum(len(g) for g in groups) == len(list(clf.parameters()))


def test_without_a_language_model_everything_is_one_group():
    clf = SequenceClassifier(ClassifierConfig(num_classes=2, vocab_size=9, embedding_size=4, hidden_size=6,
                                              num_layers=2))
    groups = layer_groups(clf, [])
    assert len(groups) == 1 and len(groups[0]) == len(list(clf.parameters()))


def test_unfreezer_adds_one_group_every_k_steps_from_the_top():
    clf, copied = _started_classifier(bidirectional=False)
    groups = layer_groups(clf, copied)
    u = Unfreezer(groups, every=5)
    assert [u.trainable(s) for s in (0, 4, 5, 9, 10, 15, 100)] == [1, 1, 2, 2, 3, 4, 4]
    u.apply(5)
    assert [all(p.requires_grad for p in g) for g in groups] == [True, True, False, False]
    assert not any(p.requires_grad for g in groups[2:] for p in g)
    assert Unfreezer(groups, every=0).trainable(0) == 4


def _task(clf: SequenceClassifier, n: int = 8):
    torch.manual_seed(0)
    xs = [torch.randint(0, clf.config.vocab_size, (int(t),)) for t in torch.randint(2, 6, (n,))]
    data = Encoded(xs, torch.arange(n) % 2, [f"x:{i}" for i in range(n)])
    return make_task(clf, data, data, ["a", "b"], batch_size=4, seed=0, bucket=True, weight=None,
                     model_config={"kind": "test"})


def test_discriminative_learning_rates_divide_by_the_decay_per_group(tmp_path):
    clf, copied = _started_classifier()
    trainer = make_trainer(_task(clf), TrainConfig(lr=0.01, run_dir=str(tmp_path), progress=False, plot=False),
                           copied, lr_decay=2.0)
    lrs = [g["lr"] for g in trainer.optimizer.param_groups]
    assert lrs == pytest.approx([0.01, 0.005, 0.0025, 0.00125])
    assert sum(len(g["params"]) for g in trainer.optimizer.param_groups) == len(list(clf.parameters()))


def test_warmup_scales_every_group_alike(tmp_path):
    clf, copied = _started_classifier()
    cfg = TrainConfig(lr=0.01, warmup_steps=4, run_dir=str(tmp_path), progress=False, plot=False)
    trainer = make_trainer(_task(clf), cfg, copied, lr_decay=2.0)
    lrs = [g["lr"] for g in trainer.optimizer.param_groups]
    assert lrs == pytest.approx([0.01 / 4 / 2 ** g for g in range(4)])


def test_gradual_unfreezing_leaves_frozen_layers_untouched_until_their_turn(tmp_path):
    clf, copied = _started_classifier(bidirectional=False)
    task = _task(clf)  # 8 sequences, batch 4: 2 steps per epoch
    before = {n: p.detach().clone() for n, p in clf.named_parameters()}

    def changed() -> set[str]:
        return {n for n, p in clf.named_parameters() if not torch.equal(p.detach(), before[n])}

    # unfreeze one group every epoch (2 steps); 1 epoch: only the head moved
    make_trainer(task, TrainConfig(lr=0.01, epochs=1, run_dir=str(tmp_path / "a"), progress=False, plot=False),
                 copied, unfreeze_every=1).fit()
    assert changed() == {"head.weight", "head.bias"}
    # 3 epochs from the start: head, layer 1 and layer 0 moved, the embedding (4th group) not yet
    clf.load_state_dict(before)
    for p in clf.parameters():
        p.requires_grad_(True)
    make_trainer(_task(clf), TrainConfig(lr=0.01, epochs=3, run_dir=str(tmp_path / "b"), progress=False, plot=False),
                 copied, unfreeze_every=1).fit()
    assert "embedding.weight" not in changed()
    assert {"rnn.weight_hh_l0", "rnn.weight_hh_l1", "head.weight"} <= changed()


def test_ulmfit_options_run_through_train_and_are_checked(tmp_path):
    with pytest.raises(ValueError, match="lr_decay: expected a number in"):
        ClassifyConfig(lr_decay=0.5)
    with pytest.raises(ValueError, match="unfreeze_every: expected a number in"):
        ClassifyConfig(unfreeze_every=-1)
    table = tmp_path / "reviews.csv"
    table.write_text("text,label\n" + "the drug worked well,good\nterrible side effects,bad\n" * 10)
    out = train(prepare(ClassifyConfig(data=str(table), lr_decay=2.6, unfreeze_every=0.5, batch_size=4)),
                {"hidden_size": 5, "embedding_size": 4},
                TrainConfig(epochs=2, run_dir=str(tmp_path / "clf"), progress=False, plot=False))
    assert out.fit.step == 10 and out.copied == []  # no LM: the options change nothing, training runs
