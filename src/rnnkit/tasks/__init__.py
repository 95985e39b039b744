"""Applications of rnnkit, one package per task: `textgen` today; classify, tag, forecast,
translate and speech follow the same shape.

How to add a task (say ``forecast``): write only what is specific to it.

Files it writes
    ``tasks/forecast/config.py``
        Frozen dataclasses on `rnnkit.config.Config`: fields declared with
        ``option(default, "help")``, checked in ``__post_init__`` with ``check_int`` /
        ``check_number`` / ``check_choice`` … (errors read "field: expected …, got …").
        The model config uses ``cell`` checked by `rnnkit.layers.factory.check_cell`.
    ``tasks/forecast/data.py``
        Reading its formats and its bundled data (from installed packages, see
        ../shared/DATA.md); errors name the file, line and column.
    ``tasks/forecast/model.py``
        Built from `rnnkit.layers.factory.make_layer` (any cell), `rnnkit.layers.attention`
        and `rnnkit.layers.masking` (padding mask, last valid step, masked mean/max).
    ``tasks/forecast/task.py``
        The `rnnkit.training.Task`: batches (`rnnkit.data.batching.BucketSampler` and
        `pad_batch` for variable lengths), loss and ``evaluate`` that never see padding.
        The checkpoint's ``model_config`` is a plain dict with ``"kind": "forecast"``.
    ``tasks/forecast/checkpoint.py``
        A loader registered with `rnnkit.tasks.registry.register_kind("forecast", …)`
        and listed in ``registry.BUILTIN``, so `rnnkit.load(path)` and ``rnnkit diagnose
        states`` open its runs; with ``combine=…`` `rnnkit.load` also opens an ensemble
        directory (``registry.write_ensemble_manifest``) as one model.
    ``tasks/forecast/evaluate.py``
        Metrics through the field's own library (sacrebleu, jiwer, seqeval, statsmodels …).
    ``cli/forecast.py``
        ``add_parser``/``run``, flags from the configs with
        `rnnkit.cli.flags.add_config_flags` / ``config_from_args`` (TrainConfig's
        ``max_seconds``, ``schedule``, ``lr`` … included), registered in
        ``cli/main.py:SUBCOMMANDS``; ``rnnkit demo forecast``.
    ``tests/tasks/forecast/``
        Real-data tests, bad-input tests, padding invariance.
    ``benchmarks/forecast_*.py``
        Quality and speed against the field's anchors, with results in
        benchmarks/RESULTS.md (command, CPU model, date, seeds).

What it reuses, never copies
    The training loop (`rnnkit.training.Trainer`: time budget ``max_seconds``, schedules
    that follow it, clipping, early stopping, checkpoints, resume, progress, DDP), the
    checkpoint loader (`rnnkit.load`) and ensemble manifest, length bucketing and masking, the attention
    module, the plotting helpers and the CLI flag plumbing.
"""
