"""Bad input to `rnnkit classify`: one line on stderr naming the file and line, what was expected, what came."""

import pytest

from rnnkit.cli.main import main


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_a_csv_without_the_text_column(tmp_path, capsys):
    f = tmp_path / "reviews.csv"
    f.write_text("review,label\ngood stuff,pos\n")
    err = _error(capsys, ["classify", "train", "--data", str(f)])
    assert f"{f}:2: expected a text column 'text', got columns 'review', 'label'" in err


def test_an_empty_text(tmp_path, capsys):
    f = tmp_path / "reviews.tsv"
    f.write_text("text\tlabel\ngood stuff\tpos\n\tneg\n")
    err = _error(capsys, ["classify", "train", "--data", str(f)])
    assert f"{f}:3: expected a non-empty text in column 'text', got an empty one" in err


def test_a_file_that_is_not_utf8(tmp_path, capsys):
    f = tmp_path / "reviews.jsonl"
    f.write_bytes(b'{"text": "fine", "label": "a"}\n{"text": "caf\xe9", "label": "b"}\n')
    err = _error(capsys, ["classify", "train", "--data", str(f)])
    assert f"{f}:2: expected UTF-8 text, got byte 0xe9 at column 14" in err


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_label_at_eval_time_that_training_never_saw(tmp_path, capsys):
    train = tmp_path / "train.csv"
    train.write_text("text,label\n" + "good drug,pos\nbad drug,neg\n" * 10)
    assert main(["classify", "train", "--data", str(train), "--epochs", "1", "--hidden-size", "4",
                 "--embedding-size", "4", "--min-freq", "1", "--run-dir", str(tmp_path / "run"), "--no-progress"]) == 0
    capsys.readouterr()
    odd = tmp_path / "eval.csv"
    odd.write_text("text,label\ngood drug,pos\nso so,meh\n")
    err = _error(capsys, ["classify", "eval", "--checkpoint", str(tmp_path / "run"), "--data", str(odd)])
    assert f"{odd}:3: expected a label seen in training (neg, pos), got 'meh'" in err
    empty_line = tmp_path / "lines.txt"
    empty_line.write_text("good drug\n\nbad\n")
    err = _error(capsys, ["classify", "predict", "--checkpoint", str(tmp_path / "run"), "--input", str(empty_line)])
    assert f"{empty_line}:2: expected a text to classify, got an empty line" in err
    assert main(["classify", "predict", "--checkpoint", str(tmp_path / "run"), "--input", str(train)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 21 and all(l.split("\t")[0] in ("pos", "neg") and 0.5 <= float(l.split("\t")[1]) <= 1
                                    for l in lines[1:])


def test_a_bad_flag_value_names_the_flag(capsys):
    err = _error(capsys, ["classify", "train", "--pooling", "median"])
    assert "--pooling: expected one of last, mean, max, attention, got 'median'" in err


def test_a_row_with_fewer_fields_and_an_unclosed_quote(tmp_path, capsys):
    f = tmp_path / "few.csv"
    f.write_text("text,label\ngood stuff\nfine,pos\n")
    assert _error(capsys, ["classify", "train", "--data", str(f)]).endswith(
        f"{f}:2: expected 2 fields as in the header, got 1")
    f.write_text('text,label\n"good stuff,pos\nfine,neg\n')      # the quote swallows the rest of the file
    assert _error(capsys, ["classify", "train", "--data", str(f)]).endswith(
        "expected 2 fields as in the header, got 1 (a quote opened and never closed?)")


def test_too_few_examples_to_hold_out_validation(tmp_path, capsys):
    # two examples at --valid-fraction 0.1 held out none, and evaluation crashed inside torch.stack
    from rnnkit.tasks.classify.datasets import Example, hold_out

    f = tmp_path / "one.csv"
    f.write_text("text,label\ngood stuff,pos\n")
    assert _error(capsys, ["classify", "train", "--data", str(f)]).endswith(
        "--data: expected at least 2 examples (one to train on, one to validate with), got 1")
    pool = [Example(str(i), str(i % 2), "") for i in range(3)]
    for fraction in (0.01, 0.5, 0.99):
        train, valid = hold_out(pool, fraction, seed=0)
        assert len(valid) >= 1 and len(train) >= 1 and sorted(e.x for e in train + valid) == ["0", "1", "2"]
    train, valid = hold_out([Example(str(i), "a", "") for i in range(1000)], 0.1, seed=0)
    assert len(valid) == 100                       # large sets: the fraction as before
