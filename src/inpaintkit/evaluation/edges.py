"""Does a fill continue the structures that cross its hole, or smear them? Two numbers.

L1, PSNR and SSIM reward the mean of all plausible fills, which is a blur: a smooth fill
can beat a sharp one that puts an edge two pixels off. Issue #4 asks that fills "continue
structures (horizons, edges) rather than smear", so the benchmark measures that too:

- **Edge F1 in the hole** (``edge_f1_hole``, ↑, in [0, 1]): Canny edges of the prediction
  and of the truth, each found on the whole (composited) image, counted inside the hole.
  Precision is the share of the prediction's hole edge pixels that lie within a tolerance
  of a truth edge; recall, the share of the truth's hole edge pixels within the tolerance
  of a predicted edge; F1 their harmonic mean. Matching uses edges anywhere in the image,
  so an edge drawn just inside the hole next to its known part counts; a seam along the
  hole's rim is an edge the truth lacks and costs precision. Smeared edges fall under
  Canny's threshold and cost recall.
- **Gradient ratio in the hole** (``gradient_ratio_hole``, → 1): the root-mean-square
  gradient (Sobel, luma) of the prediction over the hole divided by the truth's.
  1 is as much detail as the photo had; below 1 is smoothing (a smear); above 1 is
  invented detail or noise. Root mean *square*, not the mean magnitude: the mean
  magnitude of any monotone ramp across the hole is the same however soft the ramp
  (its total variation), so it would not see a smeared edge; the RMS falls as the
  square root of the ramp's width.

Neither number knows a real edge from an artefact. Stripes such as an adversarially trained
model paints early on raise the gradient ratio, and those that run along a true edge count
as matches too: in one such fine-tune the ratio went from 0.25 to 0.70 and edge F1 by
0.07–0.13 while the fills got worse to the eye
(``docs/experiments/2026-11-26-cpu-adversarial-term.md``). Read a rise
beside the zoomed contact sheet and the pixel metrics, never alone.

Choices, written down because the literature varies:

- Canny as in scikit-image, σ = 2 (structures, not JPEG noise or fine texture), hysteresis
  thresholds 0.1 / 0.2 on the gradient of luma in [0, 1]: an edge of about 12 % contrast
  or more. Fixed thresholds, not quantiles, so that a blurrier image has fewer edges.
- Tolerance 0.0075 × the image diagonal (5.4 px at 512²), the default of the BSDS boundary
  benchmark (Martin et al. 2004). Matching is by distance transform, not BSDS's one-to-one
  assignment: one truth edge pixel may match several predicted ones. It is simpler and
  slightly lenient on doubled edges.
- Empty sets: no predicted edge in the hole gives precision 1 (nothing false), no truth
  edge gives recall 1 (nothing missed). So a flat fill of a flat region scores F1 = 1, and
  any edge invented where the truth has none scores 0.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
from scipy import ndimage
from skimage.feature import canny

from ..image_io import to_unit

CANNY_SIGMA = 2.0
CANNY_LOW, CANNY_HIGH = 0.1, 0.2
TOLERANCE_OF_DIAGONAL = 0.0075  # BSDS' maxDist

EDGE_METRIC_NAMES = ("edge_f1_hole", "gradient_ratio_hole")


def luma(image: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an ``H×W×3`` RGB image (uint8, or float in [0, 1]), float64 in [0, 1]."""
    return to_unit(image) @ np.array([0.299, 0.587, 0.114])


def edge_map(image: np.ndarray) -> np.ndarray:
    """Boolean ``H×W`` Canny edges of an RGB image (the module's fixed settings)."""
    return canny(luma(image), sigma=CANNY_SIGMA, low_threshold=CANNY_LOW, high_threshold=CANNY_HIGH,
                 mode="reflect")


def edge_tolerance(shape: tuple[int, ...]) -> float:
    """The matching distance in pixels for an image of this ``(H, W, …)`` shape (≥ 1)."""
    return max(1.0, TOLERANCE_OF_DIAGONAL * math.hypot(shape[0], shape[1]))


def edge_precision_recall(pred: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> tuple[float, float]:
    """(precision, recall) of the prediction's edges inside ``hole`` against the truth's."""
    hole = np.asarray(hole) != 0
    pred_edges, truth_edges = edge_map(pred), edge_map(truth)
    tolerance = edge_tolerance(truth.shape)
    return (_matched_share(pred_edges & hole, truth_edges, tolerance),
            _matched_share(truth_edges & hole, pred_edges, tolerance))


def _matched_share(counted: np.ndarray, targets: np.ndarray, tolerance: float) -> float:
    """Share of the ``counted`` pixels within ``tolerance`` of a ``targets`` pixel;
    1 when nothing is counted, 0 when there is no target."""
    if not counted.any():
        return 1.0
    if not targets.any():
        return 0.0
    distance = ndimage.distance_transform_edt(~targets)  # to the nearest target pixel
    return float((distance[counted] <= tolerance).mean())


def edge_f1(pred: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    """Harmonic mean of :func:`edge_precision_recall` (0 when both are 0); NaN for an empty hole."""
    if not np.any(hole):
        return math.nan
    precision, recall = edge_precision_recall(pred, truth, hole)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def gradient_ratio(pred: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    """RMS Sobel gradient of the prediction's luma over the hole ÷ the truth's; NaN for an
    empty hole or a truth without any gradient there."""
    hole = np.asarray(hole) != 0
    truth_energy = _gradient_energy(truth)[hole]
    if not truth_energy.size or truth_energy.mean() == 0:
        return math.nan
    return float(math.sqrt(_gradient_energy(pred)[hole].mean() / truth_energy.mean()))


def _gradient_energy(image: np.ndarray) -> np.ndarray:
    """Squared Sobel gradient magnitude of the luma, per pixel."""
    gray = luma(image)
    gx = cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT)
    gy = cv2.Sobel(gray, cv2.CV_64F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT)
    return gx * gx + gy * gy


def edge_scores(pred: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    """Both structure numbers of one uint8 ``H×W×3`` prediction (see the module docstring)."""
    return {"edge_f1_hole": edge_f1(pred, truth, hole), "gradient_ratio_hole": gradient_ratio(pred, truth, hole)}
