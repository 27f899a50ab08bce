"""The click protocol of interactive segmentation benchmarks (Xu et al. 2016, "Deep
Interactive Object Selection", §4; the NoC metric of GrabCut/Berkeley/DAVIS tables).

A simulated user segments one object with a reference mask:

1. the first click is positive, at the object's interior point farthest from its edge
   (the maximum of the distance transform; the photo's frame counts as an edge);
2. every further click goes to the largest error region — a positive click where the
   prediction misses the object, a negative one where it takes too much — at that
   region's own interior point farthest from its edge;
3. NoC@t is the number of clicks after which IoU first reaches t, or the cap (20) if it
   never does.

The segmenter is any callable ``segmenter(image, positives, negatives) -> H×W bool``
with clicks as (x, y) pixel tuples, so a benchmark can put any back end behind it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import cv2
import numpy as np

Click = tuple[int, int]
ClickSegmenter = Callable[[np.ndarray, Sequence[Click], Sequence[Click]], np.ndarray]
MAX_CLICKS = 20
NOC_TARGETS = (0.85, 0.90)


def iou(prediction: np.ndarray, reference: np.ndarray) -> float:
    """Intersection over union of two bool masks (1.0 when both are empty)."""
    union = np.count_nonzero(prediction | reference)
    return np.count_nonzero(prediction & reference) / union if union else 1.0


def farthest_from_edge(region: np.ndarray) -> tuple[Click, float]:
    """The pixel (x, y) of ``region`` (``H×W`` bool, not empty) farthest from its edge and
    that distance in pixels; pixels outside the photo count as outside the region."""
    padded = np.pad(region.astype(np.uint8), 1)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(distance)), distance.shape)
    return (int(x), int(y)), float(distance[y, x])


def first_click(reference: np.ndarray) -> Click:
    """The protocol's first (positive) click: the reference's distance-transform maximum."""
    if not reference.any():
        raise ValueError("the reference mask is empty")
    return farthest_from_edge(reference)[0]


def next_click(prediction: np.ndarray, reference: np.ndarray) -> tuple[Click, bool]:
    """The correction click: ``((x, y), positive)`` at the centre of the largest connected
    error region (positive if it is missed object, negative if it is wrongly included)."""
    best_area, best = 0, None
    for errors, positive in ((reference & ~prediction, True), (prediction & ~reference, False)):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(errors.astype(np.uint8), connectivity=8)
        if count > 1:
            index = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            if stats[index, cv2.CC_STAT_AREA] > best_area:
                best_area, best = stats[index, cv2.CC_STAT_AREA], (labels == index, positive)
    if best is None:
        raise ValueError("the prediction equals the reference: no error left to click on")
    region, positive = best
    return farthest_from_edge(region)[0], positive


def clicks_to_reach(ious: Sequence[float], target: float, cap: int = MAX_CLICKS) -> int:
    """NoC@target: the 1-based index of the first IoU ≥ ``target``, else ``cap``."""
    for count, value in enumerate(ious[:cap], start=1):
        if value >= target:
            return count
    return cap


@dataclass
class ClickRun:
    """One object's simulated session: IoU after each click, the clicks themselves
    ((x, y), positive), and the masks after the first and the last click."""

    ious: list[float] = field(default_factory=list)
    clicks: list[tuple[Click, bool]] = field(default_factory=list)
    first_mask: np.ndarray | None = None
    last_mask: np.ndarray | None = None

    def noc(self, target: float, cap: int = MAX_CLICKS) -> int:
        return clicks_to_reach(self.ious, target, cap)


def simulate_clicks(segmenter: ClickSegmenter, image: np.ndarray, reference: np.ndarray,
                    max_clicks: int = MAX_CLICKS, stop_at: float = max(NOC_TARGETS)) -> ClickRun:
    """Run the protocol on one object. Stops after ``max_clicks`` or once IoU reaches
    ``stop_at`` (later clicks cannot change NoC at or below it)."""
    run = ClickRun()
    positives: list[Click] = []
    negatives: list[Click] = []
    prediction = np.zeros(reference.shape, bool)
    for index in range(max_clicks):
        click, positive = (first_click(reference), True) if index == 0 else next_click(prediction, reference)
        (positives if positive else negatives).append(click)
        run.clicks.append((click, positive))
        prediction = np.asarray(segmenter(image, list(positives), list(negatives)), bool)
        run.ious.append(iou(prediction, reference))
        if index == 0:
            run.first_mask = prediction
        if run.ious[-1] >= stop_at or not (prediction ^ reference).any():
            break
    run.last_mask = prediction
    return run
