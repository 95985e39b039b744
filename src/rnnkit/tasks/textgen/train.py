"""Training glue: text -> token streams -> `rnnkit.training.Trainer` with truncated BPTT.

The training split is one long token stream laid out as `batch_size` parallel rows by
`rnnkit.data.batching.StreamBatcher` and read in chunks of `bptt` steps; the Trainer
carries the LSTM/GRU/RNN state from chunk to chunk and detaches it at each boundary
(`Task(stateful=True)`). Letters: T time (bptt), B batch, V vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import torch
import torch.nn.functional as F

from rnnkit.data.batching import StreamBatcher, StreamChunk, max_stream_offset
from rnnkit.data.datasets import Corpus, load_corpus
from rnnkit.data.text import Tokenizer, fit_tokenizer
from rnnkit.tasks.textgen.checkpoint import LoadedModel, load_model, textgen_model_config
from rnnkit.tasks.textgen.config import LanguageModelConfig, TextGenConfig
from rnnkit.tasks.textgen.evaluate import evaluate_stream
from rnnkit.tasks.textgen.model import LanguageModel
from rnnkit.training import FitResult, Task, TrainConfig, Trainer


@dataclass
class PreparedData:
    corpus: Corpus
    tokenizer: Tokenizer
    train_ids: torch.Tensor   # (N_train,)
    valid_ids: torch.Tensor   # (N_valid,)
    test_ids: torch.Tensor | None


def prepare_data(cfg: TextGenConfig, corpus: Corpus | None = None, tokenizer: Tokenizer | None = None) -> PreparedData:
    """Load the corpus, fit the tokeniser on its training split (or take `tokenizer`, e.g. a
    pretrained model's, so that ids keep their meaning) and encode every split."""
    corpus = corpus or load_corpus(cfg.data, cfg.valid_fraction)
    tok = tokenizer or fit_tokenizer(corpus.train, cfg.level, cfg.min_freq, cfg.max_vocab or None,
                                     cfg.lowercase, cfg.split_punctuation)

    def encode(text: str, split: str) -> torch.Tensor:
        if cfg.level == "char":
            # Characters never seen in training are dropped from held-out text (and counted).
            known = [ch for ch in text if ch in tok.vocab]
            return torch.tensor(tok.vocab.ids(known), dtype=torch.long)
        return torch.tensor(tok.encode(text, what=f"{split} text"), dtype=torch.long)

    test = encode(corpus.test, "test") if corpus.test is not None else None
    return PreparedData(corpus, tok, encode(corpus.train, "train"), encode(corpus.valid, "valid"), test)


def lm_loss(model: torch.nn.Module, batch: StreamChunk, state: Any) -> tuple[torch.Tensor, Any, int]:
    """Mean next-token cross-entropy of one TBPTT chunk; the Trainer carries `state` on."""
    logits, state = model(batch.inputs, state)                                     # (T, B, V)
    # float32 softmax even when the forward runs under bfloat16 autocast
    loss = F.cross_entropy(logits.float().flatten(0, 1), batch.targets.flatten())  # over T*B tokens
    return loss, state, batch.targets.numel()


def epoch_offset(cfg: TextGenConfig, seed: int, epoch: int) -> int:
    """Where epoch `epoch` starts in the training stream: 0 for the first, else (with
    cfg.shift_epochs) a draw from 0..bptt-1 fixed by (seed, epoch), so a resumed run
    replays the same epoch layout."""
    if epoch == 0 or not cfg.shift_epochs:
        return 0
    g = torch.Generator().manual_seed(seed * 100_003 + epoch)
    return int(torch.randint(cfg.bptt, (1,), generator=g))


def make_task(model: LanguageModel, data: PreparedData, cfg: TextGenConfig, seed: int = 0) -> Task:
    """The `rnnkit.training.Task` of a language model over `data`."""
    batcher = StreamBatcher(data.train_ids, cfg.batch_size, cfg.bptt)

    def train_batches(epoch: int) -> Iterator[StreamChunk]:
        # on a short text the offset shrinks to what the batcher can still lay out
        offset = min(epoch_offset(cfg, seed, epoch), max(0, max_stream_offset(len(data.train_ids), cfg.batch_size)))
        stream = batcher if offset == 0 else StreamBatcher(data.train_ids, cfg.batch_size, cfg.bptt, offset=offset)
        yield from stream

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        out = evaluate_stream(m, data.valid_ids, max_tokens=cfg.eval_tokens)
        # One scale per plot: bits per character at character level, perplexity at word level.
        extra = "bits_per_token" if cfg.level == "char" else "perplexity"
        return {"loss": out["loss"], extra: out[extra]}

    return Task(model=model, train_batches=train_batches, loss=lm_loss, evaluate=evaluate, metric="loss",
                lower_is_better=True, stateful=True, unit="char" if cfg.level == "char" else "tok",
                model_config=textgen_model_config(model.config, data.tokenizer, cfg),
                steps_per_epoch=len(batcher))


@dataclass
class TrainOutcome:
    fit: FitResult
    model: LanguageModel
    data: PreparedData
    train_seconds: float


# What a pretrained model fixes when training starts from it: its architecture and its
# tokeniser (the ids of its embedding rows). Regularisation stays the caller's choice.
ARCHITECTURE_FIELDS = ("cell", "hidden_size", "num_layers", "embedding_size", "tie_weights")


def pretrained_start(init_from: "str | LoadedModel", cfg: TextGenConfig,
                     model_kwargs: dict[str, Any]) -> tuple[LoadedModel, TextGenConfig, dict[str, Any]]:
    """The language model at `init_from` (a path, or one already loaded), and `cfg` / `model_kwargs`
    with the fields it fixes (level, case folding, punctuation splitting; ARCHITECTURE_FIELDS) set to its own."""
    lm = init_from
    if not isinstance(lm, LoadedModel):
        try:
            lm = load_model(init_from)
        except (ValueError, FileNotFoundError) as err:
            raise type(err)(f"--init-from: {str(err).removeprefix('--checkpoint: ')}") from None
    tok = lm.tokenizer
    cfg = cfg.replace(level=tok.level, **({"lowercase": tok.lowercase, "split_punctuation": tok.split_punctuation}
                                          if tok.level == "word" else
                                          {"lowercase": False, "split_punctuation": False, "min_freq": 1,
                                           "max_vocab": 0}))
    own = lm.model.config.to_dict()
    model_kwargs = {**model_kwargs, **{k: own[k] for k in ARCHITECTURE_FIELDS}}
    return lm, cfg, model_kwargs


def train(cfg: TextGenConfig, model_kwargs: dict[str, Any], train_cfg: TrainConfig,
          data: PreparedData | None = None, resume: bool = False,
          init_from: "str | LoadedModel" = "") -> TrainOutcome:
    """Train a language model as configured; the run directory gets checkpoints, metrics and curves.png.

    model_kwargs: LanguageModelConfig fields except vocab_size (taken from the tokeniser).
    The time budget and the lr schedule are train_cfg's (max_seconds, schedule="anneal").
    resume=True continues from the run directory's checkpoints/last.pt, with what was
    left of the budget.
    init_from: a textgen run or checkpoint (or its LoadedModel) to start from (fine-tuning a language model on
    new text, ULMFiT's second stage): its weights, its tokeniser (words it never saw become
    <unk>; unseen characters are dropped) and its architecture; `data`, if given, must have
    been encoded with that tokeniser (`prepare_data(cfg, tokenizer=...)`). Resuming such a
    run takes the same init_from (for the tokeniser); the run's own last.pt then replaces the weights.
    """
    lm = None
    if init_from:
        lm, cfg, model_kwargs = pretrained_start(init_from, cfg, model_kwargs)
        if data is not None and data.tokenizer.to_dict() != lm.tokenizer.to_dict():
            raise ValueError("--init-from: data was encoded with another tokeniser than the language model's")
    data = data or prepare_data(cfg, tokenizer=lm.tokenizer if lm else None)
    model_cfg = LanguageModelConfig(vocab_size=len(data.tokenizer), **model_kwargs)
    torch.manual_seed(train_cfg.seed)
    model = LanguageModel(model_cfg)
    if lm is not None:
        model.load_state_dict(lm.model.state_dict())
    task = make_task(model, data, cfg, train_cfg.seed)
    fit = Trainer(task, train_cfg).fit(resume=resume)
    return TrainOutcome(fit, model, data, fit.train_seconds)
