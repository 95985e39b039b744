import dataclasses

import pytest

from rnnkit.training import TrainConfig


def test_defaults_clip_by_norm_and_every_field_has_help():
    cfg = TrainConfig()
    assert cfg.clip_norm == 5.0 and cfg.clip_value is None
    for f in dataclasses.fields(TrainConfig):
        assert f.metadata.get("help"), f"{f.name} has no help text"


@pytest.mark.parametrize("changes, words", [
    ({"optimizer": "rmsprop"}, ["optimizer", "adam, adamw, sgd", "'rmsprop'"]),
    ({"lr": 0.0}, ["lr", "(0.0, inf)", "0.0"]),
    ({"clip_norm": -1.0}, ["clip_norm", "-1.0"]),
    ({"momentum": 1.0}, ["momentum", "[0.0, 1.0)"]),
    ({"max_steps": -3}, ["max_steps", ">= 0", "-3"]),
    ({"epochs": 0}, ["epochs", ">= 1", "0"]),
    ({"schedule": "cosine"}, ["cosine", "max_steps", "max_seconds"]),
    ({"schedule": "anneal"}, ["anneal", "budget"]),
    ({"anneal_share": 0.0, "max_steps": 5}, ["anneal_share", "(0.0, 1.0]"]),
    ({"max_seconds": -1.0}, ["max_seconds", "-1.0"]),
    ({"run_dir": ""}, ["run_dir"]),
    ({"warmup_steps": 10, "schedule": "plateau"}, ["warmup_steps: 10", "plateau"]),
    ({"warmup_steps": -1}, ["warmup_steps", ">= 0", "-1"]),
    ({"precision": "fp16"}, ["precision", "fp32, bf16, auto", "'fp16'"]),
])
def test_bad_values_name_field_expectation_and_value(changes, words):
    with pytest.raises(ValueError) as err:
        TrainConfig(**changes)
    for word in words:
        assert word in str(err.value)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="eval_every: expected an int, got float 1.5"):
        TrainConfig(eval_every=1.5)
    with pytest.raises(TypeError, match="lr: expected a number"):
        TrainConfig(lr="0.1")


def test_round_trip_and_unknown_keys():
    cfg = TrainConfig(lr=0.01, schedule="step", max_steps=10)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match=r"unknown TrainConfig fields \['lr_max'\]"):
        TrainConfig.from_dict({"lr_max": 1.0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr = 1.0
