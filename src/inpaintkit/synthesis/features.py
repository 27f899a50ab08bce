"""The per-pixel features whose patches PatchMatch compares.

Colour alone makes the search prefer smooth source patches: a flat patch is, on average,
closer to anything than a textured one, so a fill drifts towards flat. Newson et al. (IPOL
2017) add **texture features**, the local mean of ``|∂x I|`` and ``|∂y I|``, so that a
patch of grass only matches grass. A third group carries the **guide**: the learned
model's fill, low-passed, against the photo low-passed the same way. It compares layouts
(where the horizon is, which region is sky) and not detail, so a textured source patch is
as close to the network's blur as a flat one of the same mean colour, and the guide
steers *where* the fill copies from without pulling it towards smooth patches.
"""
from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

TEXTURE_WINDOW = 7


def texture_features(colour: np.ndarray, window: int = TEXTURE_WINDOW) -> np.ndarray:
    """``H×W×2``: local means of the absolute horizontal and vertical luma derivatives
    of ``colour`` (float32 ``H×W×3``)."""
    # The channels added one by one: the same float32 sums as ``colour.mean(axis=2)``, whose
    # reduction over a three-long axis takes ten times as long.
    grey = (colour[..., 0] + colour[..., 1] + colour[..., 2]) / 3
    dx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=1))
    dy = np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=1))
    return np.dstack([cv2.blur(dx, (window, window)), cv2.blur(dy, (window, window))])


def low_pass(colour: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian low-pass of an ``H×W×C`` float image (the guide's scale of comparison,
    ``SynthesisSettings.guide_sigma`` at the level's resolution)."""
    return cv2.GaussianBlur(colour, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def search_features(values: np.ndarray, guide: Optional[np.ndarray], texture_weight: float,
                    guide_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """What patch distances are summed over, as two contiguous float32 images
    (:mod:`.nnf`): the colour of ``values`` (``H×W×5``, colour then
    :func:`texture_features`), and the *smooth* channels — the weighted texture and, when
    given and weighted, the already low-passed ``guide`` (``H×W×3``)."""
    smooth = [texture_weight * values[..., 3:5]]
    if guide is not None and guide_weight > 0:
        smooth.append(guide_weight * guide)
    return (np.ascontiguousarray(values[..., :3], dtype=np.float32),
            np.ascontiguousarray(np.dstack(smooth), dtype=np.float32))
