"""Nearest-neighbour fields by PatchMatch (Barnes et al. 2009), compiled with numba.

A nearest-neighbour field (NNF) maps each *target* patch centre (a patch that overlaps
the hole) to the centre of a *source* patch (a patch made only of pixels the fill may copy
from). Patches are ``(2r+1)²`` pixels of a ``H×W×C`` float32 feature image (colour plus
texture and guide channels, :mod:`inpaintkit.synthesis.features`); their distance is the
sum of squared differences over all channels.

Targets are passed as a list of centres in raster order with an ``H×W`` index map
(``-1`` where no target), so that one search touches only the hole and its rim: the cost
grows with the hole, not with the photo.

The search is serial and draws its random numbers from numba's generator seeded once per
call: the same inputs and seed give the same field, byte for byte.
"""
from __future__ import annotations

import numpy as np
from numba import njit

INFINITY = np.float32(3.0e38)


@njit(cache=True, nogil=True)
def patch_distance(features, ty, tx, sy, sx, radius, give_up):
    """Squared distance of the patches centred at (ty, tx) and (sy, sx); stops adding
    once the sum exceeds ``give_up`` (the caller only needs to know it lost)."""
    channels = features.shape[2]
    total = np.float32(0.0)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            for c in range(channels):
                diff = features[ty + dy, tx + dx, c] - features[sy + dy, sx + dx, c]
                total += diff * diff
        if total > give_up:
            return total
    return total


@njit(cache=True, nogil=True)
def field_costs(features, targets, field, radius, penalty):
    """The distance of each target patch to its current match, plus the match's
    ``penalty`` (an ``H×W`` cost of using a source centre, e.g. for unknown pixels in it)."""
    costs = np.empty(targets.shape[0], np.float32)
    for i in range(targets.shape[0]):
        sy, sx = field[i, 0], field[i, 1]
        costs[i] = penalty[sy, sx] + patch_distance(features, targets[i, 0], targets[i, 1], sy, sx, radius, INFINITY)
    return costs


@njit(cache=True, nogil=True)
def _candidate_cost(features, ty, tx, sy, sx, radius, penalty, best):
    extra = penalty[sy, sx]
    if extra >= best:
        return extra
    return extra + patch_distance(features, ty, tx, sy, sx, radius, best - extra)


@njit(cache=True, nogil=True)
def random_field(targets, sources, seed):
    """Each target matched to a source drawn uniformly from ``sources`` (N×2)."""
    np.random.seed(seed)
    field = np.empty_like(targets)
    for i in range(targets.shape[0]):
        k = np.random.randint(0, sources.shape[0])
        field[i, 0] = sources[k, 0]
        field[i, 1] = sources[k, 1]
    return field


@njit(cache=True, nogil=True)
def patchmatch(features, targets, target_index, valid, field, costs, iterations, seed, radius, penalty):
    """Improve ``field`` (and its ``costs``) in place by PatchMatch.

    Each iteration scans the targets in raster order (reverse order on odd iterations),
    tries the matches of the neighbour before it in x and in y shifted by one pixel
    (propagation), then random candidates around its match in windows that halve from
    the image size down to one pixel (random search, α = ½). Only centres with
    ``valid[y, x]`` are ever matched, at their patch distance plus ``penalty[y, x]``.
    """
    np.random.seed(seed)
    height, width = valid.shape
    count = targets.shape[0]
    for iteration in range(iterations):
        step = -1 if iteration % 2 == 0 else 1
        for k in range(count):
            i = k if step == -1 else count - 1 - k
            ty, tx = targets[i, 0], targets[i, 1]
            best_y, best_x, best = field[i, 0], field[i, 1], costs[i]
            # Propagation: the neighbour's match, moved by the same one pixel.
            for axis in range(2):
                ny = ty + step if axis == 0 else ty
                nx = tx + step if axis == 1 else tx
                if ny < 0 or ny >= height or nx < 0 or nx >= width:
                    continue
                j = target_index[ny, nx]
                if j < 0:
                    continue
                cy = field[j, 0] - (step if axis == 0 else 0)
                cx = field[j, 1] - (step if axis == 1 else 0)
                if cy < 0 or cy >= height or cx < 0 or cx >= width or not valid[cy, cx]:
                    continue
                if cy == best_y and cx == best_x:
                    continue
                d = _candidate_cost(features, ty, tx, cy, cx, radius, penalty, best)
                if d < best:
                    best_y, best_x, best = cy, cx, d
            # Random search around the best match so far.
            window = max(height, width)
            while window >= 1:
                cy = best_y + np.random.randint(-window, window + 1)
                cx = best_x + np.random.randint(-window, window + 1)
                if 0 <= cy < height and 0 <= cx < width and valid[cy, cx]:
                    d = _candidate_cost(features, ty, tx, cy, cx, radius, penalty, best)
                    if d < best:
                        best_y, best_x, best = cy, cx, d
                window //= 2
            field[i, 0], field[i, 1], costs[i] = best_y, best_x, best


@njit(cache=True, nogil=True)
def upsample_field(coarse_targets, coarse_field, coarse_index, targets, valid, seed, sources):
    """The next finer level's field from a coarse one: each fine target takes the match of
    the coarse target above it, doubled, plus its own offset within the 2×2 cell (so the
    coarse level's choice of *where to copy from* carries the fine level's detail). A
    match that lands on an invalid fine centre is replaced by the nearest valid centre in
    a 5×5 window, else by a random source."""
    np.random.seed(seed)
    height, width = valid.shape
    coarse_height, coarse_width = coarse_index.shape
    field = np.empty_like(targets)
    for i in range(targets.shape[0]):
        ty, tx = targets[i, 0], targets[i, 1]
        cy_, cx_ = min(ty // 2, coarse_height - 1), min(tx // 2, coarse_width - 1)
        j = coarse_index[cy_, cx_]
        if j < 0:
            j = _nearest_target(coarse_index, cy_, cx_)
        found = False
        if j >= 0:
            sy = coarse_field[j, 0] * 2 + (ty - 2 * cy_)
            sx = coarse_field[j, 1] * 2 + (tx - 2 * cx_)
            best = 1 << 30
            for dy in range(-2, 3):
                for dx in range(-2, 3):
                    y, x = sy + dy, sx + dx
                    if 0 <= y < height and 0 <= x < width and valid[y, x] and dy * dy + dx * dx < best:
                        best = dy * dy + dx * dx
                        field[i, 0], field[i, 1] = y, x
                        found = True
        if not found:
            k = np.random.randint(0, sources.shape[0])
            field[i, 0], field[i, 1] = sources[k, 0], sources[k, 1]
    return field


@njit(cache=True, nogil=True)
def _nearest_target(index, y, x):
    """A target index within two cells of (y, x), or -1."""
    height, width = index.shape
    for reach in range(1, 3):
        for dy in range(-reach, reach + 1):
            for dx in range(-reach, reach + 1):
                yy, xx = y + dy, x + dx
                if 0 <= yy < height and 0 <= xx < width and index[yy, xx] >= 0:
                    return index[yy, xx]
    return -1
