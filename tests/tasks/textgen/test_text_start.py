"""A prime is read from the start of a text: a blank line (char) or <eos> (word) first
(`generate.with_text_start`)."""

import torch

from rnnkit.data.text import fit_tokenizer
from rnnkit.tasks.textgen.config import LanguageModelConfig
from rnnkit.tasks.textgen.generate import complete, encode_prime, sample_text, with_text_start
from rnnkit.tasks.textgen.model import LanguageModel

CORPUS = "ROMEO:\nBut soft, what light.\n\nJULIET:\nAy me.\n"


def test_a_prime_is_read_from_the_start_of_a_text_and_only_once():
    tok = fit_tokenizer(CORPUS, "char", 1, None, False, False)
    nl = tok.vocab.stoi["\n"]
    assert with_text_start(tok, encode_prime(tok, "ROMEO:")) == [nl, nl] + encode_prime(tok, "ROMEO:")
    assert with_text_start(tok, encode_prime(tok, "\nROMEO:")) == [nl] + encode_prime(tok, "\nROMEO:")
    assert with_text_start(tok, encode_prime(tok, "\n\nAy")) == encode_prime(tok, "\n\nAy")
    word = fit_tokenizer(CORPUS, "word", 1, None, False, True)
    assert with_text_start(word, encode_prime(word, "ROMEO")) == [word.eos_id] + encode_prime(word, "ROMEO")
    once = with_text_start(word, encode_prime(word, "ROMEO"))
    assert with_text_start(word, once) == once


def test_sampling_and_completion_after_a_prime_equal_those_after_the_blank_line_and_prime():
    tok = fit_tokenizer(CORPUS, "char", 1, None, False, False)
    torch.manual_seed(0)
    model = LanguageModel(LanguageModelConfig(vocab_size=len(tok), hidden_size=16)).eval()
    cold = "".join(sample_text(model, tok, "ROMEO:", 40, temperature=0.7, seed=3))
    warm = "".join(sample_text(model, tok, "\n\nROMEO:", 40, temperature=0.7, seed=3))
    assert cold == warm and len(cold) > 0
    assert complete(model, tok, "But so", k=2) == complete(model, tok, "\n\nBut so", k=2)
