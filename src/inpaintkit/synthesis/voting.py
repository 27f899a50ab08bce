"""Voting: the image that a nearest-neighbour field implies (the M step of Wexler et al.
2007's EM completion), compiled with numba.

Every target patch puts its matched source patch over itself, so each hole pixel receives
one candidate colour from each of the ``(2r+1)²`` patches that cover it. Two ways to
choose among them:

- :func:`vote_mean`: the mean weighted by ``exp(-d / 2σ²)``, with ``d`` the patch
  distance and ``σ²`` its 75th percentile over the hole (Wexler et al.). Coherent and
  robust, used at the coarse levels where the layout is being decided; a mean of
  misaligned candidates is a blur, so it is not used at full resolution.
- :func:`vote_best`: the colour of the single best patch covering the pixel (Newson et
  al. 2017 at their finest level): copies the source's detail without averaging it away.

Known pixels are never written.
"""
from __future__ import annotations

import numpy as np
from numba import njit

WEIGHT_PERCENTILE = 75.0


def vote_weights(costs: np.ndarray, percentile: float = WEIGHT_PERCENTILE) -> np.ndarray:
    """``exp(-d / 2σ²)`` with ``σ²`` a percentile of the distances (75th: Wexler et al.)."""
    if costs.size == 0:
        return costs.astype(np.float32)
    sigma2 = max(float(np.percentile(costs, percentile)), 1e-6)
    return np.exp(-costs.astype(np.float64) / (2.0 * sigma2)).astype(np.float32)


@njit(cache=True, nogil=True)
def vote_mean(image, hole, targets, field, weights, radius):
    """``image`` (H×W×C float32) with each hole pixel replaced by the weighted mean of its
    candidates; a hole pixel no patch covers keeps its value."""
    height, width, channels = image.shape
    total = np.zeros((height, width, channels), np.float32)
    weight_sum = np.zeros((height, width), np.float32)
    for i in range(targets.shape[0]):
        ty, tx, sy, sx, w = targets[i, 0], targets[i, 1], field[i, 0], field[i, 1], weights[i]
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                if hole[ty + dy, tx + dx]:
                    for c in range(channels):
                        total[ty + dy, tx + dx, c] += w * image[sy + dy, sx + dx, c]
                    weight_sum[ty + dy, tx + dx] += w
    result = image.copy()
    for y in range(height):
        for x in range(width):
            if hole[y, x] and weight_sum[y, x] > 0:
                for c in range(channels):
                    result[y, x, c] = total[y, x, c] / weight_sum[y, x]
    return result


@njit(cache=True, nogil=True)
def vote_best(image, hole, targets, field, costs, radius):
    """``image`` with each hole pixel taken from the best-matching patch that covers it.

    Patch distances are sums over ``(2r+1)²`` pixels, so patches compare fairly."""
    height, width, channels = image.shape
    best = np.full((height, width), np.float32(3.0e38), np.float32)
    result = image.copy()
    for i in range(targets.shape[0]):
        ty, tx, sy, sx, d = targets[i, 0], targets[i, 1], field[i, 0], field[i, 1], costs[i]
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                if hole[ty + dy, tx + dx] and d < best[ty + dy, tx + dx]:
                    best[ty + dy, tx + dx] = d
                    for c in range(channels):
                        result[ty + dy, tx + dx, c] = image[sy + dy, sx + dx, c]
    return result
