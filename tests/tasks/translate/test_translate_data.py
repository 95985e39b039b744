"""Bad parallel text gets one-line errors naming the file and line."""

import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.translate.data import read_pairs, read_parallel, read_sentences, read_tsv
from rnnkit.tasks.translate.vocab import WordVocab, encode_source


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_tsv_and_two_files_read_the_same(tmp_path):
    tsv = write(tmp_path, "p.tsv", "God is love.\tDios es amor.\nThe light.\tLa luz.\n")
    src, tgt = write(tmp_path, "p.en", "God is love.\nThe light.\n"), write(tmp_path, "p.es", "Dios es amor.\nLa luz.\n")
    a, b = read_tsv(tsv), read_pairs(f"{src},{tgt}")
    assert (a.sources, a.targets) == (b.sources, b.targets) == (["God is love.", "The light."], ["Dios es amor.", "La luz."])


def test_empty_line(tmp_path):
    p = write(tmp_path, "p.tsv", "God is love.\tDios es amor.\n\nThe light.\tLa luz.\n")
    with pytest.raises(ValueError, match=r"p.tsv, line 2: empty line"):
        read_tsv(p)
    src, tgt = write(tmp_path, "a.en", "one\n \n"), write(tmp_path, "a.es", "uno\ndos\n")
    with pytest.raises(ValueError, match=r"a.en, line 2: empty line"):
        read_parallel(src, tgt)


def test_a_tsv_row_with_one_field(tmp_path):
    p = write(tmp_path, "p.tsv", "God is love.\tDios es amor.\nThe light. La luz.\n")
    with pytest.raises(ValueError, match=r"p.tsv, line 2: expected 2 tab-separated fields \(source, target\), got 1"):
        read_tsv(p)


def test_mismatched_line_counts(tmp_path):
    src, tgt = write(tmp_path, "a.en", "one\ntwo\nthree\n"), write(tmp_path, "a.es", "uno\ndos\n")
    with pytest.raises(ValueError, match=r"a.en has 3 lines but .*a.es has 2"):
        read_parallel(src, tgt)


def test_unknown_only_input():
    vocab = WordVocab.fit(["God is love .", "the light"], 50)
    assert encode_source(vocab, "God is light", "SENTENCE") == vocab.encode("God is light")
    with pytest.raises(ValueError, match=r"stdin, line 3: every token of 'zebra quokka' is unknown"):
        encode_source(vocab, "zebra quokka", "stdin, line 3")
    with pytest.raises(ValueError, match=r"stdin, line 2: empty line"):
        read_sentences(["God", "  "], "stdin")


def test_cli_reports_bad_data_in_one_line(tmp_path, capsys):
    p = write(tmp_path, "p.tsv", "God is love.\tDios es amor.\nonly one field\n")
    assert main(["translate", "train", "--data", str(p), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "line 2: expected 2 tab-separated fields" in err
    assert main(["translate", "train", "--data", str(tmp_path / "missing.tsv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_held_out_pair_of_unknown_words_is_validated_not_an_error(tmp_path, capsys):
    # the last 5 % of --data validates (lines 39-40); line 40's 'zebra' is not in the training vocabulary.
    # Such a pair used to stop training; the model reads it as <unk>, as it would any unseen word.
    import json

    from rnnkit.tasks.translate.config import TranslateConfig
    from rnnkit.tasks.translate.train import load_splits

    lines = [f"word{i} a\tpalabra{i}" for i in range(39)] + ["zebra\tcebra"]
    p = write(tmp_path, "p.tsv", "\n".join(lines) + "\n")
    _, valid, _ = load_splits(TranslateConfig(data=str(p)))
    assert valid.sources == ["word38 a", "zebra"] and valid.first_line == 39    # named by their lines in the file
    assert main(["translate", "train", "--data", str(p), "--tokenizer", "word", "--max-steps", "2",
                 "--eval-every", "2", "--no-progress", "--run-dir", str(tmp_path / "run")]) == 0
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    valid = [m for m in metrics if m["kind"] != "train"]
    assert valid and 0 < valid[-1]["loss"] < float("inf"), valid
