"""Generator and discriminator losses (thesis §3.2.4, §4.2.3; DeepFill v1/v2).

- :func:`l1_loss`: the reconstruction term ``||Ĩ − I||₁`` (eq. 3.4, 3.7, 4.6), a mean
  over every pixel and channel, hole and known alike, as DeepFill v2 (weight α = 1).
- :func:`ssim_loss`: ``1 − SSIM`` (eq. 2.8) with the benchmark's window, the
  reconstruction term of Zhao et al. ("Loss Functions for Image Restoration with Neural
  Networks", 2017); not in the thesis, off unless ``train.ssim_weight`` is set.
- :func:`hinge_d_loss` / :func:`hinge_g_loss`: SN-PatchGAN's hinge loss (eq. 3.5–3.6,
  4.12–4.13). The discriminator term is halved as in the original code,
  ``½·mean relu(1 − D(real)) + ½·mean relu(1 + D(fake))``; the thesis' equations have no
  ½, which only rescales the discriminator's learning rate.
- :func:`wgan_gp_d_loss`, :func:`wgan_g_loss` and :func:`gradient_penalty`: WGAN-GP
  (eq. 4.8–4.10) with the penalty restricted to the hole, as DeepFill v1's
  ``gradients_penalty(..., mask=mask)``.

All losses return 0-dim tensors; logits may have any shape (patch maps are averaged).
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
import torch.nn.functional as F


def l1_loss(prediction: torch.Tensor, target: torch.Tensor, mask: Optional[torch.Tensor] = None,
            known_weight: float = 1.0) -> torch.Tensor:
    """Mean absolute error; ``B×C×H×W`` in [-1, 1]. With a ``mask`` (``B×1×H×W``, 1 =
    hole), known pixels count ``known_weight`` times as much as hole pixels: 1 is
    DeepFill's whole-image L1, 0 scores the hole alone — all that a composited output is
    judged on (the mean still runs over every pixel, so the scale does not jump with the
    hole's size)."""
    error = (prediction - target).abs()
    if mask is None or known_weight == 1.0:
        return error.mean()
    return (error * (mask + known_weight * (1.0 - mask))).mean()


def ssim_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``1 − SSIM`` of two ``B×C×H×W`` images in [-1, 1]: the mean of the SSIM map with the
    Gaussian 11×11, σ 1.5 window that ``inpaintkit.evaluation.metrics`` scores (torchmetrics
    computes it; the tests check it against the metric). Pass the composited output: only
    windows that reach into the hole then differ from 1, and the mean runs over every pixel,
    like the hole-only :func:`l1_loss`."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    # float32 outside autocast: the variances are E[x²] − E[x]², a difference of near-equal
    # numbers that bf16's 8-bit mantissa would reduce to noise.
    with torch.autocast(prediction.device.type, enabled=False):
        # Back to [0, 1] first: SSIM's luminance term depends on the means themselves, not
        # only on their differences, so a [-1, 1] image would score otherwise than the metric.
        prediction, target = (prediction.float() + 1) / 2, (target.float() + 1) / 2
        return 1.0 - structural_similarity_index_measure(
            prediction, target, gaussian_kernel=True, sigma=1.5, kernel_size=11, data_range=1.0)


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """``½·mean(relu(1 − D(real))) + ½·mean(relu(1 + D(fake)))`` (eq. 3.6, halved as the
    original): zero once real logits are ≥ 1 and fake logits ≤ −1."""
    return 0.5 * F.relu(1.0 - real_logits).mean() + 0.5 * F.relu(1.0 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """``−mean(D(G(z)))`` (eq. 3.5, 4.12)."""
    return -fake_logits.mean()


def wgan_gp_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The critic's side of eq. 4.8, minimised: ``mean(D(fake)) − mean(D(real))``. Add
    ``λ·gradient_penalty(...)`` (λ = 10 in Gulrajani et al. and DeepFill v1)."""
    return fake_logits.mean() - real_logits.mean()


def wgan_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's side of eq. 4.8: ``−mean(D(fake))``."""
    return -fake_logits.mean()


def gradient_penalty(
    discriminator: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    mask: torch.Tensor,
    norm: float = 1.0,
) -> torch.Tensor:
    """Masked gradient penalty, eq. 4.10: ``E[(‖∇x̂ D(x̂) ⊙ m‖₂ − 1)²]``.

    ``x̂ = ε·real + (1 − ε)·fake`` with one ``ε ~ U(0, 1)`` per sample. Only the gradient
    *inside the hole* is penalised: the thesis writes ``⊙ (1 − m)`` with its mask
    convention (1 = known), which with inpaintkit's (1 = hole) is ``⊙ m``, the same as
    DeepFill v1's ``gradients_penalty(x, y, mask)``. Outside the hole real and fake agree,
    so a gradient there says nothing about the generated content.

    Args:
        discriminator: called as ``discriminator(x̂, mask)``; its outputs (any shape) are
            summed per sample, so a patch discriminator's gradient is that of its total.
        real, fake: ``B×C×H×W``; ``fake`` is detached here.
        mask: ``B×1×H×W`` (or broadcastable), 1 = hole.
        norm: the target gradient norm (1).

    Returns the unweighted penalty (0-dim); multiply by λ. Built with ``create_graph``, so
    it can be back-propagated into the discriminator.
    """
    epsilon = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    interpolated = (epsilon * real.detach() + (1.0 - epsilon) * fake.detach()).requires_grad_(True)
    logits = discriminator(interpolated, mask)
    (gradients,) = torch.autograd.grad(logits.sum(), interpolated, create_graph=True)
    # vector_norm's gradient at 0 is 0 (sqrt's is inf): an empty hole gives no NaN.
    slopes = torch.linalg.vector_norm((gradients * mask).flatten(1), dim=1)
    return (slopes - norm).pow(2).mean()
