"""`rnnkit demo [TASK]`: each task shows itself on bundled real data in a minute or two.

    rnnkit demo                  # text generation (the default): a Shakespeare character LSTM
    rnnkit demo textgen --max-seconds 60

Each demo lives in its task's package as a module with `add_flags(parser)` and
`run(args) -> int`; `DEMOS` maps the task name to that module. Modules import torch
and their task lazily, inside `run`, so that `rnnkit --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

# task name -> (module with add_flags/run, one-line help)
DEMOS = {
    "textgen": ("rnnkit.tasks.textgen.demo", "a character LSTM learns Shakespeare in about a minute, then writes"),
    "classify": ("rnnkit.tasks.classify.demo", "a bidirectional LSTM tells 9 speakers apart (JapaneseVowels) in a minute"),
    "tag": ("rnnkit.tasks.tag.demo", "a BiLSTM-CRF finds people, places and products in tweets (WNUT-16) in a minute"),
    "forecast": ("rnnkit.tasks.forecast.demo", "AirPassengers on Darts' protocol beside 3 baselines, with an interval fan"),
    "speech": ("rnnkit.tasks.speech.demo", "synthesised spoken digits: CTC training, then voices it never heard, streaming"),
    "translate": ("rnnkit.tasks.translate.demo", "English to Spanish with attention on a slice of the Bible, with an "
                                                  "attention picture, in about 2 minutes"),
}
DEFAULT = "textgen"


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo", help="show a task on bundled real data in a minute or two (default: text generation)",
        description="Train and show one task on bundled real data. Without a TASK: " + DEMOS[DEFAULT][1] + ".")
    sub = p.add_subparsers(dest="demo", metavar="TASK")
    for name, (module_name, text) in DEMOS.items():
        module = importlib.import_module(module_name)
        d = sub.add_parser(name, help=text, description=text)
        module.add_flags(d)
        d.set_defaults(func=module.run)
    default = importlib.import_module(DEMOS[DEFAULT][0])
    default.add_flags(p)  # `rnnkit demo --max-seconds 30` is the default task's
    p.set_defaults(func=default.run)
