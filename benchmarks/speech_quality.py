"""Speech recognition figures: rnnkit's CTC recognisers beside Debian's pocketsphinx, on the same clips.

    export MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=268435456
    python benchmarks/speech_quality.py score  --checkpoint RUN --data CORPUS [--split test] [--beam-width 8] [--lm LM]
    python benchmarks/speech_quality.py sphinx --data CORPUS [--split test] [--grammar digits]
    python benchmarks/speech_quality.py real   --checkpoint RUN [--checkpoint RUN2]   # pocketsphinx-testdata
    python benchmarks/speech_quality.py rtf    --checkpoint RUN --data CORPUS          # streaming, 100 ms chunks

rtf is audio seconds per wall-clock second; rtf_cpu per CPU second of this process, the
figure that a shared machine does not distort (one thread, so it is also the per-core rate).

Each prints one JSON line (CER, WER with jiwer, corpus-level) and a readable table on stderr.
pocketsphinx runs as its Debian command line would: `pocketsphinx_continuous -infile
clip.wav` with the en-us acoustic model, dictionary and language model the package
installs as defaults; `--grammar digits` adds `-jsgf digits.gram`, a grammar of one or
more digit words, which is how one would run it on digit strings. One torch thread.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from rnnkit.tasks.speech.data import read_transcripts, read_wav
from rnnkit.tasks.speech.evaluate import error_rates, per_voice

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
DIGITS_JSGF = ("#JSGF V1.0;\ngrammar digits;\n"
               "public <digits> = ( zero | one | two | three | four | five | six | seven | eight | nine )+ ;\n")


def clean(text: str) -> str:
    """A recogniser's output folded as transcripts are (lower case, letters, apostrophes, spaces)."""
    return " ".join(re.sub(r"[^a-z' ]", " ", re.sub(r"\(\d+\)", "", text.lower())).split())


