"""Classical hole fills: known pixels kept, hole pixels never read, and the harmonic fill
equal to a direct sparse solve of Laplace's equation."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sparse
from scipy.sparse.linalg import spsolve
import torch
import torch.nn.functional as F

from inpaintkit.fills import base_fill, fill_avoiding, harmonic_fill, navier_stokes_fill, push_pull_fill


def _holes(height=33, width=40):
    mask = torch.zeros(2, 1, height, width)
    mask[0, :, 5:20, 8:30] = 1
    mask[1, :, :, :20] = 1  # half the image, touching three borders
    return mask


@pytest.mark.parametrize("fill", [push_pull_fill, harmonic_fill, navier_stokes_fill])
def test_a_fill_uses_known_pixels_only(fill):
    torch.manual_seed(3)
    image = torch.rand(2, 3, 33, 40)
    mask = _holes()
    filled = fill(image, mask)
    known = (mask == 0).expand_as(image)
    assert torch.equal(filled[known], image[known])
    other = torch.where(mask.bool(), torch.rand_like(image) * 100, image)
    assert torch.equal(fill(other, mask), filled)
    # a maximum principle: a fill from the known values stays within their range
    assert filled.min() >= image.min() - 1e-6 and filled.max() <= image.max() + 1e-6
    assert torch.isfinite(fill(image, torch.ones(2, 1, 33, 40))).all()


def _red_neighbour(size=32):
    """A grey image with a red strip touching the left side of a square hole."""
    image = torch.full((1, 3, size, size), 0.5)
    mask = torch.zeros(1, 1, size, size)
    mask[..., 8:24, 12:24] = 1
    strip = torch.zeros_like(mask)
    strip[..., 4:28, 4:12] = 1
    image[:, 0:1] = torch.where(strip > 0, torch.ones_like(strip), image[:, 0:1])
    return image, mask, strip


@pytest.mark.parametrize("fill", [push_pull_fill, harmonic_fill, navier_stokes_fill])
def test_fill_avoiding_takes_nothing_from_the_avoided_pixels(fill):
    image, mask, strip = _red_neighbour()
    hole = mask.bool().expand_as(image)
    plain = fill(image, mask)
    assert torch.equal(fill_avoiding(fill, image, mask, None), plain)
    assert plain[:, 0:1][mask.bool()].mean() > 0.55  # red diffuses in from the strip
    guided = fill_avoiding(fill, image, mask, strip)
    assert torch.allclose(guided[hole], torch.full_like(guided[hole], 0.5), atol=1e-3)  # grey only
    assert torch.equal(guided[~hole], image[~hole])  # the strip itself is kept, as every known pixel


def test_fill_avoiding_a_map_that_forbids_everything_is_the_plain_fill():
    image, mask, _ = _red_neighbour()
    everything = 1.0 - mask
    assert torch.equal(fill_avoiding(push_pull_fill, image, mask, everything), push_pull_fill(image, mask))


def _direct_harmonic(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Laplace's equation on the hole pixels, reflecting borders, by SciPy's direct solve
    (``image`` H×W, ``hole`` H×W bool): the reference for the conjugate gradients."""
    height, width = hole.shape
    ys, xs = np.nonzero(hole)
    index = -np.ones(hole.shape, int)
    index[ys, xs] = np.arange(len(ys))
    rows, cols, values, rhs = [], [], [], np.zeros(len(ys))
    for k, (y, x) in enumerate(zip(ys, xs)):
        rows.append(k), cols.append(k), values.append(4.0)
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            ny, nx = min(max(ny, 0), height - 1), min(max(nx, 0), width - 1)  # beyond the border: itself
            if hole[ny, nx]:
                rows.append(k), cols.append(index[ny, nx]), values.append(-1.0)
            else:
                rhs[k] += image[ny, nx]
    system = sparse.csc_matrix((values, (rows, cols)), shape=(len(ys), len(ys)))
    solved = image.copy()
    solved[ys, xs] = spsolve(system, rhs)
    return solved


def test_the_harmonic_fill_matches_a_direct_solve():
    rng = np.random.default_rng(0)
    image = torch.from_numpy(rng.random((2, 3, 96, 80)).astype(np.float32))
    mask = torch.zeros(2, 1, 96, 80)
    mask[0, :, 10:70, 20:50] = 1
    mask[1, :, 40:, :30] = 1  # a hole on the border
    filled = harmonic_fill(image, mask, tolerance=1e-6)
    for b in range(2):
        for c in range(3):
            reference = _direct_harmonic(image[b, c].numpy(), mask[b, 0].numpy() > 0)
            np.testing.assert_allclose(filled[b, c].numpy(), reference, atol=2e-4)
    # the default tolerance: close enough for a base image (measured ~3e-3 mean at 512²)
    loose = harmonic_fill(image, mask)
    assert ((loose - filled).abs() * mask).sum() / (6 * mask.sum()) < 5e-3


