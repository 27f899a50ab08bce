"""Nearest-neighbour fields by PatchMatch (Barnes et al. 2009), compiled with numba.

A nearest-neighbour field (NNF) maps each *target* patch centre (a patch that overlaps
the hole) to the centre of a *source* patch (a patch the fill may copy from). Patches are
compared on two feature images (:mod:`inpaintkit.synthesis.features`):

- ``colour`` (``H×W×3`` float32): summed squared differences over the ``(2r+1)²`` pixels;
- ``smooth`` (``H×W×S`` float32): channels that are local means already (texture
  features, the low-passed guide). They vary slowly inside a patch, so they are compared
  on a 3×3 grid (the centre, the corners and the edge midpoints) and the sum is scaled to
  the patch's ``(2r+1)²`` pixels: a fifth of the work at ``r = 3``. (The centre alone is
  not enough: the texture's layout inside the patch tells grass from its blur.)

Targets are passed as a list of centres in raster order with an ``H×W`` index map
(``-1`` where no target), so that one search touches only the hole and its rim: the cost
grows with the hole, not with the photo.

Left alone, the search settles on a mosaic: each target takes whichever source is
closest, and a flat patch of the right mean colour is closer to a fine texture than any
copy of it that is not exactly aligned, so neighbouring targets copy from unrelated,
often flat places and the vote averages them into a smear. A ``coherence`` κ (Ashikhmin
2001; Hertzmann et al. 2001, "Image Analogies") prefers continuing a neighbour's copy: a
propagated match wins unless it is more than κ worse than the current one, and a
coherent match is left only for a candidate at least κ better. Coherent runs copy whole
pieces of texture, as PatchMatch's own fills do.

The search runs on all cores and is still a pure function of its inputs and seed. The
targets are cut into bands of :data:`BAND_ROWS` rows; the even bands are swept in
parallel, then the odd ones, so no band reads a neighbour that another thread is
writing, and every random number comes from a hash of (seed, sweep, target), not from a
per-thread generator.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

INFINITY = np.float32(3.0e38)
# Rows of targets one thread sweeps at a time: tall enough that propagation runs far
# inside a band, short enough that two cores get many bands each to share.
BAND_ROWS = 16

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _mix(x):
    """SplitMix64's finaliser: a well-spread 64-bit hash of ``x``."""
    x = (x ^ (x >> np.uint64(30))) * _MIX_1
    x = (x ^ (x >> np.uint64(27))) * _MIX_2
    return x ^ (x >> np.uint64(31))


@njit(cache=True, inline="always")
def _stream(seed, sweep, target):
    """The first state of the random stream of one target in one sweep. Each input is
    hashed in turn: with a linear mix, seeds ``s`` and ``s + 1`` would give the same
    stream shifted by one draw, and successive EM steps would retry the same candidates."""
    return _mix(_mix(_mix(np.uint64(seed)) + np.uint64(sweep)) + np.uint64(target))


@njit(cache=True, inline="always")
def _offset(state, window):
    """(next state, a uniform integer in [-window, window])."""
    state = state + _GOLDEN
    state, value = _below(state, 2 * window + 1)
    return state, value - window


@njit(cache=True, inline="always")
def _below(state, count):
    """(next state, a uniform integer in [0, count))."""
    state = state + _GOLDEN
    return state, np.int64(_mix(state) % np.uint64(count))


@njit(cache=True, nogil=True, inline="always")
def patch_distance(colour, smooth, ty, tx, sy, sx, radius, give_up):
    """Distance of the patches centred at (ty, tx) and (sy, sx); stops adding once the
    sum exceeds ``give_up`` (the caller only needs to know it lost)."""
    side = 2 * radius + 1
    step = max(radius, 1)
    samples = 0
    total = np.float32(0.0)
    for dy in range(-radius, radius + 1, step):
        for dx in range(-radius, radius + 1, step):
            samples += 1
            for c in range(smooth.shape[2]):
                diff = smooth[ty + dy, tx + dx, c] - smooth[sy + dy, sx + dx, c]
                total += diff * diff
    total *= np.float32(side * side / samples)
    if total > give_up:
        return total
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            for c in range(colour.shape[2]):
                diff = colour[ty + dy, tx + dx, c] - colour[sy + dy, sx + dx, c]
                total += diff * diff
        if total > give_up:
            return total
    return total


@njit(cache=True, parallel=True)
def field_costs(colour, smooth, targets, field, radius, penalty):
    """The distance of each target patch to its current match, plus the match's
    ``penalty`` (an ``H×W`` cost of using a source centre, e.g. for unknown pixels in it)."""
    costs = np.empty(targets.shape[0], np.float32)
    for i in prange(targets.shape[0]):
        sy, sx = field[i, 0], field[i, 1]
        costs[i] = penalty[sy, sx] + patch_distance(colour, smooth, targets[i, 0], targets[i, 1], sy, sx,
                                                    radius, INFINITY)
    return costs


