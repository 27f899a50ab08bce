"""Filling a mask's holes, as ``scipy.ndimage.binary_fill_holes`` does, in one pass.

SciPy's version grows the outside inwards by repeated dilation, ~15 ms on a 640×480
mask; the click search and the selection fill a dozen masks per prompt. Here the
background is labelled once (4-connected, as SciPy propagates) and every part of it
that does not reach the frame is filled: the same pixels, a fraction of the time.
"""
from __future__ import annotations

import cv2
import numpy as np


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` (``H×W`` bool) with every background region that does not reach the
    image's frame (4-connected) filled in."""
    # A ring of background around the photo joins every region that reaches the frame
    # into the ring's own label.
    outside = np.pad(~mask.astype(bool), 1, constant_values=True).view(np.uint8)
    _, labels = cv2.connectedComponents(outside, connectivity=4)
    return (labels != labels[0, 0])[1:-1, 1:-1]
