"""DropConnect on the recurrent weights (weight_dropout): one mask per call, both engines."""

import pytest
import torch
import torch.nn.functional as F

import rnnkit


@pytest.mark.parametrize("cls", [rnnkit.LSTM, rnnkit.GRU, rnnkit.RNN])
def test_training_call_equals_torch_nn_with_the_dropped_recurrent_matrix(cls):
    torch.manual_seed(0)
    layer = cls(3, 6, weight_dropout=0.5, engine="explicit")
    ref = getattr(torch.nn, cls.__name__)(3, 6)
    ref.load_state_dict(layer.state_dict())
    x = torch.randn(7, 2, 3)
    torch.manual_seed(1)
    out, _ = layer(x)
    torch.manual_seed(1)  # the same draw: the layer's one mask for W_hh
    dropped = F.dropout(layer.weight_hh_l0.detach(), 0.5, training=True)
    with torch.no_grad():
        ref.weight_hh_l0.copy_(dropped)
    torch.testing.assert_close(out, ref(x)[0])
    out.pow(2).sum().backward()
    assert torch.all(layer.weight_hh_l0.grad[dropped == 0] == 0)  # dropped weights get no gradient
    assert torch.count_nonzero(layer.weight_hh_l0.grad) > 0


def test_both_engines_draw_the_same_masks_and_agree():
    x = torch.randn(6, 3, 4)
    outs = []
    for engine in ("explicit", "fused"):
        torch.manual_seed(0)
        layer = rnnkit.LSTM(4, 5, num_layers=2, bidirectional=True, weight_dropout=0.3, engine=engine)
        torch.manual_seed(2)
        outs.append(layer(x)[0])
    torch.testing.assert_close(outs[0], outs[1])


def test_eval_mode_uses_the_full_weights_and_bad_values_are_refused():
    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, weight_dropout=0.4).eval()
    plain = rnnkit.GRU(3, 4).eval()
    plain.load_state_dict(layer.state_dict())
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(layer(x)[0], plain(x)[0])
    assert "weight_dropout=0.4" in repr(layer)
    for bad in (1.0, -0.1, "0.2"):
        with pytest.raises(ValueError, match="weight_dropout must be a number in \\[0, 1\\)"):
            rnnkit.LSTM(3, 4, weight_dropout=bad)
