"""Translation quality and speed on the Bible test books, against Debian's apertium eng-spa.

    rnnkit translate make-data bible                                   # ~/.cache/rnnkit/bible
    python benchmarks/translate_quality.py apertium                    # the rule-based anchor
    rnnkit translate train --max-seconds 3600 --run-dir runs/tr_att    # (commands in RESULTS.md)
    python benchmarks/translate_quality.py tune runs/tr_att            # length penalty for beam 5, on validation
    python benchmarks/translate_quality.py eval runs/tr_att [--length-penalty A]   # test BLEU/chrF, greedy and beam 5, sent/s
    python benchmarks/translate_quality.py curve runs/tr_att runs/tr_none   # validation BLEU against training time

Every system translates exactly the same source lines (test.tsv's first column, one verse
per line). apertium runs in its default text mode (`apertium -u eng-spa`, -u: no '*' on
unknown words), the whole file at once; its line breaks are kept, which the script checks.
Scores: sacrebleu corpus BLEU and chrF with their default tokenisation against RV1909.
torch.set_num_threads(1) throughout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import torch

from rnnkit.tasks.translate.data import bible_split
from rnnkit.tasks.translate.evaluate import bleu_chrf, signatures

DATA = Path("~/.cache/rnnkit/bible").expanduser()


def apertium(data_dir: Path, out: Path) -> dict:
    from rnnkit.data.system import require_programs

    exe = require_programs("apertium", purpose="benchmarks/translate_quality.py apertium")["apertium"]
    test = bible_split(data_dir, "test")
    start = time.perf_counter()
    text = subprocess.run([exe, "-u", "eng-spa"], input="\n".join(test.sources) + "\n", capture_output=True,
                          text=True, check=True).stdout
    seconds = time.perf_counter() - start
    hyps = [" ".join(line.split()) for line in text.splitlines()]
    if len(hyps) != len(test):
        raise ValueError(f"apertium returned {len(hyps)} lines for {len(test)} sources")
    out.mkdir(parents=True, exist_ok=True)
    (out / "apertium.test.txt").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    return {"system": "apertium eng-spa", **bleu_chrf(hyps, test.targets), "sentences": len(test),
            "sentences_per_s": len(test) / seconds}


def evaluate_run(run: str, data_dir: Path, beams: list[int], out: Path, length_penalty: float = 1.0) -> list[dict]:
    from rnnkit.tasks.translate.checkpoint import load_translator
    from rnnkit.tasks.translate.config import DecodeConfig

    tr = load_translator(run)
    test = bible_split(data_dir, "test")
    rows = []
    for beam in beams:
        start = time.perf_counter()
        hyps = tr.translate(test.sources, DecodeConfig(beam_size=beam, length_penalty=length_penalty, batch_size=32))
        seconds = time.perf_counter() - start
        name = Path(run).name
        (out / f"{name}.beam{beam}.test.txt").write_text("\n".join(hyps) + "\n", encoding="utf-8")
        rows.append({"system": f"rnnkit {name} ({tr.model.cfg.attention} attention)", "beam": beam,
                     **bleu_chrf(hyps, test.targets), "sentences": len(test), "sentences_per_s": len(test) / seconds,
                     "step": tr.step, "length_penalty": length_penalty if beam > 1 else None})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def tune_length_penalty(run: str, data_dir: Path, beam: int, alphas: list[float]) -> list[dict]:
    """Beam search's length penalty alpha chosen on the validation books (never the test books), by chrF."""
    from rnnkit.tasks.translate.checkpoint import load_translator
    from rnnkit.tasks.translate.config import DecodeConfig

    tr = load_translator(run)
    valid = bible_split(data_dir, "valid")
    rows = []
    for alpha in alphas:
        hyps = tr.translate(valid.sources, DecodeConfig(beam_size=beam, length_penalty=alpha, batch_size=32))
        ratio = sum(len(h.split()) for h in hyps) / max(1, sum(len(t.split()) for t in valid.targets))
        rows.append({"split": "valid", "beam": beam, "length_penalty": alpha, **bleu_chrf(hyps, valid.targets),
                     "length_ratio_words": ratio, "step": tr.step})
        print(json.dumps(rows[-1]), flush=True)
    best = max(rows, key=lambda r: r["chrf"])
    print(f"best on validation by chrF: --length-penalty {best['length_penalty']}", flush=True)
    return rows


def curve(runs: list[str], out: Path) -> list[dict]:
    """Validation BLEU (greedy) at every evaluation against training seconds, from metrics.jsonl."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnkit.plotting import save_figure

    fig, ax = plt.subplots(figsize=(6, 3.5))
    table = []
    for run in runs:
        records = [json.loads(line) for line in (Path(run) / "metrics.jsonl").read_text().splitlines()]
        evals = [r for r in records if r.get("kind") == "eval" and "bleu" in r]
        ax.plot([r["train_seconds"] / 60 for r in evals], [r["bleu"] for r in evals], marker="o", label=Path(run).name)
        table += [{"run": Path(run).name, "step": r["step"], "minutes": r["train_seconds"] / 60, "bleu": r["bleu"],
                   "chrf": r["chrf"], "loss": r["loss"]} for r in evals]
    ax.set_xlabel("training time (minutes, 1 thread)")
    ax.set_ylabel("validation BLEU (greedy)")
    ax.legend()
    ax.grid(alpha=0.3)
    print(f"curve: {save_figure(fig, out / 'translate_bleu_curve.png')}")
    return table


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=("apertium", "eval", "tune", "curve"), help="which measurement")
    p.add_argument("runs", nargs="*", help="eval: one run directory or checkpoint; curve: run directories")
    p.add_argument("--data-dir", default=str(DATA), help="the corpus of `rnnkit translate make-data bible`")
    p.add_argument("--beams", type=int, nargs="+", default=[1, 5], help="eval: beam widths (1 is greedy)")
    p.add_argument("--length-penalty", type=float, default=1.0, help="eval: beam search's GNMT length penalty alpha")
    p.add_argument("--alphas", type=float, nargs="+", default=[0.0, 0.5, 1.0, 1.5, 2.0],
                   help="tune: length penalties to try on the validation books (beam: the widest of --beams)")
    p.add_argument("--out", default="runs/translate_bench", help="where translations, JSON and the curve go")
    args = p.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.what == "apertium":
        result = apertium(Path(args.data_dir).expanduser(), out)
    elif args.what == "eval":
        if len(args.runs) != 1:
            raise SystemExit("eval: expected one run directory")
        result = evaluate_run(args.runs[0], Path(args.data_dir).expanduser(), args.beams, out, args.length_penalty)
    elif args.what == "tune":
        if len(args.runs) != 1:
            raise SystemExit("tune: expected one run directory")
        result = tune_length_penalty(args.runs[0], Path(args.data_dir).expanduser(), max(args.beams), args.alphas)
    else:
        result = curve(args.runs, out)
    print(json.dumps({"result": result, "sacrebleu": signatures()}, indent=1))
    (out / f"{args.what}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
