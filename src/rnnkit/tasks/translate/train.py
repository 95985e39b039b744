"""Training glue: pairs -> vocabularies -> ids -> `rnnkit.training.Trainer`.

    prepared = prepare(TranslateConfig(data="bible"))
    outcome = train(prepared, {"hidden_size": 256}, TrainConfig(max_seconds=600, run_dir="runs/translate"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from rnnkit.tasks.translate.checkpoint import translate_model_config
from rnnkit.tasks.translate.config import DecodeConfig, TranslateConfig, TranslatorConfig
from rnnkit.tasks.translate.data import Pairs, bible_split, read_pairs
from rnnkit.tasks.translate.decode import translate_ids
from rnnkit.tasks.translate.model import Translator
from rnnkit.tasks.translate.task import EncodedPairs, make_task
from rnnkit.tasks.translate.vocab import Vocab, encode_source, fit_vocab
from rnnkit.training import FitResult, TrainConfig, Trainer


@dataclass
class Prepared:
    cfg: TranslateConfig
    source: Vocab
    target: Vocab
    train: EncodedPairs
    valid: EncodedPairs
    test: Pairs | None
    skipped: int  # training pairs longer than max_length


def load_splits(cfg: TranslateConfig) -> tuple[Pairs, Pairs, Pairs | None]:
    if cfg.data == "bible":
        return (bible_split(cfg.data_dir, "train"), bible_split(cfg.data_dir, "valid"),
                bible_split(cfg.data_dir, "test"))
    pairs = read_pairs(cfg.data)
    if cfg.valid_data:
        return pairs, read_pairs(cfg.valid_data, "--valid-data"), None
    n = max(1, len(pairs) // 20)
    if len(pairs) < 2:
        raise ValueError(f"--data: expected at least 2 pairs to hold some out for validation, got {len(pairs)}")
    return (Pairs(pairs.sources[:-n], pairs.targets[:-n], pairs.where),
            Pairs(pairs.sources[-n:], pairs.targets[-n:], pairs.where, len(pairs) - n + 1), None)


def encode_pairs(pairs: Pairs, source: Vocab, target: Vocab, max_length: int | None) -> tuple[EncodedPairs, int]:
    """Ids of every pair (too long ones skipped when max_length is set); and how many were skipped."""
    src, tgt, ss, ts, skipped = [], [], [], [], 0
    for i, (s, t) in enumerate(zip(pairs.sources, pairs.targets), pairs.first_line):
        a = encode_source(source, s, f"{pairs.where}, line {i}", allow_unknown=True)
        b = target.encode(t)
        if max_length is not None and (len(a) > max_length or len(b) + 1 > max_length):
            skipped += 1
            continue
        src.append(torch.tensor(a))
        tgt.append(torch.tensor(b))
        ss.append(s)
        ts.append(t)
    return EncodedPairs(src, tgt, ss, ts), skipped


def prepare(cfg: TranslateConfig) -> Prepared:
    train, valid, test = load_splits(cfg)
    train, valid = train.head(cfg.train_limit), valid.head(cfg.valid_limit)
    source = fit_vocab(cfg.tokenizer, train.sources, cfg.vocab_size)
    target = fit_vocab(cfg.tokenizer, train.targets, cfg.vocab_size)
    enc_train, skipped = encode_pairs(train, source, target, cfg.max_length)
    if len(enc_train) == 0:
        raise ValueError(f"--max-length: every training pair is longer than {cfg.max_length} tokens")
    enc_valid, _ = encode_pairs(valid, source, target, None)
    return Prepared(cfg, source, target, enc_train, enc_valid, test, skipped)


def build_model(prepared: Prepared, model_kwargs: dict[str, Any]) -> Translator:
    kwargs = dict(model_kwargs, source_vocab=len(prepared.source), target_vocab=len(prepared.target))
    return Translator(TranslatorConfig(**kwargs))


@dataclass
class TranslateOutcome:
    fit: FitResult
    model: Translator
    prepared: Prepared


def train(prepared: Prepared, model_kwargs: dict[str, Any], train_cfg: TrainConfig, resume: bool = False,
          valid_bleu: bool = True) -> TranslateOutcome:
    """Train (selecting by greedy validation BLEU, or loss with valid_bleu=False) and reload the best checkpoint."""
    torch.manual_seed(train_cfg.seed)
    model = build_model(prepared, model_kwargs)
    meta = translate_model_config(model.cfg, prepared.source, prepared.target, prepared.cfg)
    target = prepared.target
    greedy = DecodeConfig(beam_size=1)

    def translate(m: torch.nn.Module, sources: list[torch.Tensor]) -> list[str]:
        hyps = translate_ids(m, sources, 1, 0.0, greedy.max_length_ratio, 64)
        return [target.decode(h.tokens) for h in hyps]

    holder: dict[str, Trainer] = {}
    task = make_task(model, prepared.train, prepared.valid, batch_size=prepared.cfg.batch_size, seed=train_cfg.seed,
                     label_smoothing=prepared.cfg.label_smoothing, teacher_forcing=prepared.cfg.teacher_forcing,
                     model_config=meta, translate=translate if valid_bleu else None,
                     clock=lambda: holder["t"].budget.seconds)
    trainer = holder["t"] = Trainer(task, train_cfg)
    fit = trainer.fit(resume=resume)
    best = fit.run_dir / "checkpoints" / "best.pt"
    if best.is_file():
        from rnnkit.training.checkpoint import load_checkpoint

        model.load_state_dict(load_checkpoint(best, map_location="cpu")["model"])
    model.cpu().eval()
    return TranslateOutcome(fit, model, prepared)
