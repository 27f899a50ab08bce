"""Structure images: relative-total-variation smoothing (Xu et al. 2012, ``tsmooth.m``).

The Pyramid Generator's first layer G0 restores the *structure image* S of the ground
truth (thesis §3.2, after StructureFlow): large edges kept, fine texture flattened. RTV
finds S by iterating, with ``σ`` halved each time (floor 0.5):

1. texture weights from the current estimate ``x``
   ``w_x = 1 / max(mean_c |∂x(G_σ * x)|, 0.001) · 1 / max(mean_c |∇x|, sharpness)`` (and
   ``w_y`` likewise), zero across the right and bottom borders;
2. the sparse linear system ``(I + λ/2 · L_w) S = I`` per channel, ``L_w`` the 5-point
   graph Laplacian with those edge weights (tsmooth halves ``λ`` before use).

Here the system is solved *matrix-free*: ``L_w`` is applied as shifted differences and a
Jacobi-preconditioned conjugate gradient runs on the whole batch and all channels at once,
on any device, warm-started from the previous iteration. tsmooth uses ``pcg`` with a
modified incomplete Cholesky preconditioner but a loose tolerance of 0.1; our Jacobi
preconditioner is weaker but the tolerance tighter (relative residual 1e-3 by default), and
the result matches a direct sparse solve to ~5e-4 (tests, ``benchmarks/structure_speed.py``).

Cost: about 85 conjugate-gradient sweeps per outer iteration, ~340 in all, whatever the
size. Measured on a shared 2-core machine (1 thread, CPU time, load ≈ 10):
≈130 ms at 64², ≈380 ms at 128², ≈1.3 s at 256² (SciPy's direct solve: 93 ms, 350 ms,
2.2 s). Compute structure images at the pyramid's ¼ scale (64² for 256² crops) or cache
them; in DataLoader workers torch already runs one thread, which is what you want here.

Choices where tsmooth is a MATLAB quirk rather than the method: the Gaussian prefilter
(``fspecial`` of size ``round(5σ) | 1``) pads by replicating the border instead of
``conv2(..., 'same')``'s zeros, which darkens a frame around the image and so stops the
smoothing along the borders.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F

from .fills import fill_avoiding, push_pull_fill

Tensor = torch.Tensor

_GRADIENT_FLOOR = 0.001  # tsmooth's ``vareps`` for the blurred (windowed) gradients


def gaussian_kernel(sigma: float, device=None, dtype=torch.float32) -> Tensor:
    """1-D Gaussian of ``fspecial('gaussian', [1, round(5σ) | 1], σ)``, summing to 1."""
    size = int(math.floor(5 * sigma + 0.5)) | 1  # MATLAB's round (half away from zero)
    offsets = torch.arange(size, device=device, dtype=dtype) - (size - 1) / 2
    kernel = torch.exp(-offsets.square() / (2 * sigma * sigma))
    return kernel / kernel.sum()


def _blur(images: Tensor, sigma: float) -> Tensor:
    """Separable Gaussian per channel, replicate padding; ``B×C×H×W`` → same."""
    kernel = gaussian_kernel(sigma, images.device, images.dtype)
    channels, half = images.shape[1], kernel.numel() // 2
    horizontal = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    vertical = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    out = F.conv2d(F.pad(images, (half, half, 0, 0), mode="replicate"), horizontal, groups=channels)
    return F.conv2d(F.pad(out, (0, 0, half, half), mode="replicate"), vertical, groups=channels)


def _forward_differences(images: Tensor) -> tuple[Tensor, Tensor]:
    """``x[:, :, :, j+1] − x[:, :, :, j]`` and the vertical one, zero in the last
    column / row (MATLAB ``diff`` + ``padarray(..., 'post')``)."""
    dx = F.pad(images[..., 1:] - images[..., :-1], (0, 1))
    dy = F.pad(images[..., 1:, :] - images[..., :-1, :], (0, 0, 0, 1))
    return dx, dy


def texture_weights(estimate: Tensor, sigma: float, sharpness: float) -> tuple[Tensor, Tensor]:
    """tsmooth's ``computeTextureWeights``: ``B×C×H×W`` → ``(w_x, w_y)``, each ``B×1×H×W``.

    ``w_x[..., j]`` weighs the edge between columns ``j`` and ``j+1`` (0 for the last
    column), ``w_y`` the edge between rows. Large where both the pixel gradient and the
    windowed (blurred) gradient are small, i.e. in flat regions and fine texture; small
    across real edges, whose windowed gradient stays large (the "relative" in RTV).
    """
    dx, dy = _forward_differences(estimate)
    pixel = 1.0 / torch.sqrt(dx.square() + dy.square()).mean(1, keepdim=True).clamp_min(sharpness)
    gdx, gdy = _forward_differences(_blur(estimate, sigma))
    weight_x = pixel / gdx.abs().mean(1, keepdim=True).clamp_min(_GRADIENT_FLOOR)
    weight_y = pixel / gdy.abs().mean(1, keepdim=True).clamp_min(_GRADIENT_FLOOR)
    weight_x[..., -1] = 0.0
    weight_y[..., -1, :] = 0.0
    return weight_x, weight_y


def apply_system(values: Tensor, weight_x: Tensor, weight_y: Tensor) -> Tensor:
    """``(I + L_w) s`` matrix-free: ``values`` ``B×C×H×W``, weights ``B×1×H×W`` (already
    times λ/2). Each edge's flux ``w·(s_k − s_j)`` leaves one pixel and enters the other."""
    stencil = _Stencil(weight_x, weight_y)
    return stencil.apply(values.flatten(2)).view_as(values)