@njit(cache=True, nogil=True)
def random_field(targets, sources, seed):
    """Each target matched to a source drawn uniformly from ``sources`` (N×2)."""
    field = np.empty_like(targets)
    for i in range(targets.shape[0]):
        _, k = _below(_stream(seed, 0, i), sources.shape[0])
        field[i, 0] = sources[k, 0]
        field[i, 1] = sources[k, 1]
    return field


@njit(cache=True, parallel=True)
def patchmatch(colour, smooth, targets, target_index, valid, field, costs, iterations, seed, radius, penalty,
               window, coherence=0.0):
    """Improve ``field`` (and its ``costs``) in place by PatchMatch.

    Each iteration scans the targets in raster order (reverse order on odd iterations),
    tries the matches of the neighbour before it in x and in y shifted by one pixel
    (propagation), then random candidates around its match in windows that halve from
    ``window`` down to one pixel (random search, α = ½). Only centres with
    ``valid[y, x]`` are ever matched, at their patch distance plus ``penalty[y, x]``.
    ``coherence``: κ, the preference for continuing a neighbour's match (module docstring).
    """
    starts = _band_starts(targets)
    bands = starts.shape[0] - 1
    for iteration in range(iterations):
        for parity in range(2):
            for half in prange((bands + 1 - parity) // 2):
                band = 2 * half + parity
                _sweep(colour, smooth, targets, target_index, valid, field, costs, starts[band],
                       starts[band + 1], iteration, seed, radius, penalty, window, coherence)


@njit(cache=True, nogil=True)
def _band_starts(targets):
    """Indices into the raster-ordered ``targets`` where each band of rows begins, and
    the count at the end (empty bands included, so band ``b`` is rows ``b·BAND_ROWS …``)."""
    count = targets.shape[0]
    if count == 0:
        return np.zeros(1, np.int64)
    last_band = targets[count - 1, 0] // BAND_ROWS
    starts = np.full(last_band + 2, count, np.int64)
    for i in range(count - 1, -1, -1):
        starts[targets[i, 0] // BAND_ROWS] = i
    for band in range(last_band, -1, -1):  # empty bands start where the next one does
        starts[band] = min(starts[band], starts[band + 1])
    return starts


@njit(cache=True, nogil=True)
def _sweep(colour, smooth, targets, target_index, valid, field, costs, start, stop, iteration, seed, radius,
           penalty, window, coherence):
    """One PatchMatch pass over the targets ``start … stop-1`` (one band)."""
    height, width = valid.shape
    step = -1 if iteration % 2 == 0 else 1
    for k in range(stop - start):
        i = start + k if step == -1 else stop - 1 - k
        ty, tx = targets[i, 0], targets[i, 1]
        best_y, best_x, best = field[i, 0], field[i, 1], costs[i]
        coherent = False  # whether the match so far continues a neighbour's
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
                coherent = True
                continue
            limit = best if coherent else best * (1 + coherence)
            d = _candidate_cost(colour, smooth, ty, tx, cy, cx, radius, penalty, limit)
            if d < limit:
                best_y, best_x, best = cy, cx, d
                coherent = True
        # Random search around the best match so far; a coherent match yields only to a
        # candidate at least κ better.
        state = _stream(seed, iteration, i)
        reach = window
        while reach >= 1:
            state, oy = _offset(state, reach)
            state, ox = _offset(state, reach)
            cy, cx = best_y + oy, best_x + ox
            if 0 <= cy < height and 0 <= cx < width and valid[cy, cx]:
                limit = best * (1 - coherence) if coherent else best
                d = _candidate_cost(colour, smooth, ty, tx, cy, cx, radius, penalty, limit)
                if d < limit:
                    best_y, best_x, best = cy, cx, d
                    coherent = False
            reach //= 2
        field[i, 0], field[i, 1], costs[i] = best_y, best_x, best


@njit(cache=True, nogil=True, inline="always")
def _candidate_cost(colour, smooth, ty, tx, sy, sx, radius, penalty, best):
    extra = penalty[sy, sx]
    if extra >= best:
        return extra
    return extra + patch_distance(colour, smooth, ty, tx, sy, sx, radius, best - extra)


@njit(cache=True, nogil=True)
def upsample_field(coarse_targets, coarse_field, coarse_index, targets, valid, seed, sources):
    """The next finer level's field from a coarse one: each fine target takes the match of
    the coarse target above it, doubled, plus its own offset within the 2×2 cell (so the
    coarse level's choice of *where to copy from* carries the fine level's detail). A
    match that lands on an invalid fine centre is replaced by the nearest valid centre in
    a 5×5 window, else by a random source."""
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
            _, k = _below(_stream(seed, 1, i), sources.shape[0])
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