def test_the_harmonic_fill_continues_a_linear_ramp_exactly():
    """A linear ramp is harmonic, so a hole in it is filled with the ramp itself
    (push–pull only blurs towards the mean)."""
    ramp = torch.linspace(-1, 1, 64).expand(1, 3, 64, 64).clone()
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 16:48, 10:54] = 1
    hole_error = lambda filled: ((filled - ramp).abs() * mask).sum() / (3 * mask.sum())  # noqa: E731
    assert hole_error(harmonic_fill(ramp, mask, tolerance=1e-5)) < 1e-4
    assert hole_error(push_pull_fill(ramp, mask)) > 0.01


def test_a_given_coarse_solution_replaces_the_recursive_warm_start():
    """Any half-size first guess reaches the same answer (to the tolerance); the exact
    half-size solution gives the recursive path's result bit for bit."""
    rng = np.random.default_rng(2)
    image = torch.from_numpy(rng.random((2, 3, 128, 128)).astype(np.float32))
    mask = _holes(128, 128)
    coarse_image = F.avg_pool2d(image * (1 - mask), 2)
    coarse_mask = F.max_pool2d(mask, 2)
    exact = harmonic_fill(coarse_image * (1 - coarse_mask), coarse_mask)
    recursive = harmonic_fill(image, mask)
    assert torch.equal(harmonic_fill(image, mask, coarse_solution=exact), recursive)
    from_noise = harmonic_fill(image, mask, tolerance=1e-6, coarse_solution=torch.rand_like(exact))
    assert ((from_noise - harmonic_fill(image, mask, tolerance=1e-6)).abs() * mask).max() < 1e-3


def test_the_harmonic_fill_ignores_autocast_and_keeps_the_dtype():
    image = torch.rand(1, 3, 32, 32, dtype=torch.bfloat16)
    mask = _holes(32, 32)[:1]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        filled = harmonic_fill(image, mask)
    assert filled.dtype == torch.bfloat16
    reference = harmonic_fill(image.float(), mask)
    assert (filled.float() - reference).abs().max() < 0.02  # bf16 rounding of the result only


def test_base_fill_names():
    assert base_fill("harmonic") is harmonic_fill and base_fill("push-pull") is push_pull_fill
    assert base_fill("navier-stokes") is navier_stokes_fill
    with pytest.raises(ValueError, match="unknown base fill 'telea'"):
        base_fill("telea")


def test_navier_stokes_carries_an_edge_across_the_hole_that_the_harmonic_fill_blurs():
    """A vertical step edge (−1 | 1) crossed by a horizontal band of hole: transport along
    isophotes keeps the step, diffusion spreads it over the whole width of the image."""
    image = torch.full((1, 1, 64, 64), -1.0)
    image[..., 32:] = 1.0
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 20:44, :] = 1

    def hole_error(filled):
        return ((filled - image).abs() * mask).sum() / mask.sum()

    transported, diffused = navier_stokes_fill(image * (1 - mask), mask), harmonic_fill(image * (1 - mask), mask)
    assert hole_error(transported) < 0.7 * hole_error(diffused)
    def flat_away_from_the_edge(filled):  # the middle row of the hole, 8+ px from the edge
        middle = filled[0, 0, 32]
        return bool(middle[:24].max() < -0.9 and middle[48:].min() > 0.8)

    assert flat_away_from_the_edge(transported) and not flat_away_from_the_edge(diffused)


def test_navier_stokes_keeps_device_and_dtype():
    image, mask = torch.rand(3, 3, 24, 24, dtype=torch.float64), _holes(24, 24).repeat(2, 1, 1, 1)[:3]
    filled = navier_stokes_fill(image, mask)
    assert filled.dtype == torch.float64 and filled.shape == image.shape
    assert torch.equal(navier_stokes_fill(image, torch.zeros_like(mask)), image)  # nothing to fill


def test_harmonic_fill_regions_equals_the_whole_image_solve():
    """Solving each group of holes in its own crop is exact: the harmonic fill of a hole
    depends only on the known pixels around it."""
    from inpaintkit.fills import harmonic_fill, harmonic_fill_regions

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (80, 120, 3)).astype(np.uint8)
    hole = np.zeros((80, 120), bool)
    hole[20:40:3, 10:100] = True         # strokes of a "line"
    hole[60:70, 5:25] = True             # a separate blob
    regions = harmonic_fill_regions(image, hole)
    tensor = torch.from_numpy(image.copy()).permute(2, 0, 1)[None].float() / 255
    whole = harmonic_fill(tensor, torch.from_numpy(hole)[None, None].float())[0].permute(1, 2, 0).numpy()
    whole = np.clip(whole * 255 + 0.5, 0, 255).astype(np.uint8)
    assert np.abs(regions.astype(int) - whole.astype(int))[hole].max() <= 1
    np.testing.assert_array_equal(regions[~hole], image[~hole])
