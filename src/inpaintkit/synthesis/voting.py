"""Voting: the image that a nearest-neighbour field implies (the M step of Wexler et al.
2007's EM completion), compiled with numba.

Every target patch puts its matched source patch over itself, so each hole pixel receives
one candidate value from each of the ``(2r+1)²`` patches that cover it; :func:`vote_mean`
takes their mean weighted by ``exp(-d / 2σ²)``, with ``d`` the patch distance and ``σ²`` a
percentile of the distances over the hole (Wexler et al. use the 75th). Where the field is
coherent, the candidates agree and the mean is an exact copy of the source; where it is
not, the mean blends the seam. (Newson et al.'s single best patch per pixel copies
sharper but leaves those seams hard, as blocks of flat colour in smooth backgrounds.)

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
