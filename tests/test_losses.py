"""Losses on hand-computed examples, the SSIM loss against the benchmark's SSIM, and the
masked gradient penalty of eq. 4.10."""
import numpy as np
import pytest
import torch
from torch import nn

from inpaintkit.losses import (
    gradient_penalty,
    hinge_d_loss,
    hinge_g_loss,
    l1_loss,
    ssim_loss,
    wgan_g_loss,
    wgan_gp_d_loss,
)
from inpaintkit.evaluation.metrics import SSIM_RADIUS, ssim
from inpaintkit.models.discriminator import SNPatchGAN


def test_l1_is_mean_absolute_error():
    prediction = torch.tensor([[0.5, -1.0], [0.0, 1.0]]).view(1, 1, 2, 2)
    target = torch.tensor([[0.0, 0.0], [0.0, -1.0]]).view(1, 1, 2, 2)
    assert l1_loss(prediction, target).item() == pytest.approx((0.5 + 1.0 + 0.0 + 2.0) / 4)


def test_hinge_discriminator_loss_by_hand():
    real = torch.tensor([2.0, 0.5])   # relu(1 − ·) = 0, 0.5 → mean 0.25
    fake = torch.tensor([-2.0, 0.0])  # relu(1 + ·) = 0, 1   → mean 0.5
    assert hinge_d_loss(real, fake).item() == pytest.approx(0.5 * 0.25 + 0.5 * 0.5)
    # confident and right on both sides: zero
    assert hinge_d_loss(torch.full((3,), 1.5), torch.full((3,), -1.5)).item() == 0.0


def test_generator_losses_are_minus_mean_fake_logit():
    fake = torch.tensor([[1.0, 3.0], [-1.0, 5.0]])
    assert hinge_g_loss(fake).item() == pytest.approx(-2.0)
    assert wgan_g_loss(fake).item() == pytest.approx(-2.0)


def test_wgan_critic_loss_by_hand():
    assert wgan_gp_d_loss(torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 0.0])).item() == pytest.approx(-0.5 - 2.0)


