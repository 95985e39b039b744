"""`rnnkit demo`, shortened: trains on the bundled plays, samples, and says where files went."""

import torch

from rnnkit.cli.main import main


def test_demo_runs_end_to_end_and_reports_its_files(tmp_path, capsys):
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        code = main(["demo", "--max-seconds", "3", "--hidden-size", "32", "--length", "40",
                     "--run-dir", str(tmp_path / "demo"), "--no-progress"])
    finally:
        torch.set_num_threads(n)
    assert code == 0
    out = capsys.readouterr().out
    for t in ("0.5", "0.8", "1.0"):
        assert f"--- sample at temperature {t} ---\nROMEO:\n" in out
    run = tmp_path / "demo"
    assert f"loss curves      {run / 'curves.png'}" in out
    assert (run / "curves.png").stat().st_size > 1000
    assert (run / "checkpoints" / "best.pt").exists() and (run / "metrics.jsonl").exists()
    loss = float(out.split("validation loss ")[1].split()[0])
    assert loss < 4.39  # below a uniform guess over the 80 characters, ln 80
