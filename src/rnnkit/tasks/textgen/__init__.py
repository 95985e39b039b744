"""Text generation and next-word prediction: character and word language models.

    from rnnkit.tasks.textgen import TextGenConfig, train, load_model, sample_text, complete
    from rnnkit.training import TrainConfig

    out = train(TextGenConfig(data="shakespeare", bptt=32), {"hidden_size": 512, "embedding_size": 64},
                TrainConfig(lr=1e-2, max_seconds=60, schedule="anneal", epochs=100, run_dir="runs/lm"))
    loaded = load_model("runs/lm")                       # a checkpoint alone: model + vocabulary
    print("".join(sample_text(loaded.model, loaded.tokenizer, "ROMEO:", 300, temperature=0.8)))
    complete(loaded.model, loaded.tokenizer, "to be or not to", k=5)   # [(word, probability), ...]
"""

from rnnkit.tasks.textgen.checkpoint import LoadedModel, load_model
from rnnkit.tasks.textgen.config import LanguageModelConfig, TextGenConfig
from rnnkit.tasks.textgen.evaluate import evaluate_stream, unigram_entropy
from rnnkit.tasks.textgen.generate import complete, sample_text
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.tasks.textgen.sampling import FastLSTMStepper, ReferenceStepper, generate_ids, make_stepper
from rnnkit.tasks.textgen.train import PreparedData, TrainOutcome, prepare_data, train

__all__ = [
    "FastLSTMStepper", "LanguageModel", "LanguageModelConfig", "LoadedModel", "PreparedData", "ReferenceStepper",
    "TextGenConfig", "TrainOutcome", "complete", "evaluate_stream", "generate_ids", "load_model", "make_stepper",
    "prepare_data", "sample_text", "train", "unigram_entropy",
]
