"""Boundary refinement: a coarse object mask redrawn along the photo's own edges.

The click back end finds objects with GrabCut on windows reduced to a small side (speed),
so its masks come back as staircases a few pixels wide at the working resolution. Here
GrabCut runs once more on the object's crop at a finer resolution, free only in a band
along the coarse boundary: inside the band the mask is *sure foreground*, outside it
*sure background*. The object cannot grow or shrink by more than the band, so a coarse
mask that was right stays right, and its edge snaps to the colour edge. Parts thinner
than the band (legs, antennae) stay as they were.
"""
from __future__ import annotations

import cv2
import numpy as np

# GrabCut on the crop runs on a copy whose long side is at most this.
REFINE_SIDE = 256
ITERATIONS = 2


def band_width(mask: np.ndarray) -> int:
    """The band's half width in pixels: 6 % of the object's equivalent side, 2..16 px —
    about the step of the coarse mask for objects of every size."""
    return int(np.clip(round(0.06 * np.sqrt(np.count_nonzero(mask))), 2, 16))


def refine_boundary(image: np.ndarray, mask: np.ndarray, band: int | None = None) -> np.ndarray:
    """``mask`` (``H×W`` bool) with its boundary redrawn by GrabCut in a band of ``band``
    pixels on either side (default :func:`band_width`). Returns the mask unchanged when it
    is empty or GrabCut cannot run (a flat crop)."""
    if not mask.any():
        return mask
    band = band_width(mask) if band is None else band
    ys, xs = np.nonzero(mask)
    height, width = mask.shape
    pad = 2 * band + 2
    y0, y1 = max(0, ys.min() - pad), min(height, ys.max() + 1 + pad)
    x0, x1 = max(0, xs.min() - pad), min(width, xs.max() + 1 + pad)
    crop, region = np.ascontiguousarray(image[y0:y1, x0:x1]), mask[y0:y1, x0:x1].astype(np.uint8)
    scale = min(1.0, REFINE_SIDE / max(crop.shape[:2]))
    if scale < 1.0:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        region = cv2.resize(region, size, interpolation=cv2.INTER_NEAREST)
    reach = max(1, round(band * scale))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    sure_fg = cv2.erode(region, disc) > 0
    maybe = cv2.dilate(region, disc) > 0
    labels = np.full(region.shape, cv2.GC_BGD, np.uint8)
    labels[maybe] = cv2.GC_PR_BGD
    labels[region > 0] = cv2.GC_PR_FGD
    labels[sure_fg] = cv2.GC_FGD
    # Parts thinner than the band (legs, antennae, a handle) have no inside to anchor them
    # and GrabCut's smoothness would cut them off: they keep their coarse outline.
    labels[_thin_parts(region, reach)] = cv2.GC_FGD
    if not sure_fg.any() or not (labels == cv2.GC_BGD).any():
        return mask  # too thin to have an inside, or no outside to learn from
    background, foreground = np.zeros((1, 65)), np.zeros((1, 65))
    try:
        cv2.grabCut(crop, labels, None, background, foreground, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return mask
    fg = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    if scale < 1.0:  # linear, then > ½: a smooth edge, not the small copy's staircase
        fg = cv2.resize(fg, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    out = mask.copy()
    out[y0:y1, x0:x1] = fg > 0.5
    return out


def _thin_parts(region: np.ndarray, reach: int) -> np.ndarray:
    """The parts of ``region`` (uint8) an opening by a disc of radius ``reach`` removes
    that are longer than ``3·reach``: legs and antennae, not the corners of a staircase
    edge."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    thin = ((region > 0) & (cv2.morphologyEx(region, cv2.MORPH_OPEN, disc) == 0)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(thin, connectivity=8)
    long_enough = np.zeros(count, bool)
    long_enough[1:] = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]) > 3 * reach
    return long_enough[labels]
