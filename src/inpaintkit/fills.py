"""Classical hole fills from the known pixels alone: the images that ``residual`` model
stages correct (:mod:`inpaintkit.models.gated`), the hole pre-fill before RTV smoothing
(:mod:`inpaintkit.structure`), and the ``push-pull`` and ``diffusion`` benchmark methods.

- :func:`push_pull_fill`: a mask-weighted image pyramid. One pass, ~15 ms at 512² on a
  CPU, smooth; a good first guess, not a solution of anything.
- :func:`harmonic_fill`: the solution of Laplace's equation in the hole with the known
  pixels as boundary values (the "diffusion" of classical inpainting): each hole pixel is
  the mean of its four neighbours. It is the smoothest fill, which is what PSNR and SSIM
  reward: on the validation photos at 512²
  (free-form 10–20 %) 29.9 dB against OpenCV Navier–Stokes' 28.7 and Telea's 28.1 (L1
  0.0116, between them). Solved matrix-free by conjugate gradients on the whole batch on
  any device, warm-started coarse-to-fine: ~0.7 s at 512² on 2 CPU cores; at the default
  tolerance its hole pixels differ from a direct sparse solve by ~0.003 on average (image
  in [0, 1]): under one grey level of an 8-bit image.
- :func:`navier_stokes_fill`: OpenCV's Navier–Stokes inpainting, the benchmark's ``ns``
  method, in float32: it carries the edges that meet the hole into it along their
  direction, where the harmonic fill blurs them (edge F1 in the hole 0.64 against 0.44,
  free-form 10–20 %), at ~1.2 dB less PSNR. As a model's base it keeps that structure;
  an L1 fine-tune on it ends at Navier–Stokes' own numbers
  (``docs/experiments/2026-11-26-navier-stokes-base.md``).

All fills take ``images`` ``B×C×H×W`` (any value range) and ``mask`` ``B×1×H×W`` (1 =
hole) and return ``B×C×H×W`` with the known pixels unchanged; they never read hole pixels.
:func:`fill_avoiding` runs any of them with a guidance map's pixels left out as sources.
They are fixed pre-processing, not learned: the harmonic fill runs in float32 with
autograd and autocast off, whatever the caller uses; the Navier–Stokes fill in float32 on
the CPU, outside autograd.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

import cv2
import torch
import torch.nn.functional as F

Tensor = torch.Tensor


def push_pull_fill(images: Tensor, mask: Tensor) -> Tensor:
    """Fill the hole by push–pull (a mask-weighted image pyramid): coarse levels average
    what is known, finer levels blend it in where their own pixels are unknown. An image
    without any known pixel becomes 0."""
    known = 1.0 - (mask > 0.5).to(images.dtype)
    return _push_pull(images * known, known)


def _push_pull(weighted: Tensor, known: Tensor) -> Tensor:
    """``weighted = image·k``, ``known = k`` in [0, 1] → filled image ``B×C×H×W``."""
    height, width = known.shape[-2:]
    if height == 1 and width == 1 or bool((known > 0).all()):
        return weighted / known.clamp_min(1e-12)
    # Halve (rounding up); the ratio sum(weighted)/sum(known) is what matters, so the
    # divisor of the partial windows at odd sizes cancels out.
    coarse = _push_pull(F.avg_pool2d(weighted, 2, ceil_mode=True), F.avg_pool2d(known, 2, ceil_mode=True))
    upsampled = F.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)
    # ``known`` is the fraction of known pixels under a cell: blend by it (0 → all coarse).
    colour = weighted / known.clamp_min(1e-12)
    return known * colour + (1.0 - known) * upsampled


def harmonic_fill(images: Tensor, mask: Tensor, tolerance: float = 1e-3, max_iterations: int = 500,
                  coarse_solution: Optional[Tensor] = None) -> Tensor:
    """Solve ``Δu = 0`` in the hole, ``u = image`` on the known pixels (reflecting image
    borders), by conjugate gradients until every image's and channel's relative residual
    is below ``tolerance`` (or ``max_iterations``). An image without any known pixel
    becomes 0.

    The first guess is the same problem solved at half size (recursively). A caller that
    has already solved it, such as a pyramid's layer below on its average-pooled input and
    max-pooled mask, passes that solution as ``coarse_solution`` (``B×C×⌈H/2⌉×⌈W/2⌉``) and
    saves the work. Any image of that size is a valid first guess: the answer meets the
    same tolerance, only the number of iterations depends on it. Like the recursion, it is
    used only where both sides are at least 64 px; smaller images start from push–pull."""
    with torch.no_grad(), torch.autocast(images.device.type, enabled=False):
        hole = (mask > 0.5).float()
        coarse = None if coarse_solution is None else coarse_solution.float()
        filled = _harmonic(images.float(), hole, tolerance, max_iterations, coarse)
    return filled.to(images.dtype)


def _harmonic(images: Tensor, hole: Tensor, tolerance: float, max_iterations: int,
              coarse: Optional[Tensor] = None, min_side: int = 32) -> Tensor:
    """:func:`harmonic_fill` on float32 ``images`` and a {0, 1} ``hole``, warm-started
    from the half-size solution (``coarse``, or else solved recursively down to
    ``min_side``)."""
    if not bool(hole.any()):
        return images.clone()
    known = 1.0 - hole
    height, width = hole.shape[-2:]
    if min(height, width) >= 2 * min_side:
        # Warm start from the same problem at half size (a coarse pixel is hole if any of
        # its pixels is): conjugate gradients then only has to fix the fine detail.
        if coarse is None:
            coarse_hole = F.max_pool2d(hole, 2, ceil_mode=True)
            coarse_known = F.avg_pool2d(known, 2, ceil_mode=True)
            coarse = F.avg_pool2d(images * known, 2, ceil_mode=True) / coarse_known.clamp_min(1e-12)
            coarse = _harmonic(coarse * (1.0 - coarse_hole), coarse_hole, tolerance, max_iterations,
                               min_side=min_side)
        guess = F.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)
    else:
        guess = push_pull_fill(images, hole)
    return _conjugate_gradients(images * known, hole, guess * hole, tolerance, max_iterations) + images * known


def _neighbour_sum(u: Tensor) -> Tensor:
    """Sum of the four neighbours of every pixel; a neighbour beyond the border is the
    pixel itself (replicate padding: no flux through the image border)."""
    # Four shifted views of one padded copy, added: the same sum as a depthwise 3×3
    # convolution with the cross-shaped kernel, and it runs once per conjugate-gradient
    # sweep. On a CPU the whole fill of a 512² image is 3.4× faster this way (1.0 s
    # against 0.29 s on 2 threads, benchmarks/kernels.py).
    padded = F.pad(u, (1, 1, 1, 1), mode="replicate")
    return (padded[..., :-2, 1:-1] + padded[..., 2:, 1:-1]) + (padded[..., 1:-1, :-2] + padded[..., 1:-1, 2:])


def _conjugate_gradients(known_part: Tensor, hole: Tensor, guess: Tensor, tolerance: float,
                         max_iterations: int) -> Tensor:
    """The hole pixels ``u`` of ``A u = b``: ``A u = 4u − Σ hole neighbours`` (symmetric
    positive definite as long as the hole touches a known pixel), ``b = Σ known
    neighbours``. Every image and channel is its own system, solved side by side."""
    def apply(u: Tensor) -> Tensor:
        return hole * (4.0 * u - _neighbour_sum(u * hole))

    def dot(a: Tensor, b: Tensor) -> Tensor:
        return (a * b).sum((2, 3), keepdim=True)

    rhs = hole * _neighbour_sum(known_part)
    solution, residual = guess, rhs - apply(guess)
    direction, residual_norm = residual, dot(residual, residual)
    # The floor stops a system whose known neighbours are all 0 from chasing rounding noise.
    target = (tolerance ** 2 * dot(rhs, rhs)).clamp_min(1e-20)
    for iteration in range(1, max_iterations + 1):
        product = apply(direction)
        step = residual_norm / dot(direction, product).clamp_min(1e-30)
        solution = solution + step * direction
        residual = residual - step * product
        new_norm = dot(residual, residual)
        # Checking convergence syncs a GPU with the host: every 10th sweep only.
        if iteration % 10 == 0 and bool((new_norm <= target).all()):
            break
        direction = residual + new_norm / residual_norm.clamp_min(1e-30) * direction
        residual_norm = new_norm
    return solution


def navier_stokes_fill(images: Tensor, mask: Tensor, radius: int = 3) -> Tensor:
    """Fill the hole by OpenCV's Navier–Stokes inpainting (Bertalmío, Bertozzi & Sapiro,
    2001): image smoothness is transported along the isophotes, so an edge that meets the
    hole is carried into it instead of diffused away. ``radius`` 3 is the benchmark's
    ``ns`` method's (OpenCV's own sample). An image without any known pixel becomes 0.

    OpenCV takes colour images as 8-bit only, so each channel is filled on its own in
    float32: the same algorithm (the marching order depends on the mask alone) without
    rounding the base a model corrects to 256 levels. It runs on the CPU, one call per image
    and channel spread over threads (OpenCV releases the GIL): ~2 ms per channel at 128²,
    ~18 ms at 512²; a GPU batch makes the round trip through host memory."""
    in_hole = mask > 0.5
    hole = in_hole.to(torch.uint8).cpu().numpy()[:, 0]
    array = (images.detach().float() * ~in_hole).cpu().numpy()
    filled = array.copy()
    jobs = [(b, c) for b in range(array.shape[0]) if hole[b].any() for c in range(array.shape[1])]

    def fill_one(job: tuple[int, int]) -> None:
        b, c = job
        filled[b, c] = 0.0 if hole[b].all() else cv2.inpaint(array[b, c], hole[b], radius, cv2.INPAINT_NS)

    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1) or 1) as pool:
        list(pool.map(fill_one, jobs))
    # Known pixels from the input itself, not the float32 copy: unchanged in any dtype.
    return torch.where(in_hole, torch.from_numpy(filled).to(images.device, images.dtype), images)


def fill_avoiding(fill: Callable[..., Tensor], images: Tensor, mask: Tensor, avoid: Optional[Tensor] = None,
                  **options) -> Tensor:
    """``fill(images, mask, **options)`` with the hole's boundary values taken only from known
    pixels *outside* ``avoid`` (``B×1×H×W``, 1 = a known pixel not to fill from: the guidance
    map of thesis §5.4). The avoided pixels keep their own values in the result; they only
    stop being a source. ``avoid=None`` is the plain fill.

    Why: the guidance map keeps contextual attention from copying a neighbour's patches
    into the hole, but a residual stage's base fill is a second way in: a harmonic fill
    diffuses whatever touches the hole, the neighbour included, and the stage only corrects
    it. An image whose every known pixel is avoided is filled as if none were: a map that
    forbids everything cannot be followed, and a fill from nothing would be flat grey."""
    if avoid is None:
        return fill(images, mask, **options)
    hole = mask > 0.5
    excluded = hole | (avoid > 0.5)
    nothing_left = excluded.flatten(1).all(1).view(-1, 1, 1, 1)
    excluded = torch.where(nothing_left, hole, excluded)
    filled = fill(images, excluded.to(mask.dtype), **options)
    return torch.where(hole, filled, images)


#: The bases a ``residual`` model can correct, by the name its config gives.
BASE_FILLS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "push-pull": push_pull_fill,
    "harmonic": harmonic_fill,
    "navier-stokes": navier_stokes_fill,
}


def base_fill(name: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The fill called ``name`` in :data:`BASE_FILLS`; ``ValueError`` for another name."""
    if name not in BASE_FILLS:
        raise ValueError(f"unknown base fill {name!r}; choose one of {', '.join(BASE_FILLS)}")
    return BASE_FILLS[name]