class LinearCritic(nn.Module):
    """D(x, m) = Σ w·x per sample, so ∇x D = w exactly."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight.clone())

    def forward(self, image, mask):
        return (image * self.weight).flatten(1).sum(dim=1)


def _penalty(weight, mask):
    real, fake = torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2)
    critic = LinearCritic(weight)
    return critic, gradient_penalty(critic, real, fake, mask)


def test_penalty_counts_only_the_gradient_inside_the_hole():
    mask = torch.tensor([[1.0, 0.0], [1.0, 0.0]]).view(1, 1, 2, 2)  # left column is hole
    weight = torch.tensor([[3.0, 7.0], [4.0, -9.0]]).view(1, 1, 2, 2)
    critic, penalty = _penalty(weight, mask)
    assert penalty.item() == pytest.approx((5.0 - 1.0) ** 2)  # ‖(3, 4)‖ = 5
    # the gradient outside the hole is ignored: other weights there, same penalty
    other = weight.clone()
    other[..., 1] = torch.tensor([100.0, -50.0])
    assert _penalty(other, mask)[1].item() == pytest.approx(16.0)
    # and the penalty back-propagates into the critic, only through the hole weights:
    # d/dw (‖w_m‖ − 1)² = 2(‖w_m‖ − 1)·w_m/‖w_m‖ = 2·4·(3, 4)/5
    penalty.backward()
    expected = torch.tensor([[4.8, 0.0], [6.4, 0.0]]).view(1, 1, 2, 2)
    torch.testing.assert_close(critic.weight.grad, expected)


def test_penalty_of_an_empty_hole_is_one_and_finite():
    critic, penalty = _penalty(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2))
    assert penalty.item() == pytest.approx(1.0)
    penalty.backward()
    assert torch.isfinite(critic.weight.grad).all()


def test_penalty_with_the_patch_discriminator_trains_it():
    discriminator = SNPatchGAN(width=4)
    real, fake = torch.rand(2, 3, 64, 64) * 2 - 1, torch.rand(2, 3, 64, 64) * 2 - 1
    mask = torch.zeros(2, 1, 64, 64)
    mask[..., 16:40, 20:44] = 1.0
    penalty = gradient_penalty(discriminator, real, fake, mask)
    assert penalty.dim() == 0 and torch.isfinite(penalty)
    penalty.backward()
    grads = [p.grad for p in discriminator.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_l1_known_weight_scores_the_hole_alone_or_the_whole_image():
    prediction, target = torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)
    prediction[..., :2, :] = 1.0  # right on the top half, off by 1 on the bottom half
    hole = torch.zeros(1, 1, 4, 4)
    hole[..., 2:, :] = 1.0  # the hole is the wrong half
    assert l1_loss(prediction, target).item() == pytest.approx(0.5)
    assert l1_loss(prediction, target, hole, known_weight=1.0).item() == pytest.approx(0.5)
    assert l1_loss(prediction, target, hole, known_weight=0.0).item() == pytest.approx(0.5)
    assert l1_loss(prediction, target, 1 - hole, known_weight=0.0).item() == 0.0  # errors all outside
    assert l1_loss(prediction, target, 1 - hole, known_weight=0.5).item() == pytest.approx(0.25)


def test_ssim_loss_is_one_minus_the_benchmarks_ssim():
    """The training term and the bar's metric are the same SSIM: with the error away from
    the border (a composited hole), the loss's sum of 1 − SSIM over the map equals the
    metric's, which averages the map without its border of SSIM_RADIUS pixels."""
    generator = torch.Generator().manual_seed(0)
    truth = torch.rand(1, 3, 48, 48, generator=generator)
    hole = torch.zeros(1, 1, 48, 48)
    hole[..., 18:30, 14:34] = 1.0
    fill = truth * (1 - hole) + torch.rand(1, 3, 48, 48, generator=generator) * hole
    loss = ssim_loss(fill * 2 - 1, truth * 2 - 1).item()  # training images are in [-1, 1]
    as_numpy = [x[0].permute(1, 2, 0).double().numpy() for x in (fill, truth)]
    metric = ssim(*as_numpy)
    interior = (48 - 2 * SSIM_RADIUS) ** 2
    assert 0.05 < loss < 0.5  # a random fill of a 10 % hole: far from the truth
    assert loss * 48 * 48 == pytest.approx((1 - metric) * interior, rel=1e-4)
    assert ssim_loss(truth * 2 - 1, truth * 2 - 1).item() == pytest.approx(0.0, abs=1e-6)


def test_ssim_loss_of_a_composite_trains_the_hole_only():
    """What the trainer passes: the composited stage output; its gradient reaches hole
    pixels and nothing else, and following it raises the SSIM."""
    generator = torch.Generator().manual_seed(1)
    truth = torch.rand(1, 3, 32, 32, generator=generator) * 2 - 1
    hole = torch.zeros(1, 1, 32, 32)
    hole[..., 10:20, 8:24] = 1.0
    output = torch.zeros(1, 3, 32, 32, requires_grad=True)
    optimizer = torch.optim.Adam([output], lr=0.05)
    losses = []
    for _ in range(30):
        loss = ssim_loss(output * hole + truth * (1 - hole), truth)
        optimizer.zero_grad()
        loss.backward()
        if not losses:
            known_grad = output.grad * (1 - hole)
            assert known_grad.abs().max() == 0 and (output.grad * hole).abs().sum() > 0
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], np.round(losses, 4)


def test_ssim_loss_runs_in_float32_under_autocast():
    """Under bf16 autocast (the GPU recipe) the SSIM variances would be bf16 noise."""
    generator = torch.Generator().manual_seed(2)
    truth = torch.rand(1, 3, 40, 40, generator=generator) * 2 - 1
    fill = (truth + 0.05 * torch.randn(1, 3, 40, 40, generator=generator)).clamp(-1, 1)
    exact = ssim_loss(fill, truth)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_autocast = ssim_loss(fill, truth)
    assert under_autocast.dtype == torch.float32
    assert under_autocast.item() == pytest.approx(exact.item(), rel=1e-6)