def sphinx(wav: Path, grammar: Path | None) -> str:
    cmd = ["pocketsphinx_continuous", "-infile", str(wav), "-logfn", "/dev/null"]
    if grammar is not None:
        cmd += ["-jsgf", str(grammar)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return clean(" ".join(r.stdout.split("\n")))


def sphinx_many(wavs: list[Path], grammar: Path | None, jobs: int) -> tuple[list[str], float]:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        hyps = list(pool.map(lambda w: sphinx(w, grammar), wavs))
    return hyps, time.perf_counter() - t0


def report(name: str, refs: list[str], hyps: list[str], voices: list[str] | None = None, **extra) -> dict:
    m = {"name": name, "clips": len(refs), **error_rates(refs, hyps), **extra}
    if voices and any(voices):
        m["per_voice"] = per_voice(refs, hyps, voices)
    print(json.dumps(m))
    print(f"{name}: {len(refs)} clips  CER {m['cer']:.4f}  WER {m['wer']:.4f}", file=sys.stderr)
    for v, r in m.get("per_voice", {}).items():
        print(f"  {v:<30} {r['clips']:4d}  CER {r['cer']:.4f}  WER {r['wer']:.4f}", file=sys.stderr)
    return m


def cmd_score(args: argparse.Namespace) -> None:
    from rnnkit.tasks.speech.checkpoint import load_recognizer
    from rnnkit.tasks.speech.data import CHARS
    from rnnkit.tasks.speech.decode import load_char_lm
    from rnnkit.tasks.speech.evaluate import transcribe_features
    from rnnkit.tasks.speech.train import encode_clips

    rec = load_recognizer(args.checkpoint)
    clips = read_transcripts(Path(args.data) / f"{args.split}.tsv")
    enc = encode_clips(clips, rec.features)
    lm = load_char_lm(args.lm, CHARS) if args.lm else None
    t0 = time.perf_counter()
    hyps = transcribe_features(rec.model, enc.feats, args.beam_width, lm, args.lm_weight, args.char_bonus)
    how = f"beam {args.beam_width}" + (f" + LM (alpha {args.lm_weight}, beta {args.char_bonus})" if lm else "")
    report(f"rnnkit {Path(args.checkpoint).name} {args.split} {'greedy' if args.beam_width == 1 and not lm else how}",
           enc.texts, hyps, enc.voices, seconds=round(time.perf_counter() - t0, 1),
           examples=[[r, h] for r, h in list(zip(enc.texts, hyps))[:args.examples]])


def cmd_sphinx(args: argparse.Namespace) -> None:
    clips = read_transcripts(Path(args.data) / f"{args.split}.tsv")
    with tempfile.TemporaryDirectory() as tmp:
        grammar = None
        if args.grammar == "digits":
            grammar = Path(tmp) / "digits.gram"
            grammar.write_text(DIGITS_JSGF)
        hyps, secs = sphinx_many([c.path for c in clips], grammar, args.jobs)
    report(f"pocketsphinx {args.split} ({'digits JSGF' if grammar else 'en-us LM'})", [c.text for c in clips], hyps,
           [c.voice for c in clips], seconds=round(secs, 1),
           examples=[[c.text, h] for c, h in list(zip(clips, hyps))[:args.examples]])


def testdata_clips() -> list[tuple[Path, str]]:
    """The real recordings of pocketsphinx-testdata with their transcripts: 5 LibriVox, 5 'cards'."""
    out = []
    for folder, name in (("librivox", "transcription"), ("cards", "cards.transcription")):
        for line in (TESTDATA / folder / name).read_text().splitlines():
            m = re.match(r"<s>(.*)</s>\s*\((.+)\)", line.strip())
            if m:
                out.append((TESTDATA / folder / f"{m.group(2)}.wav", " ".join(m.group(1).split())))
    if not out:
        raise FileNotFoundError(f"no transcripts under {TESTDATA}: apt-get install -y pocketsphinx-testdata")
    return out


def cmd_real(args: argparse.Namespace) -> None:
    from rnnkit.tasks.speech.checkpoint import load_recognizer
    from rnnkit.tasks.speech.transcribe import transcribe_file

    clips = testdata_clips()
    refs = [t for _, t in clips]
    groups = [p.parent.name for p, _ in clips]
    rows: dict[str, list[str]] = {}
    rows["pocketsphinx (en-us LM)"] = sphinx_many([p for p, _ in clips], None, args.jobs)[0]
    for ck in args.checkpoint:
        rec = load_recognizer(ck)
        rows[f"rnnkit {Path(ck).name}"] = [transcribe_file(rec, p) for p, _ in clips]
    for name, hyps in rows.items():
        report(f"{name} on pocketsphinx-testdata", refs, hyps, groups,
               transcripts=[[p.name, r, h] for (p, _), r, h in zip(clips, refs, hyps)])
        for (p, _), r, h in zip(clips, refs, hyps):
            print(f"    {p.name:<48} ref: {r}\n    {'':<48} hyp: {h}", file=sys.stderr)


def cmd_rtf(args: argparse.Namespace) -> None:
    from rnnkit.tasks.speech.checkpoint import load_recognizer
    from rnnkit.tasks.speech.stream import real_time_factor

    rec = load_recognizer(args.checkpoint)
    clips = read_transcripts(Path(args.data) / f"{args.split}.tsv")[: args.clips]
    audio = [read_wav(c.path) for c in clips]
    real_time_factor(rec, audio[0], args.chunk_ms)  # warm-up
    per_file, texts = [], []
    t0, c0 = time.perf_counter(), time.process_time()
    for x in audio:
        text, rtf = real_time_factor(rec, x, args.chunk_ms)
        per_file.append(rtf)
        texts.append(text)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    secs = sum(len(x) for x in audio) / 16000
    m = error_rates([c.text for c in clips], texts)
    out = {"name": f"streaming {Path(args.checkpoint).name}", "clips": len(clips), "audio_seconds": round(secs, 1),
           "compute_seconds": round(total, 2), "rtf": round(secs / total, 1),
           "cpu_seconds": round(cpu, 2), "rtf_cpu": round(secs / cpu, 1), "rtf_min_file": round(min(per_file), 1),
           "rtf_max_file": round(max(per_file), 1), "chunk_ms": args.chunk_ms, "threads": torch.get_num_threads(), **m}
    print(json.dumps(out))
    print(f"streaming: {secs:.0f} s of audio in {total:.1f} s: {secs / total:.1f}x real time "
          f"(per file {min(per_file):.1f}-{max(per_file):.1f}x; {secs / cpu:.1f}x per CPU second); CER {m['cer']:.4f} WER {m['wer']:.4f}", file=sys.stderr)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score", help="rnnkit's CER/WER on a corpus split")
    s.add_argument("--checkpoint", required=True, help="speech run directory or .pt")
    s.add_argument("--beam-width", type=int, default=1, help="1 greedy, > 1 prefix beam search")
    s.add_argument("--lm", default=None, help="character textgen run for shallow fusion")
    s.add_argument("--lm-weight", type=float, default=0.5, help="alpha")
    s.add_argument("--char-bonus", type=float, default=1.0, help="beta")
    x = sub.add_parser("sphinx", help="pocketsphinx's CER/WER on a corpus split")
    x.add_argument("--grammar", choices=("none", "digits"), default="none", help="digits: a JSGF of digit words")
    r = sub.add_parser("real", help="transcripts and CER on pocketsphinx-testdata's real recordings")
    r.add_argument("--checkpoint", action="append", default=[], help="speech run directory (repeatable)")
    t = sub.add_parser("rtf", help="streaming real-time factor (audio seconds per compute second)")
    t.add_argument("--checkpoint", required=True, help="unidirectional speech run (global normalisation)")
    t.add_argument("--chunk-ms", type=float, default=100.0, help="chunk length")
    t.add_argument("--clips", type=int, default=100, help="clips to stream")
    for q in (s, x, t):
        q.add_argument("--data", required=True, help="corpus folder")
        q.add_argument("--split", default="test", help="transcript file: train, valid or test")
    for q in (s, x):
        q.add_argument("--examples", type=int, default=8, help="reference/hypothesis pairs kept in the JSON")
    for q in (x, r):
        q.add_argument("--jobs", type=int, default=2, help="pocketsphinx processes at once")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    {"score": cmd_score, "sphinx": cmd_sphinx, "real": cmd_real, "rtf": cmd_rtf}[args.cmd](args)


if __name__ == "__main__":
    main()