def harmonic_fill_regions(image, mask, guidance=None, group: int = 15):
    """:func:`harmonic_fill` of a uint8 RGB ``H×W×3`` image's ``mask`` (``H×W`` bool),
    solved crop by crop: ``(image, mask, guidance=None) -> image``, the inpainter
    interface of object removal. ``guidance`` is accepted and unused (the harmonic fill
    copies no patches).

    Exact, not an approximation: the harmonic fill of a hole depends only on the known
    pixels bordering it, so each group of holes (holes closer than ``group`` px share a
    crop) is solved in its bounding box grown by 2 px. Text strokes cover ~1–5 % of a
    photo in a few lines: crops of a few hundred by a few dozen pixels, milliseconds each,
    where the whole photo would take seconds."""
    import numpy as np

    hole = np.asarray(mask, bool)
    out = np.array(image, copy=True)
    grouped = cv2.dilate(hole.astype(np.uint8), np.ones((group, group), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    height, width = hole.shape
    for index in range(1, count):
        x, y, w, h = stats[index, :4]
        x0, y0 = max(0, x - 2), max(0, y - 2)
        x1, y1 = min(width, x + w + 2), min(height, y + h + 2)
        crop = torch.from_numpy(np.ascontiguousarray(out[y0:y1, x0:x1])).permute(2, 0, 1)[None].float() / 255
        crop_hole = torch.from_numpy(hole[y0:y1, x0:x1])[None, None].float()
        filled = harmonic_fill(crop, crop_hole)[0].permute(1, 2, 0).numpy()
        region = hole[y0:y1, x0:x1]
        out[y0:y1, x0:x1][region] = np.clip(filled * 255 + 0.5, 0, 255).astype(np.uint8)[region]
    return out
