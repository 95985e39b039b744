"""`rnnkit diagnose`: look inside recurrent networks, from real runs.

    rnnkit diagnose vanishing --task adding --delay 50 100 200   # loss vs delay, curves, gradient through time
    rnnkit diagnose clipping                         # an exploding run, without and with clipping
    rnnkit diagnose states --checkpoint runs/x --text "He said \\"no\\"."

Each writes a PNG (and, for vanishing, a Markdown table) under --out and says where.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rnnkit.cli.flags import add_config_flags, config_from_args
from rnnkit.diagnostics.clipping import ClippingConfig
from rnnkit.diagnostics.vanishing import VanishingConfig

CLIPPING_FIELDS = ("cell", "radius", "length", "steps", "batch_size", "hidden_size", "lr", "clip_norm", "seed")

ACTIONS = ("vanishing", "clipping", "states")


def _positive_int(flag: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be a positive integer, got {text!r}") from None
        if v < 1:
            raise argparse.ArgumentTypeError(f"{flag} must be a positive integer, got {v}")
        return v
    return parse


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("diagnose", help="see inside: gradients through time, clipping, hidden states and gates",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", metavar="ACTION")

    _vanishing_parser(sub)

    c = sub.add_parser("clipping", help="train a vanilla RNN with a large recurrent initialisation without and with "
                                        "gradient clipping; draw losses and the gradient norm before clipping")
    add_config_flags(c, ClippingConfig, CLIPPING_FIELDS)
    _common(c, "clipping")
    c.set_defaults(func=run)

    s = sub.add_parser("states", help="heatmaps of hidden units over a text from a text-generation checkpoint, "
                                      "gate saturation, and the units most correlated with a signal")
    s.add_argument("--checkpoint", required=True, help="textgen checkpoint (.pt) or run directory")
    s.add_argument("--text", required=True, help="text to run through the model (characters it knows)")
    s.add_argument("--signal", choices=("quotes", "position"), default="quotes",
                   help="signal to correlate units with: inside quotes, or position in the text (default: quotes)")
    s.add_argument("--units", type=_positive_int("--units"), default=32, help="hidden units drawn per layer (default: 32)")
    s.add_argument("--top", type=_positive_int("--top"), default=5, help="most correlated units to list (default: 5)")
    _common(s, "states")
    s.set_defaults(func=run)
    p.set_defaults(func=run)
    return p


VANISHING_FIELDS = ("task", "delays", "cells", "seeds", "steps", "batch_size", "hidden_size", "lr", "clip_norm",
                    "schedule", "init", "forget_bias", "symbols")


def _vanishing_parser(sub) -> None:
    from rnnkit.diagnostics.vanishing import CELL_SETTINGS

    own = ", ".join(f"{c} {s.lr:g}/{s.clip_norm:g}" for c, s in CELL_SETTINGS.items())
    v = sub.add_parser("vanishing", help="train RNN-tanh, LSTM and GRU on a long-range task with the same steps, "
                                         "batch and hidden size; draw the test loss or accuracy against delay "
                                         "(seeds as error bars), every run's loss curve and the gradients through "
                                         "time at initialisation and after training",
                       description=f"Each cell trains with its own lr/clip unless --lr/--clip-norm say otherwise "
                                   f"({own}). --delay and --seed abbreviate --delays and --seeds.")
    add_config_flags(v, VanishingConfig, VANISHING_FIELDS)
    v.add_argument("--threads", type=_positive_int("--threads"), default=1,
                   help="torch threads; these small models run fastest on 1 (default: 1)")
    _common(v, "vanishing")
    v.set_defaults(func=run)


def _common(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--out", default="diagnostics", help="directory for the PNG and numbers (default: diagnostics)")
    p.add_argument("--no-progress", action="store_true", help="do not print one line per finished run")


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "action", None)
    if action not in ACTIONS:
        raise ValueError(f"diagnose needs an action, one of {', '.join(ACTIONS)}, got {action!r}")
    return {"vanishing": _vanishing, "clipping": _clipping, "states": _states}[action](args)


def _vanishing(args) -> int:
    import torch

    from rnnkit.diagnostics import format_table, run_vanishing
    from rnnkit.diagnostics.plots import plot_vanishing

    torch.set_num_threads(args.threads)
    cfg = config_from_args(VanishingConfig, args, VANISHING_FIELDS)
    metric = "MSE" if cfg.task == "adding" else "cross-entropy"

    def report(r) -> None:
        if not args.no_progress:
            print(f"{r.cell:>8}  delay {r.delay:>4}  seed {r.seed}  {metric} {r.eval_loss:.4f}  "
                  f"accuracy {r.accuracy:.3f}  ({r.seconds:.1f} s)", flush=True)

    result = run_vanishing(cfg, on_run=report)
    out = Path(args.out)
    png = plot_vanishing(result, out / "vanishing.png")
    table = format_table(result)
    (out / "vanishing.md").write_text(table + "\n")
    print(table)
    print(f"wrote {png} and {out / 'vanishing.md'}")
    return 0


def _clipping(args) -> int:
    from rnnkit.diagnostics import run_clipping
    from rnnkit.diagnostics.plots import plot_clipping

    cfg = config_from_args(ClippingConfig, args, CLIPPING_FIELDS)
    result = run_clipping(cfg)
    png = plot_clipping(result, Path(args.out) / "clipping.png")
    for label, c in (("no clipping", result.unclipped), (f"clip {cfg.clip_norm:g}", result.clipped)):
        end = f"diverged at step {c.diverged_at}" if c.diverged_at else f"final loss {c.final_loss:.4f}"
        print(f"{label:>12}: {end}, largest gradient norm {c.grad_norm.max():.3g}")
    print(f"wrote {png}")
    return 0


def _states(args) -> int:
    from rnnkit.diagnostics import correlated_units, gate_saturation, position_signal, quote_signal, trace_model
    from rnnkit.diagnostics.plots import plot_states
    from rnnkit.tasks.registry import load

    if not args.text:
        raise ValueError("--text must be a non-empty string, got ''")
    loaded = load(args.checkpoint)  # any task's checkpoint whose model holds one rnnkit recurrent layer
    if loaded.encode_text is None:
        raise ValueError(f"--checkpoint: a {loaded.kind!r} model does not read text, so --text cannot feed it")
    inputs, tokens = loaded.encode_text(args.text)
    trace = trace_model(loaded.model, *inputs)
    signal = quote_signal(tokens) if args.signal == "quotes" else position_signal(len(tokens))
    saturation = gate_saturation(trace)
    top = correlated_units(trace, signal, top=args.top) if signal.std() > 0 else []
    out = Path(args.out)
    png = plot_states(trace, out / "states.png", labels=tokens, units=args.units, saturation=saturation, signal=signal)
    for s in saturation:
        print(f"{s.name} gate {s.gate}: {s.low:.1%} < 0.1, {s.high:.1%} > 0.9, mean {s.mean:.3f}")
    if not top:
        print(f"the {args.signal} signal is constant over this text: no correlation to report")
    for u in top:
        print(f"{u.name} unit {u.unit}: r = {u.r:+.3f} with {args.signal}")
    numbers = {"saturation": [vars(s) for s in saturation], "correlated_units": [vars(u) for u in top]}
    (out / "states.json").write_text(json.dumps(numbers, indent=2) + "\n")
    print(f"wrote {png} and {out / 'states.json'}")
    return 0
