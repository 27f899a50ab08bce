"""Gradient-domain fusion of a voted fill (Darabi et al. 2012, "Image Melding"; Pérez et
al. 2003): the hole repainted so that its *gradients* are the copied patches' and its
colours stay near the vote.

A vote that copies two pieces of the photo side by side keeps each piece's texture but
also the step in brightness between them: a copied patch of bokeh a shade lighter than
its neighbours reads as a hard-edged disc, bark copied from two places as square blocks.
Voting the sources' gradients as well, and solving the screened Poisson equation

    minimise  Σ_edges w_pq (u_p − u_q − g_pq)²  +  λ Σ_hole (u_p − c_p)²

over the hole's pixels ``u`` (``c``: the colour vote; ``g``: the voted differences;
the known pixels around the hole fixed), keeps each copy's detail while the steps where
copies meet, which no source has, spread into ramps about ``1/√λ`` pixels wide. The
screening ``λ`` keeps the vote's colours further in, so a known pixel's colour does not
bleed across the hole as in plain Poisson cloning.

Every step inside the hole is mended, large ones too (blind judges preferred a soft
meeting of two copies to a hard one, docs/experiments/2026-12-07-gradient-fusion.md).
On the rim only small steps are (:func:`_rim_weight`): a large one there is most likely
what a removal's hole was cut around, the object's last pixels, which must not spread
inwards.
"""
from __future__ import annotations

import numpy as np
from numba import njit

# (dy, dx) to the 4-neighbours: left, right, up, down (the order :func:`_system` reads).
_NEIGHBOURS = ((0, -1), (0, 1), (-1, 0), (1, 0))
MAX_ITERATIONS = 400
RESIDUAL_LEVEL = 0.3  # grey levels: the solve's accuracy (:func:`_conjugate_gradients`)
RIM_TOLERANCE = 40.0  # grey levels: a rim pixel this far off holds nothing (:func:`_rim_weight`)


def source_differences(colour: np.ndarray) -> np.ndarray:
    """``H×W×12``: the backward and forward differences of ``colour`` (``H×W×3``) in x
    and in y, the values a vote gathers to learn what steps the sources have. Order:
    backward x, forward x, backward y, forward y; zero where the neighbour is outside."""
    return _differences(colour.astype(np.float32, copy=False))


@njit(cache=True)
def _differences(colour):
    """:func:`source_differences` in one pass: each difference is written as the backward
    one of its right (lower) pixel and the forward one of its left (upper) pixel."""
    height, width = colour.shape[:2]
    differences = np.zeros((height, width, 12), np.float32)
    for y in range(height):
        for x in range(width):
            for c in range(3):
                if x > 0:
                    step = colour[y, x, c] - colour[y, x - 1, c]
                    differences[y, x, c] = step
                    differences[y, x - 1, 3 + c] = step
                if y > 0:
                    step = colour[y, x, c] - colour[y - 1, x, c]
                    differences[y, x, 6 + c] = step
                    differences[y - 1, x, 9 + c] = step
    return differences


def fuse(colour: np.ndarray, pixels: np.ndarray, voted_colour: np.ndarray, voted_differences: np.ndarray,
         screening: float) -> np.ndarray:
    """The hole's colours (``M×3`` float32, in the order of ``pixels``) that follow the
    voted differences and stay near ``voted_colour``, with the known pixels of
    ``colour`` (``H×W×3``) as the boundary. ``voted_differences``: ``M×12`` from a vote
    over :func:`source_differences`."""
    index = np.full(colour.shape[:2], -1, np.int32)
    index[pixels[:, 0], pixels[:, 1]] = np.arange(len(pixels), dtype=np.int32)
    # float32 throughout: the solve is bound by memory, not arithmetic (sums are float64).
    voted_colour = np.ascontiguousarray(voted_colour, dtype=np.float32)
    neighbours, diagonal, right_side = _system(np.ascontiguousarray(colour, dtype=np.float32), index, pixels,
                                               voted_colour, np.ascontiguousarray(voted_differences,
                                                                                  dtype=np.float32),
                                               np.float32(screening), RIM_TOLERANCE)
    return _conjugate_gradients(neighbours, diagonal, right_side, voted_colour,
                                (RESIDUAL_LEVEL * screening) ** 2 * len(pixels))


