"""Brief real training through the Trainer: beats the unigram baseline, checkpoints sample
in a fresh process, completion ranks real continuations above random words."""

import importlib
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnnkit.data.datasets import Corpus
from rnnkit.tasks.textgen.checkpoint import load_model
from rnnkit.tasks.textgen.config import TextGenConfig
from rnnkit.tasks.textgen.evaluate import evaluate_stream, unigram_entropy
from rnnkit.tasks.textgen.generate import complete, sample_text
from rnnkit.tasks.textgen.train import prepare_data, train
from rnnkit.training import TrainConfig

TINY = Path(__file__).resolve().parents[3] / "shared" / "data" / "tinyshakespeare.txt"
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def char_run(tmp_path_factory, module_one_thread):
    """A small character LSTM trained for 150 steps on 100k characters of Shakespeare."""
    if TINY.exists():
        text = TINY.read_text(encoding="utf-8")[:110_000]
    else:  # the same kind of text from the bundled plays
        from rnnkit.data.datasets import shakespeare_text
        text = shakespeare_text()[:110_000]
    corpus = Corpus("tiny", text[:100_000], text[100_000:])
    cfg = TextGenConfig(data="unused", batch_size=16, bptt=32)
    data = prepare_data(cfg, corpus)
    run_dir = tmp_path_factory.mktemp("char") / "run"
    tc = TrainConfig(lr=1e-2, max_steps=150, epochs=10, eval_every=75, run_dir=str(run_dir), progress=False)
    out = train(cfg, {"hidden_size": 64}, tc, data)
    return out, run_dir


def test_training_beats_unigram_baseline(char_run):
    out, run_dir = char_run
    data = out.data
    baseline = unigram_entropy(data.train_ids, data.valid_ids, len(data.tokenizer))
    loss = evaluate_stream(out.model, data.valid_ids)["loss"]
    assert 2.9 < baseline < 3.6  # nats/char of English letter frequencies
    assert loss < baseline - 0.5, f"validation loss {loss:.3f} not below unigram {baseline:.3f}"
    assert out.fit.step == 150 and out.fit.last_metrics["loss"] == pytest.approx(loss, abs=1e-6)
    assert (run_dir / "curves.png").stat().st_size > 1000
    assert (run_dir / "checkpoints" / "best.pt").exists()


def test_checkpoint_alone_samples_in_a_fresh_process(char_run):
    _, run_dir = char_run
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "rnnkit.cli.main", "textgen", "sample", "--checkpoint", str(run_dir / "checkpoints" / "last.pt"),
           "--prime", "ROMEO:", "--length", "200", "--temperature", "0.8", "--seed", "7"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ROMEO:") and len(res.stdout) == len("ROMEO:") + 200 + 1
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert again.stdout == res.stdout  # --seed makes it reproducible
    loaded = load_model(run_dir)
    expected = "".join(sample_text(loaded.model, loaded.tokenizer, "ROMEO:", 200, temperature=0.8, seed=7))
    assert res.stdout == "ROMEO:" + expected + "\n"


def test_complete_ranks_real_continuations_above_random_words(char_run):
    out, _ = char_run
    model, tok = out.model, out.data.tokenizer
    # After "the" most text continues with a common word; nonsense strings must rank lower.
    cands = complete(model, tok, "And what say you to the", k=8)
    assert len(cands) == 8 and all(w.isalpha() or "'" in w or "-" in w for w, _ in cands)
    probs = [p for _, p in cands]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-9
    text = out.data.corpus.valid
    words = text.split()
    real, rand = 0, 0
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        i = int(torch.randint(20, len(words) - 1, (1,), generator=g))
        context, nxt = " ".join(words[i - 12:i]), words[i + 1 - 1]
        junk = "".join(tok.vocab.itos[int(j)] for j in torch.randint(0, len(tok), (len(nxt),), generator=g))
        real += _logprob(model, tok, context + " " + nxt) > _logprob(model, tok, context + " " + junk)
        rand += 1
    assert real / rand >= 0.9


def _logprob(model, tok, text):
    ids = torch.tensor(tok.vocab.ids([c for c in text if c in tok.vocab])).view(-1, 1)
    with torch.no_grad():
        logits, _ = model(ids[:-1])
    return float(torch.log_softmax(logits, -1).gather(-1, ids[1:].unsqueeze(-1)).sum())


