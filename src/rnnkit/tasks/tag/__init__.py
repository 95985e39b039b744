"""Per-token tagging (named entities): CoNLL files, word + character encoders, optional CRF.

    from rnnkit.tasks.tag import TagConfig, prepare, train, load_tagger
    from rnnkit.training import TrainConfig

    p = prepare(TagConfig(data="wnut16"))
    out = train(p, {"crf": True}, TrainConfig(lr=2e-3, epochs=20, run_dir="runs/tag"))
    out.test_scores["f1"]                       # entity-level F1 (seqeval)
    load_tagger("runs/tag").tag("I love New York".split())
"""

from rnnkit.tasks.tag.checkpoint import LoadedTagger, load_tagger
from rnnkit.tasks.tag.config import TagConfig, TaggerConfig
from rnnkit.tasks.tag.crf import CRF
from rnnkit.tasks.tag.data import Sentence, load_conll_data, read_conll
from rnnkit.tasks.tag.evaluate import entity_scores, most_frequent_tag_baseline, predict_tags
from rnnkit.tasks.tag.model import Tagger
from rnnkit.tasks.tag.train import PreparedTags, TagOutcome, prepare, score, train

__all__ = [
    "CRF", "LoadedTagger", "PreparedTags", "Sentence", "TagConfig", "TagOutcome", "Tagger", "TaggerConfig",
    "entity_scores", "load_conll_data", "load_tagger", "most_frequent_tag_baseline", "predict_tags", "prepare",
    "read_conll", "score", "train",
]
