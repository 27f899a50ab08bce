"""MS-CAM and AFF (thesis eq. 4.1–4.4, Dai et al. 2021)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from inpaintkit.layers.fusion import AFF, MSCAM


def test_mscam_weights_shape_and_range():
    layer = MSCAM(16).eval()
    x = torch.randn(2, 16, 8, 12) * 3
    weights = layer(x)
    assert weights.shape == x.shape
    assert weights.min() > 0 and weights.max() < 1
    # The local branch makes the weights vary over space, the global one over samples.
    assert weights.std(dim=(2, 3)).mean() > 1e-3
    torch.testing.assert_close(layer.attend(x), x * weights)


def test_mscam_hidden_width_follows_reduction():
    layer = MSCAM(32, reduction=4)
    assert layer.local_context[0].out_channels == 8
    assert layer.global_context[1].out_channels == 8
    assert MSCAM(2, reduction=4).local_context[0].out_channels == 1


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_aff_of_identical_inputs_is_scaled_input(scale):
    layer = AFF(8, scale=scale).eval()
    x = torch.randn(2, 8, 6, 6)
    torch.testing.assert_close(layer(x, x), scale * x)


def test_aff_is_a_convex_blend_per_element():
    layer = AFF(8).eval()
    x, y = torch.randn(1, 8, 5, 5), torch.randn(1, 8, 5, 5)
    out = layer(x, y)
    assert out.shape == x.shape
    low, high = torch.minimum(x, y), torch.maximum(x, y)
    assert (out >= low - 1e-6).all() and (out <= high + 1e-6).all()
    assert not torch.allclose(out, x) and not torch.allclose(out, y)


def test_aff_with_scale_two_matches_the_reference_code():
    """open-aff's ``AFF.forward``: xa = x + residual; wei = σ(local(xa) + global(xa));
    xo = 2·x·wei + 2·residual·(1 − wei)."""
    torch.manual_seed(3)
    layer = AFF(12, scale=2.0)
    for module in layer.modules():  # non-trivial BN statistics and affine parameters
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.normal_()
            module.bias.data.normal_()
    layer.eval()
    x, residual = torch.randn(2, 12, 7, 7), torch.randn(2, 12, 7, 7)
    xa = x + residual
    wei = torch.sigmoid(layer.attention.local_context(xa) + layer.attention.global_context(xa))
    expected = 2 * x * wei + 2 * residual * (1 - wei)
    torch.testing.assert_close(layer(x, residual), expected, atol=1e-5, rtol=1e-5)


def test_aff_trains_with_batch_one_without_norm():
    layer = AFF(4, norm="none").train()
    x = torch.randn(1, 4, 4, 4, requires_grad=True)
    y = torch.randn(1, 4, 4, 4, requires_grad=True)
    layer(x, y).sum().backward()
    assert x.grad.abs().sum() > 0 and y.grad.abs().sum() > 0
    assert all(p.grad is not None for p in layer.parameters())
    with pytest.raises(ValueError, match="norm"):
        AFF(4, norm="group")


def test_aff_gradients_reach_every_parameter_in_training_mode():
    layer = AFF(8).train()
    x, y = torch.randn(2, 8, 4, 4), torch.randn(2, 8, 4, 4)
    layer(x, y).square().mean().backward()
    for name, parameter in layer.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().sum() > 0, name
