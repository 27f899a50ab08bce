"""Gated convolution layers (DeepFill v2): shapes, the gating arithmetic, deconv."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inpaintkit.layers.gated import GatedConv2d, GatedDeconv2d


@pytest.mark.parametrize(
    "stride, dilation, size, expected",
    [(1, 1, 17, 17), (1, 4, 16, 16), (1, 16, 8, 8), (2, 1, 16, 8), (2, 1, 15, 8)],
)
def test_same_padding_keeps_size_or_halves_it(stride, dilation, size, expected):
    layer = GatedConv2d(3, 5, 3, stride=stride, dilation=dilation)
    out = layer(torch.randn(2, 3, size, size))
    assert out.shape == (2, 5, expected, expected)


def test_output_is_elu_feature_times_sigmoid_gate():
    layer = GatedConv2d(2, 3, 5)
    x = torch.randn(1, 2, 9, 9)
    raw = F.conv2d(x, layer.conv.weight, layer.conv.bias, padding=2)
    expected = F.elu(raw[:, :3]) * torch.sigmoid(raw[:, 3:])
    torch.testing.assert_close(layer(x), expected)


def test_linear_and_relu_activations():
    x = torch.randn(1, 2, 6, 6)
    linear = GatedConv2d(2, 3, 3, activation=None)
    raw = F.conv2d(x, linear.conv.weight, linear.conv.bias, padding=1)
    torch.testing.assert_close(linear(x), raw[:, :3] * torch.sigmoid(raw[:, 3:]))
    relu = GatedConv2d(2, 3, 3, activation=nn.ReLU)
    assert relu(x).min() >= 0.0


def test_a_closed_gate_outputs_zero():
    layer = GatedConv2d(2, 3, 3)
    with torch.no_grad():
        layer.conv.weight[3:].zero_()
        layer.conv.bias[3:].fill_(-200.0)  # sigmoid(−200) == 0 in float32
    assert torch.equal(layer(torch.randn(1, 2, 5, 5)), torch.zeros(1, 3, 5, 5))


def test_even_kernel_is_rejected():
    with pytest.raises(ValueError):
        GatedConv2d(3, 3, 4)


def test_deconv_is_nearest_upsampling_then_gated_conv():
    layer = GatedDeconv2d(4, 2)
    x = torch.randn(2, 4, 5, 7)
    out = layer(x)
    assert out.shape == (2, 2, 10, 14)
    up = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    torch.testing.assert_close(out, layer.conv(up))


def test_a_fresh_deep_gated_stage_passes_its_input_through():
    """A stage of 17 gated layers (DeepFill's coarse network) must depend on its input at
    the start. With PyTorch's default initialisation a change of the input reached the
    layer before the output at ~1e-9 of its size (a constant function; measured), so a
    residual stage could not learn; INIT_GAIN keeps it of the input's order."""
    from inpaintkit.models.gated import GatedUNet

    torch.manual_seed(0)
    stage = GatedUNet(8, 16, (2, 4, 8, 16), residual=True).eval()
    last = {}
    stage.decoder.conv16.register_forward_hook(lambda module, args, out: last.__setitem__("out", out))
    x = torch.randn(2, 8, 64, 64)
    with torch.no_grad():
        stage(x, base=torch.zeros(2, 3, 64, 64))
        before = last["out"].clone()
        stage(x + 0.5 * torch.randn_like(x), base=torch.zeros(2, 3, 64, 64))
    change = (last["out"] - before).abs().mean().item()
    assert 1e-2 < change < 1.0, change  # alive, and not exploding either
    assert before.abs().max() < 10
