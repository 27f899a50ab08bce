"""RTV structure images: edges kept, texture flattened, parity with a direct sparse solve,
hole independence."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from inpaintkit.structure import (
    apply_system,
    gaussian_kernel,
    rtv_smooth,
    rtv_smooth_direct,
    solve_system,
    sparse_system,
    structure_image,
    texture_weights,
)


def _step_with_texture(size: int = 64) -> torch.Tensor:
    """Left half 0.25, right half 0.75 (a step at column size/2), and a ±0.1 pixel
    checkerboard (the finest texture there is) on part of the left half."""
    image = torch.full((1, 3, size, size), 0.25)
    image[..., size // 2 :] = 0.75
    rows, cols = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    checker = ((rows + cols) % 2).float() * 0.2 - 0.1
    image[..., 8:56, 6:26] += checker[8:56, 6:26]
    return image


def _step_height(image: torch.Tensor) -> float:
    """Mean right minus mean left, 1–3 px on either side of the step, away from the border."""
    return float(image[0, :, 8:56, 33:36].mean() - image[0, :, 8:56, 28:31].mean())


def _texture_std(image: torch.Tensor) -> float:
    return float(image[0, :, 12:52, 10:22].std())


def test_step_edge_is_kept_and_texture_flattened():
    """Measured: step 0.500 → 0.499 (99.7 % kept); texture std 0.100 → 7e-5 (−99.9 %)."""
    image = _step_with_texture()
    smooth = rtv_smooth(image)
    assert smooth.shape == image.shape and smooth.dtype == image.dtype
    assert _step_height(smooth) >= 0.8 * _step_height(image)
    assert _texture_std(smooth) <= 0.3 * _texture_std(image)
    # The edge stays one pixel sharp: the jump across columns 31→32 is nearly all of it.
    assert float((smooth[0, :, 8:56, 32] - smooth[0, :, 8:56, 31]).mean()) > 0.45


def test_a_gaussian_blur_fails_the_same_criteria():
    """Control: the criteria above do tell edge-preserving smoothing from plain blurring."""
    from inpaintkit.structure import _blur

    image = _step_with_texture()
    blurred = _blur(image, 3.0)
    assert _texture_std(blurred) <= 0.3 * _texture_std(image)
    assert _step_height(blurred) < 0.8 * _step_height(image)


def test_matches_direct_sparse_solve():
    torch.manual_seed(0)
    # A small "photo": smooth gradient, an edge, and noise.
    rows, cols = torch.meshgrid(torch.linspace(0, 1, 24), torch.linspace(0, 1, 28), indexing="ij")
    image = torch.stack([rows, cols, (cols > 0.5).float()])[None] * 0.6 + 0.2
    image = (image + 0.05 * torch.randn_like(image)).clamp(0, 1)
    ours = rtv_smooth(image)
    exact = rtv_smooth_direct(image)
    assert float((ours - exact).abs().max()) < 1e-3
    assert float((exact - image).abs().mean()) > 0.02  # and it did smooth something


def test_matrix_free_operator_equals_sparse_matrix():
    weight_x, weight_y = torch.rand(1, 1, 7, 9) * 5, torch.rand(1, 1, 7, 9) * 5
    values = torch.rand(1, 2, 7, 9, dtype=torch.float64)
    matrix = sparse_system(weight_x[0, 0], weight_y[0, 0])
    expected = matrix @ values[0, 1].numpy().ravel()
    ours = apply_system(values, weight_x.double(), weight_y.double())[0, 1].numpy().ravel()
    np.testing.assert_allclose(ours, expected, atol=1e-10)
    # The system conserves the mean (a diffusion): 1ᵀ(I + L) = 1ᵀ.
    np.testing.assert_allclose(np.asarray(matrix.sum(axis=0)).ravel(), 1.0, atol=1e-10)


def test_conjugate_gradient_reaches_its_tolerance():
    torch.manual_seed(1)
    weight_x, weight_y = torch.rand(2, 1, 16, 16) * 50, torch.rand(2, 1, 16, 16) * 50
    rhs = torch.rand(2, 3, 16, 16, dtype=torch.float64)
    solution = solve_system(rhs, weight_x.double(), weight_y.double(), tol=1e-8)
    residual = rhs - apply_system(solution, weight_x.double(), weight_y.double())
    assert float(residual.flatten(2).norm(dim=2).max() / rhs.flatten(2).norm(dim=2).min()) < 1e-8


def test_texture_weights_are_small_across_edges():
    weight_x, weight_y = texture_weights(_step_with_texture(), 3.0, 0.02)
    assert weight_x.shape == weight_y.shape == (1, 1, 64, 64)
    assert (weight_x[..., -1] == 0).all() and (weight_y[..., -1, :] == 0).all()
    across_edge = float(weight_x[0, 0, 8:56, 31].mean())  # the edge between columns 31 and 32
    flat = float(weight_x[0, 0, 8:56, 44].mean())
    assert across_edge < 0.01 * flat


def test_batched_equals_one_image_at_a_time():
    torch.manual_seed(2)
    images = torch.stack([_step_with_texture(16)[0], torch.rand(3, 16, 16), _step_with_texture(16)[0].flip(-1)])
    together = rtv_smooth(images, iterations=2)
    alone = torch.cat([rtv_smooth(images[i : i + 1], iterations=2) for i in range(3)])
    torch.testing.assert_close(together, alone, atol=1e-3, rtol=0)  # both within CG tolerance
    assert together.min() >= 0 and together.max() <= 1


def test_gaussian_kernel_matches_fspecial_sizes():
    # fspecial size round(5σ) | 1 with MATLAB's round: σ = 3, 1.5, 0.75, 0.5.
    assert [gaussian_kernel(s).numel() for s in (3.0, 1.5, 0.75, 0.5)] == [15, 9, 5, 3]
    torch.testing.assert_close(gaussian_kernel(1.5).sum(), torch.tensor(1.0))


def test_structure_image_ignores_the_hole_and_keeps_the_range():
    torch.manual_seed(4)
    image = torch.rand(1, 3, 32, 32) * 2 - 1
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 10:22, 8:20] = 1
    changed = torch.where(mask.bool(), -image, image)
    first, second = structure_image(image, mask), structure_image(changed, mask)
    assert torch.equal(first, second)
    assert first.shape == image.shape and first.min() >= -1 and first.max() <= 1
    assert not torch.equal(structure_image(image), structure_image(changed))  # without a mask


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_dtype_is_preserved(dtype):
    image = _step_with_texture(32).to(dtype)
    out = rtv_smooth(image, iterations=2)
    assert out.dtype == dtype and torch.isfinite(out.float()).all()
