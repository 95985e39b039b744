"""Tokenisers and vocabularies: round trips, <unk> and the frequency cut-off, saving, errors."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnkit.data.text import (EOS, UNK, CharTokenizer, Vocabulary, WordTokenizer, fit_tokenizer,
                              tokenizer_from_dict)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_char_round_trip_any_unicode(text):
    tok = CharTokenizer.fit(text)
    ids = tok.encode(text)
    assert len(ids) == len(text)
    assert tok.decode(ids) == text
    assert tokenizer_from_dict(tok.to_dict()).encode(text) == ids


def test_char_vocabulary_is_sorted_distinct_characters():
    tok = CharTokenizer.fit("hello\nworld")
    assert tok.vocab.itos == ["\n", "d", "e", "h", "l", "o", "r", "w"]
    assert tok.encode("hold") == [3, 5, 4, 1]


def test_char_unknown_character_error_names_argument_and_character():
    tok = CharTokenizer.fit("abc")
    with pytest.raises(ValueError, match=r"--prime: token 'z' at position 1 is not in the vocabulary of 3"):
        tok.encode("az", what="--prime")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["the", "cat", "sat", "on", "mat", "a"]), min_size=1, max_size=8), min_size=1, max_size=6))
def test_word_round_trip_ids(lines):
    text = "\n".join(" ".join(words) for words in lines)
    tok = WordTokenizer.fit(text)
    ids = tok.encode(text)
    assert tok.encode(tok.decode(ids)) == ids
    assert tok.decode(ids) == text


def test_word_unk_and_frequency_cutoff():
    text = "the cat sat\nthe dog sat\nthe end\n"
    tok = WordTokenizer.fit(text, min_freq=2)
    assert tok.vocab.itos == [UNK, EOS, "the", "sat"]  # most frequent first
    assert tok.tokens("the cat\n") == ["the", "cat", EOS]
    assert tok.encode("the cat sat\nzebra") == [2, 0, 3, 1, 0]
    assert tok.decode([2, 0, 3, 1, 2]) == "the <unk> sat\nthe"


def test_word_max_size_keeps_most_frequent():
    tok = WordTokenizer.fit("a a a b b c", max_size=4)
    assert tok.vocab.itos == [UNK, EOS, "a", "b"]


def test_word_punctuation_and_case_options_survive_saving():
    tok = fit_tokenizer("Don't stop, ROMEO!", level="word", lowercase=True, split_punctuation=True)
    assert tok.tokens("Don't stop, ROMEO!") == ["don't", "stop", ",", "romeo", "!"]
    again = tokenizer_from_dict(tok.to_dict())
    assert again.vocab == tok.vocab and again.lowercase and again.split_punctuation
    assert again.encode("STOP, romeo") == tok.encode("stop , romeo")


def test_ptb_style_text_keeps_its_unk():
    tok = WordTokenizer.fit("pierre <unk> N years old\n")
    assert tok.encode("<unk> N") == [tok.vocab.stoi[UNK], tok.vocab.stoi["N"]]


def test_spaced_streaming_pieces_join_to_decode():
    tok = WordTokenizer.fit("a b\nc d\n")
    pieces = list(tok.spaced(["a", "b", EOS, "c"]))
    assert pieces == ["a", " b", "\n", "c"]
    assert "".join(pieces) == tok.decode(tok.encode("a b\nc"))


@pytest.mark.parametrize("call, err, match", [
    (lambda: CharTokenizer.fit(""), ValueError, "text: expected at least one character"),
    (lambda: CharTokenizer.fit(b"abc"), TypeError, "text: expected str, got bytes"),
    (lambda: WordTokenizer.fit("  \n "), ValueError, "text: expected at least one word"),
    (lambda: WordTokenizer.fit("a b", min_freq=0), ValueError, "min_freq: expected an integer >= 1, got 0"),
    (lambda: fit_tokenizer("a", level="byte"), ValueError, "level: expected 'char' or 'word', got 'byte'"),
    (lambda: Vocabulary(["a", "a"]), ValueError, "expected distinct tokens, got 'a'"),
    (lambda: CharTokenizer.fit("ab").decode([5]), ValueError, r"ids: expected ids in 0..1, got 5"),
    (lambda: tokenizer_from_dict({"level": "x", "vocab": {"tokens": ["a"]}}), ValueError, "tokenizer level"),
])
def test_bad_inputs_raise_clear_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()
