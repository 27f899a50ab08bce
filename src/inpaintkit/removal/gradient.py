"""The colour gradient that marker watersheds split along (people in :mod:`.people`,
exclude clicks in :mod:`.selection`)."""
from __future__ import annotations

import cv2
import numpy as np


def colour_gradient(image: np.ndarray, blur: int = 3) -> np.ndarray:
    """``H×W`` float32: the Sobel gradient magnitude summed over the Lab channels of
    ``image`` (uint8 RGB) after a ``blur``×``blur`` Gaussian. Lab, because two people in
    shirts of equal brightness still differ in hue."""
    smooth = cv2.GaussianBlur(image, (blur, blur), 0) if blur > 1 else image
    lab = cv2.cvtColor(smooth, cv2.COLOR_RGB2LAB).astype(np.float32)
    gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = np.sqrt(gx ** 2 + gy ** 2)
    # The channels added one by one: the same float32 sums as ``.sum(axis=2)``, whose
    # reduction over a three-long axis takes ten times as long.
    return magnitude[..., 0] + magnitude[..., 1] + magnitude[..., 2]