@njit(cache=True)
def _system(colour, index, pixels, voted_colour, voted_differences, screening, tolerance):
    """The normal equations (L_w + λ) u = b of the energy above: for each hole pixel its
    hole neighbours (``-1``: none), the diagonal (λ plus its edges' weights) and ``b``
    (λ·vote, each edge's weighted guidance, and the known neighbours' colours).

    An edge's guidance ``u_p − u_q`` is what p's vote says of it (its backward or
    forward difference), averaged with what q's says when q is a hole pixel too. Edges
    inside the hole weigh 1, an edge to a known pixel :func:`_rim_weight`."""
    height, width = index.shape
    count = pixels.shape[0]
    neighbours = np.full((count, 4), -1, np.int32)
    diagonal = np.full(count, screening, np.float32)
    right_side = screening * voted_colour
    guidance = np.empty(3, np.float32)
    for i in range(count):
        y, x = pixels[i, 0], pixels[i, 1]
        for side in range(4):
            dy, dx = _NEIGHBOURS[side]
            qy, qx = y + dy, x + dx
            if qy < 0 or qy >= height or qx < 0 or qx >= width:
                continue
            # Channels of voted_differences: backward x, forward x, backward y, forward y.
            # Seen from p, u_p − u_q is +backward towards the left/up neighbour and
            # −forward towards the right/down one; seen from q, the reverse of its own.
            own = 3 * (2 * (side // 2) + side % 2)
            theirs = 3 * (2 * (side // 2) + 1 - side % 2)
            sign = 1.0 if side % 2 == 0 else -1.0
            j = index[qy, qx]
            for c in range(3):
                guidance[c] = sign * voted_differences[i, own + c]
            if j >= 0:
                for c in range(3):
                    guidance[c] = 0.5 * (guidance[c] + sign * voted_differences[j, theirs + c])
                weight = np.float32(1.0)
                neighbours[i, side] = j
            else:
                weight = _rim_weight(colour[qy, qx], voted_colour[i], guidance, tolerance)
                for c in range(3):
                    right_side[i, c] += weight * colour[qy, qx, c]
            diagonal[i] += weight
            for c in range(3):
                right_side[i, c] += weight * guidance[c]
    return neighbours, diagonal, right_side


@njit(cache=True, inline="always")
def _rim_weight(known, vote, guidance, tolerance):
    """How much a known pixel next to the hole holds the fill: Tukey's biweight of how
    far it is from what the vote and the edge's guidance imply for it (``vote −
    guidance``). A step of a few grey levels — a copied patch a shade off the photo — is
    mended. A pixel ``tolerance`` or more off holds nothing: it is most likely what the
    hole was cut around (an object's last anti-aliased pixels, a speck on the rim), and
    pinning the fill to it would spread it inwards as a ghost outline. (A weight that
    only decays, such as Cauchy's, still adds up along a rim of such pixels to a pull as
    strong as the screening.)"""
    mismatch = 0.0
    for c in range(3):
        mismatch = max(mismatch, abs(known[c] - (vote[c] - guidance[c])))
    if mismatch >= tolerance:
        return np.float32(0.0)
    share = 1.0 - (mismatch / tolerance) ** 2
    return np.float32(share * share)


@njit(cache=True, inline="always")
def _apply_at(neighbours, diagonal, values, i):
    """Row ``i`` of (L_w + λ) ``values``, the three channels at once: the neighbours'
    indices are read once per pixel, not once per channel (half the solve's time)."""
    own = diagonal[i]
    red, green, blue = own * values[i, 0], own * values[i, 1], own * values[i, 2]
    for side in range(4):
        j = neighbours[i, side]
        if j >= 0:
            red -= values[j, 0]
            green -= values[j, 1]
            blue -= values[j, 2]
    return red, green, blue


@njit(cache=True)
def _conjugate_gradients(neighbours, diagonal, right_side, start, tolerance):
    """Conjugate gradients on the three channels side by side, from the vote. It stops
    once the residual's squared norm is under ``tolerance`` in every channel (the
    caller's: ``RESIDUAL_LEVEL`` grey levels times λ per pixel, so that even the slowest,
    smoothest error mode is about that many grey levels).

    One core, three passes over the pixels per step, each channel's sums in its own
    float64 scalar: a step is too short to pay for waking a second thread three times
    (on a busy machine each wake-up waits for a core; a two-thread version measured ten
    times slower there). Not ``scipy.sparse.linalg.cg``: it solves one channel at a time,
    and took three times as long on a removal's hole."""
    count = start.shape[0]
    solution = start.copy()
    residual = np.empty_like(start)
    energy = np.zeros(3)
    for i in range(count):
        applied = _apply_at(neighbours, diagonal, solution, i)
        for c in range(3):
            residual[i, c] = right_side[i, c] - applied[c]
            energy[c] += residual[i, c] * residual[i, c]
    direction = residual.copy()
    product = np.empty_like(start)
    for _ in range(MAX_ITERATIONS):
        if energy.max() <= tolerance:
            break
        curvature = _products(neighbours, diagonal, direction, product)
        step = (energy / np.maximum(curvature, 1e-30)).astype(np.float32)
        new_energy = _stepped(solution, residual, direction, product, step)
        ratio = (new_energy / np.maximum(energy, 1e-30)).astype(np.float32)
        for i in range(count):
            for c in range(3):
                direction[i, c] = residual[i, c] + ratio[c] * direction[i, c]
        energy = new_energy
    return solution


@njit(cache=True)
def _products(neighbours, diagonal, direction, product):
    """``product`` = (L_w + λ) ``direction``; returns each channel's ``direction · product``."""
    red = green = blue = 0.0
    for i in range(direction.shape[0]):
        applied = _apply_at(neighbours, diagonal, direction, i)
        product[i, 0], product[i, 1], product[i, 2] = applied
        red += direction[i, 0] * applied[0]
        green += direction[i, 1] * applied[1]
        blue += direction[i, 2] * applied[2]
    return np.array([red, green, blue])


@njit(cache=True)
def _stepped(solution, residual, direction, product, step):
    """One step along ``direction``, in place; returns each channel's new residual energy."""
    red = green = blue = 0.0
    for i in range(solution.shape[0]):
        for c in range(3):
            solution[i, c] += step[c] * direction[i, c]
            residual[i, c] -= step[c] * product[i, c]
        red += residual[i, 0] * residual[i, 0]
        green += residual[i, 1] * residual[i, 1]
        blue += residual[i, 2] * residual[i, 2]
    return np.array([red, green, blue])
