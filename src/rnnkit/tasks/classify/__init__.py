"""Sequence classification: one label per sequence (text or numeric frames).

    from rnnkit.tasks.classify import ClassifyConfig, prepare, train, load_classifier
    from rnnkit.training import TrainConfig

    prepared = prepare(ClassifyConfig(data="japanesevowels"))
    out = train(prepared, {"hidden_size": 64, "pooling": "mean"},
                TrainConfig(lr=3e-3, epochs=60, run_dir="runs/jv"))
    out.test_metrics["accuracy"]
    clf = load_classifier("runs/jv")          # model + tokeniser + labels from the checkpoint alone
"""

from rnnkit.tasks.classify.checkpoint import LoadedClassifier, load_classifier
from rnnkit.tasks.classify.config import ClassifierConfig, ClassifyConfig
from rnnkit.tasks.classify.datasets import BUNDLED, LabelledData, clean_tweet, load_data
from rnnkit.tasks.classify.evaluate import classification_metrics, predict_proba
from rnnkit.tasks.classify.model import SequenceClassifier
from rnnkit.tasks.classify.train import ClassifyOutcome, Prepared, build_model, prepare, score, train

__all__ = [
    "BUNDLED", "ClassifierConfig", "ClassifyConfig", "ClassifyOutcome", "LabelledData", "LoadedClassifier",
    "Prepared", "SequenceClassifier", "build_model", "classification_metrics", "clean_tweet", "load_classifier",
    "load_data", "predict_proba", "prepare", "score", "train",
]