class _Stencil:
    """The 5-point operator ``I + L_w`` on row-major flattened images (``B×C×(H·W)``).

    Flattened, the east neighbour is at offset 1 and the south one at offset ``W``, so
    every product is a contiguous slice (strided 2-D slices were 1.5× slower here). The
    east weight of the last column is zeroed, which also cancels the wrap-around from one
    row's end to the next row's start.
    """

    def __init__(self, weight_x: Tensor, weight_y: Tensor) -> None:
        self.width = weight_x.shape[-1]
        east = weight_x.clone()
        east[..., -1] = 0.0
        self.east = east.flatten(2)  # B×1×N
        self.south = weight_y.flatten(2)
        self.diagonal = system_diagonal(weight_x, weight_y).flatten(2)

    def apply(self, values: Tensor, out: Optional[Tensor] = None) -> Tensor:
        """``values`` ``B×C×N`` → ``(I + L_w)·values`` (into ``out`` when given: the
        conjugate gradient calls this hundreds of times; in-place products save the
        temporaries)."""
        width, east, south = self.width, self.east[..., :-1], self.south[..., : -self.width]
        out = torch.mul(self.diagonal, values, out=out)
        out[..., :-1].addcmul_(east, values[..., 1:], value=-1.0)
        out[..., 1:].addcmul_(east, values[..., :-1], value=-1.0)
        out[..., :-width].addcmul_(south, values[..., width:], value=-1.0)
        out[..., width:].addcmul_(south, values[..., :-width], value=-1.0)
        return out


def system_diagonal(weight_x: Tensor, weight_y: Tensor) -> Tensor:
    """Diagonal of ``I + L_w``: 1 plus the weights of the (up to) four edges of a pixel.
    The last column of ``w_x`` and last row of ``w_y`` belong to no edge and are ignored."""
    east, south = weight_x[..., :-1], weight_y[..., :-1, :]
    return (1.0 + F.pad(east, (0, 1)) + F.pad(east, (1, 0))
            + F.pad(south, (0, 0, 0, 1)) + F.pad(south, (0, 0, 1, 0)))


def solve_system(
    rhs: Tensor,
    weight_x: Tensor,
    weight_y: Tensor,
    initial: Optional[Tensor] = None,
    tol: float = 1e-3,
    max_iter: int = 1000,
    check_every: int = 4,
) -> Tensor:
    """Solve ``(I + L_w) S = rhs`` for every image and channel with Jacobi-preconditioned
    conjugate gradients (``B×C`` independent systems, one shared sweep per iteration).

    Stops when every system's relative residual ``‖r‖/‖rhs‖`` is below ``tol`` (checked
    every ``check_every`` sweeps: the check synchronises a GPU) or after ``max_iter``
    sweeps. ``rhs`` ``B×C×H×W``; weights ``B×1×H×W``, times λ/2.
    """
    stencil = _Stencil(weight_x, weight_y)
    inverse_diagonal = 1.0 / stencil.diagonal
    target = rhs.flatten(2)  # B×C×N
    solution = (rhs if initial is None else initial).flatten(2).clone()
    residual = target - stencil.apply(solution)
    threshold = tol * target.norm(dim=2).clamp_min(1e-12)  # B×C
    preconditioned = residual * inverse_diagonal
    direction = preconditioned.clone()
    product = torch.empty_like(direction)
    rho = _dot(residual, preconditioned)
    for sweep in range(max_iter):
        if sweep % check_every == 0 and bool((residual.norm(dim=2) < threshold).all()):
            break
        stencil.apply(direction, out=product)
        step = (rho / _dot(direction, product).clamp_min(1e-30))[..., None]
        solution.addcmul_(step, direction)
        residual.addcmul_(step, product, value=-1.0)
        torch.mul(residual, inverse_diagonal, out=preconditioned)
        rho_next = _dot(residual, preconditioned)
        direction.mul_((rho_next / rho.clamp_min(1e-30))[..., None]).add_(preconditioned)
        rho = rho_next
    return solution.view_as(rhs)


def _dot(a: Tensor, b: Tensor) -> Tensor:
    """Per-system inner product: ``B×C×N`` × 2 → ``B×C``."""
    return (a * b).sum(dim=2)


