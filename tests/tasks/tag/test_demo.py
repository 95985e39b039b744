"""`rnnkit demo tag`, shortened: trains on WNUT-16, scores the test tweets beside the baseline, shows tweets."""

import re

import torch

from rnnkit.cli.main import main
from rnnkit.tasks.tag.demo import spans


def test_spans_name_each_entity_with_its_type():
    tokens = "Taylor Swift played in New York City".split()
    tags = ["B-person", "I-person", "O", "O", "B-geo-loc", "I-geo-loc", "I-geo-loc"]
    assert spans(tokens, tags) == "[Taylor Swift]person, [New York City]geo-loc"
    assert spans(["hi"], ["O"]) == "-"


def test_demo_tag_runs_end_to_end_and_reports_scores_and_files(tmp_path, capsys):
    n = torch.get_num_threads()
    try:
        code = main(["demo", "tag", "--max-seconds", "6", "--run-dir", str(tmp_path / "tag"), "--no-progress"])
    finally:
        torch.set_num_threads(n)                   # the demo takes one thread
    assert code == 0
    out = capsys.readouterr().out
    assert "2394 sentences in ner.txt; split by sentence with seed 0: 1916 train / 239 validation / 239 test" in out
    scores = re.search(r"rnnkit BiLSTM-CRF +([\d.]+) / ([\d.]+) / ([\d.]+)", out)
    assert scores and all(0.0 <= float(v) <= 1.0 for v in scores.groups())
    # the baseline does not depend on training: the test figure RESULTS gives (0.446 / 0.266 / 0.333)
    assert "most frequent training tag per word   0.446 / 0.266 / 0.333" in out
    assert out.count("  ->  ") == 4                # four tweets with gold -> predicted entities
    run = tmp_path / "tag"
    assert (run / "checkpoints" / "best.pt").exists() and (run / "curves.png").stat().st_size > 1000
    assert f"| rnnkit tag predict --checkpoint {run}\n" in out
