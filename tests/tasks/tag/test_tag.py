"""Tagging: padding invariance of scores and tags, CoNLL errors naming file:line, WNUT-16 split."""

import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.tasks.tag import TaggerConfig, Tagger, load_conll_data
from rnnkit.tasks.tag.data import Sentence
from rnnkit.tasks.tag.encode import Vocabularies, encode_sentence, make_batch

SENTENCES = [Sentence("I love New York".split(), ["O", "O", "B-loc", "I-loc"], "x:1"),
             Sentence("Paris".split(), ["B-loc"], "x:6"),
             Sentence("we met Ann in Rome yesterday , said Bob".split(), ["O"] * 9, "x:8")]


@pytest.mark.parametrize("crf", [True, False])
def test_a_sentence_alone_and_in_a_padded_batch_gets_the_same_scores_and_tags(crf):
    vocab = Vocabularies.fit(SENTENCES, 1)
    torch.manual_seed(0)
    model = Tagger(TaggerConfig(vocab_size=len(vocab.words), char_vocab_size=len(vocab.chars), num_tags=len(vocab.tags),
                                word_embedding_size=6, char_embedding_size=4, char_hidden_size=3, hidden_size=5,
                                num_layers=2, dropout=0.0, crf=crf)).eval()
    enc = [encode_sentence(s.tokens, vocab, s.tags) for s in SENTENCES]
    b = make_batch(enc)
    e = model(b.words, b.chars, b.char_lengths, b.lengths)   # (9, 3, K)
    tags = model.decode(e, b.lengths)
    for k, s in enumerate(enc):
        one = make_batch([s])
        e1 = model(one.words, one.chars, one.char_lengths, one.lengths)
        n = len(s.words)
        assert torch.allclose(e1[:, 0], e[:n, k], atol=1e-6)
        assert model.decode(e1, one.lengths)[0] == tags[k] and len(tags[k]) == n


def test_wnut16_split_by_sentence_is_seeded_and_complete():
    a, b = load_conll_data("wnut16", seed=0), load_conll_data("wnut16", seed=0)
    assert (len(a.train), len(a.valid), len(a.test)) == (1916, 239, 239)
    assert [s.where for s in a.test] == [s.where for s in b.test]
    assert len({s.where for s in a.train + a.valid + a.test}) == 2394
    assert load_conll_data("wnut16", seed=1).test[0].where != a.test[0].where


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_a_conll_line_with_three_fields(tmp_path, capsys):
    f = tmp_path / "ner.conll"
    f.write_text("I\tO\nlove\tO\n\nNew\tB-loc\tNNP\n")
    err = _error(capsys, ["tag", "train", "--data", str(f)])
    assert f"{f}:4: expected 2 fields (token and tag), got 3" in err


def test_a_tag_that_is_not_bio_and_a_non_utf8_file(tmp_path, capsys):
    f = tmp_path / "ner.conll"
    f.write_text("I\tO\nlove\tLOC\n")
    assert f"{f}:2: expected a BIO/BIOES tag (O, B-x, I-x, E-x, S-x), got 'LOC'" in _error(capsys, ["tag", "train", "--data", str(f)])
    f.write_bytes(b"I\tO\n\nM\xfcnchen\tB-loc\n")
    assert f"{f}:3: expected UTF-8 text, got byte 0xfc at column 2" in _error(capsys, ["tag", "train", "--data", str(f)])


def test_a_tag_at_eval_time_that_training_never_saw():
    vocab = Vocabularies.fit(SENTENCES, 1)
    with pytest.raises(ValueError, match=r"^test.conll:7: expected a tag seen in training \(O, B-loc, I-loc\), got 'B-org'$"):
        encode_sentence(["Acme", "Inc"], vocab, ["B-org", "I-org"], "test.conll:7", [7, 8])


def test_a_file_too_small_to_split_and_every_split_non_empty(tmp_path, capsys):
    # two sentences at 10 % / 10 % held out none, and seqeval failed on the empty split
    f = tmp_path / "two.conll"
    f.write_text("John B-PER\nlives O\n\nMary B-PER\n")
    err = _error(capsys, ["tag", "train", "--data", str(f)])
    assert err.endswith(f"--data: {f}: expected at least 3 sentences (training and validation and test held out "
                        f"by sentence; or pass --valid-data / --test-data), got 2")
    f.write_text("\n\n".join(f"w{i} B-PER\nx O" for i in range(5)) + "\n")
    data = load_conll_data(str(f))
    assert (len(data.train), len(data.valid), len(data.test)) == (3, 1, 1)


def test_scores_without_a_predicted_entity_are_zero_and_quiet():
    import warnings

    from rnnkit.tasks.tag.evaluate import entity_scores

    with warnings.catch_warnings():
        warnings.simplefilter("error")         # seqeval's UndefinedMetricWarning would raise here
        scores = entity_scores([["B-PER", "O"]], [["O", "O"]])
    assert scores == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "token_accuracy": 0.5}