def test_word_level_ptb_brief_training_and_complete(tmp_path, module_one_thread):
    from rnnkit.data.datasets import ptb_corpus

    ptb = ptb_corpus()
    corpus = Corpus("ptb-small", ptb.train[:150_000], ptb.valid[:30_000])
    cfg = TextGenConfig(data="ptb", level="word", batch_size=16, bptt=20, max_vocab=2000)
    data = prepare_data(cfg, corpus)
    tc = TrainConfig(lr=1e-2, max_steps=300, epochs=5, eval_every=300, run_dir=str(tmp_path / "w"), progress=False,
                     plot=False)
    out = train(cfg, {"hidden_size": 64, "tie_weights": True}, tc, data)
    baseline = unigram_entropy(data.train_ids, data.valid_ids, len(data.tokenizer))
    assert out.fit.last_metrics["loss"] < baseline - 0.1
    assert out.model.decoder.weight is out.model.embedding.weight
    loaded = load_model(tmp_path / "w")
    assert loaded.tokenizer.vocab == data.tokenizer.vocab and len(loaded.tokenizer) == 2000
    top = complete(loaded.model, loaded.tokenizer, "the company said it expects", k=5)
    assert len(top) == 5 and top[0][1] >= top[-1][1] > 0
    # A frequent word is a likelier next word than a random rare one.
    probs = dict(complete(loaded.model, loaded.tokenizer, "shares of the", k=len(loaded.tokenizer)))
    assert probs["the"] + probs["<unk>"] > probs[loaded.tokenizer.vocab.itos[-1]] * 10
    assert math.isclose(sum(probs.values()), 1.0, rel_tol=1e-6)


def test_epochs_after_the_first_start_at_seeded_offsets_below_bptt():
    train_module = importlib.import_module("rnnkit.tasks.textgen.train")
    cfg = TextGenConfig(bptt=16)
    offsets = [train_module.epoch_offset(cfg, seed=0, epoch=e) for e in range(20)]
    assert offsets[0] == 0 and all(0 <= o < 16 for o in offsets) and len(set(offsets)) > 5
    assert offsets == [train_module.epoch_offset(cfg, seed=0, epoch=e) for e in range(20)]  # resume replays them
    assert offsets != [train_module.epoch_offset(cfg, seed=1, epoch=e) for e in range(20)]
    fixed = TextGenConfig(bptt=16, shift_epochs=False)
    assert {train_module.epoch_offset(fixed, seed=0, epoch=e) for e in range(20)} == {0}
    with pytest.raises(TypeError, match="shift_epochs: expected True or False, got str 'yes'"):
        TextGenConfig(shift_epochs="yes")


def test_shifted_epoch_feeds_the_same_text_cut_elsewhere():
    train_module = importlib.import_module("rnnkit.tasks.textgen.train")
    text = "to be or not to be, that is the question. " * 40
    data = prepare_data(TextGenConfig(bptt=8, batch_size=4), Corpus("q", text, text[:200]))
    cfg = TextGenConfig(bptt=8, batch_size=4)
    epoch = next(e for e in range(1, 50) if train_module.epoch_offset(cfg, 0, e) > 0)
    offset = train_module.epoch_offset(cfg, 0, epoch)
    model = train_module.LanguageModel(train_module.LanguageModelConfig(vocab_size=len(data.tokenizer), hidden_size=8))
    task = train_module.make_task(model, data, cfg, seed=0)
    first, later = next(iter(task.train_batches(0))), next(iter(task.train_batches(epoch)))
    assert torch.equal(first.inputs[:, 0], data.train_ids[:8])
    assert torch.equal(later.inputs[:, 0], data.train_ids[offset:offset + 8])
    # a text just long enough for 4 rows of 2 steps: offsets shrink to fit instead of failing
    short = prepare_data(cfg, Corpus("s", "abcdefghijk", "abcdefghijk"))     # 11 tokens
    task = train_module.make_task(model, short, cfg, seed=0)
    for e in range(1, 20):
        assert next(iter(task.train_batches(e))).inputs.shape == (2, 4)


def test_input_dropout_sets_the_embedding_rate_apart_from_dropout():
    from rnnkit.tasks.textgen.config import LanguageModelConfig
    from rnnkit.tasks.textgen.model import LanguageModel
    assert LanguageModelConfig(vocab_size=5, dropout=0.3).embedding_dropout == 0.3
    torch.manual_seed(0)
    model = LanguageModel(LanguageModelConfig(vocab_size=5, hidden_size=8, dropout=0.5, input_dropout=0.0)).train()
    seen = []
    model.rnn.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    tokens = torch.randint(0, 5, (6, 3))
    logits, _ = model(tokens)
    assert torch.equal(seen[0], model.embedding(tokens))                 # the input is not dropped ...
    assert not torch.equal(logits, model.eval()(tokens)[0])             # ... the output still is
    with pytest.raises(ValueError, match=r"input_dropout: expected a number in \[0.0, 1.0\), got 1.0"):
        LanguageModelConfig(vocab_size=5, input_dropout=1.0)