@torch.no_grad()
def rtv_smooth(
    images: Tensor,
    lam: float = 0.01,
    sigma: float = 3.0,
    sharpness: float = 0.02,
    iterations: int = 4,
    tol: float = 1e-3,
) -> Tensor:
    """RTV edge-preserving smoothing (tsmooth defaults), batched, on ``images``' device.

    Args:
        images: ``B×C×H×W`` in [0, 1] (any float dtype; solved in float32 at least).
        lam: smoothness λ (tsmooth halves it before building the system).
        sigma: texture scale of the first iteration; halved each iteration, floor 0.5.
        sharpness: floor of the pixel gradient (smaller keeps sharper edges).
        iterations: outer iterations (weights re-estimated from the last result).
        tol: relative residual at which conjugate gradients stop.

    Returns:
        the structure image, same shape and dtype, values close to [0, 1] (the solution of a
        diffusion system: a convex-like average of the input, no clamping needed in theory;
        we clamp to [0, 1] against round-off).
    """
    if images.dim() != 4:
        raise ValueError(f"expected B×C×H×W images, got shape {tuple(images.shape)}")
    source = images.float() if images.dtype in (torch.float16, torch.bfloat16) else images
    estimate, sigma_now = source, sigma
    for _ in range(iterations):
        weight_x, weight_y = texture_weights(estimate, sigma_now, sharpness)
        estimate = solve_system(source, weight_x * (lam / 2), weight_y * (lam / 2), estimate, tol=tol)
        sigma_now = max(sigma_now / 2.0, 0.5)
    return estimate.clamp(0.0, 1.0).to(images.dtype)


def sparse_system(weight_x: Tensor, weight_y: Tensor):
    """``I + L_w`` as a SciPy sparse matrix for one image (weights ``H×W``, times λ/2),
    assembled edge by edge, pixels in row-major order: the explicit form of what
    :func:`apply_system` does matrix-free (used to check it, and by
    :func:`rtv_smooth_direct`)."""
    import numpy as np
    from scipy import sparse

    height, width = weight_x.shape
    index = np.arange(height * width).reshape(height, width)
    wx, wy = weight_x.double().cpu().numpy(), weight_y.double().cpu().numpy()
    heads = [index[:, :-1].ravel(), index[:-1, :].ravel()]
    tails = [index[:, 1:].ravel(), index[1:, :].ravel()]
    weights = [wx[:, :-1].ravel(), wy[:-1, :].ravel()]
    head, tail, weight = (np.concatenate(parts) for parts in (heads, tails, weights))
    laplacian = sparse.coo_matrix((-weight, (head, tail)), shape=(height * width,) * 2)
    laplacian = laplacian + laplacian.T
    degree = -np.asarray(laplacian.sum(axis=1)).ravel()
    return (sparse.identity(height * width) + laplacian + sparse.diags(degree)).tocsc()


@torch.no_grad()
def rtv_smooth_direct(
    images: Tensor, lam: float = 0.01, sigma: float = 3.0, sharpness: float = 0.02, iterations: int = 4
) -> Tensor:
    """:func:`rtv_smooth` with every linear system solved *exactly* by a sparse direct
    solver (SciPy ``spsolve``, float64, CPU), as tsmooth does without ``ichol``. Slow
    (seconds at 256²): the reference that the conjugate-gradient version is checked
    against. ``B×C×H×W`` in [0, 1] → same."""
    from scipy.sparse.linalg import spsolve

    source = images.detach().cpu().double()
    estimate, sigma_now = source, sigma
    for _ in range(iterations):
        weight_x, weight_y = texture_weights(estimate, sigma_now, sharpness)
        solved = torch.empty_like(source)
        for b in range(source.shape[0]):
            system = sparse_system(weight_x[b, 0] * (lam / 2), weight_y[b, 0] * (lam / 2))
            rhs = source[b].flatten(1).T.numpy()  # (H·W)×C
            solved[b] = torch.from_numpy(spsolve(system, rhs).reshape(-1, source.shape[1]).T.copy()).view_as(source[b])
        estimate, sigma_now = solved, max(sigma_now / 2.0, 0.5)
    return estimate.clamp(0.0, 1.0).to(images)


def structure_image(image: Tensor, mask: Optional[Tensor] = None, avoid: Optional[Tensor] = None,
                    **rtv_options) -> Tensor:
    """The RTV structure image of a model input.

    Args:
        image: ``B×3×H×W`` in [-1, 1].
        mask: optional ``B×1×H×W``, 1 = hole. The hole is filled by
            :func:`~inpaintkit.fills.push_pull_fill`
            *before* smoothing, so the result does not depend on hole pixels at all.
        avoid: optional ``B×1×H×W`` guidance map (1 = known pixels the hole must not be
            filled from, :func:`~inpaintkit.fills.fill_avoiding`); only with ``mask``.
        rtv_options: passed to :func:`rtv_smooth` (``lam``, ``sigma``, ``sharpness``,
            ``iterations``, ``tol``).

    Returns:
        ``B×3×H×W`` in [-1, 1], not masked: the model multiplies by ``1 − M`` itself where
        it wants to.
    """
    unit = (image.detach() + 1.0) / 2.0
    if mask is not None:
        unit = fill_avoiding(push_pull_fill, unit, mask.detach(), None if avoid is None else avoid.detach())
    return rtv_smooth(unit, **rtv_options) * 2.0 - 1.0
