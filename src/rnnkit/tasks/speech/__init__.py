"""Speech recognition: audio to characters with a recurrent network trained with CTC.

    from rnnkit.tasks.speech import (FeatureConfig, SpeechConfig, load_recognizer, make_corpus, prepare, train,
                                     transcribe_file)
    from rnnkit.training import TrainConfig

    make_corpus("corpora/digits", "digits", train=2000)            # espeak-ng + flite, held-out voices in test
    prepared = prepare(SpeechConfig(data="corpora/digits"), FeatureConfig(normalise="global"))
    out = train(prepared, {"bidirectional": False}, TrainConfig(max_seconds=300, epochs=100, run_dir="runs/asr"))
    out.test_metrics["wer"]
    rec = load_recognizer("runs/asr")                              # model + features + characters
    transcribe_file(rec, "clip.wav")
"""

from rnnkit.tasks.speech.checkpoint import LoadedRecognizer, load_recognizer
from rnnkit.tasks.speech.config import FeatureConfig, SpeechConfig, SpeechModelConfig
from rnnkit.tasks.speech.data import CHARS, load_speech_data, read_transcripts, read_wav
from rnnkit.tasks.speech.decode import CharLM, beam_decode, greedy_decode, load_char_lm
from rnnkit.tasks.speech.evaluate import error_rates
from rnnkit.tasks.speech.features import FeatureStream, features
from rnnkit.tasks.speech.model import SpeechRecognizer
from rnnkit.tasks.speech.stream import StreamingTranscriber, stream_file
from rnnkit.tasks.speech.synth import make_corpus
from rnnkit.tasks.speech.train import SpeechOutcome, prepare, train
from rnnkit.tasks.speech.transcribe import transcribe_file

__all__ = [
    "CHARS", "CharLM", "FeatureConfig", "FeatureStream", "LoadedRecognizer", "SpeechConfig", "SpeechModelConfig",
    "SpeechOutcome", "SpeechRecognizer", "StreamingTranscriber", "beam_decode", "error_rates", "features",
    "greedy_decode", "load_char_lm", "load_recognizer", "load_speech_data", "make_corpus", "prepare",
    "read_transcripts", "read_wav", "stream_file", "train", "transcribe_file",
]
