"""Guidance maps for structural guided inpainting (thesis §5.4).

A guidance map marks known pixels the contextual attention must *not* copy from (1 =
foreground, do not copy; 0 = background, allowed). The attention layer turns it into the
hard weighting ``G`` of eq. 5.12 (``inpaintkit.layers.attention``); here we only build it.

§5.4.3: "we label all the recognized objects and people as foregrounds and the rest of
the regions as background" — so the automatic map is the union of every *other* instance
the segmentation found. The target itself is the hole, which the attention ignores anyway;
it is left out of the map so that the map stays a statement about known pixels.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .instances import Instance


def auto_guidance(image: np.ndarray, target_mask: np.ndarray, instances: Sequence[Instance],
                  min_overlap: float = 0.5) -> np.ndarray:
    """``H×W`` bool: the other instances (foreground to avoid), minus the hole.

    ``image``: uint8 RGB ``H×W×3`` (only its size is used today; kept so a future map can
    look at the pixels, e.g. to add edges). ``target_mask``: ``H×W`` bool hole.
    ``instances``: everything the segmentation found; an instance is the target itself,
    and skipped, when more than ``min_overlap`` of it lies inside the hole.
    """
    height, width = image.shape[:2]
    hole = np.asarray(target_mask, bool)
    if hole.shape != (height, width):
        raise ValueError(f"target mask {hole.shape} does not match image {(height, width)}")
    guidance = np.zeros((height, width), bool)
    for instance in instances:
        area = instance.area
        if area == 0 or np.count_nonzero(instance.mask & hole) > min_overlap * area:
            continue
        guidance |= instance.mask
    return guidance & ~hole
