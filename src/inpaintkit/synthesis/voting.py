"""Voting: the image that a nearest-neighbour field implies (the M step of Wexler et al.
2007's EM completion), compiled with numba.

Every target patch puts its matched source patch over itself, so each hole pixel receives
one candidate value from each of the ``(2r+1)²`` patches that cover it; :func:`vote_mean`
takes their mean weighted by ``exp(-d / 2σ²)``, with ``d`` the patch distance and ``σ²`` a
percentile of the distances over the hole (Wexler et al. use the 75th). Where the field is
coherent, the candidates agree and the mean is an exact copy of the source; where it is
not, the mean blends the seam. (Newson et al.'s single best patch per pixel copies
sharper but leaves those seams hard, as blocks of flat colour in smooth backgrounds.)

The final reconstruction at full resolution also weights each candidate by a Gaussian of
its offset from the centre of the patch that brings it (``offset_sigma``): a pixel then
takes its value mostly from the patches centred on it and its neighbours, which keeps
more of the copied texture than a mean over all ``(2r+1)²`` that cover it, while the
weights still blend where neighbouring copies disagree.

Only hole pixels are voted; the image itself is never written.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

WEIGHT_PERCENTILE = 75.0


def vote_weights(costs: np.ndarray, percentile: float = WEIGHT_PERCENTILE) -> np.ndarray:
    """``exp(-d / 2σ²)`` with ``σ²`` a percentile of the distances (75th: Wexler et al.)."""
    if costs.size == 0:
        return costs.astype(np.float32)
    sigma2 = max(float(np.percentile(costs, percentile)), 1e-6)
    return np.exp(-costs.astype(np.float64) / (2.0 * sigma2)).astype(np.float32)


@njit(cache=True, parallel=True)
def vote_mean(image, pixels, target_index, field, weights, radius, offset_sigma):
    """The weighted mean of the candidates of each of ``pixels`` (``N×2`` hole pixels),
    as ``N×C``; a pixel that no patch covers, or whose weights all round to zero, keeps
    its value in ``image`` (``H×W×C``). Each candidate's weight is its patch's ``weights``
    entry, times ``exp(-|offset|² / 2σ²)`` with ``σ = offset_sigma`` when that is
    positive (0: the plain weighted mean). Where the offset factors round every weight of
    a pixel to zero (its patches' weights were already near float32's smallest), the
    pixel takes the plain weighted mean instead.

    Gathered per pixel rather than scattered per patch — the target centred at
    ``p - d`` puts its source's pixel ``field + d`` on ``p`` — so that pixels can be
    voted in parallel and ``image`` is only read."""
    side = 2 * radius + 1
    plain = np.ones((side, side), np.float32)
    offset_weights = plain.copy()
    if offset_sigma > 0:
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                offset_weights[dy + radius, dx + radius] = np.exp(-(dy * dy + dx * dx) / (2.0 * offset_sigma ** 2))
    voted = np.zeros((pixels.shape[0], image.shape[2]), np.float32)
    for k in prange(pixels.shape[0]):
        y, x = pixels[k, 0], pixels[k, 1]
        weight_sum = _gather(image, y, x, target_index, field, weights, radius, offset_weights, voted[k])
        if weight_sum == 0 and offset_sigma > 0:
            voted[k, :] = 0.0
            weight_sum = _gather(image, y, x, target_index, field, weights, radius, plain, voted[k])
        for c in range(image.shape[2]):
            voted[k, c] = voted[k, c] / weight_sum if weight_sum > 0 else image[y, x, c]
    return voted


@njit(cache=True, nogil=True)
def _gather(image, y, x, target_index, field, weights, radius, offset_weights, total):
    """Adds each candidate of pixel ``(y, x)`` times its weight to ``total`` (``C``) and
    returns the weights' sum."""
    height, width, channels = image.shape
    weight_sum = np.float32(0.0)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            ty, tx = y - dy, x - dx
            if ty < 0 or ty >= height or tx < 0 or tx >= width:
                continue
            i = target_index[ty, tx]
            if i < 0:
                continue
            w = weights[i] * offset_weights[dy + radius, dx + radius]
            sy, sx = field[i, 0] + dy, field[i, 1] + dx
            for c in range(channels):
                total[c] += w * image[sy, sx, c]
            weight_sum += w
    return weight_sum
