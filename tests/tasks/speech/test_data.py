"""Reading WAVs and transcripts: resampling, and one-line errors for broken input."""

import re
import subprocess
import sys
import wave

import numpy as np
import pytest

from rnnkit.tasks.speech.data import load_speech_data, normalise_text, read_transcripts, read_wav, write_wav


def tone(rate: int, seconds: float = 0.5, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[spectrum.argmax()])


@pytest.mark.parametrize("rate", [8000, 22050, 44100])
def test_other_sample_rates_are_resampled_to_16k(tmp_path, rate):
    path = tmp_path / f"tone{rate}.wav"
    write_wav(path, tone(rate), rate)
    x = read_wav(path)
    assert abs(len(x) - 8000) <= 1                      # 0.5 s at 16 kHz
    assert abs(peak_hz(x) - 440.0) < 3.0                # the pitch survives
    assert abs(float(np.abs(x).max()) - 0.5) < 0.02     # and the level


def test_resampling_can_be_refused(tmp_path):
    path = tmp_path / "tone8k.wav"
    write_wav(path, tone(8000), 8000)
    with pytest.raises(ValueError, match=r"tone8k.wav: expected a 16000 Hz WAV file, got 8000 Hz"):
        read_wav(path, resample=False)


def test_16k_pcm_reads_back(tmp_path):
    path = tmp_path / "a.wav"
    x = tone(16000)
    write_wav(path, x)
    np.testing.assert_allclose(read_wav(path), x, atol=2 / 32768)  # 16-bit rounding


def one_line(err: Exception) -> str:
    text = str(err)
    assert "\n" not in text
    return text


def test_empty_wav(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(ValueError) as e:
        read_wav(tmp_path / "empty.wav")
    assert "empty.wav: expected a WAV file, got an empty file" in one_line(e.value)


def test_wav_with_no_samples(tmp_path):
    write_wav(tmp_path / "silent.wav", np.zeros(0, dtype=np.float32))
    with pytest.raises(ValueError) as e:
        read_wav(tmp_path / "silent.wav")
    assert "silent.wav: expected some audio, got a WAV file with 0 samples" in one_line(e.value)


@pytest.mark.parametrize("payload", [b"this is not audio at all" * 10, b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00"])
def test_corrupt_wav(tmp_path, payload):
    (tmp_path / "broken.wav").write_bytes(payload)
    with pytest.raises(ValueError) as e:
        read_wav(tmp_path / "broken.wav")
    assert "broken.wav: expected a mono PCM WAV file, got one that cannot be read" in one_line(e.value)


def test_stereo_wav(tmp_path):
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(3200, dtype="<i2").tobytes())
    with pytest.raises(ValueError) as e:
        read_wav(tmp_path / "stereo.wav")
    assert "stereo.wav: expected a mono WAV file, got 2 channels" in one_line(e.value)


def test_transcript_naming_a_missing_wav(tmp_path):
    write_wav(tmp_path / "a.wav", tone(16000))
    (tmp_path / "train.tsv").write_text("a.wav\tone two\nb.wav\tthree\n")
    with pytest.raises(FileNotFoundError) as e:
        read_transcripts(tmp_path / "train.tsv")
    msg = one_line(e.value)
    assert f"{tmp_path / 'train.tsv'}:2: names WAV file 'b.wav', which does not exist" in msg


def test_transcript_line_without_text_and_bad_characters(tmp_path):
    write_wav(tmp_path / "a.wav", tone(16000))
    (tmp_path / "t.tsv").write_text("a.wav\n")
    with pytest.raises(ValueError, match=r"t.tsv:1: expected 'wav-path<TAB>transcript"):
        read_transcripts(tmp_path / "t.tsv")
    (tmp_path / "t.tsv").write_text("a.wav\tcall 911\n")
    with pytest.raises(ValueError, match=r"t.tsv:1: expected letters a-z, apostrophes and spaces, got '19'"):
        read_transcripts(tmp_path / "t.tsv")


def test_normalise_text():
    assert normalise_text("  To-morrow, and  TO-MORROW!") == "to morrow and to morrow"
    assert normalise_text("O'er the hill\u2019s top") == "o'er the hill's top"


def test_folder_without_train_tsv(tmp_path):
    with pytest.raises(FileNotFoundError, match="train.tsv"):
        load_speech_data(tmp_path)


def test_cli_reports_a_broken_wav_in_one_line(tmp_path):
    (tmp_path / "broken.wav").write_bytes(b"RIFF....garbage")
    (tmp_path / "train.tsv").write_text("broken.wav\tone\nbroken.wav\ttwo\n")  # one to train on, one to validate
    r = subprocess.run([sys.executable, "-m", "rnnkit", "speech", "train", "--data", str(tmp_path), "--max-steps", "1"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(r"train\.tsv:[12]: \S*broken\.wav: expected a mono PCM WAV file, got one "
                                         r"that cannot be read", lines[0]), lines
